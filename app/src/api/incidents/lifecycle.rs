//! The incidents list, and an incident's lifecycle: the declare form, declaring, moving to
//! another status, editing its details and correcting its key times.

#[cfg(feature = "ssr")]
use super::ssr::*;
use super::{DeclareForm, IncidentsView};
#[cfg(feature = "ssr")]
use super::{IncidentRow, INCIDENTS_PAGE_SIZE, OPEN_PANEL_SIZE};
#[cfg(feature = "ssr")]
use crate::api::support::*;
#[cfg(feature = "ssr")]
use crate::domain::account::User;
#[cfg(feature = "ssr")]
use crate::domain::incident::{IncidentSummary, Status};
use crate::errors::AppError;
#[cfg(feature = "ssr")]
use chrono::{DateTime, Utc};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
fn row(summary: &IncidentSummary, user: &User, now: DateTime<Utc>) -> IncidentRow {
    let incident = &summary.incident;
    IncidentRow {
        id: incident.id,
        title: incident.title.clone(),
        status: incident.status,
        severity_name: incident.severity_name.clone(),
        severity_rank: incident.severity_rank,
        incident_type_name: incident.incident_type_name.clone(),
        is_drill: incident.is_drill,
        services: summary.services.clone(),
        commander: summary.commander.clone(),
        declared: format(incident.declared_at, user),
        declared_ago: crate::domain::incident::relative_time(incident.declared_at, now),
    }
}

/// The incidents list. Every filter is a string from the page's query (empty: no filter).
#[allow(clippy::too_many_arguments)]
#[server(prefix = "/api", endpoint = "incidents/list", output = crate::wire::Json)]
pub async fn list_incidents(
    status: String,
    severity: String,
    service: String,
    incident_type: String,
    mine: String,
    drill: String,
    from: String,
    to: String,
    q: String,
    sort: String,
    cursor: String,
) -> Result<IncidentsView, AppError> {
    use crate::domain::permissions::Permission;
    use crate::store::incidents::{IncidentFilter, IncidentSort};
    crate::api::support::respond(server_span!(), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::View).await?;
        let id = |value: &str| value.parse::<i64>().ok().filter(|id| *id > 0);
        let statuses = match status.as_str() {
            "" => Vec::new(),
            "open" => Status::OPEN.to_vec(),
            "ended" => vec![Status::Resolved, Status::Closed, Status::Declined, Status::Merged],
            other => vec![other.parse::<Status>().map_err(|message| AppError::invalid("status", message))?],
        };
        let day = |field: &str, value: &str| -> Result<Option<chrono::DateTime<chrono::Utc>>, AppError> {
            if value.trim().is_empty() {
                return Ok(None);
            }
            parse_local(field, &format!("{}T00:00", value.trim()), &viewer)
                .map_err(|_| AppError::invalid(field, "Enter a date like 2026-05-04."))
        };
        let filter = IncidentFilter {
            statuses,
            severity_id: id(&severity),
            service_id: id(&service),
            incident_type_id: id(&incident_type),
            role_holder: (mine == "true").then_some(viewer.id),
            drill: match drill.as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            declared_from: day("from", &from)?,
            declared_before: day("to", &to)?.map(|t| t + chrono::Duration::days(1)),
            text: Some(q).filter(|q| !q.trim().is_empty()),
        };
        let cursor = Some(cursor).filter(|c| !c.is_empty());
        // Made once per version of the incidents for everyone asking the same (the filter holds
        // the viewer only for "mine"); shaped here for the viewer.
        let list = state
            .incident_list(&filter, IncidentSort::parse(&sort), cursor.as_deref(), INCIDENTS_PAGE_SIZE, OPEN_PANEL_SIZE)
            .await
            .or_internal()?;
        let choices = state.choices(CHOICE_LIMIT).await.or_internal()?;
        let now = state.now();
        let page = &list.page;
        Ok(IncidentsView {
            open: list.open.iter().map(|s| row(s, &viewer, now)).collect(),
            open_total: list.open_total,
            rows: page.rows.iter().map(|s| row(s, &viewer, now)).collect(),
            next_cursor: page.next_cursor.clone(),
            total: page.total,
            status_counts: page.status_counts.clone(),
            counts_capped: page.capped,
            severities: choices.severities.clone(),
            services: choices.services.iter().map(|s| (s.id, s.name.clone())).collect(),
            incident_types: choices.incident_types.iter().map(|t| (t.id, t.name.clone())).collect(),
            can_declare: viewer.role.allows(Permission::Respond),
        })
    })
    .await
}

