//! The review workflow: reviewers, their decisions, the conversation, and moves between statuses.

use super::*;

/// Writes one entry of a post-mortem's conversation inside a transaction.
macro_rules! insert_comment {
    ($tx:expr, $post_mortem_id:expr, $author_id:expr, $kind:expr, $body:expr, $body_html:expr, $now:expr) => {
        sqlx::query(
            "insert into post_mortem_comments (post_mortem_id, author_id, kind, body, body_html, created_at) values ($1, $2, $3, $4, $5, $6)",
        )
        .bind($post_mortem_id)
        .bind($author_id)
        .bind($kind)
        .bind($body)
        .bind($body_html)
        .bind($now)
        .execute(&mut *$tx)
        .await?
    };
}

impl Store {
    pub async fn post_mortem_reviewers(&self, post_mortem_id: i64) -> Result<Vec<Reviewer>, StoreError> {
        let rows: Vec<(i64, String, String, Option<DateTime<Utc>>)> = on_pool!(self, |pool| sqlx::query_as(
            "select r.user_id, u.display_name, r.decision, r.decided_at from post_mortem_reviewers r join users u on u.id = r.user_id \
             where r.post_mortem_id = $1 order by lower(u.display_name), r.user_id"
        )
        .bind(post_mortem_id)
        .fetch_all(pool)
        .await)?;
        Ok(rows
            .into_iter()
            .map(|(user_id, name, decision, decided_at)| Reviewer {
                user_id,
                name,
                decision: Decision::parse(&decision).unwrap_or(Decision::Pending),
                decided_at,
            })
            .collect())
    }

    /// Adds a reviewer unless the post-mortem is published (`Stale`) or they review it already
    /// (`Unique`).
    pub async fn add_post_mortem_reviewer(&self, post_mortem_id: i64, user_id: i64, by: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        let _shared = self.shared_write();
        let done = on_pool!(self, |pool| sqlx::query(
            "insert into post_mortem_reviewers (post_mortem_id, user_id, assigned_by, assigned_at) \
             select $1, $2, $3, $4 where exists (select 1 from post_mortems where id = $1 and status <> 'published')"
        )
        .bind(post_mortem_id)
        .bind(user_id)
        .bind(by)
        .bind(now)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
        if done == 0 { Err(StoreError::Stale) } else { Ok(()) }
    }

    pub async fn remove_post_mortem_reviewer(&self, post_mortem_id: i64, user_id: i64) -> Result<(), StoreError> {
        let _shared = self.shared_write();
        let done = on_pool!(self, |pool| sqlx::query(
            "delete from post_mortem_reviewers where post_mortem_id = $1 and user_id = $2 \
             and exists (select 1 from post_mortems where id = $1 and status <> 'published')"
        )
        .bind(post_mortem_id)
        .bind(user_id)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
        if done == 0 { Err(StoreError::Stale) } else { Ok(()) }
    }

    /// Records a reviewer's decision while the post-mortem is in review, with its comment (kind
    /// "approved" or "changes_requested"), in one transaction. `Stale` when it is not in review or
    /// the person is not one of its reviewers.
    pub async fn decide_post_mortem(
        &self,
        post_mortem_id: i64,
        reviewer_id: i64,
        decision: Decision,
        comment: &str,
        comment_html: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let _shared = self.shared_write();
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let done = sqlx::query(
                "update post_mortem_reviewers set decision = $1, decided_at = $2 where post_mortem_id = $3 and user_id = $4 \
                 and exists (select 1 from post_mortems where id = $3 and status = 'in_review')",
            )
            .bind(decision.as_str())
            .bind(now)
            .bind(post_mortem_id)
            .bind(reviewer_id)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::Stale);
            }
            insert_comment!(tx, post_mortem_id, reviewer_id, decision.as_str(), comment, comment_html, now);
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })
    }

    /// Adds a comment to the review conversation.
    pub async fn add_post_mortem_comment(
        &self,
        post_mortem_id: i64,
        author_id: i64,
        body: &str,
        body_html: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let _shared = self.shared_write();
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            insert_comment!(tx, post_mortem_id, author_id, "comment", body, body_html, now);
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })
    }

    /// The review conversation, oldest first (the newest `limit`).
    pub async fn post_mortem_comments(&self, post_mortem_id: i64, limit: i64) -> Result<Vec<Comment>, StoreError> {
        let mut rows: Vec<(i64, String, String, String, DateTime<Utc>)> = on_pool!(self, |pool| sqlx::query_as(
            "select c.id, u.display_name, c.kind, c.body_html, c.created_at from post_mortem_comments c join users u on u.id = c.author_id \
             where c.post_mortem_id = $1 order by c.id desc limit $2"
        )
        .bind(post_mortem_id)
        .bind(limit)
        .fetch_all(pool)
        .await)?;
        rows.reverse();
        Ok(rows
            .into_iter()
            .map(|(id, author_name, kind, body_html, created_at)| Comment { id, author_name, kind, body_html, created_at })
            .collect())
    }

    /// Moves a post-mortem from `from` to `to` if it is still in `from` and the reviewers'
    /// decisions allow it (`domain::post_mortem::check_move`, asked inside the transaction, so an
    /// approval withdrawn meanwhile counts). Going back to draft clears the decisions. The move is
    /// recorded in the conversation as `event` by `by`. A refusal is `Invalid(sentence)`.
    #[allow(clippy::too_many_arguments)]
    pub async fn move_post_mortem(
        &self,
        post_mortem_id: i64,
        from: PostMortemStatus,
        to: PostMortemStatus,
        by: i64,
        event: &str,
        event_html: &str,
        now: DateTime<Utc>,
    ) -> Result<(), MoveError> {
        let _shared = self.shared_write();
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let touched = sqlx::query("update post_mortems set updated_at = $1 where id = $2 and status = $3")
                .bind(now)
                .bind(post_mortem_id)
                .bind(from.as_str())
                .execute(&mut *tx)
                .await
                ?;
            if touched.rows_affected() == 0 {
                return Err(MoveError::Store(StoreError::Stale));
            }
            let required: i64 = sqlx::query_scalar("select required_approvals from post_mortems where id = $1")
                .bind(post_mortem_id)
                .fetch_one(&mut *tx)
                .await
                ?;
            // Only reviewers other than the owner count (one who became owner later included).
            let decisions: Vec<String> = sqlx::query_scalar(
                "select r.decision from post_mortem_reviewers r join post_mortems p on p.id = r.post_mortem_id \
                 where r.post_mortem_id = $1 and r.user_id <> p.owner_id",
            )
                .bind(post_mortem_id)
                .fetch_all(&mut *tx)
                .await
                ?;
            let decisions: Vec<Decision> = decisions.iter().filter_map(|d| Decision::parse(d)).collect();
            check_move(from, to, &decisions, required).map_err(MoveError::Refused)?;
            let published_at = (to == PostMortemStatus::Published).then_some(now);
            sqlx::query(
                "update post_mortems set status = $1, published_at = coalesce($2, published_at), revision = revision + 1 where id = $3",
            )
            .bind(to.as_str())
            .bind(published_at)
            .bind(post_mortem_id)
            .execute(&mut *tx)
            .await
            ?;
            if to == PostMortemStatus::Draft {
                sqlx::query("update post_mortem_reviewers set decision = 'pending', decided_at = null where post_mortem_id = $1")
                    .bind(post_mortem_id)
                    .execute(&mut *tx)
                    .await
                    ?;
            }
            insert_comment!(tx, post_mortem_id, by, to.as_str(), event, event_html, now);
            tx.commit().await?;
            Ok::<_, MoveError>(())
        })
    }
}
