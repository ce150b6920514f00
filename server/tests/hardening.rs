//! What a hostile or careless user must not be able to do, over HTTP on SQLite and Postgres:
//! make Quell call an internal address, redirect a browser off-site after sign-in, outrun the
//! sign-in throttle, put links to another host in Quell's emails, or write markup into a page's
//! head. Each test is named for the guarantee it checks.

mod peers;
mod support;

use app::domain::contact::ContactKind;
use app::state::Settings;
use peers::WebhookReceiver;
use reqwest::StatusCode;
use serde_json::Value;
use support::*;

/// Runs each test against a server with the settings `$settings()` gives.
macro_rules! tests_with_settings {
    ($settings:ident; $($name:ident),* $(,)?) => {
        app::on_each_database!(
            |db, test| crate::support::run_on_app(crate::support::spawn_app_with(db, None, crate::$settings()).await, move |app| async move { test(&app).await });
            $($name),*
        );
    };
}

/// Quell as it starts with no settings: outbound requests reach only public addresses.
fn defaults() -> Settings {
    Settings::default()
}

/// Quell behind a proxy that says which scheme the browser used.
fn behind_a_proxy() -> Settings {
    Settings { trust_proxy_headers: true, ..test_settings() }
}

/// Addresses inside the machine or its network, in the spellings that slip past string checks.
const INTERNAL: [&str; 10] = [
    "http://localhost:5432/",
    "http://127.1/",
    "http://2130706433/",
    "http://0x7f000001/",
    "http://0.0.0.0:5432/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://10.0.0.1/hook",
    "http://192.168.1.1/hook",
];

async fn nobody_can_make_quell_call_an_internal_address(app: &TestApp) {
    let admin = app.admin().await;
    let viewer = app.signed_in_as(&admin, "cy@example.com", "viewer").await;
    // A raw TCP listener stands in for a database on this machine.
    let internal = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let internal_url = format!("http://{}/", internal.local_addr().unwrap());
    for target in INTERNAL.iter().copied().chain([internal_url.as_str()]) {
        let refused = app.post(&viewer, "/api/contact-methods/add", &[("kind", "webhook"), ("label", "Phone"), ("target", target)]).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "{target}");
        let body: Value = refused.json().await.unwrap();
        assert_eq!(body["Invalid"]["field"], "target", "{target}: {body}");
        assert!(body["Invalid"]["message"].as_str().unwrap().contains("only sends to public addresses"), "{target}: {body}");
        let refused = app.post(&admin, "/api/webhooks/create", &[("name", "Hook"), ("url", target), ("format", "json")]).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "{target}");
        assert_eq!(refused.json::<Value>().await.unwrap()["Invalid"]["field"], "url", "{target}");
    }
    // A target saved before the policy existed is refused again when sent: nothing arrives and
    // the log says why, without any answer from the target.
    let receiver = WebhookReceiver::start(0).await;
    let me: Value = app.post(&viewer, "/api/session", &[]).await.json().await.unwrap();
    let viewer_id = me["user"]["id"].as_i64().unwrap();
    let id = app.state().store.add_contact_method(viewer_id, ContactKind::Webhook, "Old", &receiver.url, 10, app.clock_now()).await.unwrap();
    let sent = app.post(&viewer, "/api/contact-methods/test", &[("contact_method_id", &id.to_string())]).await;
    assert_eq!(sent.status(), StatusCode::OK, "{:?}", sent.text().await);
    app.look_for_deliveries().await;
    let rows = app.db.store.list_deliveries(None, app::store::PageRequest::first(10)).await.unwrap().0.rows;
    assert_eq!(rows.len(), 1);
    assert!(rows[0].last_error.starts_with("Refused: 127.0.0.1 is a loopback address"), "{}", rows[0].last_error);
    assert!(receiver.received().is_empty());
    drop(internal);
}

async fn public_addresses_and_allowed_ones_are_accepted(app: &TestApp) {
    let admin = app.admin().await;
    for target in ["https://hooks.example.com/quell?text={message}", "http://93.184.215.14:8080/hook"] {
        let added = app.post(&admin, "/api/contact-methods/add", &[("kind", "webhook"), ("label", "Phone"), ("target", target)]).await;
        assert_eq!(added.status(), StatusCode::OK, "{target}: {:?}", added.text().await);
    }
}

/// Markup a title could carry into the page head.
const HOSTILE: &str = "</title><meta http-equiv=\"refresh\" content=\"0;url=//e.x/\"><base href=\"//e.x/\">";