/// Every service with an escalation policy, with whom its first level pages now (a fixed number
/// of queries).
#[cfg(feature = "ssr")]
async fn declare_paging(state: &crate::state::AppState) -> Result<Vec<super::DeclarePaging>, AppError> {
    let services = state.store.services_with_policies(CHOICE_LIMIT).await.or_internal()?;
    let ids: Vec<i64> = services.iter().map(|(id, ..)| *id).collect();
    let (service_policies, policies) = policies_of_services(state, &ids).await?;
    let plans: Vec<&crate::domain::paging::Plan> = service_policies.iter().map(|(_, policy)| &policies[*policy].plan).collect();
    let names = first_level_names(state, &plans).await?;
    Ok(services
        .into_iter()
        .map(|(service_id, service, policy)| {
            let first_level = service_policies.iter().position(|(s, _)| *s == service_id).map(|n| names[n].clone()).unwrap_or_default();
            super::DeclarePaging { service_id, target_name: format!("{service} ({policy})"), first_level }
        })
        .collect())
}

/// The policies with levels that `service_ids` page through, and (service id, index of its
/// policy in them) for each service that has one (two queries).
#[cfg(feature = "ssr")]
async fn policies_of_services(
    state: &crate::state::AppState,
    service_ids: &[i64],
) -> Result<(Vec<(i64, usize)>, Vec<crate::domain::paging::Policy>), AppError> {
    let pairs = state.store.service_policies(service_ids).await.or_internal()?;
    let mut policy_ids: Vec<i64> = pairs.iter().map(|(_, p)| *p).collect();
    policy_ids.sort_unstable();
    policy_ids.dedup();
    let policies: Vec<crate::domain::paging::Policy> =
        state.store.policies_by_ids(&policy_ids).await.or_internal()?.into_iter().filter(|p| !p.plan.levels.is_empty()).collect();
    let pairs = pairs.into_iter().filter_map(|(service, p)| policies.iter().position(|policy| policy.id == p).map(|n| (service, n))).collect();
    Ok((pairs, policies))
}

/// The pages declaring opens: one per escalation policy of the services to page (services that
/// share a policy page it once), each with its timeline event.
#[cfg(feature = "ssr")]
async fn declare_pages(
    state: &crate::state::AppState,
    services: &[crate::domain::catalog::Service],
    viewer: &User,
    message: &str,
    now: DateTime<Utc>,
) -> Result<Vec<(crate::store::paging::NewPage, NewEvent)>, AppError> {
    use crate::domain::incident::EventKind;
    let ids: Vec<i64> = services.iter().map(|s| s.id).collect();
    let (pairs, policies) = policies_of_services(state, &ids).await?;
    Ok(policies
        .into_iter()
        .enumerate()
        .map(|(n, policy)| {
            let names: Vec<&str> = pairs
                .iter()
                .filter(|(_, p)| *p == n)
                .filter_map(|(s, _)| services.iter().find(|service| service.id == *s))
                .map(|service| service.name.as_str())
                .collect();
            let target_name = format!("{} ({})", names.join(", "), policy.name);
            let body = format!("{} paged {target_name}: {message}", viewer.display_name);
            let page = crate::store::paging::NewPage {
                incident_id: None,
                target_name,
                plan: policy.plan,
                message: message.to_string(),
                created_by: viewer.id,
            };
            (page, NewEvent::automatic(EventKind::Paged, body, now))
        })
        .collect())
}

