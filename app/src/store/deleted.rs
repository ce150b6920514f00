//! What is deleted softly: schedules and escalation policies are kept, out of sight, with their
//! `deleted_at` set, so admins can restore them; `purge_deleted` removes them for good later.

use super::{on_pool, BeginWrite, Store, StoreError};
use chrono::{DateTime, Utc};

/// A kind of record that is deleted softly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SoftDeleted {
    Schedule,
    Policy,
}

impl SoftDeleted {
    fn table(self) -> &'static str {
        match self {
            SoftDeleted::Schedule => "schedules",
            SoftDeleted::Policy => "escalation_policies",
        }
    }
}

impl Store {
    /// Records of `kind` deleted since `since`, the latest first (at most `limit`): (id, name,
    /// when).
    pub async fn deleted(&self, kind: SoftDeleted, since: DateTime<Utc>, limit: i64) -> Result<Vec<(i64, String, DateTime<Utc>)>, StoreError> {
        let sql = format!(
            "select id, name, deleted_at from {} where deleted_at >= $1 order by deleted_at desc, id desc limit $2",
            kind.table()
        );
        Ok(on_pool!(self, |pool| sqlx::query_as(&sql).bind(since).bind(limit).fetch_all(pool).await)?)
    }

    /// Brings back a record of `kind` deleted since `since` (`NotFound` otherwise; `Unique`
    /// when another of that name was made meanwhile).
    pub async fn restore(&self, kind: SoftDeleted, id: i64, since: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), StoreError> {
        let _shared = self.shared_write();
        let sql = format!(
            "update {} set deleted_at = null, revision = revision + 1, updated_at = $1 where id = $2 and deleted_at >= $3",
            kind.table()
        );
        let touched = on_pool!(self, |pool| sqlx::query(&sql).bind(now).bind(id).bind(since).execute(pool).await.map(|done| done.rows_affected()))?;
        if touched == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    /// Removes for good the schedules and escalation policies deleted before `cutoff` (policies
    /// first; a schedule a kept policy still names stays). Returns how many went.
    pub async fn purge_deleted(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError> {
        // No shared write: deleted rows were already shown nowhere, so nothing kept changes.
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let policies = sqlx::query("delete from escalation_policies where deleted_at < $1").bind(cutoff).execute(&mut *tx).await?.rows_affected();
            let schedules = sqlx::query(
                "delete from schedules where deleted_at < $1 and not exists (select 1 from escalation_targets t where t.schedule_id = schedules.id)",
            )
            .bind(cutoff)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            tx.commit().await?;
            Ok::<_, StoreError>(policies + schedules)
        })
    }
}
