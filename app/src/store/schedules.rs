//! On-call schedules: schedules, their rotation layers and participants, overrides, the secret
//! calendar feed tokens, and the record of hand-off notices already queued.
//!
//! Edits of a schedule or its layers are guarded by the schedule's revision. Everything about a
//! set of schedules loads in a fixed number of queries (`schedule_plans`), never one per
//! schedule.

use super::{Page, PageRequest};
use super::BeginWrite;
use super::query::{bind_args, ids_in, Arg};
use super::{on_pool, Store, StoreError};
use crate::domain::schedule::{Layer, Override, OverrideKind, Restriction, Schedule, ScheduleLayer, ScheduleOverride, ShiftLength};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

/// The fields of a schedule that people edit.
#[derive(Debug, Clone)]
pub struct ScheduleFields {
    pub name: String,
    pub description: String,
    pub time_zone: String,
    pub handoff_notice_minutes: i64,
}

/// A layer as people edit it.
#[derive(Debug, Clone)]
pub struct LayerFields {
    pub name: String,
    pub layer: Layer,
}

/// Who a calendar feed belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedOwner {
    Schedule(i64),
    User(i64),
}

/// A schedule with its layers and the overrides that touch a range: what the arithmetic needs.
#[derive(Debug, Clone)]
pub struct SchedulePlan {
    pub schedule: Schedule,
    pub layers: Vec<ScheduleLayer>,
    pub overrides: Vec<ScheduleOverride>,
}

const SCHEDULE_COLUMNS: &str = "id, name, description, time_zone, handoff_notice_minutes, revision";

#[derive(sqlx::FromRow)]
struct SqlSchedule {
    id: i64,
    name: String,
    description: String,
    time_zone: String,
    handoff_notice_minutes: i64,
    revision: i64,
}

impl SqlSchedule {
    fn into_schedule(self) -> Schedule {
        Schedule {
            id: self.id,
            name: self.name,
            description: self.description,
            time_zone: self.time_zone,
            handoff_notice_minutes: self.handoff_notice_minutes,
            revision: self.revision,
        }
    }
}

#[derive(sqlx::FromRow)]
struct SqlLayer {
    id: i64,
    schedule_id: i64,
    position: i64,
    name: String,
    shift_unit: String,
    shift_count: i64,
    handoff_time: String,
    start_date: String,
    restrictions: String,
}

impl SqlLayer {
    /// The layer, with `participants` (in turn order) from the participants table.
    fn into_layer(self, participants: Vec<i64>) -> ScheduleLayer {
        let count = self.shift_count.clamp(1, 1000) as u32;
        let shift = match self.shift_unit.as_str() {
            "hours" => ShiftLength::Hours(count),
            "days" => ShiftLength::Days(count),
            _ => ShiftLength::Weeks(count),
        };
        // The store writes these columns itself; a row it cannot read is a bug, shown as midnight.
        let restrictions: Vec<Restriction> = serde_json::from_str(&self.restrictions).unwrap_or_default();
        ScheduleLayer {
            id: self.id,
            schedule_id: self.schedule_id,
            position: self.position,
            name: self.name,
            layer: Layer {
                participants,
                shift,
                handoff: NaiveTime::parse_from_str(&self.handoff_time, "%H:%M").unwrap_or_default(),
                start_date: NaiveDate::parse_from_str(&self.start_date, "%Y-%m-%d").unwrap_or_default(),
                restrictions,
            },
        }
    }
}

#[derive(sqlx::FromRow)]
struct SqlOverride {
    id: i64,
    schedule_id: i64,
    user_id: i64,
    kind: String,
    covering_for: Option<i64>,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    created_by: i64,
}

impl SqlOverride {
    fn into_override(self) -> ScheduleOverride {
        let kind = match self.kind.as_str() {
            "add" => OverrideKind::Add,
            _ => OverrideKind::Cover { covering_for: self.covering_for },
        };
        ScheduleOverride {
            id: self.id,
            schedule_id: self.schedule_id,
            rule: Override { user_id: self.user_id, start: self.starts_at, end: self.ends_at, kind },
            created_by: self.created_by,
        }
    }
}

const OVERRIDE_COLUMNS: &str = "id, schedule_id, user_id, kind, covering_for, starts_at, ends_at, created_by";

