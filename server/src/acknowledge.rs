//! `/ack/<token>`: the one-time acknowledgement link in a page's notifications. It works without
//! signing in: the token (256 random bits, only its hash stored) stands for one person and one
//! page, works once, and expires. Opening it shows the page and a button; only the button's POST
//! acknowledges, so a mail scanner that fetches links acknowledges nothing.

use app::domain::text::escape_html;
use app::state::AppState;
use app::store::paging::Acknowledged;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use crate::plain_page::document;

pub fn routes() -> Router<AppState> {
    Router::new().route("/ack/{token}", get(show).post(acknowledge))
}

/// Whether `path` is an acknowledgement link (served without a session).
pub fn is_acknowledge_path(path: &str) -> bool {
    path.starts_with("/ack/")
}

/// The answer for a link that opens nothing.
fn gone() -> Response {
    document(
        StatusCode::NOT_FOUND,
        "Link not valid",
        "<p>This link has been used or has expired. Sign in to Quell to see the page and acknowledge it there.</p>",
    )
}

/// Tokens are 64 hex digits; anything much longer is not worth looking up.
fn plausible(token: &str) -> bool {
    token.len() <= 128
}

async fn show(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    if !plausible(&token) {
        return gone();
    }
    match app::engine::escalation::page_of_link(&state, &token).await {
        Ok(Some((page, person))) => {
            let about = page.incident_id.map(|id| format!(" for {}", app::domain::incident::reference(id))).unwrap_or_default();
            let body = format!(
                "<p>{who}, you were paged ({target}){about}:</p><blockquote>{message}</blockquote>\
                 <p>Status: <strong>{status}</strong></p>\
                 <form method=\"post\"><button type=\"submit\" class=\"button primary\">Acknowledge</button></form>\
                 <p class=\"muted\">Acknowledging tells everyone you are on it and stops the escalation.</p>",
                who = escape_html(&person.name),
                target = escape_html(&page.target_name),
                about = escape_html(&about),
                message = escape_html(&page.message),
                status = page.status.label(),
            );
            document(StatusCode::OK, "Acknowledge the page", &body)
        }
        Ok(None) => gone(),
        Err(_) => document(StatusCode::SERVICE_UNAVAILABLE, "Try again", "<p>Quell could not read the page just now. Try again shortly.</p>"),
    }
}

async fn acknowledge(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    if !plausible(&token) {
        return gone();
    }
    match app::engine::escalation::acknowledge_by_link(&state, &token).await {
        Ok(Some((outcome, person))) => {
            let (page, message) = match outcome {
                Acknowledged::Now(page) => {
                    (page, format!("Thank you, {}: the page is acknowledged and the escalation has stopped.", escape_html(&person.name)))
                }
                Acknowledged::Already(page) => {
                    let message = format!("This page is {} already: nothing more to do.", page.status.label().to_lowercase());
                    (page, message)
                }
            };
            let link = page.incident_id.map(|id| format!("<p><a href=\"/incidents/{id}\">Open the incident</a></p>")).unwrap_or_default();
            document(StatusCode::OK, "Acknowledged", &format!("<p>{message}</p>{link}"))
        }
        Ok(None) => gone(),
        Err(_) => document(StatusCode::SERVICE_UNAVAILABLE, "Try again", "<p>Quell could not record that just now. Try again shortly.</p>"),
    }
}