#[server(prefix = "/api", endpoint = "incidents/declare-form", output = crate::wire::Json)]
pub async fn get_declare_form() -> Result<DeclareForm, AppError> {
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::Respond).await?;
        let choices = state.choices(CHOICE_LIMIT).await.or_internal()?;
        let paging = declare_paging(&state).await?;
        Ok(DeclareForm {
            severities: choices.severities.clone(),
            incident_types: choices.incident_types.iter().filter(|t| !t.retired).cloned().collect(),
            services: choices.services.iter().map(|s| (s.id, s.name.clone())).collect(),
            people: choices.people.clone(),
            viewer_id: viewer.id,
            paging,
        })
    })
    .await
}

/// Declares an incident and returns its page's path. The declarer is the commander unless
/// they choose someone else (`commander_id` 0 means themselves). Without a severity
/// (`severity_id` 0), the incident type's default severity is used. Declaring pages the
/// escalation policies of the affected services: those in `page_service_ids` when the form
/// says the declarer chose (`paging_chosen`), otherwise all of them if the severity pages on
/// declaring. The declarer and the commander follow the incident.
#[allow(clippy::too_many_arguments)]
#[server(prefix = "/api", endpoint = "incidents/declare", output = crate::wire::Json)]
pub async fn declare_incident(
    title: String,
    #[server(default)] severity_id: i64,
    #[server(default)] incident_type_id: i64,
    #[server(default)] service_ids: Vec<i64>,
    #[server(default)] summary: String,
    #[server(default)] is_drill: bool,
    #[server(default)] commander_id: i64,
    #[server(default)] page_service_ids: Vec<i64>,
    #[server(default)] paging_chosen: bool,
) -> Result<String, AppError> {
    use crate::domain::incident::{normalize_summary, normalize_title, EventKind};
    use crate::domain::permissions::Permission;
    use crate::store::incidents::NewIncident;
    crate::api::support::respond(server_span!(), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::Respond).await?;
        let title = normalize_title(&title)?;
        let summary = normalize_summary(&summary)?;
        let kind = chosen_type(&state, incident_type_id).await?;
        let severity_id = match (severity_id, kind.as_ref().and_then(|k| k.default_severity_id)) {
            (id, _) if id > 0 => id,
            (_, Some(default)) => default,
            _ => return Err(AppError::invalid("severity_id", "Choose a severity, or a type that has a default severity.")),
        };
        let severity = chosen_severity(&state, severity_id).await?;
        let services = chosen_services(&state, &service_ids).await?;
        let commander =
            if commander_id <= 0 || commander_id == viewer.id { viewer.clone() } else { active_person(&state, commander_id, "commander_id").await? };
        let commander_role = state.store.commander_role_type().await.or_internal()?;
        let now = state.now();
        let mut sentence = format!("{} declared the incident as {}", viewer.display_name, severity.name);
        if let Some(kind) = &kind {
            sentence.push_str(&format!(" ({})", kind.name));
        }
        sentence.push_str(&format!(", with {} as {}. Affected services: {}.", commander.display_name, commander_role.name, names(&services)));
        if is_drill {
            sentence.push_str(" This is a drill.");
        }
        let to_page: Vec<crate::domain::catalog::Service> = services
            .iter()
            .filter(|s| if paging_chosen { page_service_ids.contains(&s.id) } else { severity.pages_on_declare })
            .cloned()
            .collect();
        let pages = declare_pages(&state, &to_page, &viewer, &format!("{}: {title}", severity.name), now).await?;
        let paged = !pages.is_empty();
        let mut followers = vec![viewer.id, commander.id];
        followers.dedup();
        let new = NewIncident {
            title,
            summary,
            severity_id: severity.id,
            incident_type_id: kind.map(|k| k.id),
            is_drill,
            service_ids: services.iter().map(|s| s.id).collect(),
            commander_id: commander.id,
            declared_by: viewer.id,
            pages,
            followers,
        };
        let id = state
            .store
            .declare_incident(&new, &NewEvent::automatic(EventKind::Declared, sentence, now), commander_role.id, now)
            .await
            .or_internal()?;
        tracing::info!(incident_id = id, user_id = viewer.id, paged, "incident declared");
        if paged {
            state.pages_opened.notify_one();
        }
        state.live.incident_changed(&state.store, id).await;
        Ok(crate::api::support::redirect_form_post(&format!("/incidents/{id}")))
    })
    .await
}

