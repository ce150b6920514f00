//! Action items: follow-up work from incidents and post-mortems, with every change kept in
//! their history (`action_item_changes`, never deleted) in the same transaction as the change.

use super::query::{bind_args, Arg, Conditions};
use super::BeginWrite;
use super::{on_pool, Page, PageRequest, Store, StoreError};
use crate::domain::action_item::{ActionItem, ItemChange, ItemFields, ItemStatus, Priority};
use chrono::{DateTime, NaiveDate, Utc};

/// Which action items a list shows. Empty fields don't filter.
#[derive(Debug, Clone, Default)]
pub struct ItemFilter {
    pub owner_id: Option<i64>,
    pub statuses: Vec<ItemStatus>,
    pub priority: Option<Priority>,
    pub service_id: Option<i64>,
    pub incident_id: Option<i64>,
    pub post_mortem_id: Option<i64>,
    /// Only unfinished items due before this date.
    pub overdue_on: Option<NaiveDate>,
}

#[derive(sqlx::FromRow)]
struct SqlItem {
    id: i64,
    incident_id: i64,
    incident_title: String,
    post_mortem_id: Option<i64>,
    title: String,
    description: String,
    owner_id: i64,
    owner_name: String,
    due_on: NaiveDate,
    priority: String,
    status: String,
    wont_do_reason: String,
    tracker_url: String,
    revision: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl SqlItem {
    fn into_item(self) -> ActionItem {
        ActionItem {
            id: self.id,
            incident_id: self.incident_id,
            incident_title: self.incident_title,
            post_mortem_id: self.post_mortem_id,
            title: self.title,
            description: self.description,
            owner_id: self.owner_id,
            owner_name: self.owner_name,
            due_on: self.due_on,
            // Check constraints admit only known priorities and statuses.
            priority: Priority::parse(&self.priority).unwrap_or(Priority::P2),
            status: ItemStatus::parse(&self.status).unwrap_or(ItemStatus::Open),
            wont_do_reason: self.wont_do_reason,
            tracker_url: self.tracker_url,
            revision: self.revision,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

const ITEM_SELECT: &str = "select a.id, a.incident_id, i.title as incident_title, a.post_mortem_id, a.title, a.description, \
     a.owner_id, u.display_name as owner_name, a.due_on, a.priority, a.status, a.wont_do_reason, a.tracker_url, a.revision, \
     a.created_at, a.updated_at from action_items a join incidents i on i.id = a.incident_id join users u on u.id = a.owner_id";

/// The fields whose changes the history records, with how each reads.
fn field_values(item: &ItemFields, owner_name: &str) -> [(&'static str, String); 8] {
    [
        ("Title", item.title.clone()),
        ("Description", item.description.clone()),
        ("Owner", owner_name.to_string()),
        ("Deadline", item.due_on.format("%Y-%m-%d").to_string()),
        ("Priority", item.priority.short().to_string()),
        ("Status", item.status.label().to_string()),
        ("Reason for won't do", item.wont_do_reason.clone()),
        ("Tracker issue", item.tracker_url.clone()),
    ]
}

impl Store {
    /// Creates an action item on an incident (and its post-mortem, when it has one), recording
    /// its creation in its history.
    pub async fn create_action_item(&self, incident_id: i64, fields: &ItemFields, by: i64, now: DateTime<Utc>) -> Result<i64, StoreError> {
        let _shared = self.shared_write();
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "insert into action_items (incident_id, post_mortem_id, title, description, owner_id, due_on, priority, status, \
                 wont_do_reason, tracker_url, created_by, created_at, updated_at) \
                 values ($1, (select id from post_mortems where incident_id = $1), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) returning id",
            )
            .bind(incident_id)
            .bind(&fields.title)
            .bind(&fields.description)
            .bind(fields.owner_id)
            .bind(fields.due_on)
            .bind(fields.priority.as_str())
            .bind(fields.status.as_str())
            .bind(&fields.wont_do_reason)
            .bind(&fields.tracker_url)
            .bind(by)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "insert into action_item_changes (action_item_id, field, before, after, changed_by, changed_at) values ($1, 'Created', '', $2, $3, $4)",
            )
            .bind(id)
            .bind(&fields.title)
            .bind(by)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok::<_, StoreError>(id)
        })
    }

    pub async fn action_item(&self, id: i64) -> Result<Option<ActionItem>, StoreError> {
        let sql = format!("{ITEM_SELECT} where a.id = $1");
        let row: Option<SqlItem> = on_pool!(self, |pool| sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)?;
        Ok(row.map(SqlItem::into_item))
    }

    /// Rewrites an action item if it is still at `expected_revision`, recording each changed
    /// field (from, to, who, when) in its history.
    pub async fn update_action_item(
        &self,
        id: i64,
        expected_revision: i64,
        fields: &ItemFields,
        by: i64,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let _shared = self.shared_write();
        let sql = format!("{ITEM_SELECT} where a.id = $1 and a.revision = $2");
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let before: Option<SqlItem> = sqlx::query_as(&sql).bind(id).bind(expected_revision).fetch_optional(&mut *tx).await?;
            let Some(before) = before else {
                drop(tx);
                return Err(super::stale_or_missing(self, "action_items", id).await);
            };
            let before = before.into_item();
            let new_owner: String = sqlx::query_scalar("select display_name from users where id = $1")
                .bind(fields.owner_id)
                .fetch_one(&mut *tx)
                .await?;
            sqlx::query(
                "update action_items set title = $1, description = $2, owner_id = $3, due_on = $4, priority = $5, status = $6, \
                 wont_do_reason = $7, tracker_url = $8, revision = revision + 1, updated_at = $9 where id = $10",
            )
            .bind(&fields.title)
            .bind(&fields.description)
            .bind(fields.owner_id)
            .bind(fields.due_on)
            .bind(fields.priority.as_str())
            .bind(fields.status.as_str())
            .bind(&fields.wont_do_reason)
            .bind(&fields.tracker_url)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            let changes: Vec<(&str, String, String)> = field_values(&before.fields(), &before.owner_name)
                .into_iter()
                .zip(field_values(fields, &new_owner))
                .filter(|((_, old), (_, new))| old != new)
                .map(|((field, old), (_, new))| (field, old, new))
                .collect();
            if !changes.is_empty() {
                let sql = format!(
                    "insert into action_item_changes (action_item_id, field, before, after, changed_by, changed_at) values {}",
                    super::query::value_rows(changes.len(), 6)
                );
                let args: Vec<Arg> = changes
                    .into_iter()
                    .flat_map(|(field, old, new)| [Arg::Int(id), Arg::Text(field.to_string()), Arg::Text(old), Arg::Text(new), Arg::Int(by), Arg::Time(now)])
                    .collect();
                bind_args!(sqlx::query(&sql), &args).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })
    }

