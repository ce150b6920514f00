//! Server functions: the public HTTP API under `/api/…`. Each is a thin shell: authenticate,
//! authorize, validate, call domain and store, map errors. Each has a stable endpoint.

pub mod action_items;
pub mod auth;
pub mod catalog;
pub mod contacts;
pub mod incidents;
pub mod notifications;
pub mod paging;
pub mod post_mortems;
pub mod preferences;
pub mod profile;
pub mod schedules;
pub mod status_page;
pub mod updates;
pub mod users;

#[cfg(feature = "ssr")]
pub(crate) use ssr::*;

#[cfg(feature = "ssr")]
mod ssr {
    use crate::errors::AppError;
    use crate::store::StoreError;
    use http::request::Parts;
    use http::StatusCode;
    use leptos::prelude::use_context;
    use leptos_axum::ResponseOptions;

    /// Awaits a server function body and, when it fails, gives the response the error's HTTP
    /// status. Plain HTML form posts are left alone: they are answered with a redirect back to the
    /// form, which shows the error beside the field.
    pub(crate) async fn respond<T>(body: impl Future<Output = Result<T, AppError>>) -> Result<T, AppError> {
        let result = body.await;
        if let Err(err) = &result {
            if let (Some(parts), Some(response)) = (use_context::<Parts>(), use_context::<ResponseOptions>()) {
                if !is_html_form_post(&parts) {
                    response.set_status(StatusCode::from_u16(err.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
                }
            }
        }
        result
    }

    /// Whether the request is a plain HTML form submission (no JavaScript), which Leptos answers
    /// with a redirect back to the page.
    pub(crate) fn is_html_form_post(parts: &Parts) -> bool {
        parts
            .headers
            .get(http::header::ACCEPT)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
    }

    /// Sends a plain HTML form post on to `target` with a 302 and returns `target`. Calls made by
    /// the hydrated page get no redirect: the page loads `target` itself (see
    /// `components::session::load_page`), so that everything is rendered afresh for the new
    /// session.
    pub(crate) fn redirect_form_post(target: &str) -> String {
        if use_context::<Parts>().is_some_and(|parts| is_html_form_post(&parts)) {
            leptos_axum::redirect(target);
        }
        target.to_string()
    }

    /// Maps a store error from an update guarded by a revision to what a person should read.
    pub(crate) fn update_error(err: StoreError, what: &str) -> AppError {
        match err {
            StoreError::Stale => AppError::conflict(
                None,
                format!("Someone else changed {what} while you were editing. Reload to see the latest version."),
            ),
            StoreError::NotFound => AppError::not_found(what.to_string()),
            other => other.into_internal(),
        }
    }

    /// The address Quell is reached at, for links in notifications: `QUELL_PUBLIC_URL`, else
    /// the request's `Host`.
    pub(crate) fn base_url(settings: &crate::state::Settings) -> String {
        if let Some(url) = &settings.public_url {
            return url.trim_end_matches('/').to_string();
        }
        let host = use_context::<Parts>()
            .and_then(|parts| parts.headers.get(http::header::HOST).and_then(|v| v.to_str().ok()).map(str::to_string))
            .unwrap_or_else(|| "127.0.0.1:3000".to_string());
        format!("http://{host}")
    }

    /// Formats a time in an IANA time zone, falling back to UTC for an unknown zone name.
    pub(crate) fn format_in_zone(time: chrono::DateTime<chrono::Utc>, zone: &str) -> String {
        match zone.parse::<chrono_tz::Tz>() {
            Ok(tz) => time.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z").to_string(),
            Err(_) => time.format("%Y-%m-%d %H:%M UTC").to_string(),
        }
    }

    /// Checks that a time zone is a known IANA name.
    pub(crate) fn validate_time_zone(field: &str, zone: &str) -> Result<String, AppError> {
        let zone = zone.trim();
        zone.parse::<chrono_tz::Tz>()
            .map(|tz| tz.name().to_string())
            .map_err(|_| AppError::invalid(field, "Choose a time zone from the list."))
    }

    /// Every IANA time zone name, for the profile and setup forms.
    pub(crate) fn time_zone_names() -> Vec<String> {
        chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name().to_string()).collect()
    }
}