/// Moves an incident to another status. Merging needs the reference of the incident it merges
/// into (`merge_into`, e.g. INC-12).
#[server(prefix = "/api", endpoint = "incidents/status", output = crate::wire::Json)]
pub async fn change_status(
    incident_id: i64,
    status: String,
    revision: i64,
    #[server(default)] merge_into: String,
) -> Result<(), AppError> {
    use crate::domain::incident::{check_transition, parse_reference, reference, EventKind, TransitionKind};
    use crate::domain::permissions::Permission;
    use crate::store::incidents::IncidentChange;
    crate::api::support::respond(server_span!(incident_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::Respond).await?;
        let to: Status = status.parse().map_err(|message| AppError::invalid("status", message))?;
        let incident = incident_or_404(&state, incident_id).await?;
        check_revision(&incident, revision)?;
        let kind = check_transition(incident.status, to).map_err(|message| AppError::invalid("status", message))?;
        let now = state.now();
        let mut change = IncidentChange::from_incident(&incident);
        change.status = to;
        let paging = state.store.has_escalating_page(incident.id).await.or_internal()?;
        change.key_times = incident.key_times.after_transition(incident.status, to, now, paging);
        let from_label = incident.status.label().to_lowercase();
        let to_label = to.label().to_lowercase();
        let sentence = match kind {
            TransitionKind::Reopen => format!("{} reopened the incident: {from_label} → {to_label}.", viewer.display_name),
            TransitionKind::Decline => format!("{} declined the incident as a false alarm.", viewer.display_name),
            TransitionKind::Merge => {
                let target_id = parse_reference(&merge_into)
                    .ok_or_else(|| AppError::invalid("merge_into", "Enter the reference of the incident to merge into, like INC-12."))?;
                if target_id == incident.id {
                    return Err(AppError::invalid("merge_into", "An incident can't be merged into itself."));
                }
                let target = state.store.incident(target_id).await.or_internal()?.ok_or_else(|| {
                    AppError::invalid("merge_into", format!("There is no incident {}.", reference(target_id)))
                })?;
                if target.status.is_final() {
                    return Err(AppError::invalid("merge_into", format!("{} has ended; merge into an open incident.", reference(target_id))));
                }
                change.merged_into_id = Some(target_id);
                change.event_on_merge_target = Some(NewEvent::automatic(
                    EventKind::StatusChanged,
                    format!("{} merged {} ({}) into this incident.", viewer.display_name, incident.reference(), incident.title),
                    now,
                ));
                format!("{} merged the incident into {}.", viewer.display_name, reference(target_id))
            }
            TransitionKind::Progress => format!("{} changed the status: {from_label} → {to_label}.", viewer.display_name),
        };
        if !to.is_open() {
            // Written only if the change did stop escalating pages.
            let sentence = format!("Paging stopped: the incident is {to_label}.");
            change.event_on_paging_stopped = Some(NewEvent::automatic(EventKind::PageStopped, sentence, now));
        }
        let event_kind = if kind == TransitionKind::Reopen { EventKind::Reopened } else { EventKind::StatusChanged };
        let events = [NewEvent::automatic(event_kind, sentence, now)];
        state
            .store
            .update_incident(incident.id, revision, &change, &events, viewer.id, now)
            .await
            .map_err(incident_write_error)?;
        tracing::info!(incident_id, user_id = viewer.id, from = %incident.status, to = %to, "incident status changed");
        state.live.incident_changed(&state.store, incident_id).await;
        if let Some(target) = change.merged_into_id.filter(|_| kind == TransitionKind::Merge) {
            state.live.incident_changed(&state.store, target).await;
        }
        Ok(())
    })
    .await
}

