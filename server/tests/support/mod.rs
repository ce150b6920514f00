//! A real Quell server on port 0 with a fresh database, and typed helpers to talk to it.

#![allow(dead_code)]

use app::state::{AppState, ManualClock, Settings};
use app::store::testing::TestDatabase;
use chrono::Utc;
use reqwest::header::{HeaderMap, HeaderValue, SET_COOKIE};
use reqwest::{redirect, Client, Response, StatusCode};
use serde_json::Value;
use std::sync::Arc;

pub const ADMIN_EMAIL: &str = "admin@example.com";
pub const ADMIN_PASSWORD: &str = "correct horse battery staple";
pub const USER_PASSWORD: &str = "another long passphrase";

pub struct TestApp {
    pub address: String,
    pub clock: Arc<ManualClock>,
    pub db: TestDatabase,
    /// The server and its background work, started as `quell serve` starts them.
    running: server::start::Running,
    /// Where its delivery worker sends email.
    smtp: Option<server::delivery::SmtpSettings>,
}

/// How often test on-call workers look for due steps (production: 1 s).
pub const ON_CALL_POLL: std::time::Duration = std::time::Duration::from_millis(50);

/// How often test delivery workers look for due deliveries (production: 2 s).
pub const DELIVERY_POLL: std::time::Duration = std::time::Duration::from_millis(50);

pub async fn spawn_app(db: TestDatabase) -> TestApp {
    spawn_app_with_smtp(db, None).await
}

/// A server whose delivery worker sends email through `smtp`.
pub async fn spawn_app_with_smtp(db: TestDatabase, smtp: Option<server::delivery::SmtpSettings>) -> TestApp {
    spawn_app_with(db, smtp, test_settings()).await
}

/// A server with these settings (tests of what the defaults refuse use `Settings::default()`).
pub async fn spawn_app_with(db: TestDatabase, smtp: Option<server::delivery::SmtpSettings>, settings: Settings) -> TestApp {
    // Server logs are captured per test and shown when it fails (QUELL_TEST_LOG sets the filter).
    let filter = std::env::var("QUELL_TEST_LOG").unwrap_or_else(|_| "warn".to_string());
    let _ = tracing_subscriber::fmt().with_test_writer().with_env_filter(filter).try_init();
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let (address, running) = serve(db.store.clone(), clock.clone(), settings, smtp.clone(), test_options()).await;
    TestApp { address, clock, db, running, smtp }
}

/// A server whose site (the browser's files) is in `site_root`, named as `quell serve` names
/// them: hashed when the site has a hash file.
pub async fn spawn_app_with_site(db: TestDatabase, site_root: &str) -> TestApp {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let mut options = test_options();
    options.site_root = site_root.into();
    app::assets::use_build(&mut options);
    let (address, running) = serve(db.store.clone(), clock.clone(), test_settings(), None, options).await;
    TestApp { address, clock, db, running, smtp: None }
}

fn test_options() -> leptos::config::LeptosOptions {
    leptos::config::LeptosOptions::builder().output_name("quell").build()
}

/// Serves `store` on port 0 through the same start-up as `quell serve` (server, live relay,
/// delivery and on-call workers), with the tests' shorter polls; returns the address, which links
/// in notifications start with (as `QUELL_PUBLIC_URL` would say).
async fn serve(
    store: app::store::Store,
    clock: Arc<ManualClock>,
    settings: Settings,
    smtp: Option<server::delivery::SmtpSettings>,
    options: leptos::config::LeptosOptions,
) -> (String, server::start::Running) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
    let address = format!("http://{}", listener.local_addr().unwrap());
    let state = AppState::new(options, store, clock, Settings { base_url: address.clone(), ..settings });
    let background = server::start::Background {
        smtp,
        on_call_poll: ON_CALL_POLL,
        delivery_poll: DELIVERY_POLL,
    };
    let running = server::start::start(state, listener, background);
    (address, running)
}

/// The settings test servers run with: as by default, except that outbound requests may reach
/// this machine, where the tests' receivers listen.
pub fn test_settings() -> Settings {
    Settings { outbound: app::state::outbound::OutboundPolicy::loopback_allowed(), ..Settings::default() }
}

/// A browser-like client: keeps cookies, does not follow redirects (tests look at them).
pub fn client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(redirect::Policy::none())
        .timeout(REQUEST_TIMEOUT)
        .build()
        .unwrap()
}

/// A request that takes longer than this is a hang, and fails the test.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

/// A client that keeps no cookies, for replaying a cookie by hand.
pub fn bare_client() -> Client {
    Client::builder().redirect(redirect::Policy::none()).timeout(REQUEST_TIMEOUT).build().unwrap()
}

