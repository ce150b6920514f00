//! A post-mortem's contributing factors.

use super::*;

impl Store {
    pub async fn contributing_factors(&self, post_mortem_id: i64, limit: i64) -> Result<Vec<Factor>, StoreError> {
        let rows: Vec<(i64, String, String)> = on_pool!(self, |pool| sqlx::query_as(
            "select id, category, description from contributing_factors where post_mortem_id = $1 order by id limit $2"
        )
        .bind(post_mortem_id)
        .bind(limit)
        .fetch_all(pool)
        .await)?;
        Ok(rows
            .into_iter()
            .map(|(id, category, description)| Factor {
                id,
                // A check constraint admits only known categories.
                category: FactorCategory::parse(&category).unwrap_or(FactorCategory::Technical),
                description,
            })
            .collect())
    }

    /// Adds a factor while the post-mortem is in `expected_status` (`Stale` otherwise).
    pub async fn add_contributing_factor(
        &self,
        post_mortem_id: i64,
        expected_status: PostMortemStatus,
        category: FactorCategory,
        description: &str,
        by: i64,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let _shared = self.shared_write();
        let id: Option<i64> = on_pool!(self, |pool| sqlx::query_scalar(
            "insert into contributing_factors (post_mortem_id, category, description, created_by, created_at) \
             select $1, $2, $3, $4, $5 where exists (select 1 from post_mortems where id = $1 and status = $6) returning id"
        )
        .bind(post_mortem_id)
        .bind(category.as_str())
        .bind(description)
        .bind(by)
        .bind(now)
        .bind(expected_status.as_str())
        .fetch_optional(pool)
        .await)?;
        id.ok_or(StoreError::Stale)
    }

    /// Removes a factor while the post-mortem is in `expected_status`; the history keeps it.
    pub async fn remove_contributing_factor(
        &self,
        post_mortem_id: i64,
        factor_id: i64,
        expected_status: PostMortemStatus,
        by: i64,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let _shared = self.shared_write();
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let removed: Option<(String, String)> = sqlx::query_as(
                "delete from contributing_factors where id = $1 and post_mortem_id = $2 \
                 and exists (select 1 from post_mortems where id = $2 and status = $3) returning category, description",
            )
            .bind(factor_id)
            .bind(post_mortem_id)
            .bind(expected_status.as_str())
            .fetch_optional(&mut *tx)
            .await?;
            let Some((category, description)) = removed else { return Err(StoreError::Stale) };
            let label = FactorCategory::parse(&category).map(FactorCategory::label).unwrap_or("Factor");
            sqlx::query("insert into post_mortem_edits (post_mortem_id, part, previous, edited_by, edited_at) values ($1, $2, $3, $4, $5)")
                .bind(post_mortem_id)
                .bind(format!("Contributing factor removed ({label})"))
                .bind(description)
                .bind(by)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })
    }
}