    /// An item's history, newest first (at most `limit`).
    pub async fn action_item_changes(&self, id: i64, limit: i64) -> Result<Vec<ItemChange>, StoreError> {
        let rows: Vec<(String, String, String, String, DateTime<Utc>)> = on_pool!(self, |pool| sqlx::query_as(
            "select c.field, c.before, c.after, u.display_name, c.changed_at from action_item_changes c join users u on u.id = c.changed_by \
             where c.action_item_id = $1 order by c.id desc limit $2"
        )
        .bind(id)
        .bind(limit)
        .fetch_all(pool)
        .await)?;
        Ok(rows
            .into_iter()
            .map(|(field, before, after, changed_by_name, changed_at)| ItemChange { field, before, after, changed_by_name, changed_at })
            .collect())
    }

    /// A page of action items matching `filter`, by deadline (soonest first), and how many match.
    pub async fn list_action_items(&self, filter: &ItemFilter, page: PageRequest) -> Result<Page<ActionItem>, StoreError> {
        let mut c = item_conditions(filter);
        let count_sql = format!("select count(*) from action_items a where {}", c.sql());
        let total: i64 = on_pool!(self, |pool| bind_args!(sqlx::query_scalar(&count_sql), &c.args).fetch_one(pool).await)?;
        let (pl, po) = (c.arg(Arg::Int(page.limit)), c.arg(Arg::Int(page.offset)));
        let sql = format!("{ITEM_SELECT} where {} order by a.due_on, a.id limit {pl} offset {po}", c.sql());
        let rows: Vec<SqlItem> = on_pool!(self, |pool| bind_args!(sqlx::query_as(&sql), &c.args).fetch_all(pool).await)?;
        Ok(Page { rows: rows.into_iter().map(SqlItem::into_item).collect(), total })
    }
}

