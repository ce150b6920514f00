//! The timeline: highlights filter, the note form, entries (pin, edit, earlier versions) and
//! older pages.
//!
//! A page shows up to fifty entries, so an entry carries no form of its own. Its Pin button
//! submits one of two forms shared by the timeline (`form=`), naming the entry with its own
//! value. "Edit note" is a link to the same page with `?edit=<entry>`: only that note gets the
//! edit form, without JavaScript as with it (then the router changes the address and nothing is
//! loaded again).

use super::Actions;
use crate::api::incidents::{get_note_history, EventView, IncidentView};
use crate::components::form::{Field, FormError, SubmitButton, TextArea};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;
use std::sync::Arc;
use crate::components::post_form::PostForm;

/// The ids of the two forms that the entries' Pin and Unpin buttons submit.
const PIN_FORM: &str = "timeline-pin";
const UNPIN_FORM: &str = "timeline-unpin";

/// The incident's address as it is now (highlights, older page), with the edit form open on
/// `edit` or on no note.
pub(super) fn timeline_address(incident_id: i64, query: &ParamsMap, edit: Option<i64>) -> String {
    let mut pairs: Vec<String> = ["pinned", "before"]
        .iter()
        .filter_map(|name| query.get(name).filter(|v| !v.is_empty()).map(|v| format!("{name}={}", crate::domain::text::urlencode(&v))))
        .collect();
    if let Some(edit) = edit {
        pairs.push(format!("edit={edit}"));
    }
    let anchor = edit.map(|id| format!("#entry-{id}")).unwrap_or_default();
    if pairs.is_empty() { format!("/incidents/{incident_id}{anchor}") } else { format!("/incidents/{incident_id}?{}{anchor}", pairs.join("&")) }
}

/// The note whose edit form is open (`?edit=`).
pub(super) fn edited_note(query: &ParamsMap) -> Option<i64> {
    query.get("edit").and_then(|id| id.parse().ok())
}

#[component]
pub(super) fn Timeline(data: Arc<IncidentView>, actions: Actions) -> impl IntoView {
    let incident_id = data.summary.incident.id;
    let base = format!("/incidents/{incident_id}");
    let pinned_only = data.pinned_only;
    // A Pin that failed (the edit form shows its own errors).
    let pin_error = actions.pin.error();
    let events = data.timeline.clone();
    let is_empty = events.is_empty();
    let query = use_query_map();
    let editing = Memo::new(move |_| query.with(edited_note));
    // Where each "Edit note" link and the edit form's Cancel lead: the address as it is now.
    let can_respond = data.can_respond;
    let close_href: Arc<str> = query.with_untracked(|q| timeline_address(incident_id, q, None)).into();
    view! {
        <section class="card timeline-card" aria-labelledby="timeline-title">
            <div class="section-head">
                <h2 id="timeline-title">"Timeline"</h2>
                <nav class="status-tabs" aria-label="Timeline filter">
                    <a href=base.clone() aria-current=(!pinned_only).then_some("page")>"All entries"</a>
                    <a href=format!("{base}?pinned=true") aria-current=pinned_only.then_some("page")>"Highlights"</a>
                </nav>
            </div>
            {data.can_respond.then(|| view! {
                <NoteForm incident_id now=data.now_input.clone() actions />
                <PostForm action=actions.pin attr:id=PIN_FORM attr:class="hidden-form">
                    <input type="hidden" name="pinned" value="true" />
                </PostForm>
                <PostForm action=actions.pin attr:id=UNPIN_FORM attr:class="hidden-form">{()}</PostForm>
            })}
            {move || pin_error.get().map(|error| view! { <div class="form-error" role="alert">{error.to_string()}</div> })}
            {if is_empty {
                view! {
                    <p class="empty-state">
                        {if pinned_only { "Nothing is pinned yet. Pin the entries the post-mortem needs." } else { "No entries yet." }}
                    </p>
                }
                .into_any()
            } else {
                view! {
                    <ol class="timeline" aria-label="Timeline entries, newest first">
                        {events
                            .into_iter()
                            .map(|event| {
                                let edit_href = (can_respond && event.editable)
                                    .then(|| query.with_untracked(|q| timeline_address(incident_id, q, Some(event.event.id))));
                                view! { <TimelineEntry event can_respond edit_href close_href=close_href.clone() editing actions /> }
                            })
                            .collect_view()}
                    </ol>
                }
                .into_any()
            }}
            {data.older_cursor.clone().map(|cursor| {
                let pinned = if pinned_only { "pinned=true&" } else { "" };
                view! {
                    <nav class="pagination" aria-label="Timeline pages">
                        <a href=base.clone()>"Newest entries"</a>
                        <a href=format!("{base}?{pinned}before={cursor}") rel="next">"Older entries"</a>
                    </nav>
                }
            })}
        </section>
    }
}

