//! Reading post-mortems: one post-mortem's page, what the incident page shows of its
//! post-mortem, and the list (filters and search).

#[cfg(feature = "ssr")]
use super::{PostMortemRowView, HISTORY_SHOWN, ITEMS_SHOWN, POST_MORTEMS_PAGE_SIZE};
use super::{IncidentPostMortemView, PostMortemView, PostMortemsView};
#[cfg(feature = "ssr")]
use crate::api::support::*;
use crate::errors::AppError;
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "post-mortems/get", output = crate::wire::Json)]
pub async fn get_post_mortem(id: i64) -> Result<PostMortemView, AppError> {
    use crate::domain::incident::{format_duration, KeyTime};
    use crate::domain::permissions::Permission;
    use crate::domain::post_mortem::{approvals, check_move, may_edit, publish_blocker, Decision, Editor, PostMortemStatus};
    use crate::store::action_items::ItemFilter;
    use super::ssr::*;
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
        // The decisions that count, as the store gives them to `check_move` when it moves the
        // workflow: reviewers other than the owner.
        let decisions: Vec<Decision> = reviewers.iter().filter(|r| r.user_id != post_mortem.owner_id).map(|r| r.decision).collect();
        let required = post_mortem.required_approvals;
        let send_blocker = (post_mortem.status == PostMortemStatus::Draft)
            .then(|| check_move(PostMortemStatus::Draft, PostMortemStatus::InReview, &decisions, required).err())
            .flatten();
        let publish_blocker =
            (post_mortem.status == PostMortemStatus::InReview).then(|| publish_blocker(&decisions, required)).flatten();
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
            approvals: approvals(&decisions),
            send_blocker,
            publish_blocker,
            // `review_post_mortem` refuses an owner who was a reviewer before taking it over.
            can_review: is_reviewer && !is_owner && post_mortem.status == PostMortemStatus::InReview && can_respond,
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
#[server(prefix = "/api", endpoint = "post-mortems/of-incident", output = crate::wire::Json)]
pub async fn incident_post_mortem(incident_id: i64) -> Result<IncidentPostMortemView, AppError> {
    use crate::domain::permissions::Permission;
    use super::ssr::*;
    crate::api::support::respond(server_span!(incident_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::View).await?;
        // Made once per version of the incident (and of post-mortems) for everyone; shaped here.
        let kept = state
            .kept_for_incident(&state.views.incident_post_mortems, incident_id, async {
                let Some(incident) = state.store.incident(incident_id).await.or_internal()? else {
                    return Ok::<_, AppError>(None);
                };
                let post_mortem = state.store.post_mortem_of_incident(incident_id).await.or_internal()?;
                let completion =
                    state.store.incident_completions(&[incident_id]).await.or_internal()?.first().map(|(_, c)| *c).unwrap_or_default();
                let templates = state.store.post_mortem_templates(CHOICE_LIMIT).await.or_internal()?.into_iter().map(|t| (t.id, t.name)).collect();
                Ok(Some(crate::state::views::IncidentPostMortem { incident, post_mortem, completion, templates }))
            })
            .await?;
        let kept = kept.as_ref().as_ref().ok_or_else(|| AppError::not_found("That incident"))?;
        let (incident, post_mortem, completion) = (&kept.incident, kept.post_mortem.clone(), kept.completion);
        let can_start = post_mortem.is_none()
            && viewer.role.allows(Permission::Respond)
            && incident.key_times.resolved.is_some()
            && !incident.status.is_open();
        let can_respond = viewer.role.allows(Permission::Respond);
        let people = if can_respond { responders(&state).await? } else { Vec::new() };
        let templates = if can_start { kept.templates.clone() } else { Vec::new() };
        let filter = crate::store::action_items::ItemFilter { incident_id: Some(incident_id), ..Default::default() };
        let items = state.action_item_list(&filter, PageRequest::first(ITEMS_SHOWN)).await.or_internal()?.rows.clone();
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

/// A page of post-mortems. Filters: `status` ("" for any), `owner_id`, `severity_id`,
/// `service_id` (0 for any), `from`/`to` (dates, in the viewer's zone; "" for open), `q` words.
#[allow(clippy::too_many_arguments)]
#[server(prefix = "/api", endpoint = "post-mortems/list", output = crate::wire::Json)]
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
    use chrono::TimeZone;
    crate::api::support::respond(server_span!(service_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::View).await?;
        let zone = zone(&viewer);
        let day_start = |text: &str, field: &'static str, add_days: u64| -> Result<Option<chrono::DateTime<chrono::Utc>>, AppError> {
            if text.trim().is_empty() {
                return Ok(None);
            }
            let date = crate::domain::dates::parse_date(field, text, "2026-11-01")
                .map_err(|err| AppError::invalid(field, err.message))?
                .checked_add_days(chrono::Days::new(add_days))
                .ok_or_else(|| AppError::invalid(field, crate::domain::dates::out_of_range_message()))?;
            let local = date.and_time(chrono::NaiveTime::MIN);
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
        let listed = state.post_mortem_list(&filter, PageRequest::number(page, POST_MORTEMS_PAGE_SIZE)).await.or_internal()?;
        let (rows, total) = (listed.rows.clone(), listed.total);
        let choices = state.choices(CHOICE_LIMIT).await.or_internal()?;
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
            severities: choices.severities.iter().map(|s| (s.id, s.name.clone())).collect(),
            services: choices.services.iter().map(|s| (s.id, s.name.clone())).collect(),
        })
    })
    .await
}
