//! Post-mortems: start one from a resolved incident, write its sections (Markdown, previewed on
//! the server with the blameless check), its impact figures and contributing factors, review it
//! (reviewers, comments, approvals) and publish it; list and search them; templates (admins).
//!
//! Everyone signed in reads. Who may write depends on the workflow (`domain::post_mortem::
//! may_edit`): responders while it is a draft, its owner, reviewers and admins while in review,
//! only admins once published. Moves of the workflow are for its owner and admins.
//!
//! Here: the types the pages receive and the server-side helpers (`ssr`, also used by
//! `api::action_items`). `reading` has one post-mortem's page, an incident's post-mortem card and
//! the list; `writing` starts a post-mortem and saves its sections, details and contributing
//! factors; `review` chooses reviewers, reviews, comments and moves the workflow; `templates`
//! lists and edits the templates.

#[cfg(feature = "ssr")]
use crate::api::support::*;
use crate::api::action_items::ItemView;
use crate::domain::blame::BlameWarning;
use crate::domain::post_mortem::{Comment, Completion, Edit, Factor, PostMortem, Reviewer, Section, Template};
#[cfg(feature = "ssr")]
use crate::errors::AppError;
use serde::{Deserialize, Serialize};

mod reading;
mod review;
mod templates;
mod writing;

pub use reading::*;
pub use review::*;
pub use templates::*;
pub use writing::*;

/// Post-mortems per page of the list.
pub const POST_MORTEMS_PAGE_SIZE: i64 = 25;
/// The newest edits and comments a post-mortem's page shows.
pub const HISTORY_SHOWN: i64 = 100;
/// Action items a post-mortem's page shows (its incident's, soonest deadline first).
pub const ITEMS_SHOWN: i64 = 200;

/// A post-mortem's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostMortemView {
    pub post_mortem: PostMortem,
    pub sections: Vec<Section>,
    pub factors: Vec<Factor>,
    pub reviewers: Vec<Reviewer>,
    /// The conversation, each entry with its time in the viewer's zone.
    pub comments: Vec<(Comment, String)>,
    pub edits: Vec<(Edit, String)>,
    pub items: Vec<ItemView>,
    pub completion: Completion,
    /// "Impact started → resolved: 2h 5m", when both are known.
    pub duration: Option<String>,
    pub key_times: Vec<(String, String)>,
    pub published: Option<String>,
    pub updated: String,
    pub can_edit: bool,
    /// Approvals that count towards publishing (from reviewers other than the owner).
    pub approvals: i64,
    /// Why it can't be sent to review yet (`check_move`'s sentence), while a draft.
    pub send_blocker: Option<String>,
    /// Why it can't be published yet, in a few words ("Needs 1 more approval"), while in review
    /// (`domain::post_mortem::publish_blocker`).
    pub publish_blocker: Option<String>,
    /// The viewer reviews it, is not its owner, and it is in review.
    pub can_review: bool,
    /// The viewer may move the workflow (owner or admin).
    pub can_move: bool,
    /// The viewer may comment and add action items (responders and admins).
    pub can_respond: bool,
    /// Its incident still takes updates (not closed, not a drill), so a published post-mortem's
    /// summary can go to the status page.
    pub can_publish_summary: bool,
    /// People to choose from (owner, reviewers, action item owners).
    pub people: Vec<(i64, String)>,
    pub viewer_id: i64,
}

/// What the editor's preview shows: the sanitized HTML and the blameless check's warnings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preview {
    pub html: String,
    pub warnings: Vec<BlameWarning>,
}

