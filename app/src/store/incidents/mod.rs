//! Incidents, their services, role assignments and checklist ticks, and the timeline.
//!
//! Every change to an incident is written in one transaction together with the timeline events
//! that record it, so the timeline is a complete audit trail. Events are never deleted (database
//! triggers refuse it); notes are corrected by editing, which keeps the previous text.
//!
//! Transactions write before they read, so SQLite takes its write lock at the first statement.

use super::query::{bind_args, ids_in, Arg, Conditions};
use super::BeginWrite;
use super::{on_pool, Refusal, Store, StoreError};
use crate::domain::incident::{
    ChecklistTick, EventKind, Incident, IncidentSummary, KeyTimes, RoleAssignment, Status, TimelineEvent,
};
use chrono::{DateTime, Utc};

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

/// Which incidents a list shows. Empty fields don't filter.
#[derive(Debug, Clone, Default)]
pub struct IncidentFilter {
    pub statuses: Vec<Status>,
    pub severity_id: Option<i64>,
    pub service_id: Option<i64>,
    pub incident_type_id: Option<i64>,
    /// Incidents where this person holds a role.
    pub role_holder: Option<i64>,
    pub drill: Option<bool>,
    pub declared_from: Option<DateTime<Utc>>,
    pub declared_before: Option<DateTime<Utc>>,
    /// Words to find in the title or summary (or a reference such as INC-42).
    pub text: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IncidentSort {
    #[default]
    Newest,
    Oldest,
    /// Worst severity first, newest first within a severity.
    Severity,
}

impl IncidentSort {
    pub fn parse(value: &str) -> IncidentSort {
        match value {
            "oldest" => IncidentSort::Oldest,
            "severity" => IncidentSort::Severity,
            _ => IncidentSort::Newest,
        }
    }
}

/// One page of incidents, the cursor of the next page, and counts over the whole filter.
#[derive(Debug, Clone)]
pub struct IncidentPage {
    pub rows: Vec<IncidentSummary>,
    /// Pass back to get the next page; `None` on the last page.
    pub next_cursor: Option<String>,
    /// Incidents matching the filter.
    pub total: i64,
    /// Incidents matching the filter apart from its statuses, per status.
    pub status_counts: Vec<(Status, i64)>,
}

/// One page of a timeline, newest first.
#[derive(Debug, Clone)]
pub struct TimelinePage {
    pub events: Vec<TimelineEvent>,
    /// (occurred_at, id) of the last event shown, when older ones exist.
    pub older: Option<(DateTime<Utc>, i64)>,
}

/// An earlier version of an edited note.
#[derive(Debug, Clone)]
pub struct NoteEdit {
    pub previous_body: String,
    pub previous_occurred_at: DateTime<Utc>,
    pub edited_by: String,
    pub edited_at: DateTime<Utc>,
}

const INCIDENT_SELECT: &str = "select i.id, i.title, i.summary, i.status, i.severity_id, s.name as severity_name, \
     s.rank as severity_rank, i.incident_type_id, t.name as incident_type_name, i.is_drill, i.merged_into_id, \
     i.started_at, i.detected_at, i.acknowledged_at, i.mitigated_at, i.resolved_at, i.closed_at, \
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

/// The conditions of `filter`. Text search is the one place the dialects differ: SQLite's FTS5
/// table `incidents_search`, Postgres's `to_tsvector` (with its GIN index).
fn filter_conditions(filter: &IncidentFilter, with_statuses: bool, postgres: bool) -> Conditions {
    let mut c = Conditions::new();
    if with_statuses && !filter.statuses.is_empty() {
        let list: Vec<String> = filter.statuses.iter().map(|s| c.arg(Arg::Text(s.as_str().to_string()))).collect();
        c.push(format!("i.status in ({})", list.join(", ")));
    }
    if let Some(id) = filter.severity_id {
        let p = c.arg(Arg::Int(id));
        c.push(format!("i.severity_id = {p}"));
    }
    if let Some(id) = filter.service_id {
        let p = c.arg(Arg::Int(id));
        // "id in (…)" lets the database start from the service's index entries instead of
        // checking every incident.
        c.push(format!("i.id in (select x.incident_id from incident_services x where x.service_id = {p})"));
    }
    if let Some(id) = filter.incident_type_id {
        let p = c.arg(Arg::Int(id));
        c.push(format!("i.incident_type_id = {p}"));
    }
    if let Some(id) = filter.role_holder {
        let p = c.arg(Arg::Int(id));
        c.push(format!("i.id in (select r.incident_id from role_assignments r where r.user_id = {p})"));
    }
    if let Some(drill) = filter.drill {
        let p = c.arg(Arg::Bool(drill));
        c.push(format!("i.is_drill = {p}"));
    }
    if let Some(from) = filter.declared_from {
        let p = c.arg(Arg::Time(from));
        c.push(format!("i.declared_at >= {p}"));
    }
    if let Some(before) = filter.declared_before {
        let p = c.arg(Arg::Time(before));
        c.push(format!("i.declared_at < {p}"));
    }
    if let Some(text) = filter.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        // Every word must appear, as a word or the start of one.
        let words = search_words(text);
        let mut clause = if words.is_empty() {
            "(1 = 0".to_string()
        } else if postgres {
            let query: Vec<String> = words.iter().map(|word| format!("{word}:*")).collect();
            let p = c.arg(Arg::Text(query.join(" & ")));
            format!("(to_tsvector('simple', i.title || ' ' || i.summary) @@ to_tsquery('simple', {p})")
        } else {
            let query: Vec<String> = words.iter().map(|word| format!("\"{word}\"*")).collect();
            let p = c.arg(Arg::Text(query.join(" ")));
            format!("(i.id in (select rowid from incidents_search where incidents_search match {p})")
        };
        if let Some(id) = crate::domain::incident::parse_reference(text) {
            let q = c.arg(Arg::Int(id));
            clause.push_str(&format!(" or i.id = {q}"));
        }
        clause.push(')');
        c.push(clause);
    }
    c
}