/// The row values of a layer's rule, in column order: shift unit, shift count, hand-off time,
/// start date, restrictions.
fn layer_args(layer: &Layer) -> Vec<Arg> {
    vec![
        Arg::Text(layer.shift.unit().to_string()),
        Arg::Int(layer.shift.count() as i64),
        Arg::Text(layer.handoff.format("%H:%M").to_string()),
        Arg::Text(layer.start_date.format("%Y-%m-%d").to_string()),
        Arg::Text(serde_json::to_string(&layer.restrictions).unwrap_or_else(|_| "[]".to_string())),
    ]
}

/// `insert into schedule_layer_participants …` for one layer's people, in turn order.
fn participants_insert(layer_id: i64, participants: &[i64]) -> (String, Vec<Arg>) {
    let values: Vec<String> = (0..participants.len()).map(|n| format!("($1, {n}, ${})", n + 2)).collect();
    let sql = format!("insert into schedule_layer_participants (layer_id, position, user_id) values {}", values.join(", "));
    let args = std::iter::once(layer_id).chain(participants.iter().copied()).map(Arg::Int).collect();
    (sql, args)
}

/// Bumps a schedule's revision if it is still `expected`; `Stale` (or `NotFound`) otherwise.
macro_rules! bump_schedule {
    ($tx:expr, $schedule_id:expr, $expected:expr, $now:expr) => {{
        let touched = sqlx::query(
            "update schedules set revision = revision + 1, updated_at = $1 where id = $2 and revision = $3 and deleted_at is null",
        )
            .bind($now)
            .bind($schedule_id)
            .bind($expected)
            .execute(&mut *$tx)
            .await?
            .rows_affected();
        if touched == 0 {
            let exists: Option<i64> =
                sqlx::query_scalar("select id from schedules where id = $1 and deleted_at is null").bind($schedule_id).fetch_optional(&mut *$tx).await?;
            return Err(if exists.is_some() { StoreError::Stale } else { StoreError::NotFound });
        }
    }};
}

impl Store {
    pub async fn create_schedule(&self, fields: &ScheduleFields, now: DateTime<Utc>) -> Result<i64, StoreError> {
        Ok(on_pool!(self, |pool| sqlx::query_scalar(
            "insert into schedules (name, description, time_zone, handoff_notice_minutes, created_at, updated_at) \
             values ($1, $2, $3, $4, $5, $5) returning id"
        )
        .bind(&fields.name)
        .bind(&fields.description)
        .bind(&fields.time_zone)
        .bind(fields.handoff_notice_minutes)
        .bind(now)
        .fetch_one(pool)
        .await)?)
    }

