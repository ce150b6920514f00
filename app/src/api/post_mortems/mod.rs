//! Post-mortems: start one from a resolved incident, write its sections (Markdown, previewed on
//! the server with the blameless check), its impact figures and contributing factors, review it
//! (reviewers, comments, approvals) and publish it; list and search them; templates (admins).
//!
//! Everyone signed in reads. Who may write depends on the workflow (`domain::post_mortem::
//! may_edit`): responders while it is a draft, its owner, reviewers and admins while in review,
//! only admins once published. Moves of the workflow are for its owner and admins.

#[cfg(feature = "ssr")]
use crate::api::support::*;
use crate::domain::action_item::ActionItem;
use crate::domain::post_mortem::{BlameWarning, Comment, Completion, Edit, Factor, PostMortem, Reviewer, Section, Template};
use crate::errors::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Post-mortems per page of the list.
pub const POST_MORTEMS_PAGE_SIZE: i64 = 25;
/// The newest edits and comments a post-mortem's page shows.
pub const HISTORY_SHOWN: i64 = 100;
/// Action items a post-mortem's page shows (its incident's, soonest deadline first).
pub const ITEMS_SHOWN: i64 = 200;

/// An action item as shown, with its times in the viewer's zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemView {
    pub item: ActionItem,
    pub overdue: bool,
    pub due_text: String,
}

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
    /// The viewer reviews it and it is in review.
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
    use crate::domain::action_item::{due_text, today_in};
    use crate::domain::permissions::OrgRole;
    use crate::domain::post_mortem::{may_edit, Editor, PostMortemStatus};
    use crate::state::AppState;
    use crate::store::StoreError;

    pub fn today(state: &AppState, user: &User) -> chrono::NaiveDate {
        today_in(state.now(), &zone(user))
    }

    pub fn item_view(item: ActionItem, today: chrono::NaiveDate) -> ItemView {
        ItemView { overdue: item.is_overdue(today), due_text: due_text(item.status, item.due_on, today), item }
    }

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

    /// Active people who can respond (and so own or review things), in name order.
    pub async fn responders(state: &AppState) -> Result<Vec<(i64, String)>, AppError> {
        Ok(state
            .store
            .list_responders(crate::api::catalog::CHOICE_LIMIT)
            .await
            .or_internal()?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect())
    }

    /// Checks that `id` is an active admin or responder (viewers can't own or review work).
    pub async fn check_person(state: &AppState, id: i64, field: &str) -> Result<(), AppError> {
        let found = state.store.user_by_id(id).await.or_internal()?;
        match found {
            Some(record) if record.user.active && record.user.role.allows(crate::domain::permissions::Permission::Respond) => Ok(()),
            _ => Err(AppError::invalid(field, "Choose someone from the list: an active admin or responder.")),
        }
    }

    pub async fn changed(state: &AppState, incident_id: i64) {
        state.live.incident_changed(&state.store, incident_id).await;
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

#[server(prefix = "/api", endpoint = "post-mortems/get")]
pub async fn get_post_mortem(id: i64) -> Result<PostMortemView, AppError> {
    use crate::domain::incident::{format_duration, KeyTime};
    use crate::domain::permissions::Permission;
    use crate::domain::post_mortem::{may_edit, Editor, PostMortemStatus};
    use crate::store::action_items::ItemFilter;
    use ssr::*;
    crate::api::support::respond(server_span!(post_mortem_id = id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::View).await?;
        let post_mortem = load(&state, id).await?;
        let store = &state.store;
        let sections = store.post_mortem_sections(id).await.or_internal()?;
        let factors = store.contributing_factors(id, 200).await.or_internal()?;
        let reviewers = store.post_mortem_reviewers(id).await.or_internal()?;
        let comments = store.post_mortem_comments(id, HISTORY_SHOWN).await.or_internal()?;
        let edits = store.post_mortem_edits(id, HISTORY_SHOWN).await.or_internal()?;
        let filter = ItemFilter { incident_id: Some(post_mortem.incident_id), ..ItemFilter::default() };
        let items = store.list_action_items(&filter, PageRequest::first(ITEMS_SHOWN)).await.or_internal()?.rows;
        let completion = store
            .incident_completions(&[post_mortem.incident_id])
            .await
            .or_internal()?
            .first()
            .map(|(_, c)| *c)
            .unwrap_or_default();
        let is_reviewer = reviewers.iter().any(|r| r.user_id == viewer.id);
        let is_owner = post_mortem.owner_id == viewer.id;
        let editor = Editor { role: viewer.role, is_owner, is_reviewer };
        let can_respond = viewer.role.allows(Permission::Respond);
        let format = |t| crate::engine::zone::format_in_zone(t, &viewer.time_zone);
        let today = today(&state, &viewer);
        let keys = &post_mortem.key_times;
        let duration = keys.time_to_resolve().map(format_duration);
        let people = if can_respond { responders(&state).await? } else { Vec::new() };
        let incident = store.incident(post_mortem.incident_id).await.or_internal()?;
        let takes_updates = incident.is_some_and(|i| !i.status.is_final() && !i.is_drill);
        Ok(PostMortemView {
            can_publish_summary: can_respond && takes_updates && post_mortem.status == PostMortemStatus::Published,
            sections,
            factors,
            comments: comments.into_iter().map(|c| { let at = format(c.created_at); (c, at) }).collect(),
            edits: edits.into_iter().map(|e| { let at = format(e.edited_at); (e, at) }).collect(),
            items: items.into_iter().map(|item| item_view(item, today)).collect(),
            completion,
            duration,
            key_times: KeyTime::ALL
                .into_iter()
                .filter_map(|k| keys.get(k).map(|t| (k.label().to_string(), format(t))))
                .collect(),
            published: post_mortem.published_at.map(format),
            updated: format(post_mortem.updated_at),
            can_edit: may_edit(post_mortem.status, editor),
            can_review: is_reviewer && post_mortem.status == PostMortemStatus::InReview && can_respond,
            can_move: can_respond && (is_owner || viewer.role == crate::domain::permissions::OrgRole::Admin),
            can_respond,
            people,
            viewer_id: viewer.id,
            reviewers,
            post_mortem,
        })
    })
    .await
}