/// A keyset cursor: the sort keys of the last row shown.
fn encode_cursor(sort: IncidentSort, incident: &Incident) -> String {
    match sort {
        IncidentSort::Severity => format!("{}.{}", incident.severity_rank, incident.id),
        _ => incident.id.to_string(),
    }
}

fn decode_cursor(cursor: &str) -> Option<(i64, i64)> {
    match cursor.split_once('.') {
        Some((rank, id)) => Some((rank.parse().ok()?, id.parse().ok()?)),
        None => Some((0, cursor.parse().ok()?)),
    }
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
            write_events!(tx, id, std::slice::from_ref(event), new.declared_by, now);
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
                 mitigated_at = $11, resolved_at = $12, closed_at = $13, revision = revision + 1, updated_at = $14 \
                 where id = $15 and revision = $16",
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

    /// Gives a role on an incident to `user_id`, if the role is still held by `expected_holder`
    /// (`None`: nobody). Otherwise `Stale`: someone else changed the role first.
    pub async fn assign_role(
        &self,
        incident_id: i64,
        role_type_id: i64,
        user_id: i64,
        expected_holder: Option<i64>,
        event: &NewEvent,
        actor_id: i64,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let touched = match expected_holder {
                None => sqlx::query(
                    "insert into role_assignments (incident_id, role_type_id, user_id, assigned_by, assigned_at) \
                     values ($1, $2, $3, $4, $5) on conflict (incident_id, role_type_id) do nothing",
                )
                .bind(incident_id)
                .bind(role_type_id)
                .bind(user_id)
                .bind(actor_id)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected(),
                Some(holder) => sqlx::query(
                    "update role_assignments set user_id = $1, assigned_by = $2, assigned_at = $3 \
                     where incident_id = $4 and role_type_id = $5 and user_id = $6",
                )
                .bind(user_id)
                .bind(actor_id)
                .bind(now)
                .bind(incident_id)
                .bind(role_type_id)
                .bind(holder)
                .execute(&mut *tx)
                .await?
                .rows_affected(),
            };
            if touched == 0 {
                return Err(StoreError::Stale);
            }
            write_events!(tx, incident_id, std::slice::from_ref(event), actor_id, now);
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })
    }

    /// Takes a role on an incident from `expected_holder`. The commander role is never left
    /// empty (`Refused(Refusal::CommanderRequired)`); it can only be handed to someone else.
    pub async fn unassign_role(
        &self,
        incident_id: i64,
        role_type_id: i64,
        expected_holder: i64,
        event: &NewEvent,
        actor_id: i64,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let touched = sqlx::query(
                "delete from role_assignments where incident_id = $1 and role_type_id = $2 and user_id = $3 \
                 and not exists (select 1 from role_types rt where rt.id = $2 and rt.is_commander)",
            )
            .bind(incident_id)
            .bind(role_type_id)
            .bind(expected_holder)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if touched == 0 {
                let is_commander: Option<bool> = sqlx::query_scalar("select is_commander from role_types where id = $1")
                    .bind(role_type_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                return Err(match is_commander {
                    Some(true) => StoreError::Refused(Refusal::CommanderRequired),
                    Some(false) => StoreError::Stale,
                    None => StoreError::NotFound,
                });
            }
            write_events!(tx, incident_id, std::slice::from_ref(event), actor_id, now);
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })
    }

    /// Ticks or unticks a checklist item of a role on an incident. Returns whether anything
    /// changed (ticking a ticked item writes nothing, not even an event).
    pub async fn set_checklist_item(
        &self,
        incident_id: i64,
        role_type_id: i64,
        item: &str,
        ticked: bool,
        event: &NewEvent,
        actor_id: i64,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let touched = if ticked {
                sqlx::query(
                    "insert into checklist_ticks (incident_id, role_type_id, item, ticked_by, ticked_at) \
                     values ($1, $2, $3, $4, $5) on conflict (incident_id, role_type_id, item) do nothing",
                )
                .bind(incident_id)
                .bind(role_type_id)
                .bind(item)
                .bind(actor_id)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected()
            } else {
                sqlx::query("delete from checklist_ticks where incident_id = $1 and role_type_id = $2 and item = $3")
                    .bind(incident_id)
                    .bind(role_type_id)
                    .bind(item)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
            };
            if touched == 0 {
                return Ok(false);
            }
            write_events!(tx, incident_id, std::slice::from_ref(event), actor_id, now);
            tx.commit().await?;
            Ok::<_, StoreError>(true)
        })
    }

    /// Adds a note to an incident's timeline.
    pub async fn add_note(
        &self,
        incident_id: i64,
        note: &NewEvent,
        actor_id: i64,
        now: DateTime<Utc>,
    ) -> Result<TimelineEvent, StoreError> {
        let sql = format!("{} returning id", insert_events_sql(1));
        let args = event_args(incident_id, std::slice::from_ref(note), Some(actor_id), now);
        let id: i64 = on_pool!(self, |pool| bind_args!(sqlx::query_scalar(&sql), &args).fetch_one(pool).await)
            .map_err(|err| match StoreError::from(err) {
                StoreError::ForeignKey(_) => StoreError::NotFound,
                other => other,
            })?;
        self.timeline_event(id).await?.ok_or(StoreError::NotFound)
    }

    pub async fn timeline_event(&self, id: i64) -> Result<Option<TimelineEvent>, StoreError> {
        let sql = format!("{EVENT_SELECT} where e.id = $1");
        let row: Option<SqlEvent> = on_pool!(self, |pool| sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)?;
        Ok(row.map(SqlEvent::into_event))
    }

    /// Replaces the text and time of a note written by `author_id`, keeping the previous version,
    /// if nobody changed it since `expected_revision`.
    pub async fn edit_note(
        &self,
        event_id: i64,
        expected_revision: i64,
        author_id: i64,
        body: &str,
        body_html: &str,
        occurred_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<TimelineEvent, StoreError> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let kept = sqlx::query(
                "insert into timeline_event_edits (event_id, previous_body, previous_occurred_at, edited_by, edited_at) \
                 select id, body, occurred_at, $1, $2 from timeline_events \
                 where id = $3 and revision = $4 and kind = 'note' and actor_id = $1",
            )
            .bind(author_id)
            .bind(now)
            .bind(event_id)
            .bind(expected_revision)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if kept == 0 {
                drop(tx);
                return match self.timeline_event(event_id).await? {
                    None => Err(StoreError::NotFound),
                    Some(event) if event.kind != EventKind::Note || event.actor_id != Some(author_id) => {
                        Err(StoreError::Refused(Refusal::NotNoteAuthor))
                    }
                    Some(_) => Err(StoreError::Stale),
                };
            }
            sqlx::query(
                "update timeline_events set body = $1, body_html = $2, occurred_at = $3, edited_at = $4, \
                 revision = revision + 1 where id = $5",
            )
            .bind(body)
            .bind(body_html)
            .bind(occurred_at)
            .bind(now)
            .bind(event_id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })?;
        self.timeline_event(event_id).await?.ok_or(StoreError::NotFound)
    }

    /// Pins (highlights) or unpins a timeline event.
    pub async fn set_event_pinned(&self, event_id: i64, pinned: bool) -> Result<TimelineEvent, StoreError> {
        let touched = on_pool!(self, |pool| sqlx::query("update timeline_events set pinned = $1 where id = $2")
            .bind(pinned)
            .bind(event_id)
            .execute(pool)
            .await
            .map(|done| done.rows_affected()))?;
        if touched == 0 {
            return Err(StoreError::NotFound);
        }
        self.timeline_event(event_id).await?.ok_or(StoreError::NotFound)
    }

    /// Earlier versions of a note, newest first, at most `limit`.
    pub async fn note_edits(&self, event_id: i64, limit: i64) -> Result<Vec<NoteEdit>, StoreError> {
        let rows: Vec<(String, DateTime<Utc>, String, DateTime<Utc>)> = on_pool!(self, |pool| sqlx::query_as(
            "select x.previous_body, x.previous_occurred_at, u.display_name, x.edited_at from timeline_event_edits x \
             join users u on u.id = x.edited_by where x.event_id = $1 order by x.id desc limit $2"
        )
        .bind(event_id)
        .bind(limit)
        .fetch_all(pool)
        .await)?;
        Ok(rows
            .into_iter()
            .map(|(previous_body, previous_occurred_at, edited_by, edited_at)| NoteEdit {
                previous_body,
                previous_occurred_at,
                edited_by,
                edited_at,
            })
            .collect())
    }

    /// A page of an incident's timeline, newest first, starting after `older_than` when given.
    pub async fn timeline(
        &self,
        incident_id: i64,
        pinned_only: bool,
        older_than: Option<(DateTime<Utc>, i64)>,
        limit: i64,
    ) -> Result<TimelinePage, StoreError> {
        let mut c = Conditions::new();
        let p = c.arg(Arg::Int(incident_id));
        c.push(format!("e.incident_id = {p}"));
        if pinned_only {
            c.push("e.pinned".to_string());
        }
        if let Some((at, id)) = older_than {
            let (pa, pi) = (c.arg(Arg::Time(at)), c.arg(Arg::Int(id)));
            c.push(format!("(e.occurred_at < {pa} or (e.occurred_at = {pa} and e.id < {pi}))"));
        }
        let pl = c.arg(Arg::Int(limit + 1));
        let sql = format!("{EVENT_SELECT} where {} order by e.occurred_at desc, e.id desc limit {pl}", c.sql());
        let rows: Vec<SqlEvent> = on_pool!(self, |pool| bind_args!(sqlx::query_as(&sql), &c.args).fetch_all(pool).await)?;
        let mut events: Vec<TimelineEvent> = rows.into_iter().map(SqlEvent::into_event).collect();
        let older = if events.len() as i64 > limit {
            events.truncate(limit as usize);
            events.last().map(|e| (e.occurred_at, e.id))
        } else {
            None
        };
        Ok(TimelinePage { events, older })
    }

    /// How many incidents match `filter`.
    pub async fn count_incidents(&self, filter: &IncidentFilter) -> Result<i64, StoreError> {
        let c = filter_conditions(filter, true, self.is_postgres());
        let sql = format!("select count(*) from incidents i where {}", c.sql());
        let count: i64 = on_pool!(self, |pool| bind_args!(sqlx::query_scalar(&sql), &c.args).fetch_one(pool).await)?;
        Ok(count)
    }

    /// A page of incidents matching `filter` in `sort` order, after `cursor` when given. With
    /// `with_counts`, also counts the whole filter per status (one more query); without, the
    /// counts are zero and `total` is the number of rows returned.
    pub async fn list_incidents(
        &self,
        filter: &IncidentFilter,
        sort: IncidentSort,
        cursor: Option<&str>,
        limit: i64,
        with_counts: bool,
    ) -> Result<IncidentPage, StoreError> {
        let mut c = filter_conditions(filter, true, self.is_postgres());
        if let Some((rank, id)) = cursor.and_then(decode_cursor) {
            let pi = c.arg(Arg::Int(id));
            match sort {
                IncidentSort::Newest => c.push(format!("i.id < {pi}")),
                IncidentSort::Oldest => c.push(format!("i.id > {pi}")),
                IncidentSort::Severity => {
                    let pr = c.arg(Arg::Int(rank));
                    c.push(format!("(s.rank > {pr} or (s.rank = {pr} and i.id < {pi}))"));
                }
            }
        }
        let order = match sort {
            IncidentSort::Newest => "i.id desc",
            IncidentSort::Oldest => "i.id asc",
            IncidentSort::Severity => "s.rank asc, i.id desc",
        };
        let pl = c.arg(Arg::Int(limit + 1));
        let sql = format!("{INCIDENT_SELECT} where {} order by {order} limit {pl}", c.sql());
        let counts = filter_conditions(filter, false, self.is_postgres());
        let count_sql = format!("select i.status, count(*) from incidents i where {} group by i.status", counts.sql());
        let (rows, status_counts): (Vec<SqlIncident>, Vec<(String, i64)>) = on_pool!(self, |pool| {
            let rows = bind_args!(sqlx::query_as(&sql), &c.args).fetch_all(pool).await?;
            let counts = if with_counts {
                bind_args!(sqlx::query_as(&count_sql), &counts.args).fetch_all(pool).await?
            } else {
                Vec::new()
            };
            Ok::<_, sqlx::Error>((rows, counts))
        })?;
        let mut incidents: Vec<Incident> = rows.into_iter().map(SqlIncident::into_incident).collect();
        let next_cursor = if incidents.len() as i64 > limit {
            incidents.truncate(limit as usize);
            incidents.last().map(|last| encode_cursor(sort, last))
        } else {
            None
        };
        let status_counts: Vec<(Status, i64)> = Status::ALL
            .into_iter()
            .map(|status| {
                let n = status_counts.iter().find(|(s, _)| s == status.as_str()).map(|(_, n)| *n).unwrap_or(0);
                (status, n)
            })
            .collect();
        let total = if with_counts {
            status_counts
                .iter()
                .filter(|(status, _)| filter.statuses.is_empty() || filter.statuses.contains(status))
                .map(|(_, n)| n)
                .sum()
        } else {
            incidents.len() as i64
        };
        let rows = self.summaries(incidents).await?;
        Ok(IncidentPage { rows, next_cursor, total, status_counts })
    }

    /// Adds service names and the commander to a page of incidents (two queries for the page).
    async fn summaries(&self, incidents: Vec<Incident>) -> Result<Vec<IncidentSummary>, StoreError> {
        if incidents.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = incidents.iter().map(|i| i.id).collect();
        let (list, args) = ids_in(&ids);
        let services_sql = format!(
            "select x.incident_id, s.name from incident_services x join services s on s.id = x.service_id \
             where x.incident_id in ({list}) order by lower(s.name)"
        );
        let commanders_sql = format!(
            "select r.incident_id, u.display_name from role_assignments r join role_types rt on rt.id = r.role_type_id \
             join users u on u.id = r.user_id where rt.is_commander and r.incident_id in ({list})"
        );
        let (services, commanders): (Vec<(i64, String)>, Vec<(i64, String)>) = on_pool!(self, |pool| {
            let services = bind_args!(sqlx::query_as(&services_sql), &args).fetch_all(pool).await?;
            let commanders = bind_args!(sqlx::query_as(&commanders_sql), &args).fetch_all(pool).await?;
            Ok::<_, sqlx::Error>((services, commanders))
        })?;
        Ok(incidents
            .into_iter()
            .map(|incident| IncidentSummary {
                services: services.iter().filter(|(id, _)| *id == incident.id).map(|(_, name)| name.clone()).collect(),
                commander: commanders.iter().find(|(id, _)| *id == incident.id).map(|(_, name)| name.clone()),
                incident,
            })
            .collect())
    }
}
