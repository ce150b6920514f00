//! Incidents, their services, role assignments and checklist ticks, and the timeline.
//!
//! Every change to an incident is written in one transaction together with the timeline events
//! that record it, so the timeline is a complete audit trail. Events are never deleted (database
//! triggers refuse it); notes are corrected by editing, which keeps the previous text.
//!
//! Transactions write before they read, so SQLite takes its write lock at the first statement.
//!
//! Here: declaring, reading and updating an incident; the children hold `roles` (role
//! assignments and checklist ticks), `timeline` (notes, their edits and pins, and reading the
//! timeline) and `list` (filtered, sorted pages of incidents).

use super::paging::opening::{insert_pages, NewPage};
use super::query::{bind_args, ids_in, Arg, Conditions};
use super::BeginWrite;
use super::{on_pool, Refusal, Store, StoreError};
use crate::domain::incident::{
    ChecklistTick, EventKind, Incident, IncidentSummary, KeyTimes, RoleAssignment, Status, TimelineEvent,
};
use chrono::{DateTime, Utc};

pub use list::{IncidentFilter, IncidentPage, IncidentSort};
pub use timeline::{NoteEdit, TimelinePage};

/// What is needed to declare an incident; already validated.
#[derive(Debug, Clone)]
pub struct NewIncident {
    pub title: String,
    pub summary: String,
    pub severity_id: i64,
    pub incident_type_id: Option<i64>,
    pub is_drill: bool,
    pub service_ids: Vec<i64>,
    pub commander_id: i64,
    pub declared_by: i64,
    /// Pages opened with the incident (their `incident_id` is the new incident's), each with its
    /// timeline event.
    pub pages: Vec<(NewPage, NewEvent)>,
    /// People who follow the incident from the start (the declarer and the commander).
    pub followers: Vec<i64>,
}

/// A timeline event to write with a change. Automatic events happen "now"; notes may be
/// backdated.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub kind: EventKind,
    pub body: String,
    pub body_html: String,
    pub occurred_at: DateTime<Utc>,
}

impl NewEvent {
    /// An entry Quell writes itself (a change, not a note): the sentence, composed by the
    /// caller, shown as escaped plain text.
    pub fn automatic(kind: EventKind, sentence: String, now: DateTime<Utc>) -> NewEvent {
        NewEvent { kind, body_html: crate::markdown::text(&sentence), body: sentence, occurred_at: now }
    }
}

/// The new state of an incident's own fields, written as a whole over the revision it was
/// computed from.
#[derive(Debug, Clone)]
pub struct IncidentChange {
    pub title: String,
    pub summary: String,
    pub status: Status,
    pub severity_id: i64,
    pub incident_type_id: Option<i64>,
    pub is_drill: bool,
    pub merged_into_id: Option<i64>,
    pub key_times: KeyTimes,
    /// Replaces the affected services when given.
    pub service_ids: Option<Vec<i64>>,
    /// An event to write on the incident this one is merged into (with a merge).
    pub event_on_merge_target: Option<NewEvent>,
    /// An event to write when the change ends the incident's escalating pages (a status that is
    /// not open stops them, whether or not an event is given).
    pub event_on_paging_stopped: Option<NewEvent>,
}

impl IncidentChange {
    /// The change that leaves everything as it is (callers then alter what they change).
    pub fn from_incident(incident: &Incident) -> IncidentChange {
        IncidentChange {
            title: incident.title.clone(),
            summary: incident.summary.clone(),
            status: incident.status,
            severity_id: incident.severity_id,
            incident_type_id: incident.incident_type_id,
            is_drill: incident.is_drill,
            merged_into_id: incident.merged_into_id,
            key_times: incident.key_times,
            service_ids: None,
            event_on_merge_target: None,
            event_on_paging_stopped: None,
        }
    }
}

/// An incident with everything its page header shows.
#[derive(Debug, Clone)]
pub struct IncidentDetail {
    pub incident: Incident,
    /// (id, name) in name order.
    pub services: Vec<(i64, String)>,
    pub roles: Vec<RoleAssignment>,
    pub ticks: Vec<ChecklistTick>,
}

