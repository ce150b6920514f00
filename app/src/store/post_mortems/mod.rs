//! Post-mortems: templates, the post-mortem of an incident with its sections, impact figures,
//! contributing factors, reviewers, comments and edit history.
//!
//! Every edit of a section or an impact field keeps what it replaced (`post_mortem_edits`, never
//! deleted) in the same transaction. Edits are guarded twice: by the edited row's revision, and by
//! the post-mortem's status the caller checked permissions against, so a post-mortem published
//! meanwhile is not edited by someone who could edit it only while it was a draft.
//!
//! Here: starting and reading a post-mortem; the children hold `templates`, `sections` (sections
//! and impact details, edited with their history), `factors` (contributing factors), `review`
//! (reviewers, decisions, the conversation and moves between statuses) and `list` (lists, text
//! search and action items' completion).

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
    acknowledged_source: Option<String>,
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
                acknowledged_source: self.acknowledged_source.as_deref().and_then(crate::domain::incident::AckSource::parse),
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
     i.started_at, i.detected_at, i.acknowledged_at, i.mitigated_at, i.resolved_at, i.closed_at, i.acknowledged_source, \
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

impl Store {
    /// Starts an incident's post-mortem with its sections, in one transaction. A second one for
    /// the same incident is refused by the unique index (`Unique`).
    pub async fn start_post_mortem(&self, new: &NewPostMortem, now: DateTime<Utc>) -> Result<i64, StoreError> {
        let _shared = self.shared_write();
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

mod factors;
mod list;
mod review;
mod sections;
mod templates;