/// What the incident page's post-mortem card shows.
#[server(prefix = "/api", endpoint = "post-mortems/of-incident")]
pub async fn incident_post_mortem(incident_id: i64) -> Result<IncidentPostMortemView, AppError> {
    use crate::domain::permissions::Permission;
    use ssr::*;
    crate::api::support::respond(server_span!(incident_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::View).await?;
        let incident = state.store.incident(incident_id).await.or_internal()?.ok_or_else(|| AppError::not_found("That incident"))?;
        let post_mortem = state.store.post_mortem_of_incident(incident_id).await.or_internal()?;
        let completion =
            state.store.incident_completions(&[incident_id]).await.or_internal()?.first().map(|(_, c)| *c).unwrap_or_default();
        let can_start = post_mortem.is_none()
            && viewer.role.allows(Permission::Respond)
            && incident.key_times.resolved.is_some()
            && !incident.status.is_open();
        let can_respond = viewer.role.allows(Permission::Respond);
        let people = if can_respond { responders(&state).await? } else { Vec::new() };
        let templates = if can_start {
            let templates = state.store.post_mortem_templates(crate::api::catalog::CHOICE_LIMIT).await.or_internal()?;
            templates.into_iter().map(|t| (t.id, t.name)).collect()
        } else {
            Vec::new()
        };
        let filter = crate::store::action_items::ItemFilter { incident_id: Some(incident_id), ..Default::default() };
        let items = state.store.list_action_items(&filter, PageRequest::first(ITEMS_SHOWN)).await.or_internal()?.rows;
        let today = today(&state, &viewer);
        Ok(IncidentPostMortemView {
            post_mortem,
            completion,
            can_start,
            templates,
            people: if can_start { people.clone() } else { Vec::new() },
            viewer_id: viewer.id,
            items: items.into_iter().map(|item| item_view(item, today)).collect(),
            can_respond,
            item_people: people,
        })
    })
    .await
}

