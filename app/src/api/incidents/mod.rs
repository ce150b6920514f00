//! Incidents: declare, list, read, change status and details, roles and checklists, key times,
//! and the timeline. Everyone signed in reads; responders and admins change; key times are
//! corrected by the incident's commander (or an admin).
//!
//! Every change writes its timeline events in the same transaction and is then published to
//! live listeners.
//!
//! Here: the types the pages receive, the server-side helpers the children share (`ssr`) and
//! the incident page's read (`get_incident`). `lifecycle` lists, declares and changes incidents
//! (status, details, key times); `roles` assigns and removes roles and ticks their checklists;
//! `timeline` adds, edits and pins notes and reads a note's earlier versions.

#[cfg(feature = "ssr")]
use crate::api::support::*;
use crate::domain::catalog::{IncidentType, Person, RoleType, Severity};
use crate::domain::incident::{IncidentSummary, Status, TimelineEvent};
use crate::errors::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

mod lifecycle;
mod roles;
mod timeline;

pub use lifecycle::*;
pub use roles::*;
pub use timeline::*;

pub const INCIDENTS_PAGE_SIZE: i64 = 25;
pub const TIMELINE_PAGE_SIZE: i64 = 50;
/// Open incidents shown at the top of the list at most.
pub const OPEN_PANEL_SIZE: i64 = 10;

/// An incident in a list: only what the list shows of it (every page of the list carries its rows
/// in the HTML and again as data), with its times in the viewer's zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentRow {
    pub id: i64,
    pub title: String,
    pub status: Status,
    pub severity_name: String,
    pub severity_rank: i64,
    pub incident_type_name: Option<String>,
    pub is_drill: bool,
    pub services: Vec<String>,
    pub commander: Option<String>,
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
    /// The counts per status are of the first `COUNT_LIMIT` matches only.
    pub counts_capped: bool,
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
    /// The services whose escalation policy declaring can page.
    pub paging: Vec<DeclarePaging>,
}

/// A service with an escalation policy, as the declare form offers to page it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclarePaging {
    pub service_id: i64,
    /// "Payments (Payments on-call)".
    pub target_name: String,
    /// Whom the policy's first level pages now, marked when they can't be reached; empty:
    /// nobody is on call there.
    pub first_level: Vec<String>,
}

/// A key time as shown and as edited (`datetime-local` value in the viewer's zone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyTimeView {
    pub which: crate::domain::incident::KeyTime,
    pub shown: Option<String>,
    pub input: String,
    /// Where the time came from, said beside it: "when the first page was acknowledged".
    pub source: Option<String>,
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

    /// An incident update refused because of its revision, or gone.
    pub fn incident_write_error(err: StoreError) -> AppError {
        crate::api::support::update_error(err, "this incident")
    }

    /// Refuses an edit that started from an older version of the incident (before any work).
    pub fn check_revision(incident: &crate::domain::incident::Incident, revision: i64) -> Result<(), AppError> {
        if incident.revision == revision { Ok(()) } else { Err(incident_write_error(StoreError::Stale)) }
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
}

/// The incident page: the incident, its roles and key times, and one page of its timeline
/// (`before` is the cursor of older entries; `pinned` shows highlights only).
#[server(prefix = "/api", endpoint = "incidents/get", output = crate::wire::Json)]
pub async fn get_incident(incident_id: i64, pinned: bool, before: String) -> Result<IncidentView, AppError> {
    use crate::domain::incident::{format_duration, relative_time, KeyTime};
    use crate::domain::permissions::{OrgRole, Permission};
    crate::api::support::respond(server_span!(incident_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::View).await?;
        let older_than = before.split_once('.').and_then(|(at, id)| {
            Some((chrono::DateTime::from_timestamp_micros(at.parse().ok()?)?, id.parse::<i64>().ok()?))
        });
        // Made once per version of the incident for everyone who has it open (this runs for
        // every open page at every live update); shaped here for the viewer.
        let window = crate::state::views::TimelineWindow { pinned, older_than, size: TIMELINE_PAGE_SIZE };
        let data = state.incident_data(incident_id, window, crate::api::updates::UPDATES_SHOWN).await.or_internal()?;
        let data = data.as_ref().as_ref().ok_or_else(|| AppError::not_found("That incident"))?;
        let choices = state.choices(CHOICE_LIMIT).await.or_internal()?;
        let now = state.now();
        let role_types = choices.role_types.clone();
        let updates = crate::api::updates::ssr::updates_panel(data, &viewer, &role_types, now);
        let recipients = crate::api::notifications::ssr::incident_recipients(&state, viewer.id, data).await?;
        let can_respond = viewer.role.allows(Permission::Respond);
        // What the edit forms choose from; viewers get no forms.
        let (severities, incident_types, services, people) = if can_respond {
            (choices.severities.clone(), choices.incident_types.clone(), choices.services.clone(), choices.people.clone())
        } else {
            Default::default()
        };
        let detail = &data.detail;
        let timeline = &data.timeline;
        let incident = detail.incident.clone();
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
                    source: (which == KeyTime::Acknowledged && value.is_some())
                        .then_some(incident.key_times.acknowledged_source)
                        .flatten()
                        .map(|source| source.explained().to_string()),
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
            .iter()
            .cloned()
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
            services: detail.services.iter().map(|(_, name)| name.clone()).collect(),
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
