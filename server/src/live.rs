//! `GET /api/live`: the server-sent events stream that tells signed-in pages when incidents
//! change (see `app::live`). Each event is `incident` with the incident id, or `resync` when
//! this listener fell behind and should reload what it shows.

use app::auth::Authenticated;
use app::live::{LiveMessage, Mark, Told};
use app::state::AppState;
use axum::extract::{Query, State};
use serde::Deserialize;
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use futures_util::StreamExt;
use std::convert::Infallible;
use tokio::sync::broadcast::error::RecvError;

/// `?since=` is the mark the page was rendered with (`app::live::Mark`; a reconnecting browser
/// sends the last one it heard as `Last-Event-ID`, which wins), `&incident=` the incident it
/// shows (none: a list). When that may have changed since, the stream starts with the event that
/// makes the page reload, so a change made while the page was loading is not missed. A mark
/// that doesn't parse counts as very old. Every event carries the mark just after it as its id.
#[derive(Debug, Deserialize)]
pub struct Connecting {
    since: Option<String>,
    incident: Option<String>,
}

pub async fn live_events(
    State(state): State<AppState>,
    Extension(Authenticated(user)): Extension<Authenticated>,
    Query(connecting): Query<Connecting>,
    headers: HeaderMap,
) -> Response {
    if user.is_none() {
        return (StatusCode::UNAUTHORIZED, "Please sign in.").into_response();
    }
    let receiver = state.live.subscribe();
    let incident = connecting.incident.and_then(|id| id.trim().parse::<i64>().ok());
    let last_heard = headers.get("last-event-id").and_then(|v| v.to_str().ok()).map(str::to_string);
    let catch_up = last_heard.or(connecting.since).and_then(|since| {
        let changed = Mark::parse(&since).is_none_or(|mark| state.live.changed_since(incident, mark));
        changed.then(|| Told {
            message: match incident {
                Some(id) => LiveMessage::IncidentChanged { incident_id: id },
                None => LiveMessage::Resync,
            },
            mark: state.live.mark(),
        })
    });
    let first = futures_util::stream::iter(catch_up.map(|told| Ok::<_, Infallible>(event(told))));
    let hub = state.live.clone();
    let rest = futures_util::stream::unfold(receiver, move |mut receiver| {
        let hub = hub.clone();
        async move {
            let told = match receiver.recv().await {
                Ok(told) => told,
                Err(RecvError::Lagged(_)) => Told { message: LiveMessage::Resync, mark: hub.mark() },
                Err(RecvError::Closed) => return None,
            };
            Some((Ok::<_, Infallible>(event(told)), receiver))
        }
    });
    Sse::new(first.chain(rest).take_until(state.live.closed())).keep_alive(KeepAlive::default()).into_response()
}

fn event(told: Told) -> Event {
    let event = match told.message {
        LiveMessage::IncidentChanged { incident_id } => Event::default().event("incident").data(incident_id.to_string()),
        LiveMessage::Resync => Event::default().event("resync").data("all"),
    };
    event.id(told.mark.to_string())
}
