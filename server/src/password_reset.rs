//! Password reset links, as plain pages (they work the same with or without JavaScript):
//! `POST /settings/users/reset-link` (admins) makes a one-time link for someone and shows it
//! once; `/reset-password/<token>` (no session) shows the form to choose a new password and sets
//! it. The link works once, for 24 hours; only its hash is kept (`app::api::users::reset`).

use crate::plain_page::document;
use app::api::users::reset;
use app::auth::Authenticated;
use app::domain::text::escape_html;
use app::errors::AppError;
use app::state::AppState;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Extension, Router};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/settings/users/reset-link", post(make_link))
        .route("/reset-password/{token}", get(show).post(set_password))
}

/// Whether `path` is a reset link (served without a session).
pub fn is_reset_path(path: &str) -> bool {
    path.starts_with("/reset-password/")
}

#[derive(Deserialize)]
struct MakeLink {
    #[serde(default)]
    user_id: String,
}

async fn make_link(State(state): State<AppState>, Extension(Authenticated(admin)): Extension<Authenticated>, Form(form): Form<MakeLink>) -> Response {
    let Some(admin) = admin else {
        return document(StatusCode::UNAUTHORIZED, "Sign in", "<p><a href=\"/login\">Sign in</a> to reset a password.</p>");
    };
    let back = "<p><a href=\"/settings/users\">← Users</a></p>";
    let user_id = form.user_id.trim().parse::<i64>().unwrap_or(0);
    match reset::make_reset_link(&state, &admin, user_id).await {
        Ok(link) => document(
            StatusCode::OK,
            "Reset link",
            &format!(
                "<p>Give this link to {name}. It works once, until {expires}; choosing a new password through it signs them out everywhere.</p>\
                 <p><label for=\"reset-link\">Reset link for {name}</label><input id=\"reset-link\" type=\"text\" readonly value=\"{url}\"></p>\
                 <p class=\"muted\">It is shown only now: Quell keeps only a fingerprint of it. Making another link for {name} replaces this one.</p>{back}",
                name = escape_html(&link.name),
                expires = escape_html(&link.expires),
                url = escape_html(&link.url),
            ),
        ),
        Err(AppError::Forbidden) => document(StatusCode::FORBIDDEN, "Not allowed", &format!("<p>Only admins reset passwords.</p>{back}")),
        Err(AppError::Invalid { message, .. }) => {
            document(StatusCode::UNPROCESSABLE_ENTITY, "Reset a password", &format!("<p class=\"form-error\" role=\"alert\">{}</p>{back}", escape_html(&message)))
        }
        Err(_) => unavailable(),
    }
}

/// Tokens are 64 hex digits; anything much longer is not worth looking up.
fn plausible(token: &str) -> bool {
    token.len() <= 128
}

fn gone() -> Response {
    document(
        StatusCode::NOT_FOUND,
        "Link not valid",
        "<p>This reset link has been used, has expired or was replaced by a newer one. Ask an admin of your Quell for a new one.</p>",
    )
}

fn unavailable() -> Response {
    document(StatusCode::SERVICE_UNAVAILABLE, "Try again", "<p>Quell could not do that just now. Try again shortly.</p>")
}

/// The form, with an error beside the field it belongs to.
fn form(name: &str, error: Option<(&str, &str)>, status: StatusCode) -> Response {
    let message = |field: &str| match error {
        Some((f, text)) if f == field => format!("<p class=\"field-error\" id=\"{field}-error\">{}</p>", escape_html(text)),
        _ => String::new(),
    };
    let body = format!(
        "<p>{name}, choose a new password for Quell. At least 12 characters.</p>\
         <form method=\"post\" class=\"stack-form\">\
         <div class=\"field\"><label for=\"new_password\">New password</label>\
         <input id=\"new_password\" name=\"new_password\" type=\"password\" autocomplete=\"new-password\" required>{new_error}</div>\
         <div class=\"field\"><label for=\"new_password_confirmation\">Confirm new password</label>\
         <input id=\"new_password_confirmation\" name=\"new_password_confirmation\" type=\"password\" autocomplete=\"new-password\" required>{confirm_error}</div>\
         <button type=\"submit\" class=\"button primary\">Set password</button></form>",
        name = escape_html(name),
        new_error = message("new_password"),
        confirm_error = message("new_password_confirmation"),
    );
    document(status, "Choose a new password", &body)
}

async fn show(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    if !plausible(&token) {
        return gone();
    }
    match reset::person_of_link(&state, &token).await {
        Ok(Some(user)) => form(&user.display_name, None, StatusCode::OK),
        Ok(None) => gone(),
        Err(_) => unavailable(),
    }
}

#[derive(Deserialize)]
struct NewPassword {
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    new_password_confirmation: String,
}

async fn set_password(State(state): State<AppState>, Path(token): Path<String>, Form(input): Form<NewPassword>) -> Response {
    if !plausible(&token) {
        return gone();
    }
    let user = match reset::person_of_link(&state, &token).await {
        Ok(Some(user)) => user,
        Ok(None) => return gone(),
        Err(_) => return unavailable(),
    };
    match reset::reset_with_link(&state, &token, &user, input.new_password, &input.new_password_confirmation).await {
        Ok(true) => document(
            StatusCode::OK,
            "Password set",
            "<p>Your new password is set, and every earlier session has been signed out.</p><p><a href=\"/login\">Sign in</a></p>",
        ),
        Ok(false) => gone(),
        Err(AppError::Invalid { field, message }) => {
            form(&user.display_name, Some((field.as_str(), &message)), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(_) => unavailable(),
    }
}
