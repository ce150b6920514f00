//! Post-mortems: templates, the post-mortem of an incident with its sections, impact figures,
//! contributing factors, reviewers, comments and edit history.
//!
//! Every edit of a section or an impact field keeps what it replaced (`post_mortem_edits`, never
//! deleted) in the same transaction. Edits are guarded twice: by the edited row's revision, and by
//! the post-mortem's status the caller checked permissions against, so a post-mortem published
//! meanwhile is not edited by someone who could edit it only while it was a draft.

use super::query::{bind_args, ids_in, Arg, Conditions};
use super::BeginWrite;
use super::{on_pool, Page, PageRequest, Store, StoreError};
use crate::domain::incident::KeyTimes;
use crate::domain::post_mortem::{
    check_move, Comment, Completion, Decision, Edit, Factor, FactorCategory, PostMortem, PostMortemStatus, Reviewer, Section, Template,
};
use chrono::{DateTime, Utc};

/// A section of a new post-mortem, rendered already.
#[derive(Debug, Clone)]
pub struct NewSection {
    pub heading: String,
    pub guidance: String,
    pub body: String,
    pub body_html: String,
}

/// A post-mortem to start.
#[derive(Debug, Clone)]
pub struct NewPostMortem {
    pub incident_id: i64,
    pub owner_id: i64,
    pub created_by: i64,
    pub required_approvals: i64,
    pub sections: Vec<NewSection>,
}

/// The impact card's fields and the owner, edited together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostMortemDetails {
    pub owner_id: i64,
    pub users_affected: String,
    pub financial_impact: String,
    pub slos_breached: String,
}

/// Which post-mortems a list shows. Empty fields don't filter.
#[derive(Debug, Clone, Default)]
pub struct PostMortemFilter {
    pub status: Option<PostMortemStatus>,
    pub owner_id: Option<i64>,
    pub severity_id: Option<i64>,
    pub service_id: Option<i64>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_before: Option<DateTime<Utc>>,
    pub text: Option<String>,
}

/// A post-mortem as listed, with its action items' completion.
#[derive(Debug, Clone)]
pub struct PostMortemRow {
    pub post_mortem: PostMortem,
    pub completion: Completion,
}

#[derive(sqlx::FromRow)]
struct SqlTemplate {
    id: i64,
    name: String,
    body: String,
    required_approvals: i64,
    is_default: bool,
    revision: i64,
}

impl SqlTemplate {
    fn into_template(self) -> Template {
        Template {
            id: self.id,
            name: self.name,
            body: self.body,
            required_approvals: self.required_approvals,
            is_default: self.is_default,
            revision: self.revision,
        }
    }
}

const TEMPLATE_COLUMNS: &str = "id, name, body, required_approvals, is_default, revision";

