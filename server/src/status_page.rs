//! The public status page's routes: `/status` and what hangs off it. No sign-in, no session, no
//! cookie; every answer can be cached (`Cache-Control`, `ETag`, 304 for a matching
//! `If-None-Match`) and bodies are rendered once per few seconds (`StatusPageCache`).

use app::state::AppState;
use app::state::status_page_cache::Body;
use app::engine::status_page::{feed, html, snapshot};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Form;
use axum::Router;
use serde::Deserialize;
use std::sync::Arc;

/// What browsers and proxies may do with a page: keep it briefly, as the server does.
const CACHE_CONTROL: &str = "public, max-age=10";
/// The page runs no script, loads only its own stylesheet and posts only to itself.
const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
/// Incidents per history page.
const HISTORY_PAGE_SIZE: i64 = 20;
/// Updates in the feed.
const FEED_SIZE: i64 = 50;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/status", get(status))
        .route("/status/style.css", get(stylesheet))
        .route("/status/history", get(history))
        .route("/status/incidents/{id}", get(incident))
        .route("/status/feed.atom", get(atom_feed))
        .route("/status/summary.json", get(summary))
        .route("/status/subscribe", post(subscribe))
        .route("/status/confirm/{token}", get(confirm_page).post(confirm))
        .route("/status/unsubscribe/{token}", get(unsubscribe_page).post(unsubscribe))
}

/// Whether `path` belongs to the public status page (served without a session).
pub fn is_status_path(path: &str) -> bool {
    path == "/status" || path.starts_with("/status/")
}

type Failure = (StatusCode, &'static str);

fn unavailable(err: app::store::StoreError) -> Failure {
    tracing::error!(error = %err, "status page could not be read");
    (StatusCode::SERVICE_UNAVAILABLE, "The status page is unavailable. Try again shortly.")
}

const HTML: &str = "text/html; charset=utf-8";

/// Answers with `body` (gzip-compressed when the client takes it, from the compression made
/// once with the body), or 304 when the client already has it.
fn cached(headers: &HeaderMap, body: Arc<Body>) -> Response {
    let status = StatusCode::from_u16(body.status).unwrap_or(StatusCode::OK);
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|tag| tag.trim() == body.etag || tag.trim() == "*"));
    let gzip = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accepted| accepted.split(',').any(|coding| coding.split(';').next().is_some_and(|c| c.trim() == "gzip")));
    let mut response = if matches && status == StatusCode::OK {
        StatusCode::NOT_MODIFIED.into_response()
    } else if gzip {
        let mut response = (status, body.gzip.clone()).into_response();
        response.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        response
    } else {
        (status, body.bytes.clone()).into_response()
    };
    let out = response.headers_mut();
    out.insert(header::CONTENT_TYPE, HeaderValue::from_static(body.content_type));
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE_CONTROL));
    out.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Ok(etag) = HeaderValue::from_str(&body.etag) {
        out.insert(header::ETAG, etag);
    }
    if body.content_type == HTML {
        out.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    }
    response
}

/// The address the page is reached at, for absolute links in the feed, summary and emails (from
/// the settings, never from the request's `Host`).
fn base_url(state: &AppState) -> String {
    state.settings.base_url.trim_end_matches('/').to_string()
}