const INCIDENT_SELECT: &str = "select i.id, i.title, i.summary, i.status, i.severity_id, s.name as severity_name, \
     s.rank as severity_rank, i.incident_type_id, t.name as incident_type_name, i.is_drill, i.merged_into_id, \
     i.started_at, i.detected_at, i.acknowledged_at, i.mitigated_at, i.resolved_at, i.closed_at, i.acknowledged_source, \
     i.declared_by, i.declared_at, i.updated_at, i.revision \
     from incidents i join severities s on s.id = i.severity_id left join incident_types t on t.id = i.incident_type_id";

const EVENT_SELECT: &str = "select e.id, e.incident_id, e.kind, e.body, e.body_html, e.occurred_at, e.recorded_at, \
     e.actor_id, u.display_name as actor_name, e.pinned, e.edited_at, e.revision \
     from timeline_events e left join users u on u.id = e.actor_id";

#[derive(sqlx::FromRow)]
struct SqlIncident {
    id: i64,
    title: String,
    summary: String,
    status: String,
    severity_id: i64,
    severity_name: String,
    severity_rank: i64,
    incident_type_id: Option<i64>,
    incident_type_name: Option<String>,
    is_drill: bool,
    merged_into_id: Option<i64>,
    started_at: Option<DateTime<Utc>>,
    detected_at: Option<DateTime<Utc>>,
    acknowledged_at: Option<DateTime<Utc>>,
    mitigated_at: Option<DateTime<Utc>>,
    resolved_at: Option<DateTime<Utc>>,
    closed_at: Option<DateTime<Utc>>,
    acknowledged_source: Option<String>,
    declared_by: i64,
    declared_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    revision: i64,
}

impl SqlIncident {
    fn into_incident(self) -> Incident {
        Incident {
            id: self.id,
            title: self.title,
            summary: self.summary,
            // A check constraint admits only known statuses.
            status: self.status.parse().unwrap_or(Status::Triage),
            severity_id: self.severity_id,
            severity_name: self.severity_name,
            severity_rank: self.severity_rank,
            incident_type_id: self.incident_type_id,
            incident_type_name: self.incident_type_name,
            is_drill: self.is_drill,
            merged_into_id: self.merged_into_id,
            key_times: KeyTimes {
                started: self.started_at,
                detected: self.detected_at,
                acknowledged: self.acknowledged_at,
                mitigated: self.mitigated_at,
                resolved: self.resolved_at,
                closed: self.closed_at,
                acknowledged_source: self.acknowledged_source.as_deref().and_then(crate::domain::incident::AckSource::parse),
            },
            declared_by: self.declared_by,
            declared_at: self.declared_at,
            updated_at: self.updated_at,
            revision: self.revision,
        }
    }
}

#[derive(sqlx::FromRow)]
struct SqlEvent {
    id: i64,
    incident_id: i64,
    kind: String,
    body: String,
    body_html: String,
    occurred_at: DateTime<Utc>,
    recorded_at: DateTime<Utc>,
    actor_id: Option<i64>,
    actor_name: Option<String>,
    pinned: bool,
    edited_at: Option<DateTime<Utc>>,
    revision: i64,
}

impl SqlEvent {
    fn into_event(self) -> TimelineEvent {
        TimelineEvent {
            id: self.id,
            incident_id: self.incident_id,
            kind: self.kind.parse().unwrap_or(EventKind::Note),
            body: self.body,
            body_html: self.body_html,
            occurred_at: self.occurred_at,
            recorded_at: self.recorded_at,
            actor_id: self.actor_id,
            actor_name: self.actor_name,
            pinned: self.pinned,
            edited_at: self.edited_at,
            revision: self.revision,
        }
    }
}

/// The words of a search, lower-cased: letters and digits only, at most eight.
pub(crate) fn search_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|word| !word.is_empty()).take(8).map(str::to_lowercase).collect()
}

/// Events written by one insert (7 arguments each).
pub(crate) const EVENTS_PER_INSERT: usize = 500;

/// `insert` of `events` for one incident, numbered from `$1`.
pub(crate) fn insert_events_sql(count: usize) -> String {
    format!(
        "insert into timeline_events (incident_id, kind, body, body_html, occurred_at, recorded_at, actor_id) values {}",
        super::query::value_rows(count, 7)
    )
}

/// `insert` of an incident's affected services, with its arguments.
fn insert_services(incident_id: i64, service_ids: &[i64]) -> (String, Vec<Arg>) {
    super::query::insert_links("incident_services", "incident_id", "service_id", incident_id, service_ids)
}

