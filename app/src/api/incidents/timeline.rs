//! The timeline's notes: adding, correcting and pinning them, and a note's earlier versions.

use super::NoteVersion;
#[cfg(feature = "ssr")]
use crate::api::support::*;
#[cfg(feature = "ssr")]
use crate::domain::account::User;
use crate::errors::AppError;
#[cfg(feature = "ssr")]
use chrono::{DateTime, Utc};
use leptos::prelude::*;

/// When a note happened: the time given in the viewer's zone, or `default` when empty.
/// Notes can be backdated, not dated ahead.
#[cfg(feature = "ssr")]
fn note_time(value: &str, default: Option<DateTime<Utc>>, user: &User, now: DateTime<Utc>) -> Result<DateTime<Utc>, AppError> {
    let time = parse_local("occurred_at", value, user)?
        .or(default)
        .ok_or_else(|| AppError::invalid("occurred_at", "Enter when it happened."))?;
    if crate::domain::incident::is_in_future(time, now) {
        return Err(AppError::invalid("occurred_at", "A note can't happen in the future."));
    }
    Ok(time)
}

/// Adds a Markdown note to the timeline. `occurred_at` (viewer's zone) may be in the past;
/// empty means now.
#[server(prefix = "/api", endpoint = "incidents/notes/add", output = crate::wire::Json)]
pub async fn add_note(incident_id: i64, body: String, #[server(default)] occurred_at: String) -> Result<(), AppError> {
    use crate::domain::incident::{normalize_note, EventKind};
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(incident_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::Respond).await?;
        let body = normalize_note(&body)?;
        let now = state.now();
        let occurred_at = note_time(&occurred_at, Some(now), &viewer, now)?;
        let note = crate::store::incidents::NewEvent { kind: EventKind::Note, body_html: crate::markdown::render(&body), body, occurred_at };
        // A missing incident fails the insert's foreign key, which the store reports as NotFound.
        state.store.add_note(incident_id, &note, viewer.id, now).await.map_err(|err| match err {
            crate::store::StoreError::NotFound => AppError::not_found("That incident"),
            other => internal(other),
        })?;
        state.live.incident_changed(&state.store, incident_id).await;
        Ok(())
    })
    .await
}

/// Corrects a note (its author only). The previous version is kept in the note's history.
#[server(prefix = "/api", endpoint = "incidents/notes/edit", output = crate::wire::Json)]
pub async fn edit_note(event_id: i64, body: String, occurred_at: String, revision: i64) -> Result<(), AppError> {
    use crate::domain::incident::normalize_note;
    use crate::domain::permissions::Permission;
    use crate::store::StoreError;
    crate::api::support::respond(server_span!(event_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::Respond).await?;
        let body = normalize_note(&body)?;
        let now = state.now();
        let occurred_at = note_time(&occurred_at, None, &viewer, now)?;
        let html = crate::markdown::render(&body);
        let edited = match state.store.edit_note(event_id, revision, viewer.id, &body, &html, occurred_at, now).await {
            Ok(event) => event,
            Err(StoreError::Refused(Refusal::NotNoteAuthor)) => return Err(AppError::Forbidden),
            Err(StoreError::Stale) => {
                return Err(AppError::conflict(
                    Some("body"),
                    "This note was changed meanwhile (in another tab?). Reload to see the latest version.",
                ))
            }
            Err(StoreError::NotFound) => return Err(AppError::not_found("That note")),
            Err(err) => return Err(internal(err)),
        };
        state.live.incident_changed(&state.store, edited.incident_id).await;
        // Without JavaScript, back to the incident with the edit form closed.
        crate::api::support::redirect_form_post(&format!("/incidents/{}#entry-{event_id}", edited.incident_id));
        Ok(())
    })
    .await
}

/// Pins (highlights) a timeline entry for the post-mortem, or unpins it.
#[server(prefix = "/api", endpoint = "incidents/timeline/pin", output = crate::wire::Json)]
pub async fn set_pinned(event_id: i64, #[server(default)] pinned: bool) -> Result<(), AppError> {
    use crate::domain::permissions::Permission;
    use crate::store::StoreError;
    crate::api::support::respond(server_span!(event_id), async move {
        let Ctx { state, .. } = Ctx::require(Permission::Respond).await?;
        let event = match state.store.set_event_pinned(event_id, pinned).await {
            Ok(event) => event,
            Err(StoreError::NotFound) => return Err(AppError::not_found("That timeline entry")),
            Err(err) => return Err(internal(err)),
        };
        state.live.incident_changed(&state.store, event.incident_id).await;
        Ok(())
    })
    .await
}

/// The earlier versions of a note, newest first.
#[server(prefix = "/api", endpoint = "incidents/notes/history", output = crate::wire::Json)]
pub async fn get_note_history(event_id: i64) -> Result<Vec<NoteVersion>, AppError> {
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(event_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::View).await?;
        let edits = state.store.note_edits(event_id, 50).await.or_internal()?;
        Ok(edits
            .into_iter()
            .map(|edit| NoteVersion {
                body: edit.previous_body,
                occurred: format(edit.previous_occurred_at, &viewer),
                edited_by: edit.edited_by,
                edited: format(edit.edited_at, &viewer),
            })
            .collect())
    })
    .await
}
