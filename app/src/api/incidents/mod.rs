//! Incidents: declare, list, read, change status and details, roles and checklists, key times,
//! and the timeline. Everyone signed in reads; responders and admins change; key times are
//! corrected by the incident's commander (or an admin).
//!
//! Every change writes its timeline events in the same transaction and is then published to
//! live listeners.

#[cfg(feature = "ssr")]
use crate::api::support::*;
use crate::domain::catalog::{IncidentType, Person, RoleType, Severity};
use crate::domain::incident::{IncidentSummary, Status, TimelineEvent};
use crate::errors::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub const INCIDENTS_PAGE_SIZE: i64 = 25;
pub const TIMELINE_PAGE_SIZE: i64 = 50;
/// Open incidents shown at the top of the list at most.
pub const OPEN_PANEL_SIZE: i64 = 10;

/// An incident in a list, with its times in the viewer's zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentRow {
    pub summary: IncidentSummary,
    pub declared: String,
    pub declared_ago: String,
}

/// The incidents page: open incidents up top, then the filtered list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentsView {
    pub open: Vec<IncidentRow>,
    pub open_total: i64,
    pub rows: Vec<IncidentRow>,
    pub next_cursor: Option<String>,
    pub total: i64,
    pub status_counts: Vec<(Status, i64)>,
    pub severities: Vec<Severity>,
    pub services: Vec<(i64, String)>,
    pub incident_types: Vec<(i64, String)>,
    pub can_declare: bool,
}

/// What the declare form chooses from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclareForm {
    pub severities: Vec<Severity>,
    pub incident_types: Vec<IncidentType>,
    pub services: Vec<(i64, String)>,
    pub people: Vec<Person>,
    pub viewer_id: i64,
}

/// A key time as shown and as edited (`datetime-local` value in the viewer's zone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyTimeView {
    pub which: crate::domain::incident::KeyTime,
    pub shown: Option<String>,
    pub input: String,
}

/// A timeline event with its times in the viewer's zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventView {
    pub event: TimelineEvent,
    pub occurred: String,
    pub occurred_ago: String,
    pub occurred_input: String,
    pub edited: Option<String>,
    /// Whether the viewer wrote this note (and may edit it).
    pub editable: bool,
}

/// A role on an incident: its type, who holds it, and its checklist with ticks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleView {
    pub role_type: RoleType,
    pub holder: Option<Person>,
    /// (item, ticked)
    pub checklist: Vec<(String, bool)>,
}

/// Everything the incident page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentView {
    pub summary: IncidentSummary,
    pub service_ids: Vec<i64>,
    pub roles: Vec<RoleView>,
    pub key_times: Vec<KeyTimeView>,
    /// (label, duration) for time to acknowledge, mitigate and resolve, when known.
    pub durations: Vec<(String, String)>,
    pub declared: String,
    pub next_statuses: Vec<Status>,
    pub timeline: Vec<EventView>,
    /// Cursor for older timeline entries, when there are more.
    pub older_cursor: Option<String>,
    pub pinned_only: bool,
    pub can_respond: bool,
    pub can_edit_key_times: bool,
    pub severities: Vec<Severity>,
    pub incident_types: Vec<IncidentType>,
    pub services: Vec<(i64, String)>,
    pub people: Vec<Person>,
    /// Now, as a `datetime-local` value in the viewer's zone (the default "occurred at").
    pub now_input: String,
    /// The updates card.
    pub updates: crate::api::updates::UpdatesPanel,
    /// Who the incident's updates go to.
    pub recipients: crate::api::notifications::IncidentRecipients,
}

