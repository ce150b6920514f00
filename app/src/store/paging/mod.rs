//! Escalation policies, pages and their steps, acknowledgements, and hand-off notices.
//!
//! A page's next step is claimed by moving `pages.step` on with a conditional update in the
//! same transaction that writes what the step does (recipients, deliveries, the timeline
//! event). Whoever moves it first wins; anyone else finds the step gone and writes nothing. So a
//! step runs once, across restarts and across instances.

use super::{Page, PageRequest};
use super::incidents::NewEvent;
use super::notifications::{insert_deliveries, NewDelivery};
use super::catalog::stale_or_missing;
use super::contacts::SqlContactMethod;
use super::query::{bind_args, ids_in, value_rows, Arg};
use super::BeginWrite;
use super::{on_pool, Store, StoreError};
use crate::domain::paging::{Level, PageStatus, Plan, Policy, Target};
use chrono::{DateTime, Utc};

/// The fields of a policy that people edit.
#[derive(Debug, Clone)]
pub struct PolicyFields {
    pub name: String,
    pub description: String,
    pub plan: Plan,
}

/// A page to open.
#[derive(Debug, Clone)]
pub struct NewPage {
    pub incident_id: Option<i64>,
    pub target_name: String,
    pub plan: Plan,
    pub message: String,
    pub created_by: i64,
}

/// A page as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRecord {
    pub id: i64,
    pub incident_id: Option<i64>,
    pub target_name: String,
    pub plan: Plan,
    pub message: String,
    pub status: PageStatus,
    pub step: i64,
    pub next_step_at: Option<DateTime<Utc>>,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
    pub acknowledged_by: Option<i64>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
}

/// Someone a step paged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub page_id: i64,
    pub step: i64,
    pub user_id: i64,
    pub methods: i64,
    pub created_at: DateTime<Utc>,
}

/// Someone a step pages, with the hash of their one-time acknowledgement link.
#[derive(Debug, Clone)]
pub struct NewRecipient {
    pub user_id: i64,
    pub methods: i64,
    pub token_hash: String,
    pub expires_at: DateTime<Utc>,
}

/// What a page's due step does, worked out by the escalation engine.
#[derive(Debug, Clone)]
pub struct TakenStep {
    pub page_id: i64,
    /// The step being taken (the page's `step` as it was read).
    pub step: i64,
    /// When the step after is due; `None`: the page ends unanswered now.
    pub next_step_at: Option<DateTime<Utc>>,
    pub recipients: Vec<NewRecipient>,
    pub deliveries: Vec<NewDelivery>,
    /// The timeline event, for a page of an incident.
    pub event: Option<(i64, NewEvent)>,
}

/// A hand-off notice to queue once: the shift it announces and the messages.
#[derive(Debug, Clone)]
pub struct HandoffNotice {
    pub schedule_id: i64,
    pub user_id: i64,
    pub shift_start: DateTime<Utc>,
    pub deliveries: Vec<NewDelivery>,
}

/// How an acknowledgement went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Acknowledged {
    /// This acknowledgement stopped the escalation.
    Now(PageRecord),
    /// The page had already ended (acknowledged by someone, stopped or unanswered).
    Already(PageRecord),
}

const PAGE_COLUMNS: &str = "id, incident_id, target_name, plan, message, status, step, next_step_at, created_by, created_at, \
                            acknowledged_by, acknowledged_at, ended_at";

#[derive(sqlx::FromRow)]
struct SqlPage {
    id: i64,
    incident_id: Option<i64>,
    target_name: String,
    plan: String,
    message: String,
    status: String,
    step: i64,
    next_step_at: Option<DateTime<Utc>>,
    created_by: i64,
    created_at: DateTime<Utc>,
    acknowledged_by: Option<i64>,
    acknowledged_at: Option<DateTime<Utc>>,
    ended_at: Option<DateTime<Utc>>,
}