/// Starts an incident's post-mortem from a template: its sections, with the timeline section
/// pre-filled from the incident's key times and pinned entries (in the starter's time zone).
#[server(prefix = "/api", endpoint = "post-mortems/start")]
pub async fn start_post_mortem(incident_id: i64, owner_id: i64, template_id: i64) -> Result<String, AppError> {
    use crate::domain::permissions::Permission;
    use crate::domain::post_mortem::{template_sections, timeline_markdown, TIMELINE_HEADING};
    use crate::store::post_mortems::{NewPostMortem, NewSection};
    use crate::store::StoreError;
    use ssr::*;
    crate::api::support::respond(server_span!(incident_id, template_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::Respond).await?;
        let incident = state.store.incident(incident_id).await.or_internal()?.ok_or_else(|| AppError::not_found("That incident"))?;
        if incident.status.is_open() || incident.key_times.resolved.is_none() {
            return Err(AppError::conflict(None, "Resolve the incident first: a post-mortem starts once it is over."));
        }
        check_person(&state, owner_id, "owner_id").await?;
        let template = state
            .store
            .post_mortem_template(template_id)
            .await
            .or_internal()?
            .ok_or_else(|| AppError::invalid("template_id", "Choose a template from the list."))?;
        let pinned = state.store.timeline(incident_id, true, None, 500).await.or_internal()?;
        let pinned: Vec<_> = pinned.events.into_iter().map(|e| (e.occurred_at, e.body)).collect();
        let timeline = timeline_markdown(&incident.key_times, &pinned, &zone(&viewer));
        let sections = template_sections(&template.body)
            .into_iter()
            .map(|section| {
                let body = if section.heading.eq_ignore_ascii_case(TIMELINE_HEADING) { timeline.clone() } else { String::new() };
                NewSection { body_html: crate::markdown::render(&body), heading: section.heading, guidance: section.guidance, body }
            })
            .collect();
        let new = NewPostMortem { incident_id, owner_id, created_by: viewer.id, required_approvals: template.required_approvals, sections };
        let id = match state.store.start_post_mortem(&new, state.now()).await {
            Ok(id) => id,
            Err(StoreError::Unique(_)) => return Err(AppError::conflict(None, "This incident has a post-mortem already.")),
            Err(other) => return Err(internal(other)),
        };
        tracing::info!(post_mortem_id = id, incident_id, "post-mortem started");
        changed(&state, incident_id).await;
        Ok(crate::api::support::redirect_form_post(&format!("/post-mortems/{id}")))
    })
    .await
}

/// Saves a section's Markdown over the revision the editor started from.
#[server(prefix = "/api", endpoint = "post-mortems/save-section")]
pub async fn save_section(post_mortem_id: i64, section_id: i64, revision: i64, body: String) -> Result<String, AppError> {
    use crate::domain::permissions::Permission;
    use crate::domain::post_mortem::normalize_section_body;
    use ssr::*;
    crate::api::support::respond(server_span!(post_mortem_id, section_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::Respond).await?;
        let post_mortem = load_for_edit(&state, post_mortem_id, &viewer).await?;
        let body = normalize_section_body(&body)?;
        let html = crate::markdown::render(&body);
        state
            .store
            .edit_post_mortem_section(post_mortem_id, section_id, revision, post_mortem.status, &body, &html, viewer.id, state.now())
            .await
            .map_err(edit_error)?;
        changed(&state, post_mortem.incident_id).await;
        Ok(crate::api::support::redirect_form_post(&format!("/post-mortems/{post_mortem_id}#section-{section_id}")))
    })
    .await
}