fn item_conditions(filter: &ItemFilter) -> Conditions {
    let mut c = Conditions::new();
    if let Some(id) = filter.owner_id {
        let p = c.arg(Arg::Int(id));
        c.push(format!("a.owner_id = {p}"));
    }
    if !filter.statuses.is_empty() {
        let list: Vec<String> = filter.statuses.iter().map(|s| c.arg(Arg::Text(s.as_str().to_string()))).collect();
        c.push(format!("a.status in ({})", list.join(", ")));
    }
    if let Some(priority) = filter.priority {
        let p = c.arg(Arg::Text(priority.as_str().to_string()));
        c.push(format!("a.priority = {p}"));
    }
    if let Some(id) = filter.service_id {
        let p = c.arg(Arg::Int(id));
        c.push(format!("a.incident_id in (select x.incident_id from incident_services x where x.service_id = {p})"));
    }
    if let Some(id) = filter.incident_id {
        let p = c.arg(Arg::Int(id));
        c.push(format!("a.incident_id = {p}"));
    }
    if let Some(id) = filter.post_mortem_id {
        let p = c.arg(Arg::Int(id));
        c.push(format!("a.post_mortem_id = {p}"));
    }
    if let Some(today) = filter.overdue_on {
        let p = c.arg(Arg::Date(today));
        // Written as the partial index's condition, so it can be used.
        c.push(format!("a.status in ('open', 'in_progress') and a.due_on < {p}"));
    }
    c
}

/// An unfinished action item near or past its deadline, with what its owner has been told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderCandidate {
    pub id: i64,
    pub title: String,
    pub incident_id: i64,
    pub due_on: NaiveDate,
    pub owner_id: i64,
    /// The "due soon" reminder for this deadline was sent.
    pub due_soon_sent: bool,
}

/// An overdue item of a post-mortem, for its owner's daily digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestCandidate {
    pub post_mortem_owner_id: i64,
    pub id: i64,
    pub title: String,
    pub incident_id: i64,
    pub due_on: NaiveDate,
    pub owner_name: String,
    /// The post-mortem's owner had a digest dated the day before UTC's today.
    pub digest_day_before: bool,
}

/// A reminder to record once, with the deliveries that tell the owner.
#[derive(Debug, Clone)]
pub struct Reminder {
    pub action_item_id: i64,
    pub kind: crate::domain::action_item::ReminderKind,
    pub due_on: NaiveDate,
    pub deliveries: Vec<super::notifications::NewDelivery>,
}

/// A post-mortem owner's digest for a day, with its deliveries.
#[derive(Debug, Clone)]
pub struct Digest {
    pub owner_id: i64,
    pub on_date: NaiveDate,
    pub deliveries: Vec<super::notifications::NewDelivery>,
}

/// Rows per multi-row insert of reminders.
const REMINDERS_PER_INSERT: usize = 300;

impl Store {
    /// Unfinished items of active owners due on or before `latest_due` whose "overdue" reminder
    /// for their deadline is not sent yet, soonest first, at most `limit` after item `after`
    /// (by id, for batches).
    pub async fn reminder_candidates(&self, latest_due: NaiveDate, after: i64, limit: i64) -> Result<Vec<ReminderCandidate>, StoreError> {
        let rows: Vec<(i64, String, i64, NaiveDate, i64, bool)> = on_pool!(self, |pool| sqlx::query_as(
            "select a.id, a.title, a.incident_id, a.due_on, a.owner_id, \
             exists (select 1 from action_item_reminders r where r.action_item_id = a.id and r.kind = 'due_soon' and r.due_on = a.due_on) \
             from action_items a join users u on u.id = a.owner_id \
             where a.status in ('open', 'in_progress') and a.due_on <= $1 and a.id > $2 and u.active \
             and not exists (select 1 from action_item_reminders r where r.action_item_id = a.id and r.kind = 'overdue' and r.due_on = a.due_on) \
             order by a.id limit $3"
        )
        .bind(latest_due)
        .bind(after)
        .bind(limit)
        .fetch_all(pool)
        .await)?;
        Ok(rows
            .into_iter()
            .map(|(id, title, incident_id, due_on, owner_id, due_soon_sent)| ReminderCandidate { id, title, incident_id, due_on, owner_id, due_soon_sent })
            .collect())
    }