impl SqlPage {
    fn into_page(self) -> PageRecord {
        PageRecord {
            id: self.id,
            incident_id: self.incident_id,
            target_name: self.target_name,
            // Written by the store from a `Plan`; an unreadable one pages nobody.
            plan: serde_json::from_str(&self.plan).unwrap_or(Plan { levels: Vec::new(), repeats: 0 }),
            message: self.message,
            status: PageStatus::parse(&self.status),
            step: self.step,
            next_step_at: self.next_step_at,
            created_by: self.created_by,
            created_at: self.created_at,
            acknowledged_by: self.acknowledged_by,
            acknowledged_at: self.acknowledged_at,
            ended_at: self.ended_at,
        }
    }
}

#[derive(sqlx::FromRow)]
struct SqlPolicy {
    id: i64,
    name: String,
    description: String,
    repeats: i64,
    revision: i64,
}

/// Assembles policies from their rows, levels (policy, position, delay) and targets (policy,
/// level, user, schedule) in order.
fn assemble_policies(rows: Vec<SqlPolicy>, levels: &[(i64, i64, i64)], targets: &[(i64, i64, Option<i64>, Option<i64>)]) -> Vec<Policy> {
    rows.into_iter()
        .map(|row| {
            let levels = levels
                .iter()
                .filter(|(policy, _, _)| *policy == row.id)
                .map(|(_, position, delay)| Level {
                    delay_minutes: *delay,
                    targets: targets
                        .iter()
                        .filter(|(policy, level, _, _)| *policy == row.id && level == position)
                        .filter_map(|(_, _, user, schedule)| match (user, schedule) {
                            (Some(user), _) => Some(Target::User(*user)),
                            (None, Some(schedule)) => Some(Target::Schedule(*schedule)),
                            (None, None) => None,
                        })
                        .collect(),
                })
                .collect();
            Policy { id: row.id, name: row.name, description: row.description, plan: Plan { levels, repeats: row.repeats }, revision: row.revision }
        })
        .collect()
}

/// The inserts of a policy's levels and targets, with their arguments (run by `write_plan!`).
fn plan_inserts(policy_id: i64, plan: &Plan) -> Vec<(String, Vec<Arg>)> {
    let mut inserts = Vec::new();
    if plan.levels.is_empty() {
        return inserts;
    }
    let levels: Vec<String> = (0..plan.levels.len()).map(|n| format!("($1, {n}, ${})", n + 2)).collect();
    let args = std::iter::once(Arg::Int(policy_id)).chain(plan.levels.iter().map(|l| Arg::Int(l.delay_minutes))).collect();
    inserts.push((format!("insert into escalation_levels (policy_id, position, delay_minutes) values {}", levels.join(", ")), args));
    let mut rows = Vec::new();
    let mut args = vec![Arg::Int(policy_id)];
    for (level, l) in plan.levels.iter().enumerate() {
        for (position, target) in l.targets.iter().enumerate() {
            let (user, schedule) = match target {
                Target::User(id) => (Arg::Int(*id), Arg::NullInt),
                Target::Schedule(id) => (Arg::NullInt, Arg::Int(*id)),
            };
            args.push(user);
            args.push(schedule);
            rows.push(format!("($1, {level}, {position}, ${}, ${})", args.len() - 1, args.len()));
        }
    }
    if !rows.is_empty() {
        inserts.push((
            format!("insert into escalation_targets (policy_id, level, position, user_id, schedule_id) values {}", rows.join(", ")),
            args,
        ));
    }
    inserts
}

/// Writes a policy's levels and targets inside the transaction `tx` (inside `on_pool!`).
macro_rules! write_plan {
    ($tx:expr, $policy_id:expr, $plan:expr) => {{
        for (sql, args) in plan_inserts($policy_id, $plan) {
            bind_args!(sqlx::query(&sql), &args).execute(&mut *$tx).await?;
        }
    }};
}

/// Rows written by one multi-row insert (at most 7 arguments each).
const ROWS_PER_INSERT: usize = 500;
/// Pages whose steps are claimed by one update (2 or 3 arguments each).
const STEPS_PER_CLAIM: usize = 500;

impl Store {
    // ---- escalation policies ----

