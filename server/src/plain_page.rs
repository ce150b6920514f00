//! Small pages of their own, outside the application's shell: the acknowledgement link and the
//! password reset pages. The application's stylesheet, no script, no cookie of their own.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

/// A page titled `title` (plain text: it is escaped here) around `body` (HTML the caller built,
/// with every outside value escaped).
pub fn document(status: StatusCode, title: &str, body: &str) -> Response {
    let title = app::domain::text::escape_html(title);
    let css = app::assets::stylesheet_href();
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"color-scheme\" content=\"light dark\"><title>{title} · Quell</title><link rel=\"stylesheet\" href=\"{css}\"></head>\
         <body><main class=\"narrow\"><section class=\"card\"><h1>{title}</h1>{body}</section></main></body></html>"
    );
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (header::CONTENT_SECURITY_POLICY, "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        html,
    )
        .into_response()
}