/// An earlier version of a note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteVersion {
    pub body: String,
    pub occurred: String,
    pub edited_by: String,
    pub edited: String,
}

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use super::*;
    use crate::domain::account::User;
    use crate::domain::catalog::Service;
    use crate::state::AppState;
    use crate::store::StoreError;
    use chrono::{DateTime, Utc};

    /// Someone else changed a role between the page being drawn and the change arriving.
    pub fn role_conflict(role: &str) -> AppError {
        AppError::conflict(Some("user_id"), format!("Someone else changed the {role} role meanwhile. Reload to see who holds it now."))
    }

    /// An incident update refused because of its revision, or gone.
    pub fn incident_write_error(err: StoreError) -> AppError {
        crate::api::support::update_error(err, "this incident")
    }

    /// Refuses an edit that started from an older version of the incident (before any work).
    pub fn check_revision(incident: &crate::domain::incident::Incident, revision: i64) -> Result<(), AppError> {
        if incident.revision == revision { Ok(()) } else { Err(incident_write_error(StoreError::Stale)) }
    }

    /// When a note happened: the time given in the viewer's zone, or `default` when empty.
    /// Notes can be backdated, not dated ahead.
    pub fn note_time(value: &str, default: Option<DateTime<Utc>>, user: &User, now: DateTime<Utc>) -> Result<DateTime<Utc>, AppError> {
        let time = parse_local("occurred_at", value, user)?
            .or(default)
            .ok_or_else(|| AppError::invalid("occurred_at", "Enter when it happened."))?;
        if crate::domain::incident::is_in_future(time, now) {
            return Err(AppError::invalid("occurred_at", "A note can't happen in the future."));
        }
        Ok(time)
    }

    /// Services chosen in a form, checked to exist.
    pub async fn chosen_services(state: &AppState, ids: &[i64]) -> Result<Vec<Service>, AppError> {
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let services = state.store.services_by_ids(&ids).await.or_internal()?;
        if services.len() != ids.len() {
            return Err(AppError::invalid("service_ids", "One of the chosen services no longer exists."));
        }
        Ok(services)
    }

    pub async fn chosen_severity(state: &AppState, id: i64) -> Result<Severity, AppError> {
        state
            .store
            .severity(id)
            .await
            .or_internal()?
            .ok_or_else(|| AppError::invalid("severity_id", "Choose a severity from the list."))
    }

    pub async fn chosen_type(state: &AppState, id: i64) -> Result<Option<IncidentType>, AppError> {
        if id <= 0 {
            return Ok(None);
        }
        match state.store.incident_type(id).await.or_internal()? {
            Some(kind) if !kind.retired => Ok(Some(kind)),
            _ => Err(AppError::invalid("incident_type_id", "Choose an incident type from the list.")),
        }
    }

    pub async fn active_person(state: &AppState, id: i64, field: &str) -> Result<User, AppError> {
        match state.store.user_by_id(id).await.or_internal()? {
            Some(record) if record.user.active => Ok(record.user),
            _ => Err(AppError::invalid(field, "Choose a person from the list.")),
        }
    }

    pub fn names(services: &[Service]) -> String {
        if services.is_empty() {
            "none".to_string()
        } else {
            services.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", ")
        }
    }

    pub fn row(summary: IncidentSummary, user: &User, now: DateTime<Utc>) -> IncidentRow {
        let declared_at = summary.incident.declared_at;
        IncidentRow {
            declared: format(declared_at, user),
            declared_ago: crate::domain::incident::relative_time(declared_at, now),
            summary,
        }
    }
}
#[cfg(feature = "ssr")]
use ssr::*;

