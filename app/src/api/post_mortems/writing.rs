//! Writing a post-mortem: starting it from a template, saving a section (with the server's
//! preview and blameless check), the owner and impact figures, and contributing factors.

use super::Preview;
#[cfg(feature = "ssr")]
use crate::api::support::*;
use crate::errors::AppError;
use leptos::prelude::*;

/// Starts an incident's post-mortem from a template: its sections, with the timeline section
/// pre-filled from the incident's key times and pinned entries (in the starter's time zone).
#[server(prefix = "/api", endpoint = "post-mortems/start", output = crate::wire::Json)]
pub async fn start_post_mortem(incident_id: i64, owner_id: i64, template_id: i64) -> Result<String, AppError> {
    use crate::domain::permissions::Permission;
    use crate::domain::post_mortem::{template_sections, timeline_markdown, TIMELINE_HEADING};
    use crate::store::post_mortems::{NewPostMortem, NewSection};
    use crate::store::StoreError;
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
#[server(prefix = "/api", endpoint = "post-mortems/save-section", output = crate::wire::Json)]
pub async fn save_section(post_mortem_id: i64, section_id: i64, revision: i64, body: String) -> Result<String, AppError> {
    use crate::domain::permissions::Permission;
    use crate::domain::post_mortem::normalize_section_body;
    use super::ssr::*;
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
#[server(prefix = "/api", endpoint = "post-mortems/preview", output = crate::wire::Json)]
pub async fn preview_markdown(body: String) -> Result<Preview, AppError> {
    use crate::domain::permissions::Permission;
    use crate::domain::blame::blame_warnings;
    use crate::domain::post_mortem::normalize_section_body;
    crate::api::support::respond(server_span!(), async move {
        let Ctx { state, .. } = Ctx::require(Permission::Respond).await?;
        let body = normalize_section_body(&body)?;
        let names: Vec<String> = responders(&state).await?.into_iter().map(|(_, name)| name).collect();
        let services = state.store.list_services(PageRequest::first(CHOICE_LIMIT)).await.or_internal()?;
        let things: Vec<String> = services.rows.into_iter().map(|s| s.name).collect();
        Ok(Preview { html: crate::markdown::render(&body), warnings: blame_warnings(&body, &names, &things) })
    })
    .await
}

/// Saves the owner and the impact figures.
#[server(prefix = "/api", endpoint = "post-mortems/save-details", output = crate::wire::Json)]
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
    use super::ssr::*;
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

#[server(prefix = "/api", endpoint = "post-mortems/add-factor", output = crate::wire::Json)]
pub async fn add_factor(post_mortem_id: i64, category: String, description: String) -> Result<String, AppError> {
    use crate::domain::permissions::Permission;
    use crate::domain::post_mortem::{normalize_factor, FactorCategory};
    use super::ssr::*;
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

#[server(prefix = "/api", endpoint = "post-mortems/remove-factor", output = crate::wire::Json)]
pub async fn remove_factor(post_mortem_id: i64, factor_id: i64) -> Result<String, AppError> {
    use crate::domain::permissions::Permission;
    use super::ssr::*;
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
