//! Failed sign-in counters (see `domain::throttle` for the rules).

use super::{on_pool, Store, StoreError};
use crate::domain::throttle::{FailureCount, ThrottlePolicy};
use chrono::{DateTime, TimeZone, Utc};

#[derive(sqlx::FromRow)]
struct SqlFailureCount {
    key: String,
    failures: i64,
    window_started_at_unix: i64,
    locked_until_unix: Option<i64>,
}

impl SqlFailureCount {
    fn into_count(self) -> FailureCount {
        FailureCount {
            failures: self.failures,
            window_started_at: unix(self.window_started_at_unix),
            locked_until: self.locked_until_unix.map(unix),
        }
    }
}

fn unix(seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(seconds, 0).single().unwrap_or_default()
}

impl Store {
    /// The counters stored under these keys (missing keys are simply absent), in one query.
    pub async fn failure_counts(&self, keys: [&str; 2]) -> Result<Vec<(String, FailureCount)>, StoreError> {
        let rows: Vec<SqlFailureCount> = on_pool!(self, |pool| sqlx::query_as(
            "select key, failures, window_started_at_unix, locked_until_unix from login_attempts where key in ($1, $2)"
        )
        .bind(keys[0])
        .bind(keys[1])
        .fetch_all(pool)
        .await)?;
        Ok(rows.into_iter().map(|row| (row.key.clone(), row.into_count())).collect())
    }

    /// Adds one attempt to the counter under `key` following `policy` (the same rule as
    /// `ThrottlePolicy::record_failure`), and returns the new count. Sign-in counts an attempt
    /// before it checks the password: one atomic upsert, so concurrent attempts each see their
    /// own number and a burst can't slip past the limit.
    pub async fn count_attempt(
        &self,
        key: &str,
        policy: &ThrottlePolicy,
        now: DateTime<Utc>,
    ) -> Result<FailureCount, StoreError> {
        // A counter starts again when its window is over (and it holds no lock), or its lock has
        // expired: a lock runs its course whatever the window.
        const RESTART: &str = "((login_attempts.locked_until_unix is null and login_attempts.window_started_at_unix <= $4) \
                               or login_attempts.locked_until_unix <= $2)";
        let sql = format!(
            "insert into login_attempts (key, failures, window_started_at_unix, locked_until_unix, created_at, updated_at) \
             values ($1, 1, $2, null, $3, $3) \
             on conflict (key) do update set \
               failures = case when {RESTART} then 1 else login_attempts.failures + 1 end, \
               window_started_at_unix = case when {RESTART} then $2 else login_attempts.window_started_at_unix end, \
               locked_until_unix = case when {RESTART} then null else login_attempts.locked_until_unix end, \
               updated_at = $3 \
             returning key, failures, window_started_at_unix, locked_until_unix"
        );
        let row: SqlFailureCount = on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(key)
            .bind(now.timestamp())
            .bind(now)
            .bind((now - policy.window).timestamp())
            .fetch_one(pool)
            .await)?;
        let mut count = row.into_count();
        if count.failures >= policy.lock_after && count.locked_until.is_none() {
            let until = now + policy.lock_for;
            on_pool!(self, |pool| sqlx::query(
                "update login_attempts set locked_until_unix = $1 where key = $2 and locked_until_unix is null"
            )
            .bind(until.timestamp())
            .bind(key)
            .execute(pool)
            .await
            .map(|done| done.rows_affected()))?;
            count.locked_until = Some(until);
        }
        Ok(count)
    }

    /// Takes back one attempt counted under `key` (a sign-in from a client that succeeded).
    pub async fn forgive_attempt(&self, key: &str) -> Result<(), StoreError> {
        on_pool!(self, |pool| sqlx::query(
            "update login_attempts set failures = case when failures > 0 then failures - 1 else 0 end where key = $1"
        )
        .bind(key)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
        Ok(())
    }

    /// Forgets the failures under `key` (after a successful sign-in).
    pub async fn clear_failures(&self, key: &str) -> Result<(), StoreError> {
        on_pool!(self, |pool| sqlx::query("delete from login_attempts where key = $1").bind(key).execute(pool).await.map(|done| done.rows_affected()))?;
        Ok(())
    }

    /// Deletes counters whose window started before `cutoff` and that hold no lock past `now`.
    pub async fn purge_failure_counts(&self, cutoff: DateTime<Utc>, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let done = on_pool!(self, |pool| sqlx::query(
            "delete from login_attempts where window_started_at_unix < $1 \
             and (locked_until_unix is null or locked_until_unix < $2)"
        )
        .bind(cutoff.timestamp())
        .bind(now.timestamp())
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
        Ok(done)
    }
}