/// The incidents list. Every filter is a string from the page's query (empty: no filter).
#[allow(clippy::too_many_arguments)]
#[server(prefix = "/api", endpoint = "incidents/list")]
pub async fn list_incidents(
    status: String,
    severity: String,
    service: String,
    incident_type: String,
    mine: String,
    drill: String,
    from: String,
    to: String,
    q: String,
    sort: String,
    cursor: String,
) -> Result<IncidentsView, AppError> {
    use crate::domain::permissions::Permission;
    use crate::store::incidents::{IncidentFilter, IncidentSort};
    crate::api::support::respond(server_span!(), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::View).await?;
        let store = &state.store;
        let id = |value: &str| value.parse::<i64>().ok().filter(|id| *id > 0);
        let statuses = match status.as_str() {
            "" => Vec::new(),
            "open" => Status::OPEN.to_vec(),
            "ended" => vec![Status::Resolved, Status::Closed, Status::Declined, Status::Merged],
            other => vec![other.parse::<Status>().map_err(|message| AppError::invalid("status", message))?],
        };
        let day = |field: &str, value: &str| -> Result<Option<chrono::DateTime<chrono::Utc>>, AppError> {
            if value.trim().is_empty() {
                return Ok(None);
            }
            parse_local(field, &format!("{}T00:00", value.trim()), &viewer)
                .map_err(|_| AppError::invalid(field, "Enter a date like 2026-05-04."))
        };
        let filter = IncidentFilter {
            statuses,
            severity_id: id(&severity),
            service_id: id(&service),
            incident_type_id: id(&incident_type),
            role_holder: (mine == "true").then_some(viewer.id),
            drill: match drill.as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            declared_from: day("from", &from)?,
            declared_before: day("to", &to)?.map(|t| t + chrono::Duration::days(1)),
            text: Some(q).filter(|q| !q.trim().is_empty()),
        };
        let cursor = Some(cursor).filter(|c| !c.is_empty());
        let page = store
            .list_incidents(&filter, IncidentSort::parse(&sort), cursor.as_deref(), INCIDENTS_PAGE_SIZE, true)
            .await
            .or_internal()?;
        let open_filter = IncidentFilter { statuses: Status::OPEN.to_vec(), ..IncidentFilter::default() };
        let open = store
            .list_incidents(&open_filter, IncidentSort::Severity, None, OPEN_PANEL_SIZE, false)
            .await
            .or_internal()?;
        let open_total = store.count_incidents(&open_filter).await.or_internal()?;
        let severities = store.list_severities(PageRequest::first(crate::api::catalog::CHOICE_LIMIT)).await.or_internal()?.rows;
        let services = store.list_services(PageRequest::first(crate::api::catalog::CHOICE_LIMIT)).await.or_internal()?.rows;
        let types = store.list_incident_types(PageRequest::first(crate::api::catalog::CHOICE_LIMIT)).await.or_internal()?.rows;
        let now = state.now();
        Ok(IncidentsView {
            open: open.rows.into_iter().map(|s| row(s, &viewer, now)).collect(),
            open_total,
            rows: page.rows.into_iter().map(|s| row(s, &viewer, now)).collect(),
            next_cursor: page.next_cursor,
            total: page.total,
            status_counts: page.status_counts,
            severities,
            services: services.into_iter().map(|s| (s.id, s.name)).collect(),
            incident_types: types.into_iter().map(|t| (t.id, t.name)).collect(),
            can_declare: viewer.role.allows(Permission::Respond),
        })
    })
    .await
}

#[server(prefix = "/api", endpoint = "incidents/declare-form")]
pub async fn get_declare_form() -> Result<DeclareForm, AppError> {
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::Respond).await?;
        let store = &state.store;
        let limit = crate::api::catalog::CHOICE_LIMIT;
        let severities = store.list_severities(PageRequest::first(limit)).await.or_internal()?.rows;
        let incident_types = store.list_incident_types(PageRequest::first(limit)).await.or_internal()?.rows;
        let services = store.list_services(PageRequest::first(limit)).await.or_internal()?.rows;
        let people = store.list_people(limit).await.or_internal()?;
        Ok(DeclareForm {
            severities,
            incident_types: incident_types.into_iter().filter(|t| !t.retired).collect(),
            services: services.into_iter().map(|s| (s.id, s.name)).collect(),
            people,
            viewer_id: viewer.id,
        })
    })
    .await
}

/// Declares an incident and returns its page's path. The declarer is the commander unless
/// they choose someone else (`commander_id` 0 means themselves). Without a severity
/// (`severity_id` 0), the incident type's default severity is used.
#[allow(clippy::too_many_arguments)]
#[server(prefix = "/api", endpoint = "incidents/declare")]
pub async fn declare_incident(
    title: String,
    #[server(default)] severity_id: i64,
    #[server(default)] incident_type_id: i64,
    #[server(default)] service_ids: Vec<i64>,
    #[server(default)] summary: String,
    #[server(default)] is_drill: bool,
    #[server(default)] commander_id: i64,
) -> Result<String, AppError> {
    use crate::domain::incident::{normalize_summary, normalize_title, EventKind};
    use crate::domain::permissions::Permission;
    use crate::store::incidents::NewIncident;
    crate::api::support::respond(server_span!(), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::Respond).await?;
        let title = normalize_title(&title)?;
        let summary = normalize_summary(&summary)?;
        let kind = chosen_type(&state, incident_type_id).await?;
        let severity_id = match (severity_id, kind.as_ref().and_then(|k| k.default_severity_id)) {
            (id, _) if id > 0 => id,
            (_, Some(default)) => default,
            _ => return Err(AppError::invalid("severity_id", "Choose a severity, or a type that has a default severity.")),
        };
        let severity = chosen_severity(&state, severity_id).await?;
        let services = chosen_services(&state, &service_ids).await?;
        let commander =
            if commander_id <= 0 || commander_id == viewer.id { viewer.clone() } else { active_person(&state, commander_id, "commander_id").await? };
        let commander_role = state.store.commander_role_type().await.or_internal()?;
        let now = state.now();
        let mut sentence = format!("{} declared the incident as {}", viewer.display_name, severity.name);
        if let Some(kind) = &kind {
            sentence.push_str(&format!(" ({})", kind.name));
        }
        sentence.push_str(&format!(", with {} as {}. Affected services: {}.", commander.display_name, commander_role.name, names(&services)));
        if is_drill {
            sentence.push_str(" This is a drill.");
        }
        let new = NewIncident {
            title,
            summary,
            severity_id: severity.id,
            incident_type_id: kind.map(|k| k.id),
            is_drill,
            service_ids: services.iter().map(|s| s.id).collect(),
            commander_id: commander.id,
            declared_by: viewer.id,
        };
        let id = state
            .store
            .declare_incident(&new, &auto_event(EventKind::Declared, sentence, now), commander_role.id, now)
            .await
            .or_internal()?;
        tracing::info!(incident_id = id, user_id = viewer.id, "incident declared");
        state.live.incident_changed(&state.store, id).await;
        Ok(crate::api::support::redirect_form_post(&format!("/incidents/{id}")))
    })
    .await
}