/// Writes `events` for one incident inside the transaction `tx` (inside `on_pool!`).
macro_rules! write_events {
    ($tx:expr, $incident_id:expr, $events:expr, $actor_id:expr, $now:expr) => {{
        let events: &[NewEvent] = $events;
        if !events.is_empty() {
            let sql = $crate::store::incidents::insert_events_sql(events.len());
            let args = $crate::store::incidents::event_args($incident_id, events, Some($actor_id), $now);
            $crate::store::query::bind_args!(sqlx::query(&sql), &args).execute(&mut *$tx).await?;
        }
    }};
}
pub(crate) use write_events;

/// The arguments of `insert_events_sql` for one incident's events; `actor_id` is `None` for
/// what Quell does on nobody's behalf (the escalation engine).
pub(crate) fn event_args(incident_id: i64, events: &[NewEvent], actor_id: Option<i64>, now: DateTime<Utc>) -> Vec<Arg> {
    events
        .iter()
        .flat_map(|event| {
            [
                Arg::Int(incident_id),
                Arg::Text(event.kind.as_str().to_string()),
                Arg::Text(event.body.clone()),
                Arg::Text(event.body_html.clone()),
                Arg::Time(event.occurred_at),
                Arg::Time(now),
                actor_id.map(Arg::Int).unwrap_or(Arg::NullInt),
            ]
        })
        .collect()
}