/// Only Quell's own elements are in the page: none of `HOSTILE`'s, and its text is in the title.
fn only_quells_elements(html: &str, page: &str) {
    assert!(!html.contains("<meta http-equiv=\"refresh\""), "{page}: a refresh landed in the page");
    assert!(!html.contains("<base "), "{page}: a <base> landed in the page");
    let title = html.split("<title>").nth(1).and_then(|rest| rest.split("</title>").next()).unwrap_or_else(|| panic!("{page}: no title"));
    assert!(title.contains("&lt;/title&gt;&lt;meta http-equiv="), "{page}: the title reads {title}");
}

async fn user_text_in_page_titles_stays_text(app: &TestApp) {
    let admin = app.admin().await;
    let me: Value = app.post(&admin, "/api/session", &[]).await.json().await.unwrap();
    let admin_id = me["user"]["id"].as_i64().unwrap().to_string();
    let incident = app.declare_incident(&admin, HOSTILE, &[]).await.to_string();
    let revision = app.incident(&admin, incident.parse().unwrap()).await["summary"]["incident"]["revision"].as_i64().unwrap().to_string();
    let resolved = app.post(&admin, "/api/incidents/status", &[("incident_id", &incident), ("revision", &revision), ("status", "resolved")]).await;
    assert_eq!(resolved.status(), StatusCode::OK, "{:?}", resolved.text().await);
    let created = |path: &'static str, form: Vec<(&'static str, String)>| {
        let admin = admin.clone();
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let response = app.post(&admin, path, &form).await;
            let text = response.text().await.unwrap();
            let value: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{path}: {text}"));
            value.as_str().map(|p| p.rsplit('/').next().unwrap().to_string()).unwrap_or_else(|| value["id"].to_string())
        }
    };
    let due = (app.clock_now() + chrono::Duration::days(7)).format("%Y-%m-%d").to_string();
    let item = created("/api/action-items/create", vec![
        ("incident_id", incident.clone()), ("title", HOSTILE.to_string()), ("description", String::new()), ("owner_id", admin_id.clone()),
        ("due_on", due), ("priority", "p1".into()), ("tracker_url", String::new()), ("back_to", String::new()),
    ]).await;
    let post_mortem = created("/api/post-mortems/start", vec![("incident_id", incident.clone()), ("owner_id", admin_id.clone()), ("template_id", "1".into())]).await;
    let policy = created("/api/policies/create", vec![("name", HOSTILE.to_string()), ("repeats", "0".into()), ("user_ids[0]", admin_id.clone()), ("delay_minutes", "5".into())]).await;
    let schedule = created("/api/schedules/create", vec![("name", HOSTILE.to_string()), ("time_zone", "UTC".into()), ("handoff_notice_minutes", "0".into())]).await;
    for page in [
        format!("/incidents/{incident}"),
        format!("/action-items/{item}"),
        format!("/post-mortems/{post_mortem}"),
        format!("/on-call/policies/{policy}"),
        format!("/on-call/schedules/{schedule}"),
    ] {
        let response = app.get(&admin, &page).await;
        assert_eq!(response.status(), StatusCode::OK, "{page}");
        only_quells_elements(&response.text().await.unwrap(), &page);
    }
}

async fn a_burst_of_wrong_passwords_is_counted_before_any_is_checked(app: &TestApp) {
    let admin = app.admin().await;
    app.create_user(&admin, "ada@example.com", "responder").await;
    let attempts = (0..30).map(|_| {
        let browser = client();
        let url = app.url("/api/auth/login");
        async move {
            let response = browser.post(url).form(&[("email", "ada@example.com"), ("password", "wrong password"), ("next", "/")]).send().await.unwrap();
            response.status()
        }
    });
    let statuses = futures_util::future::join_all(attempts).await;
    let checked = statuses.iter().filter(|s| **s == StatusCode::UNPROCESSABLE_ENTITY).count();
    let refused = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!(checked + refused, 30, "{statuses:?}");
    assert!(checked <= 10, "{checked} of 30 were checked");
}

async fn a_client_refused_for_too_many_attempts_adds_nothing_to_an_account(app: &TestApp) {
    let admin = app.admin().await;
    app.create_user(&admin, "ada@example.com", "responder").await;
    let browser = client();
    let mut refused = 0;
    for n in 0..105 {
        let email = format!("guess{n}@example.com");
        let status = app.post(&browser, "/api/auth/login", &[("email", email.as_str()), ("password", "wrong password"), ("next", "/")]).await.status();
        refused += usize::from(status == StatusCode::TOO_MANY_REQUESTS);
    }
    assert_eq!(refused, 5, "past 100 attempts the client is refused");
    for _ in 0..20 {
        let status = app.post(&browser, "/api/auth/login", &[("email", "ada@example.com"), ("password", "wrong password"), ("next", "/")]).await.status();
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    }
    let counts = app.db.store.failure_counts(["account:ada@example.com", "none"]).await.unwrap();
    assert!(counts.is_empty(), "Ada's account was not counted against: {counts:?}");
}

