//! People's contact methods: how each is reached when paged or told of a hand-off.

use super::{on_pool, Store, StoreError};
use crate::domain::contact::{ContactKind, ContactMethod};
use chrono::{DateTime, Utc};

#[derive(sqlx::FromRow)]
pub(super) struct SqlContactMethod {
    pub(super) id: i64,
    pub(super) user_id: i64,
    pub(super) kind: String,
    pub(super) label: String,
    pub(super) target: String,
}

impl SqlContactMethod {
    pub(super) fn into_contact_method(self) -> ContactMethod {
        ContactMethod {
            id: self.id,
            user_id: self.user_id,
            // A check constraint admits only known kinds.
            kind: self.kind.parse().unwrap_or(ContactKind::Email),
            label: self.label,
            target: self.target,
        }
    }
}

const CONTACT_COLUMNS: &str = "id, user_id, kind, label, target";

impl Store {
    /// A person's contact methods, oldest first (at most `limit`).
    pub async fn contact_methods(&self, user_id: i64, limit: i64) -> Result<Vec<ContactMethod>, StoreError> {
        let sql = format!("select {CONTACT_COLUMNS} from contact_methods where user_id = $1 order by id limit $2");
        let rows: Vec<SqlContactMethod> = on_pool!(self, |pool| sqlx::query_as(&sql).bind(user_id).bind(limit).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(SqlContactMethod::into_contact_method).collect())
    }

    pub async fn contact_method(&self, id: i64) -> Result<Option<ContactMethod>, StoreError> {
        let sql = format!("select {CONTACT_COLUMNS} from contact_methods where id = $1");
        let row: Option<SqlContactMethod> = on_pool!(self, |pool| sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)?;
        Ok(row.map(SqlContactMethod::into_contact_method))
    }

    /// Adds a contact method unless the person already has `max` of them (`Stale` then).
    pub async fn add_contact_method(
        &self,
        user_id: i64,
        kind: ContactKind,
        label: &str,
        target: &str,
        max: i64,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let id: Option<i64> = on_pool!(self, |pool| sqlx::query_scalar(
            "insert into contact_methods (user_id, kind, label, target, created_at, updated_at) \
             select $1, $2, $3, $4, $5, $5 where (select count(*) from contact_methods where user_id = $1) < $6 returning id"
        )
        .bind(user_id)
        .bind(kind.as_str())
        .bind(label)
        .bind(target)
        .bind(now)
        .bind(max)
        .fetch_optional(pool)
        .await)?;
        id.ok_or(StoreError::Stale)
    }

    /// Removes one of `user_id`'s contact methods (`NotFound` for anyone else's).
    pub async fn remove_contact_method(&self, user_id: i64, id: i64) -> Result<(), StoreError> {
        let removed = on_pool!(self, |pool| sqlx::query("delete from contact_methods where id = $1 and user_id = $2")
            .bind(id)
            .bind(user_id)
            .execute(pool)
            .await
            .map(|done| done.rows_affected()))?;
        if removed == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }
}