/// Renders Markdown as it will be stored and shown, and checks it for blame.
#[server(prefix = "/api", endpoint = "post-mortems/preview")]
pub async fn preview_markdown(body: String) -> Result<Preview, AppError> {
    use crate::domain::permissions::Permission;
    use crate::domain::post_mortem::{blame_warnings, normalize_section_body};
    use ssr::*;
    crate::api::support::respond(server_span!(), async move {
        let Ctx { state, .. } = Ctx::require(Permission::Respond).await?;
        let body = normalize_section_body(&body)?;
        let names: Vec<String> = responders(&state).await?.into_iter().map(|(_, name)| name).collect();
        Ok(Preview { html: crate::markdown::render(&body), warnings: blame_warnings(&body, &names) })
    })
    .await
}

/// Saves the owner and the impact figures.
#[server(prefix = "/api", endpoint = "post-mortems/save-details")]
pub async fn save_details(
    post_mortem_id: i64,
    revision: i64,
    owner_id: i64,
    users_affected: String,
    financial_impact: String,
    slos_breached: String,
) -> Result<String, AppError> {
    use crate::domain::permissions::Permission;
    use crate::domain::post_mortem::normalize_impact_field;
    use crate::store::post_mortems::PostMortemDetails;
    use ssr::*;
    crate::api::support::respond(server_span!(post_mortem_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::Respond).await?;
        let post_mortem = load_for_edit(&state, post_mortem_id, &viewer).await?;
        check_person(&state, owner_id, "owner_id").await?;
        let details = PostMortemDetails {
            owner_id,
            users_affected: normalize_impact_field("users_affected", &users_affected)?,
            financial_impact: normalize_impact_field("financial_impact", &financial_impact)?,
            slos_breached: normalize_impact_field("slos_breached", &slos_breached)?,
        };
        state
            .store
            .edit_post_mortem_details(post_mortem_id, revision, post_mortem.status, &details, viewer.id, state.now())
            .await
            .map_err(edit_error)?;
        changed(&state, post_mortem.incident_id).await;
        Ok(crate::api::support::redirect_form_post(&format!("/post-mortems/{post_mortem_id}")))
    })
    .await
}

#[server(prefix = "/api", endpoint = "post-mortems/add-factor")]
pub async fn add_factor(post_mortem_id: i64, category: String, description: String) -> Result<String, AppError> {
    use crate::domain::permissions::Permission;
    use crate::domain::post_mortem::{normalize_factor, FactorCategory};
    use ssr::*;
    crate::api::support::respond(server_span!(post_mortem_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::Respond).await?;
        let post_mortem = load_for_edit(&state, post_mortem_id, &viewer).await?;
        let category = FactorCategory::parse(&category)?;
        let description = normalize_factor(&description)?;
        state
            .store
            .add_contributing_factor(post_mortem_id, post_mortem.status, category, &description, viewer.id, state.now())
            .await
            .map_err(edit_error)?;
        changed(&state, post_mortem.incident_id).await;
        Ok(crate::api::support::redirect_form_post(&format!("/post-mortems/{post_mortem_id}#factors")))
    })
    .await
}

#[server(prefix = "/api", endpoint = "post-mortems/remove-factor")]
pub async fn remove_factor(post_mortem_id: i64, factor_id: i64) -> Result<String, AppError> {
    use crate::domain::permissions::Permission;
    use ssr::*;
    crate::api::support::respond(server_span!(post_mortem_id, factor_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::Respond).await?;
        let post_mortem = load_for_edit(&state, post_mortem_id, &viewer).await?;
        state
            .store
            .remove_contributing_factor(post_mortem_id, factor_id, post_mortem.status, viewer.id, state.now())
            .await
            .map_err(edit_error)?;
        changed(&state, post_mortem.incident_id).await;
        Ok(crate::api::support::redirect_form_post(&format!("/post-mortems/{post_mortem_id}#factors")))
    })
    .await
}