/// Edits the title, summary, severity, type, affected services and drill flag. One timeline
/// event per kind of change.
#[allow(clippy::too_many_arguments)]
/// "Ada changed the severity: SEV2 → SEV1." for the timeline.
#[cfg(feature = "ssr")]
fn severity_changed(
    viewer: &User,
    incident: &crate::domain::incident::Incident,
    severity: &crate::domain::catalog::Severity,
    now: DateTime<Utc>,
) -> NewEvent {
    let sentence = format!("{} changed the severity: {} → {}.", viewer.display_name, incident.severity_name, severity.name);
    NewEvent::automatic(crate::domain::incident::EventKind::SeverityChanged, sentence, now)
}

/// Changes only the severity (the Status card's control); the timeline says from what to what.
#[server(prefix = "/api", endpoint = "incidents/severity", output = crate::wire::Json)]
pub async fn change_severity(incident_id: i64, revision: i64, severity_id: i64) -> Result<(), AppError> {
    use crate::domain::permissions::Permission;
    use crate::store::incidents::IncidentChange;
    crate::api::support::respond(server_span!(incident_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::Respond).await?;
        let incident = incident_or_404(&state, incident_id).await?;
        check_revision(&incident, revision)?;
        let severity = chosen_severity(&state, severity_id).await?;
        if severity.id == incident.severity_id {
            return Ok(());
        }
        let now = state.now();
        let mut change = IncidentChange::from_incident(&incident);
        change.severity_id = severity.id;
        let events = [severity_changed(&viewer, &incident, &severity, now)];
        state.store.update_incident(incident_id, revision, &change, &events, viewer.id, now).await.map_err(incident_write_error)?;
        tracing::info!(incident_id, user_id = viewer.id, severity_id, "severity changed");
        state.live.incident_changed(&state.store, incident_id).await;
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "incidents/update", output = crate::wire::Json)]
pub async fn update_incident(
    incident_id: i64,
    title: String,
    severity_id: i64,
    revision: i64,
    #[server(default)] incident_type_id: i64,
    #[server(default)] service_ids: Vec<i64>,
    #[server(default)] summary: String,
    #[server(default)] is_drill: bool,
) -> Result<(), AppError> {
    use crate::domain::incident::{normalize_summary, normalize_title, EventKind};
    use crate::domain::permissions::Permission;
    use crate::store::incidents::IncidentChange;
    crate::api::support::respond(server_span!(incident_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::Respond).await?;
        let title = normalize_title(&title)?;
        let summary = normalize_summary(&summary)?;
        let detail = detail_or_404(&state, incident_id).await?;
        let incident = detail.incident;
        check_revision(&incident, revision)?;
        let severity = chosen_severity(&state, severity_id).await?;
        let kind = if incident_type_id > 0 && Some(incident_type_id) == incident.incident_type_id {
            // A type retired since stays on the incidents that have it.
            state.store.incident_type(incident_type_id).await.or_internal()?
        } else {
            chosen_type(&state, incident_type_id).await?
        };
        let services = chosen_services(&state, &service_ids).await?;
        let now = state.now();
        let who = &viewer.display_name;
        let mut events = Vec::new();
        if severity.id != incident.severity_id {
            events.push(severity_changed(&viewer, &incident, &severity, now));
        }
        let new_service_ids: Vec<i64> = services.iter().map(|s| s.id).collect();
        let mut old_service_ids: Vec<i64> = detail.services.iter().map(|(id, _)| *id).collect();
        old_service_ids.sort_unstable();
        let mut sorted_new = new_service_ids.clone();
        sorted_new.sort_unstable();
        if sorted_new != old_service_ids {
            events.push(NewEvent::automatic(EventKind::ServicesChanged, format!("{who} changed the affected services to: {}.", names(&services)), now));
        }
        let mut details = Vec::new();
        if title != incident.title {
            details.push(format!("the title to “{title}”"));
        }
        if summary != incident.summary {
            details.push("the summary".to_string());
        }
        if kind.as_ref().map(|k| k.id) != incident.incident_type_id {
            details.push(format!("the type to {}", kind.as_ref().map(|k| k.name.as_str()).unwrap_or("none")));
        }
        if is_drill != incident.is_drill {
            details.push(if is_drill { "it into a drill".to_string() } else { "it into a real incident (not a drill)".to_string() });
        }
        if !details.is_empty() {
            events.push(NewEvent::automatic(EventKind::DetailsChanged, format!("{who} changed {}.", details.join(", ")), now));
        }
        if events.is_empty() {
            return Ok(());
        }
        let mut change = IncidentChange::from_incident(&incident);
        change.title = title;
        change.summary = summary;
        change.severity_id = severity.id;
        change.incident_type_id = kind.map(|k| k.id);
        change.is_drill = is_drill;
        change.service_ids = Some(new_service_ids);
        state
            .store
            .update_incident(incident_id, revision, &change, &events, viewer.id, now)
            .await
            .map_err(incident_write_error)?;
        state.live.incident_changed(&state.store, incident_id).await;
        Ok(())
    })
    .await
}