/// The incident page: the incident, its roles and key times, and one page of its timeline
/// (`before` is the cursor of older entries; `pinned` shows highlights only).
#[server(prefix = "/api", endpoint = "incidents/get")]
pub async fn get_incident(incident_id: i64, pinned: bool, before: String) -> Result<IncidentView, AppError> {
    use crate::domain::incident::{format_duration, relative_time, KeyTime};
    use crate::domain::permissions::{OrgRole, Permission};
    crate::api::support::respond(server_span!(incident_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::View).await?;
        let store = &state.store;
        let detail = detail_or_404(&state, incident_id).await?;
        let older_than = before.split_once('.').and_then(|(at, id)| {
            Some((chrono::DateTime::from_timestamp_micros(at.parse().ok()?)?, id.parse::<i64>().ok()?))
        });
        let timeline = store.timeline(incident_id, pinned, older_than, TIMELINE_PAGE_SIZE).await.or_internal()?;
        let limit = crate::api::catalog::CHOICE_LIMIT;
        let role_types = store.list_role_types(PageRequest::first(limit)).await.or_internal()?.rows;
        let updates = crate::api::updates::ssr::updates_panel(&state, &viewer, &detail, &role_types).await?;
        let recipients = crate::api::notifications::ssr::incident_recipients(&state, viewer.id, &detail).await?;
        let can_respond = viewer.role.allows(Permission::Respond);
        // What the edit forms choose from; viewers get no forms, so they don't pay for the lists
        // (this runs for every open page at every live update).
        let (severities, incident_types, services, people) = if can_respond {
            (
                store.list_severities(PageRequest::first(limit)).await.or_internal()?.rows,
                store.list_incident_types(PageRequest::first(limit)).await.or_internal()?.rows,
                store.list_services(PageRequest::first(limit)).await.or_internal()?.rows,
                store.list_people(limit).await.or_internal()?,
            )
        } else {
            Default::default()
        };
        let now = state.now();
        let incident = detail.incident;
        let commander = role_types.iter().find(|r| r.is_commander).map(|r| r.id);
        let is_commander = detail.roles.iter().any(|r| Some(r.role_type_id) == commander && r.user_id == viewer.id);
        let roles = role_types
            .into_iter()
            .filter_map(|role_type| {
                let holder = detail
                    .roles
                    .iter()
                    .find(|r| r.role_type_id == role_type.id)
                    .map(|r| Person { id: r.user_id, name: r.user_name.clone() });
                // Retired role types only show where someone still holds them.
                if role_type.retired && holder.is_none() {
                    return None;
                }
                let checklist = role_type
                    .checklist
                    .iter()
                    .map(|item| {
                        let ticked = detail.ticks.iter().any(|t| t.role_type_id == role_type.id && &t.item == item);
                        (item.clone(), ticked)
                    })
                    .collect();
                Some(RoleView { role_type, holder, checklist })
            })
            .collect();
        let key_times = KeyTime::ALL
            .into_iter()
            .map(|which| {
                let value = incident.key_times.get(which);
                KeyTimeView {
                    which,
                    shown: value.map(|t| format(t, &viewer)),
                    input: value.map(|t| input_value(t, &viewer)).unwrap_or_default(),
                }
            })
            .collect();
        let times = incident.key_times;
        let durations = [
            ("Time to acknowledge", times.time_to_acknowledge()),
            ("Time to mitigate", times.time_to_mitigate()),
            ("Time to resolve", times.time_to_resolve()),
        ]
        .into_iter()
        .filter_map(|(label, duration)| duration.map(|d| (label.to_string(), format_duration(d))))
        .collect();
        let timeline_views = timeline
            .events
            .into_iter()
            .map(|event| EventView {
                occurred: format(event.occurred_at, &viewer),
                occurred_ago: relative_time(event.occurred_at, now),
                occurred_input: input_value(event.occurred_at, &viewer),
                edited: event.edited_at.map(|t| format(t, &viewer)),
                editable: can_respond
                    && event.kind == crate::domain::incident::EventKind::Note
                    && event.actor_id == Some(viewer.id),
                event,
            })
            .collect();
        let services_ids = detail.services.iter().map(|(id, _)| *id).collect();
        let summary = IncidentSummary {
            services: detail.services.into_iter().map(|(_, name)| name).collect(),
            commander: detail.roles.iter().find(|r| Some(r.role_type_id) == commander).map(|r| r.user_name.clone()),
            incident: incident.clone(),
        };
        Ok(IncidentView {
            summary,
            service_ids: services_ids,
            roles,
            key_times,
            durations,
            declared: format(incident.declared_at, &viewer),
            next_statuses: if can_respond { incident.status.next_statuses() } else { Vec::new() },
            timeline: timeline_views,
            older_cursor: timeline.older.map(|(at, id)| format!("{}.{id}", at.timestamp_micros())),
            pinned_only: pinned,
            can_respond,
            can_edit_key_times: can_respond && (is_commander || viewer.role == OrgRole::Admin),
            severities,
            incident_types,
            services: services.into_iter().map(|s| (s.id, s.name)).collect(),
            people,
            now_input: input_value(now, &viewer),
            updates,
            recipients,
        })
    })
    .await
}

