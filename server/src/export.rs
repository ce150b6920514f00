//! `GET /post-mortems/<id>/export.md`: a post-mortem as one Markdown file, for everyone signed in.

use app::auth::Authenticated;
use app::state::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};

pub fn routes() -> Router<AppState> {
    Router::new().route("/post-mortems/{id}/export.md", get(export))
}

async fn export(State(state): State<AppState>, Extension(Authenticated(user)): Extension<Authenticated>, Path(id): Path<i64>) -> Response {
    let Some(user) = user else {
        return (StatusCode::UNAUTHORIZED, "Please sign in.").into_response();
    };
    match app::api::post_mortems::export_markdown(&state, id, &user).await {
        Ok(Some(body)) => (
            [
                (header::CONTENT_TYPE, "text/markdown; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"post-mortem-{id}.md\"")),
                (header::CACHE_CONTROL, "private, no-store".to_string()),
            ],
            body,
        )
            .into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, "No post-mortem at this address.").into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "The export is unavailable. Try again shortly.").into_response(),
    }
}