/// Corrects the key times (commander or admin). Values are `datetime-local` in the viewer's
/// zone; an empty value clears the time (started and detected can't be cleared).
#[allow(clippy::too_many_arguments)]
#[server(prefix = "/api", endpoint = "incidents/key-times", output = crate::wire::Json)]
pub async fn update_key_times(
    incident_id: i64,
    revision: i64,
    started_at: String,
    detected_at: String,
    #[server(default)] acknowledged_at: String,
    #[server(default)] mitigated_at: String,
    #[server(default)] resolved_at: String,
    #[server(default)] closed_at: String,
) -> Result<(), AppError> {
    use crate::domain::incident::{AckSource, EventKind, KeyTime, KeyTimes};
    use crate::domain::permissions::{OrgRole, Permission};
    use crate::store::incidents::IncidentChange;
    crate::api::support::respond(server_span!(incident_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::Respond).await?;
        let detail = detail_or_404(&state, incident_id).await?;
        let commander_role = state.store.commander_role_type().await.or_internal()?;
        let is_commander = detail.roles.iter().any(|r| r.role_type_id == commander_role.id && r.user_id == viewer.id);
        if !is_commander && viewer.role != OrgRole::Admin {
            return Err(AppError::Forbidden);
        }
        let incident = detail.incident;
        check_revision(&incident, revision)?;
        let times = KeyTimes {
            started: parse_local("started_at", &started_at, &viewer)?,
            detected: parse_local("detected_at", &detected_at, &viewer)?,
            acknowledged: parse_local("acknowledged_at", &acknowledged_at, &viewer)?,
            mitigated: parse_local("mitigated_at", &mitigated_at, &viewer)?,
            resolved: parse_local("resolved_at", &resolved_at, &viewer)?,
            closed: parse_local("closed_at", &closed_at, &viewer)?,
            acknowledged_source: incident.key_times.acknowledged_source,
        };
        if times.started.is_none() {
            return Err(AppError::invalid("started_at", "Enter when the impact started."));
        }
        if times.detected.is_none() {
            return Err(AppError::invalid("detected_at", "Enter when the incident was detected."));
        }
        let now = state.now();
        times.validate(now)?;
        let changed: Vec<String> = KeyTime::ALL
            .into_iter()
            .filter(|which| times.get(*which) != incident.key_times.get(*which))
            .map(|which| match times.get(which) {
                Some(t) => format!("{} to {}", which.label().to_lowercase(), crate::engine::zone::format_in_zone(t, "UTC")),
                None => format!("cleared {}", which.label().to_lowercase()),
            })
            .collect();
        if changed.is_empty() {
            return Ok(());
        }
        let mut change = IncidentChange::from_incident(&incident);
        change.key_times = times;
        if times.acknowledged != incident.key_times.acknowledged {
            change.key_times.acknowledged_source = Some(AckSource::Edited);
        }
        let events = [NewEvent::automatic(
            EventKind::KeyTimesChanged,
            format!("{} corrected the key times: {}.", viewer.display_name, changed.join(", ")),
            now,
        )];
        state
            .store
            .update_incident(incident_id, revision, &change, &events, viewer.id, now)
            .await
            .map_err(incident_write_error)?;
        state.live.incident_changed(&state.store, incident_id).await;
        Ok(())
    })
    .await
}