    /// Changes a schedule's fields if nobody changed it since `expected_revision`.
    pub async fn update_schedule(
        &self,
        id: i64,
        fields: &ScheduleFields,
        expected_revision: i64,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            bump_schedule!(tx, id, expected_revision, now);
            sqlx::query("update schedules set name = $1, description = $2, time_zone = $3, handoff_notice_minutes = $4 where id = $5")
                .bind(&fields.name)
                .bind(&fields.description)
                .bind(&fields.time_zone)
                .bind(fields.handoff_notice_minutes)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })
    }

    /// Deletes a schedule, if nobody changed it since `expected_revision` and no escalation
    /// policy pages it (`ForeignKey` then). It is kept, out of sight, until `purge_deleted`
    /// removes it with its layers, overrides and feed; `Store::restore` brings it back.
    pub async fn delete_schedule(&self, id: i64, expected_revision: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            bump_schedule!(tx, id, expected_revision, now);
            let paged_by: Option<i64> = sqlx::query_scalar(
                "select t.policy_id from escalation_targets t join escalation_policies p on p.id = t.policy_id \
                 where t.schedule_id = $1 and p.deleted_at is null limit 1",
            )
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            if paged_by.is_some() {
                return Err(StoreError::ForeignKey("escalation_targets".into()));
            }
            sqlx::query("update schedules set deleted_at = $1 where id = $2").bind(now).bind(id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })
    }

    pub async fn schedule(&self, id: i64) -> Result<Option<Schedule>, StoreError> {
        let sql = format!("select {SCHEDULE_COLUMNS} from schedules where id = $1 and deleted_at is null");
        let row: Option<SqlSchedule> = on_pool!(self, |pool| sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)?;
        Ok(row.map(SqlSchedule::into_schedule))
    }

    /// Schedules by id, in id order.
    pub async fn schedules_by_ids(&self, ids: &[i64]) -> Result<Vec<Schedule>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let (list, args) = ids_in(ids);
        let sql = format!("select {SCHEDULE_COLUMNS} from schedules where id in ({list}) and deleted_at is null order by id");
        let rows: Vec<SqlSchedule> = on_pool!(self, |pool| bind_args!(sqlx::query_as(&sql), &args).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(SqlSchedule::into_schedule).collect())
    }

    /// Schedules that tell people of their hand-offs, by id after `after_id` (`limit` at a time).
    pub async fn schedules_with_handoff_notices(&self, after_id: i64, limit: i64) -> Result<Vec<Schedule>, StoreError> {
        let sql = format!("select {SCHEDULE_COLUMNS} from schedules where handoff_notice_minutes > 0 and id > $1 and deleted_at is null order by id limit $2"
        );
        let rows: Vec<SqlSchedule> = on_pool!(self, |pool| sqlx::query_as(&sql).bind(after_id).bind(limit).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(SqlSchedule::into_schedule).collect())
    }

    /// Schedules by name, one `page` at a time, with how many there are.
    pub async fn schedules_page(&self, page: PageRequest) -> Result<Page<Schedule>, StoreError> {
        let sql = format!("select {SCHEDULE_COLUMNS} from schedules where deleted_at is null order by lower(name), id limit $1 offset $2");
        let (rows, total): (Vec<SqlSchedule>, i64) = on_pool!(self, |pool| {
            let rows = sqlx::query_as(&sql).bind(page.limit).bind(page.offset).fetch_all(pool).await?;
            let total = sqlx::query_scalar("select count(*) from schedules where deleted_at is null").fetch_one(pool).await?;
            Ok::<_, sqlx::Error>((rows, total))
        })?;
        Ok(Page { rows: rows.into_iter().map(SqlSchedule::into_schedule).collect(), total })
    }

    /// The schedules in which `user_id` takes part (in a layer), by name.
    pub async fn schedules_of_user(&self, user_id: i64, limit: i64) -> Result<Vec<Schedule>, StoreError> {
        let sql = format!(
            "select {SCHEDULE_COLUMNS} from schedules where deleted_at is null and (id in (select l.schedule_id from schedule_layers l \
             join schedule_layer_participants p on p.layer_id = l.id where p.user_id = $1) \
             or id in (select schedule_id from schedule_overrides where user_id = $1)) order by lower(name), id limit $2"
        );
        let rows: Vec<SqlSchedule> = on_pool!(self, |pool| sqlx::query_as(&sql).bind(user_id).bind(limit).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(SqlSchedule::into_schedule).collect())
    }

    /// `schedules` with their layers and the overrides that overlap `from`–`to`, in three
    /// queries whatever their number.
    pub async fn schedule_plans(
        &self,
        schedules: Vec<Schedule>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<SchedulePlan>, StoreError> {
        if schedules.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = schedules.iter().map(|s| s.id).collect();
        let (list, args) = ids_in(&ids);
        let layers_sql = format!(
            "select id, schedule_id, position, name, shift_unit, shift_count, handoff_time, start_date, restrictions \
             from schedule_layers where schedule_id in ({list}) order by schedule_id, position"
        );
        let participants_sql = format!(
            "select p.layer_id, p.user_id from schedule_layer_participants p join schedule_layers l on l.id = p.layer_id \
             where l.schedule_id in ({list}) order by p.layer_id, p.position"
        );
        let n = ids.len();
        let overrides_sql = format!(
            "select {OVERRIDE_COLUMNS} from schedule_overrides where schedule_id in ({list}) and ends_at > ${} and starts_at < ${} \
             order by schedule_id, id",
            n + 1,
            n + 2
        );
        let mut override_args = args.clone();
        override_args.push(Arg::Time(from));
        override_args.push(Arg::Time(to));
        let (layers, participants, overrides): (Vec<SqlLayer>, Vec<(i64, i64)>, Vec<SqlOverride>) = on_pool!(self, |pool| {
            let layers = bind_args!(sqlx::query_as(&layers_sql), &args).fetch_all(pool).await?;
            let participants = bind_args!(sqlx::query_as(&participants_sql), &args).fetch_all(pool).await?;
            let overrides = bind_args!(sqlx::query_as(&overrides_sql), &override_args).fetch_all(pool).await?;
            Ok::<_, sqlx::Error>((layers, participants, overrides))
        })?;
        let mut layers: Vec<ScheduleLayer> = layers
            .into_iter()
            .map(|row| {
                let people = participants.iter().filter(|(layer, _)| *layer == row.id).map(|(_, user)| *user).collect();
                row.into_layer(people)
            })
            .collect();
        let mut overrides: Vec<ScheduleOverride> = overrides.into_iter().map(SqlOverride::into_override).collect();
        Ok(schedules
            .into_iter()
            .map(|schedule| {
                let (mine, rest): (Vec<_>, Vec<_>) = layers.drain(..).partition(|l| l.schedule_id == schedule.id);
                layers = rest;
                let (own_overrides, rest): (Vec<_>, Vec<_>) = overrides.drain(..).partition(|o| o.schedule_id == schedule.id);
                overrides = rest;
                SchedulePlan { schedule, layers: mine, overrides: own_overrides }
            })
            .collect())
    }

    /// Adds a layer on top of a schedule's others.
    pub async fn add_layer(
        &self,
        schedule_id: i64,
        fields: &LayerFields,
        expected_revision: i64,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let mut args = vec![Arg::Int(schedule_id), Arg::Text(fields.name.clone()), Arg::Time(now)];
        args.extend(layer_args(&fields.layer));
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            bump_schedule!(tx, schedule_id, expected_revision, now);
            let id: i64 = bind_args!(
                sqlx::query_scalar(
                    "insert into schedule_layers (schedule_id, position, name, created_at, updated_at, shift_unit, shift_count, \
                     handoff_time, start_date, restrictions) values ($1, \
                     (select coalesce(max(position), 0) + 1 from schedule_layers where schedule_id = $1), $2, $3, $3, $4, $5, $6, $7, $8) \
                     returning id"
                ),
                &args
            )
            .fetch_one(&mut *tx)
            .await?;
            let (sql, participant_args) = participants_insert(id, &fields.layer.participants);
            bind_args!(sqlx::query(&sql), &participant_args).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<_, StoreError>(id)
        })
    }

    /// Replaces a layer's name, rule and people.
    pub async fn update_layer(
        &self,
        schedule_id: i64,
        layer_id: i64,
        fields: &LayerFields,
        expected_revision: i64,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut args = vec![Arg::Text(fields.name.clone()), Arg::Time(now)];
        args.extend(layer_args(&fields.layer));
        args.push(Arg::Int(layer_id));
        args.push(Arg::Int(schedule_id));
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            bump_schedule!(tx, schedule_id, expected_revision, now);
            let touched = bind_args!(
                sqlx::query(
                    "update schedule_layers set name = $1, updated_at = $2, shift_unit = $3, shift_count = $4, handoff_time = $5, \
                     start_date = $6, restrictions = $7 where id = $8 and schedule_id = $9"
                ),
                &args
            )
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if touched == 0 {
                return Err(StoreError::NotFound);
            }
            sqlx::query("delete from schedule_layer_participants where layer_id = $1").bind(layer_id).execute(&mut *tx).await?;
            let (sql, participant_args) = participants_insert(layer_id, &fields.layer.participants);
            bind_args!(sqlx::query(&sql), &participant_args).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })
    }

    pub async fn remove_layer(&self, schedule_id: i64, layer_id: i64, expected_revision: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            bump_schedule!(tx, schedule_id, expected_revision, now);
            let touched = sqlx::query("delete from schedule_layers where id = $1 and schedule_id = $2")
                .bind(layer_id)
                .bind(schedule_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if touched == 0 {
                return Err(StoreError::NotFound);
            }
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })
    }

    pub async fn add_override(&self, schedule_id: i64, rule: &Override, created_by: i64, now: DateTime<Utc>) -> Result<i64, StoreError> {
        let (kind, covering_for) = match rule.kind {
            OverrideKind::Add => ("add", None),
            OverrideKind::Cover { covering_for } => ("cover", covering_for),
        };
        Ok(on_pool!(self, |pool| sqlx::query_scalar(
            "insert into schedule_overrides (schedule_id, user_id, kind, covering_for, starts_at, ends_at, created_by, created_at) \
             values ($1, $2, $3, $4, $5, $6, $7, $8) returning id"
        )
        .bind(schedule_id)
        .bind(rule.user_id)
        .bind(kind)
        .bind(covering_for)
        .bind(rule.start)
        .bind(rule.end)
        .bind(created_by)
        .bind(now)
        .fetch_one(pool)
        .await)?)
    }

    /// A schedule's overrides that have not ended by `now`, soonest first, `limit` from
    /// `offset`, with how many there are.
    pub async fn current_overrides(
        &self,
        schedule_id: i64,
        now: DateTime<Utc>,
        page: PageRequest,
    ) -> Result<Page<ScheduleOverride>, StoreError> {
        let sql = format!(
            "select {OVERRIDE_COLUMNS} from schedule_overrides where schedule_id = $1 and ends_at > $2 \
             order by starts_at, id limit $3 offset $4"
        );
        let (rows, total): (Vec<SqlOverride>, i64) = on_pool!(self, |pool| {
            let rows = sqlx::query_as(&sql).bind(schedule_id).bind(now).bind(page.limit).bind(page.offset).fetch_all(pool).await?;
            let total = sqlx::query_scalar("select count(*) from schedule_overrides where schedule_id = $1 and ends_at > $2")
                .bind(schedule_id)
                .bind(now)
                .fetch_one(pool)
                .await?;
            Ok::<_, sqlx::Error>((rows, total))
        })?;
        Ok(Page { rows: rows.into_iter().map(SqlOverride::into_override).collect(), total })
    }

    pub async fn remove_override(&self, schedule_id: i64, override_id: i64) -> Result<(), StoreError> {
        let touched = on_pool!(self, |pool| sqlx::query("delete from schedule_overrides where id = $1 and schedule_id = $2")
            .bind(override_id)
            .bind(schedule_id)
            .execute(pool)
            .await
            .map(|done| done.rows_affected()))?;
        if touched == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    /// Gives `owner` a new calendar feed token (only its hash is kept); the old address stops
    /// working.
    pub async fn set_calendar_feed(&self, owner: FeedOwner, token_hash: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        let (schedule_id, user_id) = match owner {
            FeedOwner::Schedule(id) => (Some(id), None),
            FeedOwner::User(id) => (None, Some(id)),
        };
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query("delete from calendar_feeds where schedule_id = $1 or user_id = $2")
                .bind(schedule_id)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("insert into calendar_feeds (schedule_id, user_id, token_hash, created_at) values ($1, $2, $3, $4)")
                .bind(schedule_id)
                .bind(user_id)
                .bind(token_hash)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })
    }

    /// Whose feed a token hash opens, if any.
    pub async fn calendar_feed_owner(&self, token_hash: &str) -> Result<Option<FeedOwner>, StoreError> {
        let row: Option<(Option<i64>, Option<i64>)> = on_pool!(self, |pool| sqlx::query_as(
            "select schedule_id, user_id from calendar_feeds where token_hash = $1"
        )
        .bind(token_hash)
        .fetch_optional(pool)
        .await)?;
        Ok(row.and_then(|(schedule_id, user_id)| match (schedule_id, user_id) {
            (Some(id), _) => Some(FeedOwner::Schedule(id)),
            (_, Some(id)) => Some(FeedOwner::User(id)),
            _ => None,
        }))
    }

    /// Whether `owner` has a calendar feed address yet.
    pub async fn has_calendar_feed(&self, owner: FeedOwner) -> Result<bool, StoreError> {
        let (column, id) = match owner {
            FeedOwner::Schedule(id) => ("schedule_id", id),
            FeedOwner::User(id) => ("user_id", id),
        };
        let sql = format!("select count(*) from calendar_feeds where {column} = $1");
        let count: i64 = on_pool!(self, |pool| sqlx::query_scalar(&sql).bind(id).fetch_one(pool).await)?;
        Ok(count > 0)
    }
}
