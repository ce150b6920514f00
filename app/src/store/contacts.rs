//! People's contact methods: how each is reached when paged or told of a hand-off.

use super::{on_pool, Store, StoreError};
use crate::domain::catalog::Person;
use crate::domain::contact::{ContactKind, ContactMethod, NotificationRule};
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
        let _shared = self.shared_write();
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
        let _shared = self.shared_write();
        self.delete_own("contact_methods", user_id, id).await
    }

    /// Deletes row `id` of `table` if it is `user_id`'s (`NotFound` otherwise).
    async fn delete_own(&self, table: &'static str, user_id: i64, id: i64) -> Result<(), StoreError> {
        let sql = format!("delete from {table} where id = $1 and user_id = $2");
        let removed = on_pool!(self, |pool| sqlx::query(&sql)
            .bind(id)
            .bind(user_id)
            .execute(pool)
            .await
            .map(|done| done.rows_affected()))?;
        if removed == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    /// A person's notification rules, the soonest first (at most `limit`).
    pub async fn notification_rules(&self, user_id: i64, limit: i64) -> Result<Vec<NotificationRule>, StoreError> {
        let rows: Vec<(i64, i64, i64)> = on_pool!(self, |pool| sqlx::query_as(
            "select id, contact_method_id, delay_minutes from notification_rules where user_id = $1 \
             order by delay_minutes, contact_method_id, id limit $2"
        )
        .bind(user_id)
        .bind(limit)
        .fetch_all(pool)
        .await)?;
        Ok(rows.into_iter().map(|(id, contact_method_id, delay_minutes)| NotificationRule { id, contact_method_id, delay_minutes }).collect())
    }

    /// Adds a rule for one of `user_id`'s own contact methods, unless they have `max` rules
    /// already (`Stale`); `NotFound` when the method isn't theirs, `Unique` when the same rule
    /// exists.
    pub async fn add_notification_rule(
        &self,
        user_id: i64,
        contact_method_id: i64,
        delay_minutes: i64,
        max: i64,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let (owned, id): (bool, Option<i64>) = on_pool!(self, |pool| async {
            let mut tx = super::BeginWrite::begin_write(pool).await?;
            let owned: Option<i64> = sqlx::query_scalar("select id from contact_methods where id = $1 and user_id = $2")
                .bind(contact_method_id)
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?;
            if owned.is_none() {
                return Ok::<_, StoreError>((false, None));
            }
            let id: Option<i64> = sqlx::query_scalar(
                "insert into notification_rules (user_id, contact_method_id, delay_minutes, created_at) \
                 select $1, $2, $3, $4 where (select count(*) from notification_rules where user_id = $1) < $5 returning id",
            )
            .bind(user_id)
            .bind(contact_method_id)
            .bind(delay_minutes)
            .bind(now)
            .bind(max)
            .fetch_optional(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok((true, id))
        }
        .await)?;
        match (owned, id) {
            (false, _) => Err(StoreError::NotFound),
            (true, None) => Err(StoreError::Stale),
            (true, Some(id)) => Ok(id),
        }
    }

    /// Removes one of `user_id`'s rules (`NotFound` for anyone else's).
    pub async fn remove_notification_rule(&self, user_id: i64, id: i64) -> Result<(), StoreError> {
        self.delete_own("notification_rules", user_id, id).await
    }

    /// Active people with no contact method, whom no page or hand-off notice reaches: at most
    /// `limit` of them by name, and how many there are in all.
    pub async fn unreachable_people(&self, limit: i64) -> Result<(Vec<Person>, i64), StoreError> {
        const UNREACHABLE: &str = "from users u where u.active and not exists (select 1 from contact_methods c where c.user_id = u.id)";
        let list = format!("select u.id, u.display_name {UNREACHABLE} order by lower(u.display_name), u.id limit $1");
        let count = format!("select count(*) {UNREACHABLE}");
        let (rows, total): (Vec<(i64, String)>, i64) = on_pool!(self, |pool| {
            let rows = sqlx::query_as(&list).bind(limit).fetch_all(pool).await?;
            let total = sqlx::query_scalar(&count).fetch_one(pool).await?;
            Ok::<_, sqlx::Error>((rows, total))
        })?;
        Ok((rows.into_iter().map(|(id, name)| Person { id, name }).collect(), total))
    }

    /// Which of `user_ids` have no contact method (one query).
    pub async fn without_contact_methods(&self, user_ids: &[i64]) -> Result<Vec<i64>, StoreError> {
        if user_ids.is_empty() {
            return Ok(Vec::new());
        }
        let (list, args) = super::query::ids_in(user_ids);
        let sql = format!(
            "select u.id from users u where u.id in ({list}) \
             and not exists (select 1 from contact_methods c where c.user_id = u.id) order by u.id"
        );
        let ids: Vec<i64> = on_pool!(self, |pool| super::query::bind_args!(sqlx::query_scalar(&sql), &args).fetch_all(pool).await)?;
        Ok(ids)
    }
}