/// Adds (`add` true) or removes a reviewer. Those who may edit the text may choose reviewers.
#[server(prefix = "/api", endpoint = "post-mortems/reviewer")]
pub async fn set_reviewer(post_mortem_id: i64, user_id: i64, add: bool) -> Result<String, AppError> {
    use crate::domain::permissions::Permission;
    use crate::store::StoreError;
    use ssr::*;
    crate::api::support::respond(server_span!(post_mortem_id, user_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::Respond).await?;
        let post_mortem = load_for_edit(&state, post_mortem_id, &viewer).await?;
        let result = if add {
            check_person(&state, user_id, "user_id").await?;
            state.store.add_post_mortem_reviewer(post_mortem_id, user_id, viewer.id, state.now()).await
        } else {
            state.store.remove_post_mortem_reviewer(post_mortem_id, user_id).await
        };
        match result {
            Ok(()) => {}
            Err(StoreError::Unique(_)) => return Err(AppError::invalid("user_id", "They review it already.")),
            Err(other) => return Err(edit_error(other)),
        }
        changed(&state, post_mortem.incident_id).await;
        Ok(crate::api::support::redirect_form_post(&format!("/post-mortems/{post_mortem_id}#review")))
    })
    .await
}

/// A reviewer approves (`decision` "approved") or asks for changes ("changes_requested"), with an
/// optional comment (required when asking for changes).
#[server(prefix = "/api", endpoint = "post-mortems/review")]
pub async fn review_post_mortem(post_mortem_id: i64, decision: String, comment: String) -> Result<String, AppError> {
    use crate::domain::permissions::Permission;
    use crate::domain::post_mortem::Decision;
    use ssr::*;
    crate::api::support::respond(server_span!(post_mortem_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::Respond).await?;
        let post_mortem = load(&state, post_mortem_id).await?;
        if !is_reviewer(&state, post_mortem_id, &viewer).await? {
            return Err(AppError::Forbidden);
        }
        let decision = match Decision::parse(&decision) {
            Some(d @ (Decision::Approved | Decision::ChangesRequested)) => d,
            _ => return Err(AppError::invalid("decision", "Approve, or ask for changes.")),
        };
        let comment = comment.trim();
        if decision == Decision::ChangesRequested && comment.is_empty() {
            return Err(AppError::invalid("comment", "Say which changes you would like."));
        }
        if comment.chars().count() > 10_000 {
            return Err(AppError::invalid("comment", "Keep a comment under 10,000 characters."));
        }
        let text = match (decision, comment.is_empty()) {
            (Decision::Approved, true) => "Approved.".to_string(),
            (_, _) => comment.to_string(),
        };
        state
            .store
            .decide_post_mortem(post_mortem_id, viewer.id, decision, &text, &crate::markdown::render(&text), state.now())
            .await
            .map_err(|e| match e {
                crate::store::StoreError::Stale => AppError::conflict(None, "It is not in review any more: reload to see where it is."),
                other => internal(other),
            })?;
        changed(&state, post_mortem.incident_id).await;
        Ok(crate::api::support::redirect_form_post(&format!("/post-mortems/{post_mortem_id}#review")))
    })
    .await
}

#[server(prefix = "/api", endpoint = "post-mortems/comment")]
pub async fn comment_post_mortem(post_mortem_id: i64, body: String) -> Result<String, AppError> {
    use crate::domain::permissions::Permission;
    use ssr::*;
    crate::api::support::respond(server_span!(post_mortem_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::Respond).await?;
        let post_mortem = load(&state, post_mortem_id).await?;
        let body = body.trim();
        if body.is_empty() {
            return Err(AppError::invalid("body", "Write a comment first."));
        }
        if body.chars().count() > 10_000 {
            return Err(AppError::invalid("body", "Keep a comment under 10,000 characters."));
        }
        state
            .store
            .add_post_mortem_comment(post_mortem_id, viewer.id, body, &crate::markdown::render(body), state.now())
            .await
            .or_internal()?;
        changed(&state, post_mortem.incident_id).await;
        Ok(crate::api::support::redirect_form_post(&format!("/post-mortems/{post_mortem_id}#review")))
    })
    .await
}

