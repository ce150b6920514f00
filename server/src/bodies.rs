//! Request bodies on their way in, and server function errors on their way out:
//!
//! - every body is read here, up to `MAX_BODY_BYTES`: one larger gets 413 however it is sent
//!   (with a length or chunked);
//! - form bodies lose their control characters (`%00`–`%1F` but tab, newline and carriage
//!   return; `%7F`; the C1 controls `%C2%80`–`%C2%9F`), so no text a person types can carry one
//!   into HTML, XML, iCalendar, email headers or JSON;
//! - a server function that failed before its body ran (arguments that don't decode) answers
//!   with its error's own status (400) instead of 500.

use app::errors::AppError;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The largest request body accepted (1 MiB); larger ones get 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The header server functions mark their error answers with.
const SERVER_FN_ERROR: &str = "serverfnerror";

pub async fn read_bodies(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return too_large();
    };
    // Server functions read their arguments as a form whatever the Content-Type says.
    let form = parts.uri.path().starts_with("/api/")
        || parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"));
    let bytes = if form { without_controls(&bytes).into() } else { bytes };
    let response = next.run(Request::from_parts(parts, Body::from(bytes))).await;
    with_error_status(response).await
}

fn too_large() -> Response {
    let message = format!("The request is larger than {} KiB.", MAX_BODY_BYTES / 1024);
    let body = serde_json::json!({ "BadRequest": { "message": message } }).to_string();
    (StatusCode::PAYLOAD_TOO_LARGE, [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response()
}

/// A server function's error answered as 500 gets the status its error stands for.
async fn with_error_status(response: Response) -> Response {
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR || !response.headers().contains_key(SERVER_FN_ERROR) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    // An answer that is not an `AppError` stays a 500 (`AppError::de` would read it as a bad
    // request, blaming the caller for the server's fault).
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// A form body (`application/x-www-form-urlencoded`) without control characters, encoded or
/// not. Tab, newline and carriage return stay (multi-line fields keep their lines; single-line
/// fields fold whitespace when they are checked).
pub fn without_controls(body: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let encoded = |i: usize| match (body.get(i), body.get(i + 1).copied().and_then(hex), body.get(i + 2).copied().and_then(hex)) {
        (Some(b'%'), Some(high), Some(low)) => Some(high * 16 + low),
        _ => None,
    };
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        match encoded(i) {
            Some(b'\t' | b'\n' | b'\r') => {}
            Some(0x00..=0x1f | 0x7f) => {
                i += 3;
                continue;
            }
            // U+0080–U+009F are C2 80 – C2 9F in UTF-8.
            Some(0xc2) if encoded(i + 3).is_some_and(|next| (0x80..=0x9f).contains(&next)) => {
                i += 6;
                continue;
            }
            _ => {}
        }
        let byte = body[i];
        // A C1 control sent unencoded (C2 80 – C2 9F).
        if byte == 0xc2 && body.get(i + 1).is_some_and(|next| (0x80..=0x9f).contains(next)) {
            i += 2;
            continue;
        }
        if byte >= 0x20 && byte != 0x7f {
            out.push(byte);
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::without_controls;

    #[test]
    fn control_characters_leave_form_bodies_but_lines_stay() {
        let cases: [(&str, &str); 9] = [
            ("name=x\u{85}y\u{a0}z", "name=xy\u{a0}z"),
            ("title=Disk+full", "title=Disk+full"),
            ("title=a%01b%0Cc%00d%7Fe", "title=abcde"),
            ("body=line+one%0D%0Aline+two%09tabbed", "body=line+one%0D%0Aline+two%09tabbed"),
            ("name=x%C2%85y%C2%9Fz%C2%A0", "name=xyz%C2%A0"),
            ("q=100%25+sure", "q=100%25+sure"),
            ("q=%", "q=%"),
            ("q=%zz%1", "q=%zz%1"),
            ("a=1\u{1}&b=2", "a=1&b=2"),
        ];
        for (body, expected) in cases {
            assert_eq!(String::from_utf8(without_controls(body.as_bytes())).unwrap(), expected, "{body}");
        }
    }
}