async fn after_sign_in_only_a_path_on_this_site_is_followed(app: &TestApp) {
    let admin = app.admin().await;
    app.create_user(&admin, "ada@example.com", "responder").await;
    for (next, expected) in [
        ("/incidents?status=open", "/incidents?status=open"),
        ("/%09/evil.example/", "/"),
        ("/\t/evil.example/", "/"),
        ("/\n/evil.example", "/"),
        ("/%0d%0aSet-Cookie:%20a=b", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
    ] {
        let response = client()
            .post(app.url("/api/auth/login"))
            .header("accept", "text/html")
            .header("referer", app.url("/login"))
            .form(&[("email", "ada@example.com"), ("password", USER_PASSWORD), ("next", next)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FOUND, "{next:?}");
        assert_eq!(response.headers()["location"], expected, "{next:?}");
    }
}

async fn links_in_emails_come_from_the_configuration_not_the_request(app: &TestApp) {
    let asked = bare_client()
        .post(app.url("/status/subscribe"))
        .header("host", "evil.example")
        .form(&[("email", "fan@example.org")])
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), StatusCode::OK);
    let rows = app.db.store.list_deliveries(None, app::store::PageRequest::first(10)).await.unwrap().0.rows;
    assert_eq!(rows.len(), 1);
    assert!(!rows[0].body.contains("evil.example"), "{}", rows[0].body);
    assert!(rows[0].body.contains(&app.url("/status/")), "{}", rows[0].body);
}

async fn a_worker_survives_a_panicking_look_and_is_restarted_when_it_stops(app: &TestApp) {
    let state = app.state().clone();
    state.workers.register("flaky", std::time::Duration::from_secs(60), std::time::Instant::now());
    server::supervise::look(&state, "flaky", async { panic!("a poisoned record") }).await;
    server::supervise::look(&state, "flaky", async { Err("the database said no".to_string()) }).await;
    server::supervise::look(&state, "flaky", async { Ok(()) }).await;
    let report = state.workers.report(std::time::Instant::now());
    let flaky = report.iter().find(|w| w.name == "flaky").unwrap();
    assert_eq!((flaky.looks, flaky.failures, flaky.restarts), (3, 2, 0));
    // A worker whose run panics outright is started again.
    let runs = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = runs.clone();
    let task = server::supervise::spawn(&state, "crashing", Some(std::time::Duration::from_secs(60)), move || {
        let counted = counted.clone();
        async move {
            if counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                panic!("the first run dies");
            }
            std::future::pending::<()>().await;
        }
    });
    for _ in 0..100 {
        if runs.load(std::sync::atomic::Ordering::SeqCst) >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    task.abort();
    assert_eq!(runs.load(std::sync::atomic::Ordering::SeqCst), 2, "started again after the panic");
    let report = state.workers.report(std::time::Instant::now());
    let crashing = report.iter().find(|w| w.name == "crashing").unwrap();
    assert_eq!(crashing.restarts, 1);
    assert_eq!(crashing.last_failure.as_deref(), Some("panicked: the first run dies"));
}

http_tests!(
    a_worker_survives_a_panicking_look_and_is_restarted_when_it_stops,
    links_in_emails_come_from_the_configuration_not_the_request,
    user_text_in_page_titles_stays_text,
    a_burst_of_wrong_passwords_is_counted_before_any_is_checked,
    a_client_refused_for_too_many_attempts_adds_nothing_to_an_account,
    after_sign_in_only_a_path_on_this_site_is_followed,
);

tests_with_settings!(defaults; nobody_can_make_quell_call_an_internal_address, public_addresses_and_allowed_ones_are_accepted);

async fn cookies_are_secure_when_the_browser_came_over_https(app: &TestApp) {
    let admin = app.admin().await;
    app.create_user(&admin, "ada@example.com", "responder").await;
    for (proto, secure) in [("https", true), ("http", false)] {
        let response = client()
            .post(app.url("/api/auth/login"))
            .header("x-forwarded-proto", proto)
            .form(&[("email", "ada@example.com"), ("password", USER_PASSWORD), ("next", "/")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{proto}");
        let cookie = response.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).find(|c| c.starts_with("quell_session="));
        let cookie = cookie.expect("a session cookie");
        assert_eq!(cookie.contains("; Secure"), secure, "{proto}: {cookie}");
    }
}

tests_with_settings!(behind_a_proxy; cookies_are_secure_when_the_browser_came_over_https);