/// Moves the workflow: `to` is "in_review", "draft" or "published"; `from` is the status the
/// page showed. Only its owner and admins move it.
#[server(prefix = "/api", endpoint = "post-mortems/move")]
pub async fn move_post_mortem(post_mortem_id: i64, from: String, to: String) -> Result<String, AppError> {
    use crate::domain::permissions::{OrgRole, Permission};
    use crate::domain::post_mortem::PostMortemStatus;
    use crate::store::post_mortems::MoveError;
    use crate::store::StoreError;
    use ssr::*;
    crate::api::support::respond(server_span!(post_mortem_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::Respond).await?;
        let post_mortem = load(&state, post_mortem_id).await?;
        if post_mortem.owner_id != viewer.id && viewer.role != OrgRole::Admin {
            return Err(AppError::Forbidden);
        }
        let (Some(from), Some(to)) = (PostMortemStatus::parse(&from), PostMortemStatus::parse(&to)) else {
            return Err(AppError::invalid("to", "Choose a step of the workflow."));
        };
        let event = match to {
            PostMortemStatus::InReview => format!("{} sent it to review.", viewer.display_name),
            PostMortemStatus::Draft => format!("{} took it back to draft.", viewer.display_name),
            PostMortemStatus::Published => format!("{} published it.", viewer.display_name),
        };
        let html = crate::markdown::text(&event);
        match state.store.move_post_mortem(post_mortem_id, from, to, viewer.id, &event, &html, state.now()).await {
            Ok(()) => {}
            Err(MoveError::Refused(sentence)) => return Err(AppError::conflict(None, sentence)),
            Err(MoveError::Store(StoreError::Stale)) => {
                return Err(AppError::conflict(None, "Its status changed while you were looking: reload to see where it is."))
            }
            Err(MoveError::Store(other)) => return Err(internal(other)),
        }
        tracing::info!(post_mortem_id, to = to.as_str(), "post-mortem moved");
        changed(&state, post_mortem.incident_id).await;
        Ok(crate::api::support::redirect_form_post(&format!("/post-mortems/{post_mortem_id}")))
    })
    .await
}

/// A page of post-mortems. Filters: `status` ("" for any), `owner_id`, `severity_id`,
/// `service_id` (0 for any), `from`/`to` (dates, in the viewer's zone; "" for open), `q` words.
#[allow(clippy::too_many_arguments)]
#[server(prefix = "/api", endpoint = "post-mortems/list")]
pub async fn list_post_mortems(
    status: String,
    owner_id: i64,
    severity_id: i64,
    service_id: i64,
    from: String,
    to: String,
    q: String,
    page: i64,
) -> Result<PostMortemsView, AppError> {
    use crate::domain::permissions::Permission;
    use crate::domain::post_mortem::PostMortemStatus;
    use crate::store::post_mortems::PostMortemFilter;
    use chrono::{NaiveDate, TimeZone};
    use ssr::*;
    crate::api::support::respond(server_span!(service_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::View).await?;
        let zone = zone(&viewer);
        let day_start = |text: &str, field: &str, add_days: i64| -> Result<Option<chrono::DateTime<chrono::Utc>>, AppError> {
            if text.trim().is_empty() {
                return Ok(None);
            }
            let date = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
                .map_err(|_| AppError::invalid(field, "Give a date, e.g. 2026-11-01."))?
                + chrono::Duration::days(add_days);
            let local = date.and_hms_opt(0, 0, 0).unwrap_or_default();
            Ok(zone.from_local_datetime(&local).earliest().map(|t| t.with_timezone(&chrono::Utc)))
        };
        let some = |id: i64| (id > 0).then_some(id);
        let filter = PostMortemFilter {
            status: PostMortemStatus::parse(&status),
            owner_id: some(owner_id),
            severity_id: some(severity_id),
            service_id: some(service_id),
            created_from: day_start(&from, "from", 0)?,
            created_before: day_start(&to, "to", 1)?,
            text: Some(q).filter(|q| !q.trim().is_empty()),
        };
        let page = page.max(1);
        let Page { rows, total } = state
            .store
            .list_post_mortems(&filter, PageRequest::number(page, POST_MORTEMS_PAGE_SIZE))
            .await
            .or_internal()?;
        let limit = crate::api::catalog::CHOICE_LIMIT;
        let severities = state.store.list_severities(PageRequest::first(limit)).await.or_internal()?.rows;
        let services = state.store.list_services(PageRequest::first(limit)).await.or_internal()?.rows;
        Ok(PostMortemsView {
            rows: rows
                .into_iter()
                .map(|row| PostMortemRowView {
                    created: crate::engine::zone::format_in_zone(row.post_mortem.created_at, &viewer.time_zone),
                    post_mortem: row.post_mortem,
                    completion: row.completion,
                })
                .collect(),
            total,
            page,
            pages: ((total + POST_MORTEMS_PAGE_SIZE - 1) / POST_MORTEMS_PAGE_SIZE).max(1),
            people: responders(&state).await?,
            severities: severities.into_iter().map(|s| (s.id, s.name)).collect(),
            services: services.into_iter().map(|s| (s.id, s.name)).collect(),
        })
    })
    .await
}