impl TestApp {
    /// What the application's clock says now.
    pub fn clock_now(&self) -> chrono::DateTime<Utc> {
        app::state::Clock::now(self.clock.as_ref())
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn post(&self, client: &Client, path: &str, form: &[(&str, &str)]) -> Response {
        client.post(self.url(path)).form(form).send().await.expect("request sent")
    }

    pub async fn get(&self, client: &Client, path: &str) -> Response {
        client.get(self.url(path)).send().await.expect("request sent")
    }

    /// Creates the first admin through the API; the client is signed in afterwards.
    pub async fn create_first_admin(&self, client: &Client) -> Response {
        self.post(
            client,
            "/api/setup/first-admin",
            &[
                ("email", ADMIN_EMAIL),
                ("display_name", "Ada Admin"),
                ("time_zone", "Europe/London"),
                ("password", ADMIN_PASSWORD),
                ("password_confirmation", ADMIN_PASSWORD),
            ],
        )
        .await
    }

    pub async fn login(&self, client: &Client, email: &str, password: &str) -> Response {
        self.post(client, "/api/auth/login", &[("email", email), ("password", password), ("next", "")]).await
    }

    /// As a signed-in admin, creates a user and returns its JSON.
    pub async fn create_user(&self, admin: &Client, email: &str, role: &str) -> Value {
        self.create_user_named(admin, email, "Test Person", role).await
    }

    /// As a signed-in admin, creates a user with a display name and returns its JSON.
    pub async fn create_user_named(&self, admin: &Client, email: &str, name: &str, role: &str) -> Value {
        let response = self
            .post(
                admin,
                "/api/users/create",
                &[("email", email), ("display_name", name), ("role", role), ("password", USER_PASSWORD)],
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK, "create user");
        response.json().await.unwrap()
    }

    /// A fresh admin client (first admin created) and the app ready to use.
    pub async fn admin(&self) -> Client {
        let admin = client();
        let response = self.create_first_admin(&admin).await;
        assert_eq!(response.status(), StatusCode::OK, "first admin: {:?}", response.text().await);
        admin
    }

    /// The signed-in user's email according to the server, or None.
    pub async fn whoami(&self, client: &Client) -> Option<String> {
        let info: Value = self.post(client, "/api/session", &[]).await.json().await.unwrap();
        info["user"]["email"].as_str().map(str::to_string)
    }

    /// A signed-in client for a new user with `role` (admin, responder or viewer).
    pub async fn signed_in_as(&self, admin: &Client, email: &str, role: &str) -> Client {
        self.signed_in_as_named(admin, email, "Test Person", role).await
    }

    /// A signed-in client for a new user with a display name and `role`.
    pub async fn signed_in_as_named(&self, admin: &Client, email: &str, name: &str, role: &str) -> Client {
        self.create_user_named(admin, email, name, role).await;
        let client = client();
        let response = self.login(&client, email, USER_PASSWORD).await;
        assert_eq!(response.status(), StatusCode::OK, "sign in as {email}");
        client
    }

    /// Makes `client`'s person reachable only by a webhook at `target` (a URL template): the
    /// webhook is added and the account email, every account's first contact method, removed.
    pub async fn reach_only_by_webhook(&self, client: &Client, target: &str) {
        let added = self.post(client, "/api/contact-methods/add", &[("kind", "webhook"), ("label", "Phone"), ("target", target)]).await;
        assert_eq!(added.status(), StatusCode::OK, "add a webhook: {:?}", added.text().await);
        let methods: Value = self.post(client, "/api/contact-methods/list", &[]).await.json().await.unwrap();
        let email = methods["methods"].as_array().unwrap().iter().find(|m| m["label"] == "Account email").expect("the account email")["id"].to_string();
        let removed = self.post(client, "/api/contact-methods/remove", &[("contact_method_id", &email)]).await;
        assert_eq!(removed.status(), StatusCode::OK, "remove the account email");
    }

    /// Declares an incident (SEV1 unless `extra` says otherwise) and returns its id.
    pub async fn declare_incident(&self, client: &Client, title: &str, extra: &[(&str, &str)]) -> i64 {
        let mut form = vec![("title", title)];
        if !extra.iter().any(|(name, _)| *name == "severity_id") {
            form.push(("severity_id", "1"));
        }
        // Pages nobody on declaring unless the test says otherwise.
        if !extra.iter().any(|(name, _)| *name == "paging_chosen") {
            form.push(("paging_chosen", "true"));
        }
        form.extend_from_slice(extra);
        let response = self.post(client, "/api/incidents/declare", &form).await;
        assert_eq!(response.status(), StatusCode::OK, "declare: {:?}", response.text().await);
        let path: String = response.json().await.unwrap();
        path.rsplit('/').next().unwrap().parse().expect("the incident's page path")
    }

    /// The incident page's data as JSON, as `client` sees it.
    pub async fn incident(&self, client: &Client, id: i64) -> Value {
        let id = id.to_string();
        let response = self.post(client, "/api/incidents/get", &[("incident_id", &id), ("pinned", "false"), ("before", "")]).await;
        assert_eq!(response.status(), StatusCode::OK, "get incident: {:?}", response.text().await);
        response.json().await.unwrap()
    }

    /// A second server on the same database, as a second instance of a deployment would be.
    pub async fn another_instance(&self) -> Instance {
        self.another_instance_with_smtp(None).await
    }

    /// A second server on the same database whose worker sends email through `smtp`.
    pub async fn another_instance_with_smtp(&self, smtp: Option<server::delivery::SmtpSettings>) -> Instance {
        let store = app::store::Store::connect(&self.db.url()).await.expect("connect a second instance");
        let (address, running) = serve(store, self.clock.clone(), test_settings(), smtp.clone(), test_options()).await;
        Instance { address, running, smtp }
    }

    /// One look of the on-call worker, run here and now: when it returns, every escalation step,
    /// hand-off notice and reminder due by the clock has been written. Tests assert "nothing
    /// happened" after this, never after a sleep.
    pub async fn look_on_call(&self) {
        look_on_call(&self.running.state).await;
    }

    /// One look of the delivery worker, run here and now: when it returns, every delivery due by
    /// the clock has been attempted and none is being sent by anyone. Tests assert "nothing was
    /// sent" after this, never after a sleep.
    pub async fn look_for_deliveries(&self) {
        look_for_deliveries(&self.running.state, self.smtp.as_ref()).await;
    }

    /// The server's application state.
    pub fn state(&self) -> &AppState {
        &self.running.state
    }

    /// Stops this server and its background work, as a crash or a restart would; the database
    /// stays.
    pub fn halt(&self) {
        self.running.halt();
    }

    pub async fn stop(self) {
        self.halt();
        self.db.cleanup().await;
    }
}

/// Another server process sharing the test's database.
pub struct Instance {
    pub address: String,
    running: server::start::Running,
    smtp: Option<server::delivery::SmtpSettings>,
}

impl Instance {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// One look of this instance's delivery worker (see `TestApp::look_for_deliveries`).
    pub async fn look_for_deliveries(&self) {
        look_for_deliveries(&self.running.state, self.smtp.as_ref()).await;
    }