/// Moves an incident to another status. Merging needs the reference of the incident it merges
/// into (`merge_into`, e.g. INC-12).
#[server(prefix = "/api", endpoint = "incidents/status")]
pub async fn change_status(
    incident_id: i64,
    status: String,
    revision: i64,
    #[server(default)] merge_into: String,
) -> Result<(), AppError> {
    use crate::domain::incident::{check_transition, parse_reference, reference, EventKind, TransitionKind};
    use crate::domain::permissions::Permission;
    use crate::store::incidents::IncidentChange;
    crate::api::support::respond(server_span!(incident_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::Respond).await?;
        let to: Status = status.parse().map_err(|message| AppError::invalid("status", message))?;
        let incident = incident_or_404(&state, incident_id).await?;
        check_revision(&incident, revision)?;
        let kind = check_transition(incident.status, to).map_err(|message| AppError::invalid("status", message))?;
        let now = state.now();
        let mut change = IncidentChange::from_incident(&incident);
        change.status = to;
        change.key_times = incident.key_times.after_transition(incident.status, to, now);
        let from_label = incident.status.label().to_lowercase();
        let to_label = to.label().to_lowercase();
        let sentence = match kind {
            TransitionKind::Reopen => format!("{} reopened the incident: {from_label} → {to_label}.", viewer.display_name),
            TransitionKind::Decline => format!("{} declined the incident as a false alarm.", viewer.display_name),
            TransitionKind::Merge => {
                let target_id = parse_reference(&merge_into)
                    .ok_or_else(|| AppError::invalid("merge_into", "Enter the reference of the incident to merge into, like INC-12."))?;
                if target_id == incident.id {
                    return Err(AppError::invalid("merge_into", "An incident can't be merged into itself."));
                }
                let target = state.store.incident(target_id).await.or_internal()?.ok_or_else(|| {
                    AppError::invalid("merge_into", format!("There is no incident {}.", reference(target_id)))
                })?;
                if target.status.is_final() {
                    return Err(AppError::invalid("merge_into", format!("{} has ended; merge into an open incident.", reference(target_id))));
                }
                change.merged_into_id = Some(target_id);
                change.event_on_merge_target = Some(auto_event(
                    EventKind::StatusChanged,
                    format!("{} merged {} ({}) into this incident.", viewer.display_name, incident.reference(), incident.title),
                    now,
                ));
                format!("{} merged the incident into {}.", viewer.display_name, reference(target_id))
            }
            TransitionKind::Progress => format!("{} changed the status: {from_label} → {to_label}.", viewer.display_name),
        };
        if !to.is_open() {
            // Written only if the change did stop escalating pages.
            let sentence = format!("Paging stopped: the incident is {to_label}.");
            change.event_on_paging_stopped = Some(auto_event(EventKind::PageStopped, sentence, now));
        }
        let event_kind = if kind == TransitionKind::Reopen { EventKind::Reopened } else { EventKind::StatusChanged };
        let events = [auto_event(event_kind, sentence, now)];
        state
            .store
            .update_incident(incident.id, revision, &change, &events, viewer.id, now)
            .await
            .map_err(incident_write_error)?;
        tracing::info!(incident_id, user_id = viewer.id, from = %incident.status, to = %to, "incident status changed");
        state.live.incident_changed(&state.store, incident_id).await;
        if let Some(target) = change.merged_into_id.filter(|_| kind == TransitionKind::Merge) {
            state.live.incident_changed(&state.store, target).await;
        }
        Ok(())
    })
    .await
}