    pub async fn create_policy(&self, fields: &PolicyFields, now: DateTime<Utc>) -> Result<i64, StoreError> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "insert into escalation_policies (name, description, repeats, created_at, updated_at) values ($1, $2, $3, $4, $4) returning id",
            )
            .bind(&fields.name)
            .bind(&fields.description)
            .bind(fields.plan.repeats)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            write_plan!(tx, id, &fields.plan);
            tx.commit().await?;
            Ok::<_, StoreError>(id)
        })
    }

    /// Replaces a policy's name, description and levels, if nobody changed it since
    /// `expected_revision`.
    pub async fn update_policy(&self, id: i64, fields: &PolicyFields, expected_revision: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let touched = sqlx::query(
                "update escalation_policies set name = $1, description = $2, repeats = $3, revision = revision + 1, updated_at = $4 \
                 where id = $5 and revision = $6",
            )
            .bind(&fields.name)
            .bind(&fields.description)
            .bind(fields.plan.repeats)
            .bind(now)
            .bind(id)
            .bind(expected_revision)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if touched == 0 {
                drop(tx);
                return Err(stale_or_missing(self, "escalation_policies", id).await);
            }
            sqlx::query("delete from escalation_targets where policy_id = $1").bind(id).execute(&mut *tx).await?;
            sqlx::query("delete from escalation_levels where policy_id = $1").bind(id).execute(&mut *tx).await?;
            write_plan!(tx, id, &fields.plan);
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })
    }

    /// Deletes a policy no service uses (`ForeignKey` otherwise).
    pub async fn delete_policy(&self, id: i64, expected_revision: i64) -> Result<(), StoreError> {
        let touched = on_pool!(self, |pool| sqlx::query("delete from escalation_policies where id = $1 and revision = $2")
            .bind(id)
            .bind(expected_revision)
            .execute(pool)
            .await
            .map(|done| done.rows_affected()))?;
        if touched == 0 {
            return Err(stale_or_missing(self, "escalation_policies", id).await);
        }
        Ok(())
    }

    pub async fn policy(&self, id: i64) -> Result<Option<Policy>, StoreError> {
        Ok(self.policies_by_ids(&[id]).await?.pop())
    }

    /// Policies by id, with their levels and targets (three queries), in name order.
    pub async fn policies_by_ids(&self, ids: &[i64]) -> Result<Vec<Policy>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let (list, args) = ids_in(ids);
        self.load_policies(
            &format!("select id, name, description, repeats, revision from escalation_policies where id in ({list}) order by lower(name), id"),
            &args,
        )
        .await
    }

    /// Policies in name order, one `page` at a time.
    pub async fn policies_page(&self, page: PageRequest) -> Result<Page<Policy>, StoreError> {
        let rows = self
            .load_policies(
                "select id, name, description, repeats, revision from escalation_policies order by lower(name), id limit $1 offset $2",
                &[Arg::Int(page.limit), Arg::Int(page.offset)],
            )
            .await?;
        let total: i64 = on_pool!(self, |pool| sqlx::query_scalar("select count(*) from escalation_policies").fetch_one(pool).await)?;
        Ok(Page { rows, total })
    }

    async fn load_policies(&self, select: &str, args: &[Arg]) -> Result<Vec<Policy>, StoreError> {
        let rows: Vec<SqlPolicy> = on_pool!(self, |pool| bind_args!(sqlx::query_as(select), args).fetch_all(pool).await)?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let (list, args) = ids_in(&ids);
        let levels_sql = format!("select policy_id, position, delay_minutes from escalation_levels where policy_id in ({list}) order by policy_id, position");
        let targets_sql = format!(
            "select policy_id, level, user_id, schedule_id from escalation_targets where policy_id in ({list}) order by policy_id, level, position"
        );
        let (levels, targets): (Vec<(i64, i64, i64)>, Vec<(i64, i64, Option<i64>, Option<i64>)>) = on_pool!(self, |pool| {
            let levels = bind_args!(sqlx::query_as(&levels_sql), &args).fetch_all(pool).await?;
            let targets = bind_args!(sqlx::query_as(&targets_sql), &args).fetch_all(pool).await?;
            Ok::<_, sqlx::Error>((levels, targets))
        })?;
        Ok(assemble_policies(rows, &levels, &targets))
    }

    /// Names of the services that page through a policy (at most `limit`).
    pub async fn services_of_policy(&self, policy_id: i64, limit: i64) -> Result<Vec<(i64, String)>, StoreError> {
        Ok(on_pool!(self, |pool| sqlx::query_as(
            "select id, name from services where escalation_policy_id = $1 order by lower(name), id limit $2"
        )
        .bind(policy_id)
        .bind(limit)
        .fetch_all(pool)
        .await)?)
    }

    /// The escalation policy of each of `service_ids` that has one: (service id, policy id).
    pub async fn service_policies(&self, service_ids: &[i64]) -> Result<Vec<(i64, i64)>, StoreError> {
        if service_ids.is_empty() {
            return Ok(Vec::new());
        }
        let (list, args) = ids_in(service_ids);
        let sql = format!("select id, escalation_policy_id from services where id in ({list}) and escalation_policy_id is not null order by id");
        Ok(on_pool!(self, |pool| bind_args!(sqlx::query_as(&sql), &args).fetch_all(pool).await)?)
    }

    /// Policies' ids and names, in name order (at most `limit`), for choosing one.
    pub async fn policy_names(&self, limit: i64) -> Result<Vec<(i64, String)>, StoreError> {
        Ok(on_pool!(self, |pool| sqlx::query_as("select id, name from escalation_policies order by lower(name), id limit $1")
            .bind(limit)
            .fetch_all(pool)
            .await)?)
    }

    /// Services that have a policy, with its name: (service id, service name, policy name), in
    /// the services' name order (at most `limit`).
    pub async fn services_with_policies(&self, limit: i64) -> Result<Vec<(i64, String, String)>, StoreError> {
        Ok(on_pool!(self, |pool| sqlx::query_as(
            "select s.id, s.name, p.name from services s join escalation_policies p on p.id = s.escalation_policy_id \
             order by lower(s.name), s.id limit $1"
        )
        .bind(limit)
        .fetch_all(pool)
        .await)?)
    }

    /// The first (by name) of an incident's services that has a policy.
    pub async fn paged_service_of_incident(&self, incident_id: i64) -> Result<Option<i64>, StoreError> {
        Ok(on_pool!(self, |pool| sqlx::query_scalar(
            "select s.id from incident_services x join services s on s.id = x.service_id \
             where x.incident_id = $1 and s.escalation_policy_id is not null order by lower(s.name), s.id limit 1"
        )
        .bind(incident_id)
        .fetch_optional(pool)
        .await)?)
    }

    /// Sets (or clears) the policy that pages for a service.
    pub async fn set_service_policy(&self, service_id: i64, policy_id: Option<i64>, now: DateTime<Utc>) -> Result<(), StoreError> {
        let touched = on_pool!(self, |pool| sqlx::query(
            "update services set escalation_policy_id = $1, revision = revision + 1, updated_at = $2 where id = $3"
        )
        .bind(policy_id)
        .bind(now)
        .bind(service_id)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
        if touched == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    // ---- pages ----

    /// Opens a page (its first step is due at once) with its timeline event, in one transaction.
    pub async fn open_page(&self, new: &NewPage, event: Option<&NewEvent>, now: DateTime<Utc>) -> Result<i64, StoreError> {
        let plan = serde_json::to_string(&new.plan).map_err(|err| StoreError::Config(err.to_string()))?;
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "insert into pages (incident_id, target_name, plan, message, status, step, next_step_at, created_by, created_at) \
                 values ($1, $2, $3, $4, 'escalating', 0, $5, $6, $5) returning id",
            )
            .bind(new.incident_id)
            .bind(&new.target_name)
            .bind(&plan)
            .bind(&new.message)
            .bind(now)
            .bind(new.created_by)
            .fetch_one(&mut *tx)
            .await?;
            if let (Some(incident_id), Some(event)) = (new.incident_id, event) {
                super::incidents::write_events!(tx, incident_id, std::slice::from_ref(event), new.created_by, now);
            }
            tx.commit().await?;
            Ok::<_, StoreError>(id)
        })
    }

    pub async fn page(&self, id: i64) -> Result<Option<PageRecord>, StoreError> {
        let sql = format!("select {PAGE_COLUMNS} from pages where id = $1");
        let row: Option<SqlPage> = on_pool!(self, |pool| sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)?;
        Ok(row.map(SqlPage::into_page))
    }

    /// Escalating pages whose next step is due at `now`, the longest overdue first.
    pub async fn due_pages(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<PageRecord>, StoreError> {
        let sql = format!(
            "select {PAGE_COLUMNS} from pages where status = 'escalating' and next_step_at <= $1 order by next_step_at, id limit $2"
        );
        let rows: Vec<SqlPage> = on_pool!(self, |pool| sqlx::query_as(&sql).bind(now).bind(limit).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(SqlPage::into_page).collect())
    }

    /// Takes the steps whose pages are still escalating at the step they were read at, and
    /// writes what each does, all in one transaction. Returns the ids of the pages whose step
    /// this call took; the others were taken (or ended) by someone else and nothing of them is
    /// written.
    pub async fn take_steps(&self, steps: &[TakenStep], now: DateTime<Utc>) -> Result<Vec<i64>, StoreError> {
        if steps.is_empty() {
            return Ok(Vec::new());
        }
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let mut taken: Vec<i64> = Vec::new();
            for chunk in steps.chunks(STEPS_PER_CLAIM) {
                // One update claims the chunk: each page moves on only from the step it was read at.
                let mut args = vec![Arg::Time(now)];
                let mut next_cases = Vec::new();
                let mut matches = Vec::new();
                for step in chunk {
                    args.push(Arg::Int(step.page_id));
                    let id = args.len();
                    args.push(Arg::Int(step.step));
                    matches.push(format!("(id = ${id} and step = ${})", id + 1));
                    if let Some(next) = step.next_step_at {
                        args.push(Arg::Time(next));
                        next_cases.push(format!("when ${id} then ${}", args.len()));
                    }
                }
                let next = if next_cases.is_empty() { "null".to_string() } else { format!("case id {} else null end", next_cases.join(" ")) };
                let sql = format!(
                    "update pages set step = step + 1, next_step_at = {next}, \
                     status = case when {next} is null then 'unanswered' else status end, \
                     ended_at = case when {next} is null then $1 else ended_at end \
                     where status = 'escalating' and ({}) returning id",
                    matches.join(" or ")
                );
                let ids: Vec<i64> = bind_args!(sqlx::query_scalar(&sql), &args).fetch_all(&mut *tx).await?;
                taken.extend(ids);
            }
            taken.sort_unstable();
            let mine: Vec<&TakenStep> = steps.iter().filter(|s| taken.binary_search(&s.page_id).is_ok()).collect();
            let recipients: Vec<(i64, i64, &NewRecipient)> =
                mine.iter().flat_map(|s| s.recipients.iter().map(move |r| (s.page_id, s.step, r))).collect();
            for chunk in recipients.chunks(ROWS_PER_INSERT) {
                let sql = format!(
                    "insert into page_recipients (page_id, step, user_id, methods, token_hash, expires_at, created_at) values {}",
                    value_rows(chunk.len(), 7)
                );
                let args: Vec<Arg> = chunk
                    .iter()
                    .flat_map(|(page, step, r)| {
                        [
                            Arg::Int(*page),
                            Arg::Int(*step),
                            Arg::Int(r.user_id),
                            Arg::Int(r.methods),
                            Arg::Text(r.token_hash.clone()),
                            Arg::Time(r.expires_at),
                            Arg::Time(now),
                        ]
                    })
                    .collect();
                bind_args!(sqlx::query(&sql), &args).execute(&mut *tx).await?;
            }
            let deliveries: Vec<NewDelivery> = mine.iter().flat_map(|s| s.deliveries.iter().cloned()).collect();
            for chunk in deliveries.chunks(super::notifications::DELIVERIES_PER_INSERT) {
                let (sql, args) = insert_deliveries(chunk, None, now);
                bind_args!(sqlx::query(&sql), &args).execute(&mut *tx).await?;
            }
            let events: Vec<&(i64, NewEvent)> = mine.iter().filter_map(|s| s.event.as_ref()).collect();
            for chunk in events.chunks(super::incidents::EVENTS_PER_INSERT) {
                let sql = super::incidents::insert_events_sql(chunk.len());
                // The engine acts on nobody's behalf: no actor.
                let args: Vec<Arg> = chunk
                    .iter()
                    .flat_map(|(incident, event)| super::incidents::event_args(*incident, std::slice::from_ref(event), None, now))
                    .collect();
                bind_args!(sqlx::query(&sql), &args).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<_, StoreError>(taken)
        })
    }

    /// Acknowledges a page for `user_id`: the escalation stops, the acknowledgement is written on
    /// the incident's timeline, and the incident's acknowledged time is set if it had none.
    /// `event` is written only when this call is the one that acknowledges.
    pub async fn acknowledge_page(&self, page_id: i64, user_id: i64, event: &NewEvent, now: DateTime<Utc>) -> Result<Acknowledged, StoreError> {
        let acknowledged = on_pool!(self, |pool| async {
            let mut tx = pool.begin_write().await?;
            let incident: Option<Option<i64>> = sqlx::query_scalar(
                "update pages set status = 'acknowledged', acknowledged_by = $1, acknowledged_at = $2, ended_at = $2, next_step_at = null \
                 where id = $3 and status = 'escalating' returning incident_id",
            )
            .bind(user_id)
            .bind(now)
            .bind(page_id)
            .fetch_optional(&mut *tx)
            .await?;
            // Not escalating any more: someone else ended it first.
            let Some(incident) = incident else { return Ok::<_, StoreError>(false) };
            if let Some(incident_id) = incident {
                super::incidents::write_events!(tx, incident_id, std::slice::from_ref(event), user_id, now);
                // The first acknowledgement is the incident's; the revision moves so that an edit
                // started before it can't write the old key times back.
                sqlx::query(
                    "update incidents set acknowledged_at = $1, revision = revision + 1, updated_at = $1 where id = $2 and acknowledged_at is null",
                )
                .bind(now)
                .bind(incident_id)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(true)
        }
        .await)?;
        let page = self.page(page_id).await?.ok_or(StoreError::NotFound)?;
        Ok(if acknowledged { Acknowledged::Now(page) } else { Acknowledged::Already(page) })
    }

    /// The page and person a one-time acknowledgement link was sent for, while it is unused and
    /// unexpired.
    pub async fn page_link(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<(PageRecord, i64)>, StoreError> {
        let found: Option<(i64, i64)> = on_pool!(self, |pool| sqlx::query_as(
            "select page_id, user_id from page_recipients where token_hash = $1 and used_at is null and expires_at > $2"
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(pool)
        .await)?;
        let Some((page_id, user_id)) = found else { return Ok(None) };
        Ok(self.page(page_id).await?.map(|page| (page, user_id)))
    }

    /// Uses up a one-time link: `false` if it was used already (or expired) in the meantime.
    pub async fn use_page_link(&self, token_hash: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let touched = on_pool!(self, |pool| sqlx::query(
            "update page_recipients set used_at = $1 where token_hash = $2 and used_at is null and expires_at > $1"
        )
        .bind(now)
        .bind(token_hash)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
        Ok(touched == 1)
    }

    /// An incident's pages, newest first (at most `limit`).
    pub async fn pages_of_incident(&self, incident_id: i64, limit: i64) -> Result<Vec<PageRecord>, StoreError> {
        let sql = format!("select {PAGE_COLUMNS} from pages where incident_id = $1 order by id desc limit $2");
        let rows: Vec<SqlPage> = on_pool!(self, |pool| sqlx::query_as(&sql).bind(incident_id).bind(limit).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(SqlPage::into_page).collect())
    }

    /// Every page, newest first, one `page` of the list at a time.
    pub async fn pages_page(&self, page: PageRequest) -> Result<Page<PageRecord>, StoreError> {
        let sql = format!("select {PAGE_COLUMNS} from pages order by id desc limit $1 offset $2");
        let (rows, total): (Vec<SqlPage>, i64) = on_pool!(self, |pool| {
            let rows = sqlx::query_as(&sql).bind(page.limit).bind(page.offset).fetch_all(pool).await?;
            let total = sqlx::query_scalar("select count(*) from pages").fetch_one(pool).await?;
            Ok::<_, sqlx::Error>((rows, total))
        })?;
        Ok(Page { rows: rows.into_iter().map(SqlPage::into_page).collect(), total })
    }

    /// Who the steps of `page_ids` paged, in order (one query).
    pub async fn page_recipients(&self, page_ids: &[i64]) -> Result<Vec<Recipient>, StoreError> {
        if page_ids.is_empty() {
            return Ok(Vec::new());
        }
        let (list, args) = ids_in(page_ids);
        let sql = format!(
            "select page_id, step, user_id, methods, created_at from page_recipients where page_id in ({list}) order by page_id, step, id"
        );
        let rows: Vec<(i64, i64, i64, i64, DateTime<Utc>)> =
            on_pool!(self, |pool| bind_args!(sqlx::query_as(&sql), &args).fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .map(|(page_id, step, user_id, methods, created_at)| Recipient { page_id, step, user_id, methods, created_at })
            .collect())
    }

    // ---- hand-off notices ----

    /// Records hand-off notices and queues their deliveries, except for shifts already
    /// announced; returns how many were new.
    pub async fn queue_handoff_notices(&self, notices: &[HandoffNotice], now: DateTime<Utc>) -> Result<usize, StoreError> {
        if notices.is_empty() {
            return Ok(0);
        }
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let mut fresh = Vec::new();
            for chunk in notices.chunks(ROWS_PER_INSERT) {
                let sql = format!(
                    "insert into handoff_notices (schedule_id, user_id, shift_start, created_at) values {} \
                     on conflict do nothing returning schedule_id, user_id, shift_start",
                    value_rows(chunk.len(), 4)
                );
                let args: Vec<Arg> = chunk
                    .iter()
                    .flat_map(|n| [Arg::Int(n.schedule_id), Arg::Int(n.user_id), Arg::Time(n.shift_start), Arg::Time(now)])
                    .collect();
                let inserted: Vec<(i64, i64, DateTime<Utc>)> = bind_args!(sqlx::query_as(&sql), &args).fetch_all(&mut *tx).await?;
                fresh.extend(inserted);
            }
            let deliveries: Vec<NewDelivery> = notices
                .iter()
                .filter(|n| fresh.contains(&(n.schedule_id, n.user_id, n.shift_start)))
                .flat_map(|n| n.deliveries.iter().cloned())
                .collect();
            for chunk in deliveries.chunks(super::notifications::DELIVERIES_PER_INSERT) {
                let (sql, args) = insert_deliveries(chunk, None, now);
                bind_args!(sqlx::query(&sql), &args).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<_, StoreError>(fresh.len())
        })
    }

    /// The contact methods of many people, with their names and time zones (active people
    /// only), in one query.
    pub async fn reachable_people(&self, user_ids: &[i64]) -> Result<Vec<ReachablePerson>, StoreError> {
        if user_ids.is_empty() {
            return Ok(Vec::new());
        }
        let (list, args) = ids_in(user_ids);
        let sql = format!(
            "select u.id, u.display_name, u.time_zone, c.id, c.kind, c.label, c.target from users u \
             left join contact_methods c on c.user_id = u.id where u.id in ({list}) and u.active order by u.id, c.id"
        );
        let rows: Vec<(i64, String, String, Option<i64>, Option<String>, Option<String>, Option<String>)> =
            on_pool!(self, |pool| bind_args!(sqlx::query_as(&sql), &args).fetch_all(pool).await)?;
        let mut people: Vec<ReachablePerson> = Vec::new();
        for (user_id, name, time_zone, method_id, kind, label, target) in rows {
            if people.last().is_none_or(|p| p.user_id != user_id) {
                people.push(ReachablePerson { user_id, name, time_zone, methods: Vec::new() });
            }
            if let (Some(id), Some(kind), Some(label), Some(target)) = (method_id, kind, label, target) {
                let method = SqlContactMethod { id, user_id, kind, label, target }.into_contact_method();
                people.last_mut().expect("pushed above").methods.push(method);
            }
        }
        Ok(people)
    }
}

/// A person with what it takes to reach them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReachablePerson {
    pub user_id: i64,
    pub name: String,
    pub time_zone: String,
    pub methods: Vec<crate::domain::contact::ContactMethod>,
}
