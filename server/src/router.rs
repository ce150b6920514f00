//! Builds the axum router: health checks, Leptos pages and server functions, static files, and
//! the middleware stack around them.

use crate::bodies::MAX_BODY_BYTES;
use crate::middleware;
use app::auth::SESSION_COOKIE_NAME;
use app::state::AppState;
use app::store::sessions::SessionBackend;
use app::{shell, App};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use leptos::prelude::provide_context;
use leptos_axum::{file_and_error_handler_with_context, generate_route_list, AxumRouteListing, LeptosRoutes};
use std::sync::OnceLock;
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeader;
use axum::http::{header, HeaderValue};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};


/// The route list, generated once per process. Generating it sets a process-wide Leptos flag
/// that stalls, for good, any resource first polled while it is set (leptos issue #4773), so it
/// must never run while pages are being rendered, e.g. when a second router is built.
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

pub fn router(state: AppState) -> Router {
    let routes = route_list();
    let idle = time::Duration::seconds(state.settings.session_idle_timeout.num_seconds());
    let sessions = SessionManagerLayer::new(SessionBackend::for_store(&state.store))
        .with_name(SESSION_COOKIE_NAME)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.settings.secure_cookies)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(idle));

    let context_state = state.clone();
    let fallback_state = state.clone();
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/api/live", get(crate::live::live_events))
        .merge(crate::status_page::routes())
        .merge(crate::calendars::routes())
        .merge(crate::acknowledge::routes())
        .merge(crate::export::routes())
        .merge(crate::password_reset::routes())
        .nest_service("/pkg", browser_files(&state))
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(context_state.clone()),
            {
                let options = state.leptos_options.clone();
                move || shell(options.clone())
            },
        )
        .fallback(file_and_error_handler_with_context::<AppState, _>(move || provide_context(fallback_state.clone()), shell))
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::authenticate))
        .layer(sessions)
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::secure_cookies_behind_https_proxy))
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::reject_cross_site))
        .layer(axum::middleware::from_fn(crate::bodies::read_bodies))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(middleware::security_headers))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// The browser's files (`SITE_ROOT/pkg`), with the brotli or gzip copy the build made when the
/// browser accepts it. A build's folder never changes, so browsers may keep its files for a year
/// without asking again; plain files (tests, `cargo leptos watch`) are revalidated every time.
fn browser_files(state: &AppState) -> SetResponseHeader<ServeDir, HeaderValue> {
    let folder = std::path::Path::new(state.leptos_options.site_root.as_ref()).join(app::assets::PKG_DIR);
    let caching = if app::assets::built() { "public, max-age=31536000, immutable" } else { "no-cache" };
    SetResponseHeader::overriding(
        ServeDir::new(folder).precompressed_br().precompressed_gzip(),
        header::CACHE_CONTROL,
        HeaderValue::from_static(caching),
    )
}

/// The process is alive.
async fn healthz() -> &'static str {
    "ok"
}

/// The database answers and no background worker is stalled; load balancers send traffic only
/// while this says 200. The body's first line is `ready` or `not ready`; one line follows for the
/// database and one for each worker.
async fn readyz(State(state): State<AppState>) -> (StatusCode, String) {
    let database = state.store.ping().await;
    let workers = state.workers.report(std::time::Instant::now());
    let stalled: Vec<&str> = workers.iter().filter(|w| w.stalled).map(|w| w.name).collect();
    let ready = database.is_ok() && stalled.is_empty();
    let mut body = String::from(if ready { "ready\n" } else { "not ready\n" });
    match &database {
        Ok(()) => body.push_str("database: ok\n"),
        Err(err) => {
            tracing::warn!(error = %err, "readiness check: the database is unreachable");
            body.push_str("database: unreachable\n");
        }
    }
    if !stalled.is_empty() {
        tracing::warn!(workers = ?stalled, "readiness check: workers stalled");
    }
    for worker in &workers {
        body.push_str(&format!(
            "worker {}: {}, last look {} s ago, {} looks, {} failed, {} restarts\n",
            worker.name,
            if worker.stalled { "stalled" } else { "ok" },
            worker.since_last_look.as_secs(),
            worker.looks,
            worker.failures,
            worker.restarts,
        ));
    }
    body.push_str(&format!("records skipped: {}\n", app::state::workers::skipped()));
    (if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE }, body)
}