/// Edits the title, summary, severity, type, affected services and drill flag. One timeline
/// event per kind of change.
#[allow(clippy::too_many_arguments)]
#[server(prefix = "/api", endpoint = "incidents/update")]
pub async fn update_incident(
    incident_id: i64,
    title: String,
    severity_id: i64,
    revision: i64,
    #[server(default)] incident_type_id: i64,
    #[server(default)] service_ids: Vec<i64>,
    #[server(default)] summary: String,
    #[server(default)] is_drill: bool,
) -> Result<(), AppError> {
    use crate::domain::incident::{normalize_summary, normalize_title, EventKind};
    use crate::domain::permissions::Permission;
    use crate::store::incidents::IncidentChange;
    crate::api::support::respond(server_span!(incident_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::Respond).await?;
        let title = normalize_title(&title)?;
        let summary = normalize_summary(&summary)?;
        let detail = detail_or_404(&state, incident_id).await?;
        let incident = detail.incident;
        check_revision(&incident, revision)?;
        let severity = chosen_severity(&state, severity_id).await?;
        let kind = if incident_type_id > 0 && Some(incident_type_id) == incident.incident_type_id {
            // A type retired since stays on the incidents that have it.
            state.store.incident_type(incident_type_id).await.or_internal()?
        } else {
            chosen_type(&state, incident_type_id).await?
        };
        let services = chosen_services(&state, &service_ids).await?;
        let now = state.now();
        let who = &viewer.display_name;
        let mut events = Vec::new();
        if severity.id != incident.severity_id {
            events.push(auto_event(
                EventKind::SeverityChanged,
                format!("{who} changed the severity: {} → {}.", incident.severity_name, severity.name),
                now,
            ));
        }
        let new_service_ids: Vec<i64> = services.iter().map(|s| s.id).collect();
        let mut old_service_ids: Vec<i64> = detail.services.iter().map(|(id, _)| *id).collect();
        old_service_ids.sort_unstable();
        let mut sorted_new = new_service_ids.clone();
        sorted_new.sort_unstable();
        if sorted_new != old_service_ids {
            events.push(auto_event(EventKind::ServicesChanged, format!("{who} changed the affected services to: {}.", names(&services)), now));
        }
        let mut details = Vec::new();
        if title != incident.title {
            details.push(format!("the title to “{title}”"));
        }
        if summary != incident.summary {
            details.push("the summary".to_string());
        }
        if kind.as_ref().map(|k| k.id) != incident.incident_type_id {
            details.push(format!("the type to {}", kind.as_ref().map(|k| k.name.as_str()).unwrap_or("none")));
        }
        if is_drill != incident.is_drill {
            details.push(if is_drill { "it into a drill".to_string() } else { "it into a real incident (not a drill)".to_string() });
        }
        if !details.is_empty() {
            events.push(auto_event(EventKind::DetailsChanged, format!("{who} changed {}.", details.join(", ")), now));
        }
        if events.is_empty() {
            return Ok(());
        }
        let mut change = IncidentChange::from_incident(&incident);
        change.title = title;
        change.summary = summary;
        change.severity_id = severity.id;
        change.incident_type_id = kind.map(|k| k.id);
        change.is_drill = is_drill;
        change.service_ids = Some(new_service_ids);
        state
            .store
            .update_incident(incident_id, revision, &change, &events, viewer.id, now)
            .await
            .map_err(incident_write_error)?;
        state.live.incident_changed(&state.store, incident_id).await;
        Ok(())
    })
    .await
}

