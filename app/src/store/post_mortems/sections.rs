//! A post-mortem's sections and impact details, edited with what they replaced kept, and that edit history.

use super::*;

impl Store {
    /// A post-mortem's sections, in order.
    pub async fn post_mortem_sections(&self, post_mortem_id: i64) -> Result<Vec<Section>, StoreError> {
        let rows: Vec<SqlSection> = on_pool!(self, |pool| sqlx::query_as(
            "select x.id, x.position, x.heading, x.guidance, x.body, x.body_html, x.revision, x.updated_at, \
             u.display_name as updated_by_name from post_mortem_sections x left join users u on u.id = x.updated_by \
             where x.post_mortem_id = $1 order by x.position"
        )
        .bind(post_mortem_id)
        .fetch_all(pool)
        .await)?;
        Ok(rows
            .into_iter()
            .map(|r| Section {
                id: r.id,
                position: r.position,
                heading: r.heading,
                guidance: r.guidance,
                body: r.body,
                body_html: r.body_html,
                revision: r.revision,
                updated_at: r.updated_at,
                updated_by_name: r.updated_by_name,
            })
            .collect())
    }

    /// Rewrites a section if it is still at `expected_revision` and its post-mortem still in
    /// `expected_status`, keeping the previous text in the history and the search text in step.
    #[allow(clippy::too_many_arguments)]
    pub async fn edit_post_mortem_section(
        &self,
        post_mortem_id: i64,
        section_id: i64,
        expected_revision: i64,
        expected_status: PostMortemStatus,
        body: &str,
        body_html: &str,
        editor_id: i64,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let _shared = self.shared_write();
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            // Touching the post-mortem first takes SQLite's write lock and checks its status.
            let touched = sqlx::query("update post_mortems set updated_at = $1 where id = $2 and status = $3")
                .bind(now)
                .bind(post_mortem_id)
                .bind(expected_status.as_str())
                .execute(&mut *tx)
                .await?;
            if touched.rows_affected() == 0 {
                return Err(StoreError::Stale);
            }
            let previous: Option<(String, String)> = sqlx::query_as(
                "select heading, body from post_mortem_sections where id = $1 and post_mortem_id = $2 and revision = $3",
            )
            .bind(section_id)
            .bind(post_mortem_id)
            .bind(expected_revision)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((heading, previous)) = previous else { return Err(StoreError::Stale) };
            if previous == body {
                return Ok(());
            }
            sqlx::query(
                "update post_mortem_sections set body = $1, body_html = $2, revision = revision + 1, updated_by = $3, updated_at = $4 where id = $5",
            )
            .bind(body)
            .bind(body_html)
            .bind(editor_id)
            .bind(now)
            .bind(section_id)
            .execute(&mut *tx)
            .await?;
            sqlx::query("insert into post_mortem_edits (post_mortem_id, part, previous, edited_by, edited_at) values ($1, $2, $3, $4, $5)")
                .bind(post_mortem_id)
                .bind(&heading)
                .bind(&previous)
                .bind(editor_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            let texts: Vec<(String, String)> =
                sqlx::query_as("select heading, body from post_mortem_sections where post_mortem_id = $1 order by position")
                    .bind(post_mortem_id)
                    .fetch_all(&mut *tx)
                    .await?;
            sqlx::query("update post_mortems set search_text = $1 where id = $2")
                .bind(search_text(&texts))
                .bind(post_mortem_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })
    }

    /// Rewrites the owner and impact fields if the post-mortem is still at `expected_revision`
    /// and in `expected_status`, keeping each changed field's previous value in the history.
    pub async fn edit_post_mortem_details(
        &self,
        post_mortem_id: i64,
        expected_revision: i64,
        expected_status: PostMortemStatus,
        details: &PostMortemDetails,
        editor_id: i64,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let _shared = self.shared_write();
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let before: Option<(i64, String, String, String, String)> = sqlx::query_as(
                "select p.owner_id, u.display_name, p.users_affected, p.financial_impact, p.slos_breached from post_mortems p \
                 join users u on u.id = p.owner_id where p.id = $1 and p.revision = $2 and p.status = $3",
            )
            .bind(post_mortem_id)
            .bind(expected_revision)
            .bind(expected_status.as_str())
            .fetch_optional(&mut *tx)
            .await?;
            let Some((owner_before, owner_name, users_affected, financial_impact, slos_breached)) = before else {
                return Err(StoreError::Stale);
            };
            sqlx::query(
                "update post_mortems set owner_id = $1, users_affected = $2, financial_impact = $3, slos_breached = $4, \
                 revision = revision + 1, updated_at = $5 where id = $6",
            )
            .bind(details.owner_id)
            .bind(&details.users_affected)
            .bind(&details.financial_impact)
            .bind(&details.slos_breached)
            .bind(now)
            .bind(post_mortem_id)
            .execute(&mut *tx)
            .await?;
            let mut changed: Vec<(&str, String)> = Vec::new();
            if owner_before != details.owner_id {
                changed.push(("Owner", owner_name));
            }
            for (part, old, new) in [
                ("Users affected", users_affected, &details.users_affected),
                ("Financial impact", financial_impact, &details.financial_impact),
                ("SLOs breached", slos_breached, &details.slos_breached),
            ] {
                if &old != new {
                    changed.push((part, old));
                }
            }
            if !changed.is_empty() {
                let sql = format!(
                    "insert into post_mortem_edits (post_mortem_id, part, previous, edited_by, edited_at) values {}",
                    crate::store::query::value_rows(changed.len(), 5)
                );
                let args: Vec<Arg> = changed
                    .into_iter()
                    .flat_map(|(part, previous)| {
                        [Arg::Int(post_mortem_id), Arg::Text(part.to_string()), Arg::Text(previous), Arg::Int(editor_id), Arg::Time(now)]
                    })
                    .collect();
                bind_args!(sqlx::query(&sql), &args).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })
    }

    /// The history of a post-mortem's edits, newest first (at most `limit`).
    pub async fn post_mortem_edits(&self, post_mortem_id: i64, limit: i64) -> Result<Vec<Edit>, StoreError> {
        let rows: Vec<(i64, String, String, String, DateTime<Utc>)> = on_pool!(self, |pool| sqlx::query_as(
            "select e.id, e.part, e.previous, u.display_name, e.edited_at from post_mortem_edits e join users u on u.id = e.edited_by \
             where e.post_mortem_id = $1 order by e.id desc limit $2"
        )
        .bind(post_mortem_id)
        .bind(limit)
        .fetch_all(pool)
        .await)?;
        Ok(rows
            .into_iter()
            .map(|(id, part, previous, edited_by_name, edited_at)| Edit { id, part, previous, edited_by_name, edited_at })
            .collect())
    }
}