#[derive(sqlx::FromRow)]
struct SqlPostMortem {
    id: i64,
    incident_id: i64,
    incident_title: String,
    severity_name: String,
    started_at: Option<DateTime<Utc>>,
    detected_at: Option<DateTime<Utc>>,
    acknowledged_at: Option<DateTime<Utc>>,
    mitigated_at: Option<DateTime<Utc>>,
    resolved_at: Option<DateTime<Utc>>,
    closed_at: Option<DateTime<Utc>>,
    owner_id: i64,
    owner_name: String,
    status: String,
    users_affected: String,
    financial_impact: String,
    slos_breached: String,
    required_approvals: i64,
    published_at: Option<DateTime<Utc>>,
    revision: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl SqlPostMortem {
    fn into_post_mortem(self) -> PostMortem {
        PostMortem {
            id: self.id,
            incident_id: self.incident_id,
            incident_title: self.incident_title,
            severity_name: self.severity_name,
            key_times: KeyTimes {
                started: self.started_at,
                detected: self.detected_at,
                acknowledged: self.acknowledged_at,
                mitigated: self.mitigated_at,
                resolved: self.resolved_at,
                closed: self.closed_at,
            },
            owner_id: self.owner_id,
            owner_name: self.owner_name,
            // A check constraint admits only known statuses.
            status: PostMortemStatus::parse(&self.status).unwrap_or(PostMortemStatus::Draft),
            users_affected: self.users_affected,
            financial_impact: self.financial_impact,
            slos_breached: self.slos_breached,
            required_approvals: self.required_approvals,
            published_at: self.published_at,
            revision: self.revision,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

const POST_MORTEM_SELECT: &str = "select p.id, p.incident_id, i.title as incident_title, s.name as severity_name, \
     i.started_at, i.detected_at, i.acknowledged_at, i.mitigated_at, i.resolved_at, i.closed_at, \
     p.owner_id, u.display_name as owner_name, p.status, p.users_affected, p.financial_impact, p.slos_breached, \
     p.required_approvals, p.published_at, p.revision, p.created_at, p.updated_at \
     from post_mortems p join incidents i on i.id = p.incident_id join severities s on s.id = i.severity_id \
     join users u on u.id = p.owner_id";

#[derive(sqlx::FromRow)]
struct SqlSection {
    id: i64,
    position: i64,
    heading: String,
    guidance: String,
    body: String,
    body_html: String,
    revision: i64,
    updated_at: DateTime<Utc>,
    updated_by_name: Option<String>,
}

/// The text search looks at: every section's heading and body.
fn search_text(sections: &[(String, String)]) -> String {
    sections.iter().map(|(heading, body)| format!("{heading}\n{body}")).collect::<Vec<_>>().join("\n\n")
}


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
    // ---- templates ----

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
                return Err(super::catalog::stale_or_missing(self, "post_mortem_templates", id).await);
            }
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })
    }

    /// Deletes a template that is not the default (`Stale` for the default).
    pub async fn delete_post_mortem_template(&self, id: i64, expected_revision: i64) -> Result<(), StoreError> {
        let deleted = on_pool!(self, |pool| sqlx::query("delete from post_mortem_templates where id = $1 and revision = $2 and not is_default")
            .bind(id)
            .bind(expected_revision)
            .execute(pool)
            .await
            .map(|done| done.rows_affected()))?;
        if deleted == 0 {
            return Err(super::catalog::stale_or_missing(self, "post_mortem_templates", id).await);
        }
        Ok(())
    }

    // ---- post-mortems ----

    /// Starts an incident's post-mortem with its sections, in one transaction. A second one for
    /// the same incident is refused by the unique index (`Unique`).
    pub async fn start_post_mortem(&self, new: &NewPostMortem, now: DateTime<Utc>) -> Result<i64, StoreError> {
        let texts: Vec<(String, String)> = new.sections.iter().map(|s| (s.heading.clone(), s.body.clone())).collect();
        let search = search_text(&texts);
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "insert into post_mortems (incident_id, owner_id, required_approvals, search_text, created_by, created_at, updated_at) \
                 values ($1, $2, $3, $4, $5, $6, $6) returning id",
            )
            .bind(new.incident_id)
            .bind(new.owner_id)
            .bind(new.required_approvals)
            .bind(&search)
            .bind(new.created_by)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            if !new.sections.is_empty() {
                let sql = format!(
                    "insert into post_mortem_sections (post_mortem_id, position, heading, guidance, body, body_html, updated_at) values {}",
                    super::query::value_rows(new.sections.len(), 7)
                );
                let args: Vec<Arg> = new
                    .sections
                    .iter()
                    .enumerate()
                    .flat_map(|(n, s)| {
                        [
                            Arg::Int(id),
                            Arg::Int(n as i64 + 1),
                            Arg::Text(s.heading.clone()),
                            Arg::Text(s.guidance.clone()),
                            Arg::Text(s.body.clone()),
                            Arg::Text(s.body_html.clone()),
                            Arg::Time(now),
                        ]
                    })
                    .collect();
                bind_args!(sqlx::query(&sql), &args).execute(&mut *tx).await?;
            }
            // Action items made on the incident before its post-mortem belong to it too.
            sqlx::query("update action_items set post_mortem_id = $1 where incident_id = $2 and post_mortem_id is null")
                .bind(id)
                .bind(new.incident_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok::<_, StoreError>(id)
        })
    }

    pub async fn post_mortem(&self, id: i64) -> Result<Option<PostMortem>, StoreError> {
        let sql = format!("{POST_MORTEM_SELECT} where p.id = $1");
        let row: Option<SqlPostMortem> = on_pool!(self, |pool| sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)?;
        Ok(row.map(SqlPostMortem::into_post_mortem))
    }

    /// The post-mortem of an incident, if it has one.
    pub async fn post_mortem_of_incident(&self, incident_id: i64) -> Result<Option<PostMortem>, StoreError> {
        let sql = format!("{POST_MORTEM_SELECT} where p.incident_id = $1");
        let row: Option<SqlPostMortem> = on_pool!(self, |pool| sqlx::query_as(&sql).bind(incident_id).fetch_optional(pool).await)?;
        Ok(row.map(SqlPostMortem::into_post_mortem))
    }

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
                    super::query::value_rows(changed.len(), 5)
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

    // ---- contributing factors ----

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

    // ---- review ----

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
            let decisions: Vec<String> = sqlx::query_scalar("select decision from post_mortem_reviewers where post_mortem_id = $1")
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

    // ---- lists ----

    /// A page of post-mortems matching `filter`, newest first, with each one's action items'
    /// completion (three queries whatever the page's length).
    pub async fn list_post_mortems(&self, filter: &PostMortemFilter, page: PageRequest) -> Result<Page<PostMortemRow>, StoreError> {
        let c = post_mortem_conditions(filter, self.is_postgres());
        let count_sql = format!("select count(*) from post_mortems p join incidents i on i.id = p.incident_id where {}", c.sql());
        let total: i64 = on_pool!(self, |pool| bind_args!(sqlx::query_scalar(&count_sql), &c.args).fetch_one(pool).await)?;
        let mut c = c;
        let (pl, po) = (c.arg(Arg::Int(page.limit)), c.arg(Arg::Int(page.offset)));
        let sql = format!("{POST_MORTEM_SELECT} where {} order by p.id desc limit {pl} offset {po}", c.sql());
        let rows: Vec<SqlPostMortem> = on_pool!(self, |pool| bind_args!(sqlx::query_as(&sql), &c.args).fetch_all(pool).await)?;
        let post_mortems: Vec<PostMortem> = rows.into_iter().map(SqlPostMortem::into_post_mortem).collect();
        let ids: Vec<i64> = post_mortems.iter().map(|p| p.id).collect();
        let completions = self.completions("post_mortem_id", &ids).await?;
        Ok(Page {
            rows: post_mortems
                .into_iter()
                .map(|post_mortem| {
                    let completion = completions.iter().find(|(id, _)| *id == post_mortem.id).map(|(_, c)| *c).unwrap_or_default();
                    PostMortemRow { post_mortem, completion }
                })
                .collect(),
            total,
        })
    }

    /// How far each incident's action items have come, in one query (incidents without any are
    /// left out).
    pub async fn incident_completions(&self, incident_ids: &[i64]) -> Result<Vec<(i64, Completion)>, StoreError> {
        self.completions("incident_id", incident_ids).await
    }

    /// How far the action items of each of `ids` (post-mortems or incidents, by `column`) have
    /// come, in one query.
    async fn completions(&self, column: &'static str, ids: &[i64]) -> Result<Vec<(i64, Completion)>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let (list, args) = ids_in(ids);
        let sql = format!(
            "select {column}, count(*), sum(case when status in ('done', 'wont_do') then 1 else 0 end) from action_items \
             where {column} in ({list}) group by {column}"
        );
        let rows: Vec<(i64, i64, i64)> = on_pool!(self, |pool| bind_args!(sqlx::query_as(&sql), &args).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(|(id, total, finished)| (id, Completion { finished, total })).collect())
    }
}