/// Corrects the key times (commander or admin). Values are `datetime-local` in the viewer's
/// zone; an empty value clears the time (started and detected can't be cleared).
#[allow(clippy::too_many_arguments)]
#[server(prefix = "/api", endpoint = "incidents/key-times")]
pub async fn update_key_times(
    incident_id: i64,
    revision: i64,
    started_at: String,
    detected_at: String,
    #[server(default)] acknowledged_at: String,
    #[server(default)] mitigated_at: String,
    #[server(default)] resolved_at: String,
    #[server(default)] closed_at: String,
) -> Result<(), AppError> {
    use crate::domain::incident::{EventKind, KeyTime, KeyTimes};
    use crate::domain::permissions::{OrgRole, Permission};
    use crate::store::incidents::IncidentChange;
    crate::api::support::respond(server_span!(incident_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::Respond).await?;
        let detail = detail_or_404(&state, incident_id).await?;
        let commander_role = state.store.commander_role_type().await.or_internal()?;
        let is_commander = detail.roles.iter().any(|r| r.role_type_id == commander_role.id && r.user_id == viewer.id);
        if !is_commander && viewer.role != OrgRole::Admin {
            return Err(AppError::Forbidden);
        }
        let incident = detail.incident;
        check_revision(&incident, revision)?;
        let times = KeyTimes {
            started: parse_local("started_at", &started_at, &viewer)?,
            detected: parse_local("detected_at", &detected_at, &viewer)?,
            acknowledged: parse_local("acknowledged_at", &acknowledged_at, &viewer)?,
            mitigated: parse_local("mitigated_at", &mitigated_at, &viewer)?,
            resolved: parse_local("resolved_at", &resolved_at, &viewer)?,
            closed: parse_local("closed_at", &closed_at, &viewer)?,
        };
        if times.started.is_none() {
            return Err(AppError::invalid("started_at", "Enter when the impact started."));
        }
        if times.detected.is_none() {
            return Err(AppError::invalid("detected_at", "Enter when the incident was detected."));
        }
        let now = state.now();
        times.validate(now)?;
        let changed: Vec<String> = KeyTime::ALL
            .into_iter()
            .filter(|which| times.get(*which) != incident.key_times.get(*which))
            .map(|which| match times.get(which) {
                Some(t) => format!("{} to {}", which.label().to_lowercase(), crate::engine::zone::format_in_zone(t, "UTC")),
                None => format!("cleared {}", which.label().to_lowercase()),
            })
            .collect();
        if changed.is_empty() {
            return Ok(());
        }
        let mut change = IncidentChange::from_incident(&incident);
        change.key_times = times;
        let events = [auto_event(
            EventKind::KeyTimesChanged,
            format!("{} corrected the key times: {}.", viewer.display_name, changed.join(", ")),
            now,
        )];
        state
            .store
            .update_incident(incident_id, revision, &change, &events, viewer.id, now)
            .await
            .map_err(incident_write_error)?;
        state.live.incident_changed(&state.store, incident_id).await;
        Ok(())
    })
    .await
}

/// Gives a role to a person (assign or reassign). `current_holder` is who held it when the page
/// was drawn (0: nobody); if that changed meanwhile, the change is refused as a conflict.
#[server(prefix = "/api", endpoint = "incidents/roles/assign")]
pub async fn assign_role(incident_id: i64, role_type_id: i64, user_id: i64, current_holder: i64) -> Result<(), AppError> {
    use crate::domain::incident::EventKind;
    use crate::domain::permissions::Permission;
    use crate::store::StoreError;
    crate::api::support::respond(server_span!(incident_id, role_type_id, user_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::Respond).await?;
        let incident = incident_or_404(&state, incident_id).await?;
        let role_type = state
            .store
            .role_type(role_type_id)
            .await
            .or_internal()?
            .ok_or_else(|| AppError::invalid("role_type_id", "Choose a role from the list."))?;
        if role_type.retired {
            return Err(AppError::invalid("role_type_id", "That role has been retired and can't be assigned."));
        }
        if incident.status.is_final() {
            return Err(AppError::invalid("user_id", "This incident has ended; its roles can't change."));
        }
        let person = active_person(&state, user_id, "user_id").await?;
        if current_holder == person.id {
            return Ok(());
        }
        let now = state.now();
        let sentence = format!("{} assigned {} as {}.", viewer.display_name, person.display_name, role_type.name);
        let event = auto_event(EventKind::RoleAssigned, sentence, now);
        let expected = (current_holder > 0).then_some(current_holder);
        match state.store.assign_role(incident_id, role_type_id, person.id, expected, &event, viewer.id, now).await {
            Ok(()) => {}
            Err(StoreError::Stale) => return Err(role_conflict(&role_type.name)),
            Err(err) => return Err(internal(err)),
        }
        state.live.incident_changed(&state.store, incident_id).await;
        Ok(())
    })
    .await
}