/// A row of the post-mortems list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostMortemRowView {
    pub post_mortem: PostMortem,
    pub completion: Completion,
    pub created: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostMortemsView {
    pub rows: Vec<PostMortemRowView>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    pub people: Vec<(i64, String)>,
    pub severities: Vec<(i64, String)>,
    pub services: Vec<(i64, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplatesView {
    pub templates: Vec<Template>,
    pub can_edit: bool,
}

/// What the incident page shows of its post-mortem, and what starting one needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentPostMortemView {
    pub post_mortem: Option<PostMortem>,
    pub completion: Completion,
    /// The incident is resolved (or closed), so a post-mortem can be started.
    pub can_start: bool,
    pub templates: Vec<(i64, String)>,
    pub people: Vec<(i64, String)>,
    pub viewer_id: i64,
    /// The incident's action items, soonest deadline first.
    pub items: Vec<ItemView>,
    pub can_respond: bool,
    /// People who can own an action item (for responders).
    pub item_people: Vec<(i64, String)>,
}

#[cfg(feature = "ssr")]
pub use ssr::export_markdown;

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use super::*;
    use crate::domain::account::User;
    use crate::domain::permissions::OrgRole;
    use crate::domain::post_mortem::{may_edit, Editor, PostMortemStatus};
    pub(crate) use crate::api::action_items::ssr::item_view;
    use crate::state::AppState;
    use crate::store::StoreError;

    /// The post-mortem, or 404.
    pub async fn load(state: &AppState, id: i64) -> Result<PostMortem, AppError> {
        state.store.post_mortem(id).await.or_internal()?.ok_or_else(|| AppError::not_found("That post-mortem"))
    }

    /// Whether `user` reviews post-mortem `id`.
    pub async fn is_reviewer(state: &AppState, id: i64, user: &User) -> Result<bool, AppError> {
        Ok(state.store.post_mortem_reviewers(id).await.or_internal()?.iter().any(|r| r.user_id == user.id))
    }

    /// Loads a post-mortem and checks that `user` may change its text now; gives it back.
    pub async fn load_for_edit(state: &AppState, id: i64, user: &User) -> Result<PostMortem, AppError> {
        let post_mortem = load(state, id).await?;
        let editor = Editor { role: user.role, is_owner: post_mortem.owner_id == user.id, is_reviewer: is_reviewer(state, id, user).await? };
        if !may_edit(post_mortem.status, editor) {
            return Err(match post_mortem.status {
                PostMortemStatus::Published if user.role != OrgRole::Viewer => {
                    AppError::conflict(None, "It is published: only admins can change it now.")
                }
                _ => AppError::Forbidden,
            });
        }
        Ok(post_mortem)
    }

    /// A stale edit (the text, or the workflow, moved on) as a person reads it.
    pub fn edit_error(err: StoreError) -> AppError {
        match err {
            StoreError::Stale => AppError::conflict(
                None,
                "Someone else changed this post-mortem (its text or its status) while you were editing. Reload to see the latest version; your text is still in the box.",
            ),
            other => crate::api::support::update_error(other, "that post-mortem"),
        }
    }

    /// The post-mortem as one Markdown document (for `GET /post-mortems/<id>/export.md`), with
    /// times in `viewer`'s zone. `None` when there is no such post-mortem.
    pub async fn export_markdown(state: &AppState, id: i64, viewer: &User) -> Result<Option<String>, AppError> {
        use crate::domain::incident::{format_duration, KeyTime};
        let Some(pm) = state.store.post_mortem(id).await.or_internal()? else { return Ok(None) };
        let sections = state.store.post_mortem_sections(id).await.or_internal()?;
        let factors = state.store.contributing_factors(id, 200).await.or_internal()?;
        let filter = crate::store::action_items::ItemFilter { incident_id: Some(pm.incident_id), ..Default::default() };
        let items = state.store.list_action_items(&filter, PageRequest::first(ITEMS_SHOWN)).await.or_internal()?.rows;
        let format = |t| crate::engine::zone::format_in_zone(t, &viewer.time_zone);
        let one_line = |text: &str| text.replace(['\n', '\r'], " ");
        let mut out = format!("# Post-mortem: {} {}\n\n", crate::domain::incident::reference(pm.incident_id), one_line(&pm.incident_title));
        out.push_str(&format!("- Status: {}\n- Owner: {}\n- Severity: {}\n", pm.status.label(), pm.owner_name, pm.severity_name));
        if let Some(at) = pm.published_at {
            out.push_str(&format!("- Published: {}\n", format(at)));
        }
        out.push_str("\n## Impact figures\n\n");
        let keys = &pm.key_times;
        if let Some(duration) = keys.time_to_resolve() {
            out.push_str(&format!("- Duration (impact started to resolved): {}\n", format_duration(duration)));
        }
        for (label, value) in [("Users affected", &pm.users_affected), ("Financial impact", &pm.financial_impact), ("SLOs breached", &pm.slos_breached)] {
            out.push_str(&format!("- {label}: {}\n", if value.is_empty() { "not given" } else { value }));
        }
        out.push_str("\n## Key times\n\n");
        for which in KeyTime::ALL {
            if let Some(at) = keys.get(which) {
                out.push_str(&format!("- {}: {}\n", which.label(), format(at)));
            }
        }
        for section in &sections {
            out.push_str(&format!("\n## {}\n\n{}\n", section.heading, if section.body.trim().is_empty() { "_Not written._" } else { section.body.trim_end() }));
        }
        out.push_str("\n## Contributing factors\n\n");
        if factors.is_empty() {
            out.push_str("_None recorded._\n");
        }
        for factor in &factors {
            out.push_str(&format!("- **{}**: {}\n", factor.category.label(), one_line(&factor.description)));
        }
        out.push_str("\n## Action items\n\n");
        if items.is_empty() {
            out.push_str("_None._\n");
        }
        for item in &items {
            let tick = if item.status.is_finished() { "x" } else { " " };
            let tracker = if item.tracker_url.is_empty() { String::new() } else { format!(" ({})", item.tracker_url) };
            out.push_str(&format!(
                "- [{tick}] {} — {}, due {}, {}, {}{tracker}\n",
                one_line(&item.title),
                item.owner_name,
                item.due_on.format("%Y-%m-%d"),
                item.priority.short(),
                item.status.label()
            ));
        }
        Ok(Some(out))
    }
}