    /// Unfinished items of post-mortems due before `due_before`, by the post-mortem's owner (at
    /// most `limit`), leaving out owners with a digest dated `today_utc` or later. Each row says
    /// whether its post-mortem owner had a digest dated the day before `today_utc` (which is
    /// "today" where the day has not turned yet).
    pub async fn digest_candidates(&self, due_before: NaiveDate, today_utc: NaiveDate, limit: i64) -> Result<Vec<DigestCandidate>, StoreError> {
        let rows: Vec<(i64, i64, String, i64, NaiveDate, String, bool)> = on_pool!(self, |pool| sqlx::query_as(
            "select p.owner_id, a.id, a.title, a.incident_id, a.due_on, u.display_name, \
             exists (select 1 from overdue_digests d where d.owner_id = p.owner_id and d.on_date = $3) \
             from action_items a join post_mortems p on p.id = a.post_mortem_id join users u on u.id = a.owner_id \
             join users o on o.id = p.owner_id \
             where a.status in ('open', 'in_progress') and a.due_on < $1 and o.active \
             and not exists (select 1 from overdue_digests d where d.owner_id = p.owner_id and d.on_date >= $2) \
             order by p.owner_id, a.due_on, a.id limit $4"
        )
        .bind(due_before)
        .bind(today_utc)
        .bind(today_utc.pred_opt().unwrap_or(today_utc))
        .bind(limit)
        .fetch_all(pool)
        .await)?;
        Ok(rows
            .into_iter()
            .map(|(post_mortem_owner_id, id, title, incident_id, due_on, owner_name, digest_day_before)| DigestCandidate {
                post_mortem_owner_id,
                id,
                title,
                incident_id,
                due_on,
                owner_name,
                digest_day_before,
            })
            .collect())
    }

    /// Records reminders and digests and queues their deliveries, except those recorded
    /// already (by another instance, or before a restart); returns how many were new.
    pub async fn queue_reminders(&self, reminders: &[Reminder], digests: &[Digest], now: DateTime<Utc>) -> Result<usize, StoreError> {
        if reminders.is_empty() && digests.is_empty() {
            return Ok(0);
        }
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let mut deliveries = Vec::new();
            let mut fresh = 0;
            for chunk in reminders.chunks(REMINDERS_PER_INSERT) {
                let sql = format!(
                    "insert into action_item_reminders (action_item_id, kind, due_on, sent_at) values {} \
                     on conflict do nothing returning action_item_id, kind",
                    super::query::value_rows(chunk.len(), 4)
                );
                let args: Vec<Arg> = chunk
                    .iter()
                    .flat_map(|r| [Arg::Int(r.action_item_id), Arg::Text(r.kind.as_str().to_string()), Arg::Date(r.due_on), Arg::Time(now)])
                    .collect();
                let inserted: Vec<(i64, String)> = bind_args!(sqlx::query_as(&sql), &args).fetch_all(&mut *tx).await?;
                fresh += inserted.len();
                deliveries.extend(
                    chunk
                        .iter()
                        .filter(|r| inserted.iter().any(|(id, kind)| *id == r.action_item_id && kind == r.kind.as_str()))
                        .flat_map(|r| r.deliveries.iter().cloned()),
                );
            }
            for chunk in digests.chunks(REMINDERS_PER_INSERT) {
                let sql = format!(
                    "insert into overdue_digests (owner_id, on_date, sent_at) values {} on conflict do nothing returning owner_id",
                    super::query::value_rows(chunk.len(), 3)
                );
                let args: Vec<Arg> = chunk.iter().flat_map(|d| [Arg::Int(d.owner_id), Arg::Date(d.on_date), Arg::Time(now)]).collect();
                let inserted: Vec<i64> = bind_args!(sqlx::query_scalar(&sql), &args).fetch_all(&mut *tx).await?;
                fresh += inserted.len();
                deliveries.extend(chunk.iter().filter(|d| inserted.contains(&d.owner_id)).flat_map(|d| d.deliveries.iter().cloned()));
            }
            for chunk in deliveries.chunks(super::notifications::DELIVERIES_PER_INSERT) {
                let (sql, args) = super::notifications::insert_deliveries(chunk, None, now);
                bind_args!(sqlx::query(&sql), &args).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<_, StoreError>(fresh)
        })
    }
}