/// Takes a role from the person holding it. The commander role can only be handed over.
#[server(prefix = "/api", endpoint = "incidents/roles/unassign")]
pub async fn unassign_role(incident_id: i64, role_type_id: i64, current_holder: i64) -> Result<(), AppError> {
    use crate::domain::incident::EventKind;
    use crate::domain::permissions::Permission;
    use crate::store::StoreError;
    crate::api::support::respond(server_span!(incident_id, role_type_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::Respond).await?;
        let incident = incident_or_404(&state, incident_id).await?;
        if incident.status.is_final() {
            return Err(AppError::invalid("user_id", "This incident has ended; its roles can't change."));
        }
        let role_type = state.store.role_type(role_type_id).await.or_internal()?.ok_or_else(|| AppError::not_found("That role"))?;
        let holder = state.store.user_by_id(current_holder).await.or_internal()?.ok_or_else(|| AppError::not_found("That person"))?;
        let now = state.now();
        let sentence = format!("{} removed {} from {}.", viewer.display_name, holder.user.display_name, role_type.name);
        let event = auto_event(EventKind::RoleUnassigned, sentence, now);
        match state.store.unassign_role(incident_id, role_type_id, current_holder, &event, viewer.id, now).await {
            Ok(()) => {}
            Err(StoreError::Refused(Refusal::CommanderRequired)) => {
                return Err(AppError::invalid(
                    "user_id",
                    format!("An incident always has an {}: assign someone else instead.", role_type.name),
                ))
            }
            Err(StoreError::Stale) => return Err(role_conflict(&role_type.name)),
            Err(err) => return Err(internal(err)),
        }
        state.live.incident_changed(&state.store, incident_id).await;
        Ok(())
    })
    .await
}

/// Ticks or unticks an item of a role's checklist on an incident.
#[server(prefix = "/api", endpoint = "incidents/checklist")]
pub async fn set_checklist_item(incident_id: i64, role_type_id: i64, item: String, #[server(default)] ticked: bool) -> Result<(), AppError> {
    use crate::domain::incident::EventKind;
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(incident_id, role_type_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::Respond).await?;
        incident_or_404(&state, incident_id).await?;
        let role_type = state.store.role_type(role_type_id).await.or_internal()?.ok_or_else(|| AppError::not_found("That role"))?;
        if !role_type.checklist.contains(&item) {
            return Err(AppError::invalid("item", "That item is not on the role's checklist."));
        }
        let now = state.now();
        let (kind, verb) = if ticked { (EventKind::ChecklistTicked, "ticked") } else { (EventKind::ChecklistUnticked, "unticked") };
        let sentence = format!("{} {verb} “{item}” for {}.", viewer.display_name, role_type.name);
        let event = auto_event(kind, sentence, now);
        let changed = state
            .store
            .set_checklist_item(incident_id, role_type_id, &item, ticked, &event, viewer.id, now)
            .await
            .or_internal()?;
        if changed {
            state.live.incident_changed(&state.store, incident_id).await;
        }
        Ok(())
    })
    .await
}

/// Adds a Markdown note to the timeline. `occurred_at` (viewer's zone) may be in the past;
/// empty means now.
#[server(prefix = "/api", endpoint = "incidents/notes/add")]
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
#[server(prefix = "/api", endpoint = "incidents/notes/edit")]
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
        Ok(())
    })
    .await
}

/// Pins (highlights) a timeline entry for the post-mortem, or unpins it.
#[server(prefix = "/api", endpoint = "incidents/timeline/pin")]
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
#[server(prefix = "/api", endpoint = "incidents/notes/history")]
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