impl Store {
    /// Declares an incident: the incident, its services, its commander and the "declared" event,
    /// in one transaction.
    pub async fn declare_incident(
        &self,
        new: &NewIncident,
        event: &NewEvent,
        commander_role_type_id: i64,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let id = on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "insert into incidents (title, summary, status, severity_id, incident_type_id, is_drill, started_at, \
                 detected_at, declared_by, declared_at, updated_at) \
                 values ($1, $2, 'triage', $3, $4, $5, $6, $6, $7, $6, $6) returning id",
            )
            .bind(&new.title)
            .bind(&new.summary)
            .bind(new.severity_id)
            .bind(new.incident_type_id)
            .bind(new.is_drill)
            .bind(now)
            .bind(new.declared_by)
            .fetch_one(&mut *tx)
            .await?;
            if !new.service_ids.is_empty() {
                let (sql, args) = insert_services(id, &new.service_ids);
                bind_args!(sqlx::query(&sql), &args).execute(&mut *tx).await?;
            }
            sqlx::query(
                "insert into role_assignments (incident_id, role_type_id, user_id, assigned_by, assigned_at) \
                 values ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(commander_role_type_id)
            .bind(new.commander_id)
            .bind(new.declared_by)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let mut events = vec![event.clone()];
            events.extend(new.pages.iter().map(|(_, event)| event.clone()));
            write_events!(tx, id, &events, new.declared_by, now);
            if !new.pages.is_empty() {
                let pages: Vec<&NewPage> = new.pages.iter().map(|(page, _)| page).collect();
                let (sql, args) = insert_pages(id, &pages, now)?;
                bind_args!(sqlx::query(&sql), &args).execute(&mut *tx).await?;
            }
            if !new.followers.is_empty() {
                let rows = super::query::value_rows(new.followers.len(), 4);
                let sql = format!("insert into subscriptions (user_id, incident_id, created_by, created_at) values {rows} on conflict do nothing");
                let args: Vec<Arg> = new
                    .followers
                    .iter()
                    .flat_map(|follower| [Arg::Int(*follower), Arg::Int(id), Arg::Int(new.declared_by), Arg::Time(now)])
                    .collect();
                bind_args!(sqlx::query(&sql), &args).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<_, StoreError>(id)
        })?;
        Ok(id)
    }

    pub async fn incident(&self, id: i64) -> Result<Option<Incident>, StoreError> {
        let sql = format!("{INCIDENT_SELECT} where i.id = $1");
        let row: Option<SqlIncident> = on_pool!(self, |pool| sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)?;
        Ok(row.map(SqlIncident::into_incident))
    }

    /// An incident with its services, role holders and ticked checklist items (four queries).
    pub async fn incident_detail(&self, id: i64) -> Result<Option<IncidentDetail>, StoreError> {
        let Some(incident) = self.incident(id).await? else { return Ok(None) };
        let (services, roles, ticks): (Vec<(i64, String)>, Vec<(i64, i64, String)>, Vec<(i64, String)>) =
            on_pool!(self, |pool| {
                let services = sqlx::query_as(
                    "select s.id, s.name from incident_services x join services s on s.id = x.service_id \
                     where x.incident_id = $1 order by lower(s.name)",
                )
                .bind(id)
                .fetch_all(pool)
                .await?;
                let roles = sqlx::query_as(
                    "select r.role_type_id, r.user_id, u.display_name from role_assignments r \
                     join users u on u.id = r.user_id join role_types rt on rt.id = r.role_type_id \
                     where r.incident_id = $1 order by rt.rank, rt.id",
                )
                .bind(id)
                .fetch_all(pool)
                .await?;
                let ticks = sqlx::query_as("select role_type_id, item from checklist_ticks where incident_id = $1")
                    .bind(id)
                    .fetch_all(pool)
                    .await?;
                Ok::<_, sqlx::Error>((services, roles, ticks))
            })?;
        Ok(Some(IncidentDetail {
            incident,
            services,
            roles: roles
                .into_iter()
                .map(|(role_type_id, user_id, user_name)| RoleAssignment { role_type_id, user_id, user_name })
                .collect(),
            ticks: ticks.into_iter().map(|(role_type_id, item)| ChecklistTick { role_type_id, item }).collect(),
        }))
    }

    /// Writes the new state of an incident's own fields if nobody changed it since
    /// `expected_revision`, together with the events that record the change.
    pub async fn update_incident(
        &self,
        id: i64,
        expected_revision: i64,
        change: &IncidentChange,
        events: &[NewEvent],
        actor_id: i64,
        now: DateTime<Utc>,
    ) -> Result<Incident, StoreError> {
        let times = change.key_times;
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let touched = sqlx::query(
                "update incidents set title = $1, summary = $2, status = $3, severity_id = $4, incident_type_id = $5, \
                 is_drill = $6, merged_into_id = $7, started_at = $8, detected_at = $9, acknowledged_at = $10, \
                 mitigated_at = $11, resolved_at = $12, closed_at = $13, revision = revision + 1, updated_at = $14, \
                 acknowledged_source = $17 where id = $15 and revision = $16",
            )
            .bind(&change.title)
            .bind(&change.summary)
            .bind(change.status.as_str())
            .bind(change.severity_id)
            .bind(change.incident_type_id)
            .bind(change.is_drill)
            .bind(change.merged_into_id)
            .bind(times.started)
            .bind(times.detected)
            .bind(times.acknowledged)
            .bind(times.mitigated)
            .bind(times.resolved)
            .bind(times.closed)
            .bind(now)
            .bind(id)
            .bind(expected_revision)
            .bind(times.acknowledged.and(times.acknowledged_source).map(|s| s.as_str()))
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if touched == 0 {
                drop(tx);
                return match self.incident(id).await? {
                    Some(_) => Err(StoreError::Stale),
                    None => Err(StoreError::NotFound),
                };
            }
            if let Some(service_ids) = &change.service_ids {
                sqlx::query("delete from incident_services where incident_id = $1").bind(id).execute(&mut *tx).await?;
                if !service_ids.is_empty() {
                    let (sql, args) = insert_services(id, service_ids);
                    bind_args!(sqlx::query(&sql), &args).execute(&mut *tx).await?;
                }
            }
            write_events!(tx, id, events, actor_id, now);
            if !change.status.is_open() {
                // An incident that is over pages nobody any more.
                let stopped = sqlx::query(
                    "update pages set status = 'stopped', next_step_at = null, ended_at = $1 where incident_id = $2 and status = 'escalating'",
                )
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                // Nor do its pages' notifications still waiting, also those of pages that ended
                // unanswered before (their links acknowledge nothing any more).
                sqlx::query(&crate::store::notifications::cancel_page_deliveries_sql(
                    "select p.id from pages p where p.incident_id = $3",
                ))
                .bind("Not sent: the incident was resolved first.")
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                if let Some(event) = change.event_on_paging_stopped.as_ref().filter(|_| stopped > 0) {
                    write_events!(tx, id, std::slice::from_ref(event), actor_id, now);
                }
            }
            if let (Some(target), Some(event)) = (change.merged_into_id, &change.event_on_merge_target) {
                write_events!(tx, target, std::slice::from_ref(event), actor_id, now);
            }
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })?;
        self.incident(id).await?.ok_or(StoreError::NotFound)
    }
}

mod list;
mod roles;
mod timeline;
