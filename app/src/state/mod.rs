//! What every server function, page render and engine can reach on the server: the store, the
//! clock, settings, the live hub, the rendered status page bodies (`status_page_cache`), the
//! busiest pages' views made once per version (`views`, on `cache`), how the background workers
//! are doing (`workers`), and where outbound requests may go (`outbound`).
//! Provided as Leptos context by `leptos_routes` (server only).

pub mod cache;
pub mod outbound;
pub mod status_page_cache;
pub mod views;
pub mod workers;

use crate::store::Store;
use axum::extract::FromRef;
use chrono::{DateTime, Utc};
use leptos::config::LeptosOptions;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// The source of "now". Production uses the system clock; tests move a manual one forward.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;

    /// Waits `duration` (a manual clock moves itself forward instead of waiting).
    fn sleep(&self, duration: std::time::Duration) -> std::pin::Pin<Box<dyn Future<Output = ()> + Send + '_>>;
}

#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn sleep(&self, duration: std::time::Duration) -> std::pin::Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// A clock that only moves when told to.
#[derive(Debug)]
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        ManualClock(Mutex::new(start))
    }

    pub fn advance(&self, by: chrono::Duration) {
        let mut now = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn sleep(&self, duration: std::time::Duration) -> std::pin::Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        self.advance(chrono::Duration::from_std(duration).unwrap_or_default());
        Box::pin(std::future::ready(()))
    }
}

/// Settings the application needs at request time (parsed from the environment by the server).
#[derive(Debug, Clone)]
pub struct Settings {
    /// The address people use to reach Quell, such as `https://quell.example.com`.
    pub public_url: Option<String>,
    /// The address links in notifications start with: `public_url`, else the listen address.
    /// Never taken from a request.
    pub base_url: String,
    /// Whether the session cookie is marked Secure (true when `public_url` is https).
    pub secure_cookies: bool,
    /// Whether to believe `X-Forwarded-For` for the client address (behind a trusted proxy).
    pub trust_proxy_headers: bool,
    /// A session ends this long after sign-in, however active it is.
    pub session_absolute_lifetime: chrono::Duration,
    /// A session ends after this long without a request.
    pub session_idle_timeout: chrono::Duration,
    /// Where outbound requests (webhooks, contact methods) may go beyond public addresses.
    pub outbound: outbound::OutboundPolicy,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            public_url: None,
            base_url: "http://127.0.0.1:3000".to_string(),
            secure_cookies: false,
            trust_proxy_headers: false,
            session_absolute_lifetime: chrono::Duration::days(7),
            session_idle_timeout: chrono::Duration::hours(12),
            outbound: Default::default(),
        }
    }
}

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub settings: Arc<Settings>,
    /// Set once first-run setup is known to be complete; it never becomes false again.
    pub setup_done: Arc<AtomicBool>,
    /// Live updates to open pages.
    pub live: crate::live::LiveHub,
    /// Rendered public status-page bodies.
    pub status_page: crate::state::status_page_cache::StatusPageCache,
    /// The busiest pages' views, made once per version of what they show.
    #[from_ref(skip)]
    pub views: views::Views,
    /// Wakes the delivery worker when notifications were queued.
    pub deliveries_queued: Arc<tokio::sync::Notify>,
    /// Wakes the on-call worker when a page was opened, so its first step goes out at once.
    #[from_ref(skip)]
    pub pages_opened: Arc<tokio::sync::Notify>,
    /// How the background workers are doing (for `/readyz`).
    #[from_ref(skip)]
    pub workers: workers::Workers,
}

impl AppState {
    pub fn new(leptos_options: LeptosOptions, store: Store, clock: Arc<dyn Clock>, settings: Settings) -> Self {
        AppState {
            leptos_options,
            store,
            clock,
            settings: Arc::new(settings),
            setup_done: Arc::new(AtomicBool::new(false)),
            live: crate::live::LiveHub::default(),
            status_page: Default::default(),
            views: Default::default(),
            deliveries_queued: Arc::new(tokio::sync::Notify::new()),
            pages_opened: Arc::new(tokio::sync::Notify::new()),
            workers: workers::Workers::default(),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Whether the first administrator exists. Asks the database until the answer is yes, then
    /// remembers it (another instance may complete setup, so "no" is never cached).
    pub async fn setup_completed(&self) -> Result<bool, crate::store::StoreError> {
        if self.setup_done.load(Ordering::Relaxed) {
            return Ok(true);
        }
        let done = self.store.setup_completed().await?;
        if done {
            self.setup_done.store(true, Ordering::Relaxed);
        }
        Ok(done)
    }
}
