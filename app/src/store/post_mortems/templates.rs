//! Post-mortem templates: listing, reading, creating, rewriting and deleting them.

use super::*;

impl Store {
    /// Templates, the default first, then by name (at most `limit`).
    pub async fn post_mortem_templates(&self, limit: i64) -> Result<Vec<Template>, StoreError> {
        let sql = format!("select {TEMPLATE_COLUMNS} from post_mortem_templates order by is_default desc, lower(name), id limit $1");
        let rows: Vec<SqlTemplate> = on_pool!(self, |pool| sqlx::query_as(&sql).bind(limit).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(SqlTemplate::into_template).collect())
    }

    pub async fn post_mortem_template(&self, id: i64) -> Result<Option<Template>, StoreError> {
        let sql = format!("select {TEMPLATE_COLUMNS} from post_mortem_templates where id = $1");
        let row: Option<SqlTemplate> = on_pool!(self, |pool| sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)?;
        Ok(row.map(SqlTemplate::into_template))
    }

    pub async fn create_post_mortem_template(&self, name: &str, body: &str, required_approvals: i64, now: DateTime<Utc>) -> Result<i64, StoreError> {
        let _shared = self.shared_write();
        let id = on_pool!(self, |pool| sqlx::query_scalar(
            "insert into post_mortem_templates (name, body, required_approvals, created_at, updated_at) values ($1, $2, $3, $4, $4) returning id"
        )
        .bind(name)
        .bind(body)
        .bind(required_approvals)
        .bind(now)
        .fetch_one(pool)
        .await)?;
        Ok(id)
    }

    /// Rewrites a template if it is still at `expected_revision`; `make_default` makes it the one
    /// new post-mortems start from.
    pub async fn update_post_mortem_template(
        &self,
        id: i64,
        expected_revision: i64,
        name: &str,
        body: &str,
        required_approvals: i64,
        make_default: bool,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let _shared = self.shared_write();
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            if make_default {
                sqlx::query("update post_mortem_templates set is_default = false where is_default and id <> $1").bind(id).execute(&mut *tx).await?;
            }
            let done = sqlx::query(
                "update post_mortem_templates set name = $1, body = $2, required_approvals = $3, \
                 is_default = (is_default or $4), revision = revision + 1, updated_at = $5 where id = $6 and revision = $7",
            )
            .bind(name)
            .bind(body)
            .bind(required_approvals)
            .bind(make_default)
            .bind(now)
            .bind(id)
            .bind(expected_revision)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(crate::store::stale_or_missing(self, "post_mortem_templates", id).await);
            }
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })
    }

    /// Deletes a template that is not the default (`Stale` for the default).
    pub async fn delete_post_mortem_template(&self, id: i64, expected_revision: i64) -> Result<(), StoreError> {
        let _shared = self.shared_write();
        let deleted = on_pool!(self, |pool| sqlx::query("delete from post_mortem_templates where id = $1 and revision = $2 and not is_default")
            .bind(id)
            .bind(expected_revision)
            .execute(pool)
            .await
            .map(|done| done.rows_affected()))?;
        if deleted == 0 {
            return Err(crate::store::stale_or_missing(self, "post_mortem_templates", id).await);
        }
        Ok(())
    }
}