/// Why a post-mortem could not move on.
#[derive(Debug, thiserror::Error)]
pub enum MoveError {
    /// The workflow refuses the move; the sentence says why.
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for MoveError {
    fn from(err: sqlx::Error) -> Self {
        MoveError::Store(StoreError::from(err))
    }
}


/// The conditions of a post-mortem list. Text search differs per backend, as for incidents.
fn post_mortem_conditions(filter: &PostMortemFilter, postgres: bool) -> Conditions {
    let mut c = Conditions::new();
    if let Some(status) = filter.status {
        let p = c.arg(Arg::Text(status.as_str().to_string()));
        c.push(format!("p.status = {p}"));
    }
    if let Some(id) = filter.owner_id {
        let p = c.arg(Arg::Int(id));
        c.push(format!("p.owner_id = {p}"));
    }
    if let Some(id) = filter.severity_id {
        let p = c.arg(Arg::Int(id));
        c.push(format!("i.severity_id = {p}"));
    }
    if let Some(id) = filter.service_id {
        let p = c.arg(Arg::Int(id));
        c.push(format!("p.incident_id in (select x.incident_id from incident_services x where x.service_id = {p})"));
    }
    if let Some(from) = filter.created_from {
        let p = c.arg(Arg::Time(from));
        c.push(format!("p.created_at >= {p}"));
    }
    if let Some(before) = filter.created_before {
        let p = c.arg(Arg::Time(before));
        c.push(format!("p.created_at < {p}"));
    }
    if let Some(text) = filter.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let words = super::incidents::search_words(text);
        if words.is_empty() {
            c.push("1 = 0".to_string());
        } else if postgres {
            let query: Vec<String> = words.iter().map(|word| format!("{word}:*")).collect();
            let p = c.arg(Arg::Text(query.join(" & ")));
            c.push(format!("to_tsvector('simple', p.search_text) @@ to_tsquery('simple', {p})"));
        } else {
            let query: Vec<String> = words.iter().map(|word| format!("\"{word}\"*")).collect();
            let p = c.arg(Arg::Text(query.join(" ")));
            c.push(format!("p.id in (select rowid from post_mortems_search where post_mortems_search match {p})"));
        }
    }
    c
}