#[component]
fn NoteForm(incident_id: i64, now: String, actions: Actions) -> impl IntoView {
    let error = actions.note.error();
    // Drawn anew after each note added, so the text area empties.
    view! {
        {move || {
            actions.note.version().get();
            let now = now.clone();
            view! {
                <PostForm action=actions.note attr:class="note-form stack-form">
                    <FormError error fields=&["body", "occurred_at"] />
                    <input type="hidden" name="incident_id" value=incident_id />
                    <TextArea
                        label="Note"
                        name="body"
                        error
                        required=true
                        rows=3
                        hint="Markdown. What happened, what was decided, by whom."
                        id_prefix="new"
                        draft=actions.note_draft
                    />
                    <Field
                        label="Occurred at"
                        name="occurred_at"
                        kind="datetime-local"
                        value=now
                        error
                        required=false
                        hint="Leave as is for now, or set an earlier time to backdate."
                        id_prefix="new"
                        draft=actions.note_time_draft
                    />
                    <SubmitButton label="Add note" pending_label="Adding…" pending=actions.note.pending().into() />
                </PostForm>
            }
        }}
    }
}

/// One entry. `edit_href` is given when the viewer may edit it (a note, someone who responds);
/// its edit form, which Cancel leaves for `close_href`, is drawn while `editing` names it.
#[component]
fn TimelineEntry(
    event: EventView,
    can_respond: bool,
    edit_href: Option<String>,
    close_href: Arc<str>,
    editing: Memo<Option<i64>>,
    actions: Actions,
) -> impl IntoView {
    let EventView { event, occurred, occurred_ago, occurred_input, edited, .. } = event;
    let is_note = event.kind == crate::domain::incident::EventKind::Note;
    let label = event.kind.label();
    let pin_label = if event.pinned { "Unpin" } else { "Pin" };
    let history = RwSignal::new(false);
    let event_id = event.id;
    let pinned = event.pinned;
    let entry_name = format!(" entry: {}", event.body.chars().take(60).collect::<String>());
    // Only an entry that may be edited keeps what its edit form starts from.
    let (edit_link, edit_form) = match edit_href {
        Some(href) => {
            let start = StoredValue::new((event.clone(), occurred_input));
            let link = view! { <a class="button small" href=href>"Edit note" <span class="visually-hidden">{entry_name.clone()}</span></a> };
            let form = move || {
                (editing.get() == Some(event_id)).then(|| {
                    let (event, occurred_input) = start.get_value();
                    view! { <EditNoteForm event occurred_input close_href=close_href.clone() actions /> }
                })
            };
            (Some(link), Some(form))
        }
        None => (None, None),
    };
    view! {
        <li class="timeline-entry" id=format!("entry-{event_id}") class:pinned=event.pinned class:note=is_note>
            <div class="entry-meta">
                <time datetime=event.occurred_at.to_rfc3339() title=occurred.clone()>{occurred_ago}</time>
                <span class="muted">{occurred}</span>
                <span class="badge kind">{label}</span>
                {event.pinned.then(|| view! { <span class="badge pinned-badge">"Pinned"</span> })}
                <span class="entry-actor">{event.actor_name.clone().unwrap_or_else(|| "Quell".to_string())}</span>
            </div>
            <div class="entry-body" inner_html=event.body_html.clone()></div>
            {edited.map(|at| view! {
                <p class="muted entry-edited">
                    {format!("Edited {at}. ")}
                    <button type="button" class="button link small" on:click=move |_| history.update(|h| *h = !*h)>
                        "Show earlier versions"
                    </button>
                </p>
                <Show when=move || history.get()>
                    <NoteHistory event_id />
                </Show>
            })}
            {can_respond.then(|| view! {
                <div class="entry-actions">
                    <button type="submit" class="button small" form=if pinned { UNPIN_FORM } else { PIN_FORM } name="event_id" value=event_id>
                        {pin_label} <span class="visually-hidden">{entry_name}</span>
                    </button>
                    {edit_link}
                </div>
                {edit_form}
            })}
        </li>
    }
}

#[component]
fn EditNoteForm(event: crate::domain::incident::TimelineEvent, occurred_input: String, close_href: Arc<str>, actions: Actions) -> impl IntoView {
    let error = actions.edit_note.error();
    let prefix = format!("note-{}", event.id);
    view! {
        <PostForm action=actions.edit_note attr:class="stack-form edit-note" attr:aria-label="Edit note">
            <FormError error fields=&[] />
            <input type="hidden" name="event_id" value=event.id />
            <input type="hidden" name="revision" value=event.revision />
            <TextArea label="Note text" name="body" value=event.body.clone() error required=true rows=3 id_prefix=prefix.clone() />
            <Field label="Occurred at" name="occurred_at" kind="datetime-local" value=occurred_input error id_prefix=prefix />
            <div class="form-actions">
                <SubmitButton label="Save note" pending_label="Saving…" pending=actions.edit_note.pending().into() />
                <a href=close_href>"Cancel"</a>
            </div>
        </PostForm>
    }
}

#[component]
fn NoteHistory(event_id: i64) -> impl IntoView {
    let versions = Resource::new(move || event_id, get_note_history);
    view! {
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading earlier versions…"</p> }>
            {move || {
                versions
                    .get()
                    .map(|loaded| match loaded {
                        Ok(list) => view! {
                            <ol class="note-history" aria-label="Earlier versions">
                                {list
                                    .into_iter()
                                    .map(|v| view! {
                                        <li>
                                            <p class="muted">{format!("Until {} (edited by {}); occurred at {}", v.edited, v.edited_by, v.occurred)}</p>
                                            <pre class="note-source">{v.body}</pre>
                                        </li>
                                    })
                                    .collect_view()}
                            </ol>
                        }
                        .into_any(),
                        Err(error) => view! { <p class="form-error">{error.to_string()}</p> }.into_any(),
                    })
            }}
        </Suspense>
    }
}