async fn status(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, Failure> {
    let body = state
        .status_page
        .get_or_make("page", state.now(), async {
            let snapshot = snapshot(&state.store, state.now()).await?;
            Ok(Body::new(html::status_page(&snapshot), HTML).fresh_until(snapshot.next_change))
        })
        .await
        .map_err(unavailable)?;
    Ok(cached(&headers, body))
}

async fn stylesheet(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, Failure> {
    let body = state
        .status_page
        .get_or_make("style", state.now(), async {
            let settings = state.store.status_page_settings().await?;
            Ok(Body::new(html::stylesheet(&settings), "text/css; charset=utf-8"))
        })
        .await
        .map_err(unavailable)?;
    Ok(cached(&headers, body))
}

#[derive(Deserialize)]
struct HistoryQuery {
    before: Option<i64>,
}

async fn history(State(state): State<AppState>, headers: HeaderMap, Query(query): Query<HistoryQuery>) -> Result<Response, Failure> {
    let before = query.before.filter(|id| *id > 0);
    let key = format!("history:{}", before.unwrap_or(0));
    let body = state
        .status_page
        .get_or_make(&key, state.now(), async {
            let settings = state.store.status_page_settings().await?;
            let mut incidents = state.store.public_incident_history(before, HISTORY_PAGE_SIZE + 1).await?;
            let older = (incidents.len() as i64 > HISTORY_PAGE_SIZE).then(|| {
                incidents.truncate(HISTORY_PAGE_SIZE as usize);
                incidents.last().map(|i| i.id).unwrap_or_default()
            });
            Ok(Body::new(html::history_page(&settings, incidents, older), HTML))
        })
        .await
        .map_err(unavailable)?;
    Ok(cached(&headers, body))
}

async fn incident(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Result<Response, Failure> {
    let id = app::domain::incident::parse_reference(&id).unwrap_or(0);
    let key = format!("incident:{id}");
    let body = state
        .status_page
        .get_or_make(&key, state.now(), async {
            let settings = state.store.status_page_settings().await?;
            Ok(match state.store.public_incident(id).await? {
                Some(incident) => Body::new(html::incident_page(&settings, incident), HTML),
                None => Body::new(html::not_found_page(&settings), HTML).not_found(),
            })
        })
        .await
        .map_err(unavailable)?;
    Ok(cached(&headers, body))
}

async fn atom_feed(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, Failure> {
    let base = base_url(&state);
    let body = state
        .status_page
        .get_or_make(&format!("feed:{base}"), state.now(), async {
            let settings = state.store.status_page_settings().await?;
            let updates = state.store.latest_public_updates(FEED_SIZE).await?;
            Ok(Body::new(feed::atom(&settings, &updates, &base, state.now()), "application/atom+xml; charset=utf-8"))
        })
        .await
        .map_err(unavailable)?;
    Ok(cached(&headers, body))
}

async fn summary(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, Failure> {
    let base = base_url(&state);
    let body = state
        .status_page
        .get_or_make(&format!("summary:{base}"), state.now(), async {
            let snapshot = snapshot(&state.store, state.now()).await?;
            Ok(Body::new(feed::summary_json(&snapshot, &base), "application/json").fresh_until(snapshot.next_change))
        })
        .await
        .map_err(unavailable)?;
    Ok(cached(&headers, body))
}

/// A page answering a subscription step; never cached (it depends on what was posted).
fn answer(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(HTML));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    response
}

#[derive(Deserialize)]
struct SubscribeForm {
    #[serde(default)]
    email: String,
}

/// Asks for updates by email: sends a confirmation link (double opt-in). The answer is the same
/// whether or not the address was already subscribed.
async fn subscribe(State(state): State<AppState>, Form(form): Form<SubscribeForm>) -> Result<Response, Failure> {
    let settings = state.store.status_page_settings().await.map_err(unavailable)?;
    let email = match app::domain::delivery::normalize_subscriber_email(&form.email) {
        Ok(email) => email,
        Err(err) => {
            let page = html::message_page(&settings, "Get updates by email", "Check the address and try again.", Some(err.message), None);
            return Ok(answer(StatusCode::UNPROCESSABLE_ENTITY, page));
        }
    };
    let now = state.now();
    let confirm = app::auth::new_secret_token();
    if state.store.add_status_subscriber(&email, &app::auth::token_hash(&confirm), now).await.map_err(unavailable)? {
        let delivery = app::engine::notify::confirmation_delivery(&email, &confirm, &settings.title, &base_url(&state));
        state.store.enqueue_deliveries(&[delivery], now).await.map_err(unavailable)?;
        state.deliveries_queued.notify_one();
    }
    let page = html::message_page(
        &settings,
        "Check your inbox",
        &format!("If {email} isn't subscribed yet, we've sent it a link to confirm. Updates start once you confirm."),
        None,
        None,
    );
    Ok(answer(StatusCode::OK, page))
}

/// The page behind a confirmation link: a button, because mail scanners follow links and must
/// not confirm an address on its owner's behalf.
async fn confirm_page(State(state): State<AppState>, Path(token): Path<String>) -> Result<Response, Failure> {
    let settings = state.store.status_page_settings().await.map_err(unavailable)?;
    if state.store.status_subscriber_to_confirm(&app::auth::token_hash(&token)).await.map_err(unavailable)? {
        let page = html::message_page(
            &settings,
            "Confirm your subscription",
            "Get an email whenever we post an update on this page?",
            None,
            Some((format!("/status/confirm/{}", app::domain::text::urlencode(&token)), "Confirm")),
        );
        Ok(answer(StatusCode::OK, page))
    } else {
        let page = html::message_page(&settings, "Link not valid", "This confirmation link is unknown or was used to unsubscribe.", None, None);
        Ok(answer(StatusCode::NOT_FOUND, page))
    }
}

async fn confirm(State(state): State<AppState>, Path(token): Path<String>) -> Result<Response, Failure> {
    let settings = state.store.status_page_settings().await.map_err(unavailable)?;
    if state.store.confirm_status_subscriber(&app::auth::token_hash(&token), state.now()).await.map_err(unavailable)? {
        let page = html::message_page(&settings, "You're subscribed", "You'll get an email when we post an update on this page.", None, None);
        Ok(answer(StatusCode::OK, page))
    } else {
        let page = html::message_page(&settings, "Link not valid", "This confirmation link is unknown or was used to unsubscribe.", None, None);
        Ok(answer(StatusCode::NOT_FOUND, page))
    }
}

/// The page behind an email's unsubscribe link: a button, because mail scanners follow links.
async fn unsubscribe_page(State(state): State<AppState>, Path(token): Path<String>) -> Result<Response, Failure> {
    let settings = state.store.status_page_settings().await.map_err(unavailable)?;
    let page = html::message_page(
        &settings,
        "Unsubscribe",
        "Stop getting updates from this status page by email?",
        None,
        Some((format!("/status/unsubscribe/{}", app::domain::text::urlencode(&token)), "Unsubscribe")),
    );
    Ok(answer(StatusCode::OK, page))
}

/// Unsubscribes: the button above, or a mail program's one-click unsubscribe (RFC 8058).
async fn unsubscribe(State(state): State<AppState>, Path(token): Path<String>) -> Result<Response, Failure> {
    let settings = state.store.status_page_settings().await.map_err(unavailable)?;
    let secret = app::engine::notify::unsubscribe_secret(&state.store).await.map_err(unavailable)?;
    let subscriber = match app::auth::unsubscribe_token_id(&token) {
        Some(id) => state.store.status_subscriber_email(id).await.map_err(unavailable)?.map(|email| (id, email)),
        None => None,
    };
    let removed = match subscriber {
        Some((id, email)) if app::auth::unsubscribe_token_holds(&secret, &token, id, &email) => {
            state.store.remove_status_subscriber(id).await.map_err(unavailable)?
        }
        _ => false,
    };
    let text = if removed { "You won't get any more emails from this status page." } else { "This address was already unsubscribed." };
    Ok(answer(StatusCode::OK, html::message_page(&settings, "Unsubscribed", text, None, None)))
}
