//! `GET /calendars/<token>.ics`: on-call shifts as an iCalendar feed for calendar apps. The secret
//! token in the address is the only key (calendar apps can't sign in), so no session is looked at;
//! its owner can replace it at any time, and only its hash is stored.

use app::state::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new().route("/calendars/{file}", get(calendar))
}

/// Whether `path` is a calendar feed (served without a session).
pub fn is_calendar_path(path: &str) -> bool {
    path.starts_with("/calendars/")
}

async fn calendar(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let not_found = || (StatusCode::NOT_FOUND, "No calendar at this address. Its owner may have made a new one.").into_response();
    let Some(token) = file.strip_suffix(".ics").filter(|t| !t.is_empty() && t.len() <= 128) else {
        return not_found();
    };
    match app::engine::calendar::feed(&state, &app::auth::token_hash(token), state.now()).await {
        Ok(Some(body)) => (
            [
                (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
                (header::CACHE_CONTROL, "private, max-age=300"),
            ],
            body,
        )
            .into_response(),
        Ok(None) => not_found(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "The calendar is unavailable. Try again shortly.").into_response(),
    }
}
