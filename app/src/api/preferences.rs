//! Presentation preferences kept in a cookie, so the server renders them and they work before
//! sign-in: the colour theme.

#[cfg(feature = "ssr")]
use crate::api::support::*;
use crate::errors::AppError;
use leptos::prelude::*;

pub const THEME_COOKIE: &str = "quell_theme";

/// "system" (follow the operating system), "light" or "dark".
pub fn parse_theme(value: &str) -> Option<&'static str> {
    match value.trim() {
        "system" => Some("system"),
        "light" => Some("light"),
        "dark" => Some("dark"),
        _ => None,
    }
}

/// Remembers the theme for this browser for a year. Without JavaScript the form post comes back
/// to the page it was sent from.
#[server(prefix = "/api", endpoint = "preferences/theme", output = crate::wire::Json)]
pub async fn set_theme(theme: String) -> Result<String, AppError> {
    crate::api::support::respond(server_span!(), async move {
        let theme = parse_theme(&theme).ok_or_else(|| AppError::invalid("theme", "Choose system, light or dark."))?;
        let state = Ctx::anonymous()?;
        let secure = if state.settings.secure_cookies { "; Secure" } else { "" };
        let cookie = format!("{THEME_COOKIE}={theme}; Path=/; Max-Age=31536000; SameSite=Lax{secure}");
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.append_header(
                http::header::SET_COOKIE,
                http::HeaderValue::from_str(&cookie).map_err(|_| AppError::Internal)?,
            );
        }
        Ok(theme.to_string())
    })
    .await
}

/// The theme this request's cookie asks for (server side, while rendering).
#[cfg(feature = "ssr")]
pub fn theme_from_request() -> &'static str {
    use_context::<http::request::Parts>()
        .and_then(|parts| {
            parts
                .headers
                .get_all(http::header::COOKIE)
                .iter()
                .filter_map(|value| value.to_str().ok())
                .flat_map(|value| value.split(';'))
                .find_map(|pair| pair.trim().strip_prefix(THEME_COOKIE).and_then(|rest| rest.strip_prefix('=')))
                .and_then(parse_theme)
        })
        .unwrap_or("system")
}
