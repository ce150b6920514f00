//! Request middleware: security headers, cross-site request refusal, and authentication (who is
//! asking, and where pages send people who are not signed in).

use app::auth::{resolve_session, Authenticated, ClientAddress};
use app::state::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use std::net::SocketAddr;
use tower_sessions::Session;

/// Headers every response carries. HTML pages get their own Content-Security-Policy with a
/// nonce (set while rendering); anything else gets a policy that allows nothing.
/// The build's files (`/pkg/`: wasm, JavaScript, CSS) are never shown as a document, so they
/// carry only `nosniff`: the rest is about documents, and a first visit fetches forty of them.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let build_file = req.uri().path().starts_with("/pkg/");
    let mut response = next.run(req).await;
    let found = response.status().is_success();
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if build_file && found {
        return response;
    }
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // same-origin keeps the Referer on our own form posts, which no-JavaScript forms need to
    // come back to the page they were sent from.
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    // Pages are asked for again on every visit, so a deploy is seen at once (the files they name
    // carry content hashes and are cached for good instead).
    let html = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|t| t.starts_with("text/html"));
    if html && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    }
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'; base-uri 'none'"),
        );
    }
    response
}

/// Marks every cookie `Secure` when the request reached Quell over HTTPS through a trusted proxy
/// (`X-Forwarded-Proto: https` with `QUELL_TRUST_PROXY_HEADERS`). With an https
/// `QUELL_PUBLIC_URL` the session layer marks them already.
pub async fn secure_cookies_behind_https_proxy(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let https = state.settings.trust_proxy_headers
        && req
            .headers()
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|proto| proto.rsplit(',').next().is_some_and(|last| last.trim().eq_ignore_ascii_case("https")));
    let mut response = next.run(req).await;
    if https {
        let all: Vec<HeaderValue> = response.headers().get_all(header::SET_COOKIE).iter().cloned().collect();
        response.headers_mut().remove(header::SET_COOKIE);
        for cookie in all {
            let secured = match cookie.to_str() {
                Ok(text) if !text.to_ascii_lowercase().split(';').any(|part| part.trim() == "secure") => {
                    HeaderValue::from_str(&format!("{text}; Secure")).unwrap_or(cookie)
                }
                _ => cookie,
            };
            response.headers_mut().append(header::SET_COOKIE, secured);
        }
    }
    response
}

/// Refuses state-changing requests that a browser marks as coming from another site. Server
/// functions have no CSRF token of their own, so this is their protection: `Sec-Fetch-Site`
/// where the browser sends it, otherwise `Origin` compared with our own address. Clients that
/// send neither (scripts, curl) are not browsers and carry no ambient cookies to abuse.
pub async fn reject_cross_site(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        && is_cross_site(req.headers(), state.settings.public_url.as_deref())
    {
        tracing::warn!(method = %req.method(), path = req.uri().path(), "cross-site request refused");
        return (StatusCode::FORBIDDEN, "Cross-site request refused.").into_response();
    }
    next.run(req).await
}

pub fn is_cross_site(headers: &HeaderMap, public_url: Option<&str>) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return !matches!(site, "same-origin" | "none");
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    if public_url.is_some_and(|url| url.eq_ignore_ascii_case(origin)) {
        return false;
    }
    let origin_host = origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://"));
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    !matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
}

/// Static assets, health checks and the public status page: no session is looked at for them
/// (so they never set a cookie either).
fn is_session_free(path: &str) -> bool {
    path.starts_with("/pkg/") || path == "/healthz" || path == "/readyz" || crate::status_page::is_status_path(path)
        || crate::calendars::is_calendar_path(path)
        || crate::acknowledge::is_acknowledge_path(path)
        || crate::password_reset::is_reset_path(path)
}

/// Paths that render a page (everything but the API and session-free paths).
fn is_page_path(path: &str) -> bool {
    !(path.starts_with("/api/") || is_session_free(path))
}

/// Resolves the signed-in user from the session and puts `Authenticated` and `ClientAddress`
/// into the request for server functions. For page requests it also decides where people go:
/// everything leads to /setup until the first administrator exists; signed-out people are sent
/// to /login; signed-in people skip /login.
pub async fn authenticate(State(state): State<AppState>, session: Session, mut req: Request, next: Next) -> Response {
    if is_session_free(req.uri().path()) {
        return next.run(req).await;
    }
    let user = match resolve_session(&state, &session).await {
        Ok(user) => user,
        Err(_) => return (StatusCode::SERVICE_UNAVAILABLE, "Quell cannot reach its database. Try again shortly.").into_response(),
    };
    let client = client_address(&req, state.settings.trust_proxy_headers);
    let signed_in = user.is_some();
    req.extensions_mut().insert(Authenticated(user));
    req.extensions_mut().insert(ClientAddress(client));

    let path = req.uri().path().to_string();
    if matches!(*req.method(), Method::GET | Method::HEAD) && is_page_path(&path) {
        let setup_done = match state.setup_completed().await {
            Ok(done) => done,
            Err(err) => {
                tracing::error!(error = %err, "checking setup failed");
                return (StatusCode::SERVICE_UNAVAILABLE, "Quell cannot reach its database. Try again shortly.").into_response();
            }
        };
        if !setup_done && path != "/setup" {
            return Redirect::to("/setup").into_response();
        }
        if setup_done && !signed_in && path != "/login" && path != "/setup" {
            let target = req.uri().path_and_query().map(|pq| pq.as_str()).unwrap_or("/");
            return Redirect::to(&format!("/login?next={}", app::domain::text::urlencode(target))).into_response();
        }
        if signed_in && path == "/login" {
            return Redirect::to("/").into_response();
        }
    }
    next.run(req).await
}

fn client_address(req: &Request, trust_proxy_headers: bool) -> String {
    if trust_proxy_headers {
        let forwarded = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            // The right-most entry is the one the trusted proxy added; entries before it are
            // whatever the client sent.
            .and_then(|v| v.rsplit(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty());
        if let Some(address) = forwarded {
            return address.to_string();
        }
    }
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string())
        .unwrap_or_else(|| "unknown".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn fetch_metadata_decides_when_present() {
        assert!(!is_cross_site(&headers(&[("sec-fetch-site", "same-origin")]), None));
        assert!(!is_cross_site(&headers(&[("sec-fetch-site", "none")]), None));
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "cross-site")]), None));
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "same-site")]), None));
    }

    #[test]
    fn origin_must_match_host_or_public_url() {
        assert!(!is_cross_site(&headers(&[("origin", "http://127.0.0.1:3000"), ("host", "127.0.0.1:3000")]), None));
        assert!(is_cross_site(&headers(&[("origin", "https://evil.example"), ("host", "127.0.0.1:3000")]), None));
        assert!(is_cross_site(&headers(&[("origin", "null"), ("host", "127.0.0.1:3000")]), None));
        assert!(!is_cross_site(
            &headers(&[("origin", "https://quell.example.com"), ("host", "10.0.0.5:3000")]),
            Some("https://quell.example.com")
        ));
    }

    #[test]
    fn requests_without_browser_headers_are_not_cross_site() {
        assert!(!is_cross_site(&headers(&[("host", "127.0.0.1:3000")]), None));
    }
}
