//! `GET /api/live`: the server-sent events stream that tells signed-in pages when incidents
//! change (see `app::live`). Each event is `incident` with the incident id, or `resync` when
//! this listener fell behind and should reload what it shows.

use app::auth::Authenticated;
use app::live::LiveMessage;
use app::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use futures_util::StreamExt;
use std::convert::Infallible;
use tokio::sync::broadcast::error::RecvError;

pub async fn live_events(State(state): State<AppState>, Extension(Authenticated(user)): Extension<Authenticated>) -> Response {
    if user.is_none() {
        return (StatusCode::UNAUTHORIZED, "Please sign in.").into_response();
    }
    let receiver = state.live.subscribe();
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        let event = match receiver.recv().await {
            Ok(LiveMessage::IncidentChanged { incident_id }) => Event::default().event("incident").data(incident_id.to_string()),
            Ok(LiveMessage::Resync) | Err(RecvError::Lagged(_)) => Event::default().event("resync").data("all"),
            Err(RecvError::Closed) => return None,
        };
        Some((Ok::<_, Infallible>(event), receiver))
    })
    .take_until(state.live.closed());
    Sse::new(stream).keep_alive(KeepAlive::default()).into_response()
}