#[server(prefix = "/api", endpoint = "post-mortem-templates/list")]
pub async fn list_templates() -> Result<TemplatesView, AppError> {
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::View).await?;
        let templates = state.store.post_mortem_templates(crate::api::catalog::CHOICE_LIMIT).await.or_internal()?;
        Ok(TemplatesView { templates, can_edit: viewer.role.allows(Permission::ManageSettings) })
    })
    .await
}

/// Creates (`id` 0) or rewrites a template; `make_default` makes new post-mortems start from it.
#[server(prefix = "/api", endpoint = "post-mortem-templates/save")]
pub async fn save_template(
    id: i64,
    revision: i64,
    name: String,
    body: String,
    required_approvals: i64,
    #[server(default)] make_default: bool,
) -> Result<String, AppError> {
    use crate::domain::permissions::Permission;
    use crate::domain::post_mortem::validate_template;
    use crate::store::StoreError;
    crate::api::support::respond(server_span!(template_id = id), async move {
        let Ctx { state, .. } = Ctx::require(Permission::ManageSettings).await?;
        let (name, body) = validate_template(&name, &body, required_approvals)?;
        let result = if id == 0 {
            state.store.create_post_mortem_template(&name, &body, required_approvals, state.now()).await.map(|_| ())
        } else {
            state
                .store
                .update_post_mortem_template(id, revision, &name, &body, required_approvals, make_default, state.now())
                .await
        };
        match result {
            Ok(()) => Ok(crate::api::support::redirect_form_post("/settings/post-mortem-templates")),
            Err(StoreError::Unique(_)) => Err(AppError::invalid("name", "Another template has that name.")),
            Err(other) => Err(crate::api::support::update_error(other, "that template")),
        }
    })
    .await
}

#[server(prefix = "/api", endpoint = "post-mortem-templates/delete")]
pub async fn delete_template(id: i64, revision: i64) -> Result<String, AppError> {
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(template_id = id), async move {
        let Ctx { state, .. } = Ctx::require(Permission::ManageSettings).await?;
        let template = state.store.post_mortem_template(id).await.or_internal()?;
        if template.as_ref().is_some_and(|t| t.is_default) {
            return Err(AppError::conflict(None, "This is the default template: make another the default first."));
        }
        state.store.delete_post_mortem_template(id, revision).await.map_err(|e| crate::api::support::update_error(e, "that template"))?;
        Ok(crate::api::support::redirect_form_post("/settings/post-mortem-templates"))
    })
    .await
}