    /// One look of this instance's on-call worker (see `TestApp::look_on_call`).
    pub async fn look_on_call(&self) {
        look_on_call(&self.running.state).await;
    }

    /// This instance's application state.
    pub fn state(&self) -> &AppState {
        &self.running.state
    }

    pub async fn stop(self) {
        self.running.halt();
        self.running.state.store.close().await;
    }
}

async fn look_on_call(state: &AppState) {
    server::workers::on_call_step(state, &mut server::workers::OnCallChecks::default())
        .await
        .expect("a look of the on-call worker");
}

async fn look_for_deliveries(state: &AppState, smtp: Option<&server::delivery::SmtpSettings>) {
    // A delivery in flight finishes first: a clock the test moved on would otherwise make its
    // lease look run out, and this look would take it over and send it again.
    nothing_sending(state).await;
    let sender = server::delivery::Sender::new(smtp, state.settings.outbound.clone());
    server::delivery::deliver_due(state, &sender).await.expect("claim due deliveries");
    // So does one the background worker claimed meanwhile.
    nothing_sending(state).await;
}

/// Waits (ten seconds at most) until no delivery is being sent.
async fn nothing_sending(state: &AppState) {
    use app::domain::delivery::DeliveryStatus;
    for _ in 0..400 {
        let (_, counts) = state.store.list_deliveries(None, app::store::PageRequest::first(1)).await.expect("read the outbox");
        if counts.iter().all(|(status, n)| *status != DeliveryStatus::Sending || *n == 0) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("a delivery stayed in 'sending' for ten seconds");
}

/// The value of the session cookie a response sets, if any.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|value: &HeaderValue| value.to_str().ok())
        .find_map(|cookie| cookie.strip_prefix("quell_session="))
        .map(|rest| rest.split(';').next().unwrap_or_default().to_string())
}

/// Runs a test body against a server on a fresh database, then stops the server and drops the
/// database whether the body passed or failed (a failure is re-raised afterwards).
pub async fn run_app_test<F>(db: TestDatabase, body: impl FnOnce(Arc<TestApp>) -> F)
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    run_on_app(spawn_app(db).await, body).await;
}

/// Runs a test body against `app`, then stops it and drops its database whether the body passed
/// or failed (a failure is re-raised afterwards).
pub async fn run_on_app<F>(app: TestApp, body: impl FnOnce(Arc<TestApp>) -> F)
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    let app = Arc::new(app);
    let outcome = tokio::spawn(body(app.clone())).await;
    match Arc::try_unwrap(app) {
        Ok(app) => app.stop().await,
        Err(_) => panic!("the test kept a reference to the app"),
    }
    app::store::testing::rethrow(outcome);
}

/// Runs each named `async fn(&TestApp)` on both databases, each against a fresh server.
#[macro_export]
macro_rules! http_tests {
    ($($name:ident),* $(,)?) => {
        app::on_each_database!(
            |db, test| $crate::support::run_app_test(db, move |app| async move { test(&app).await });
            $($name),*
        );
    };
}
