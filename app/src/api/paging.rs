//! Escalation policies and pages: policies are read by everyone signed in and edited by admins
//! (`ManageSettings`, like services); responders and admins page and acknowledge (`Respond`).
//! The one-time acknowledgement links of notifications are served by the server's `/ack/…`
//! route, through `acknowledge_by_link` here.

#[cfg(feature = "ssr")]
use crate::api::support::*;
use crate::domain::paging::PageStatus;
use crate::errors::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Policies on one page of the list.
pub const POLICIES_PAGE_SIZE: i64 = 20;
/// Pages on one page of the list.
pub const PAGES_PAGE_SIZE: i64 = 20;
/// Pages an incident's panel shows.
pub const INCIDENT_PAGES: i64 = 50;

/// One level as shown: who it pages and how long it waits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelView {
    pub number: i64,
    pub delay_minutes: i64,
    /// "Primary (schedule)", "Ada Lovelace".
    pub targets: Vec<String>,
    pub user_ids: Vec<i64>,
    pub schedule_ids: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicySummary {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub repeats: i64,
    pub revision: i64,
    pub levels: Vec<LevelView>,
    /// (id, name) of the services it pages for.
    pub services: Vec<(i64, String)>,
}

/// What a level's form offers: people and schedules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TargetChoices {
    pub people: Vec<(i64, String)>,
    pub schedules: Vec<(i64, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoliciesView {
    pub rows: Vec<PolicySummary>,
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    pub can_edit: bool,
    pub choices: TargetChoices,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyView {
    pub policy: PolicySummary,
    pub can_edit: bool,
    pub choices: TargetChoices,
    /// Every service, for "page for this service" (admins only).
    pub services: Vec<(i64, String)>,
}

/// A page as lists show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageView {
    pub id: i64,
    pub incident_id: Option<i64>,
    pub target_name: String,
    pub message: String,
    pub status: PageStatus,
    /// "Opened 2026-03-01 10:00 CET by Ada Lovelace".
    pub opened: String,
    /// One line per step: "10:04 · Ada Lovelace, Grace Hopper".
    pub steps: Vec<String>,
    /// "Acknowledged by Ada Lovelace after 4m" and the like; empty while escalating.
    pub outcome: String,
    /// "Next: level 2 at 10:09 CET" while escalating.
    pub next: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PagesView {
    pub rows: Vec<PageView>,
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    pub can_page: bool,
    /// (value, label) for the page form's "Page" drop-down: `service:ID`, `policy:ID`, `user:ID`.
    pub targets: Vec<(String, String)>,
    /// The value chosen at first (an incident's service that has a policy).
    pub default_target: String,
}

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use super::*;
    use crate::domain::account::User;
    use crate::domain::paging::{Level, Plan, Policy, Target};
    use crate::state::AppState;
    use crate::store::paging::{PageRecord, Recipient};
    use crate::store::StoreError;

    /// The people and schedules levels can target (at most `CHOICE_LIMIT` of each).
    pub async fn target_choices(state: &AppState) -> Result<TargetChoices, AppError> {
        use CHOICE_LIMIT;
        let people = state.store.list_people(CHOICE_LIMIT).await.or_internal()?;
        let people = crate::api::support::mark_unreachable(state, people).await?;
        let schedules = state.store.schedules_page(PageRequest::first(CHOICE_LIMIT)).await.or_internal()?;
        Ok(TargetChoices {
            people: people.into_iter().map(|p| (p.id, p.name)).collect(),
            schedules: schedules.rows.into_iter().map(|s| (s.id, s.name)).collect(),
        })
    }

    /// Policies as shown, with the names of what they target (two queries for any number);
    /// `services` left empty.
    pub async fn summaries(state: &AppState, policies: Vec<Policy>) -> Result<Vec<PolicySummary>, AppError> {
        let mut user_ids = Vec::new();
        let mut schedule_ids = Vec::new();
        for target in policies.iter().flat_map(|p| p.plan.levels.iter()).flat_map(|l| l.targets.iter()) {
            match target {
                Target::User(id) => user_ids.push(*id),
                Target::Schedule(id) => schedule_ids.push(*id),
            }
        }
        user_ids.sort_unstable();
        user_ids.dedup();
        schedule_ids.sort_unstable();
        schedule_ids.dedup();
        let people = state.store.people_by_ids(&user_ids, false).await.or_internal()?;
        let people = crate::api::support::mark_unreachable(state, people).await?;
        let schedules = state.store.schedules_by_ids(&schedule_ids).await.or_internal()?;
        Ok(policies
            .into_iter()
            .map(|policy| PolicySummary {
                id: policy.id,
                levels: policy
                    .plan
                    .levels
                    .iter()
                    .enumerate()
                    .map(|(n, level)| LevelView {
                        number: n as i64 + 1,
                        delay_minutes: level.delay_minutes,
                        targets: level
                            .targets
                            .iter()
                            .map(|t| match t {
                                Target::User(id) => crate::engine::on_call::name_of(&people, *id),
                                Target::Schedule(id) => schedules
                                    .iter()
                                    .find(|s| s.id == *id)
                                    .map(|s| format!("{} (schedule)", s.name))
                                    .unwrap_or_else(|| format!("Schedule {id}")),
                            })
                            .collect(),
                        user_ids: level.targets.iter().filter_map(|t| if let Target::User(id) = t { Some(*id) } else { None }).collect(),
                        schedule_ids: level.targets.iter().filter_map(|t| if let Target::Schedule(id) = t { Some(*id) } else { None }).collect(),
                    })
                    .collect(),
                name: policy.name,
                description: policy.description,
                repeats: policy.plan.repeats,
                revision: policy.revision,
                services: Vec::new(),
            })
            .collect())
    }

    /// A level from a form: the people and schedules ticked, and the delay.
    pub fn level_from_form(user_ids: &[i64], schedule_ids: &[i64], delay_minutes: &str) -> Result<Level, AppError> {
        let delay_minutes = crate::domain::paging::parse_delay(delay_minutes)?;
        let mut targets: Vec<Target> = schedule_ids.iter().map(|id| Target::Schedule(*id)).collect();
        targets.extend(user_ids.iter().map(|id| Target::User(*id)));
        targets.dedup();
        let level = Level { targets, delay_minutes };
        crate::domain::paging::validate_level(&level)?;
        Ok(level)
    }

    pub fn parse_repeats(value: &str) -> Result<i64, AppError> {
        value
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| (0..=crate::domain::paging::MAX_REPEATS).contains(n))
            .ok_or_else(|| AppError::invalid("repeats", format!("Repeat between 0 and {} times.", crate::domain::paging::MAX_REPEATS)))
    }

    pub fn policy_name(name: &str) -> Result<String, AppError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(AppError::invalid("name", "Give the policy a name of at most 100 characters."));
        }
        Ok(name.to_string())
    }

    /// Changes a policy read afresh with `change` and writes it over `revision` (the one the
    /// form was made from, so a change made meanwhile is a conflict, not overwritten).
    pub async fn edit_policy(
        state: &AppState,
        id: i64,
        revision: i64,
        change: impl FnOnce(&mut crate::store::paging::PolicyFields) -> Result<(), AppError>,
    ) -> Result<String, AppError> {
        let policy = state.store.policy(id).await.or_internal()?.ok_or_else(|| AppError::not_found("That policy"))?;
        let mut fields = crate::store::paging::PolicyFields { name: policy.name, description: policy.description, plan: policy.plan };
        change(&mut fields)?;
        state.store.update_policy(id, &fields, revision, state.now()).await.map_err(write_error)?;
        Ok(back_to_policy(id))
    }

    /// "That level is gone" when a form names a level the policy no longer has.
    pub fn level_index(levels: usize, level: i64) -> Result<usize, AppError> {
        if level < 1 || level as usize > levels {
            return Err(AppError::conflict(None, "That level is gone: someone changed this policy. Reload to see it."));
        }
        Ok(level as usize - 1)
    }

    /// Maps a store error from a policy write.
    pub fn write_error(err: StoreError) -> AppError {
        match err {
            StoreError::Unique(_) => {
                AppError::conflict(Some("name"), "There is already a policy with that name.")
            }
            StoreError::ForeignKey(_) => AppError::invalid("", "A person or schedule it names no longer exists, or services still use it."),
            other => crate::api::support::update_error(other, "this policy"),
        }
    }

    /// After paging or acknowledging: back to the incident, or to the pages list.
    pub fn back_to_page_list(incident_id: Option<i64>) -> String {
        crate::api::support::redirect_form_post(&match incident_id {
            Some(id) => format!("/incidents/{id}"),
            None => "/on-call/pages".to_string(),
        })
    }

    pub fn back_to_policy(id: i64) -> String {
        crate::api::support::redirect_form_post(&format!("/on-call/policies/{id}"))
    }

    /// Pages as shown to `viewer`: who each step paged and how it ended (two queries).
    pub async fn page_views(state: &AppState, pages: Vec<PageRecord>, viewer: &User) -> Result<Vec<PageView>, AppError> {
        let (recipients, people) = page_people(state, &pages).await?;
        Ok(shape_pages(&pages, &recipients, &people, viewer, state.now()))
    }

    /// Whom `pages` paged, and the names of everyone they mention (two queries).
    pub async fn page_people(state: &AppState, pages: &[PageRecord]) -> Result<(Vec<Recipient>, Vec<crate::domain::catalog::Person>), AppError> {
        let ids: Vec<i64> = pages.iter().map(|p| p.id).collect();
        let recipients = state.store.page_recipients(&ids).await.or_internal()?;
        let mut mentioned: Vec<i64> = recipients.iter().map(|r| r.user_id).collect();
        for page in pages {
            mentioned.push(page.created_by);
            mentioned.extend(page.acknowledged_by);
        }
        let people = crate::engine::on_call::names_for(&state.store, mentioned).await.or_internal()?;
        Ok((recipients, people))
    }

    /// Pages as shown to `viewer`, from what `page_people` read.
    pub fn shape_pages(
        pages: &[PageRecord],
        recipients: &[Recipient],
        people: &[crate::domain::catalog::Person],
        viewer: &User,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Vec<PageView> {
        let name = |id: i64| crate::engine::on_call::name_of(people, id);
        pages
            .iter()
            .cloned()
            .map(|page| {
                let mine: Vec<&Recipient> = recipients.iter().filter(|r| r.page_id == page.id).collect();
                let mut steps = Vec::new();
                for step in 0..page.step {
                    let paged: Vec<&&Recipient> = mine.iter().filter(|r| r.step == step).collect();
                    let level = page.plan.level_of_step(step).map(|(l, _)| l + 1).unwrap_or(0);
                    let who = if paged.is_empty() {
                        "nobody to page".to_string()
                    } else {
                        paged
                            .iter()
                            .map(|r| if r.methods == 0 { format!("{} (no contact methods)", name(r.user_id)) } else { name(r.user_id) })
                            .collect::<Vec<_>>()
                            .join(", ")
                    };
                    let at = paged.first().map(|r| format(r.created_at, viewer)).unwrap_or_default();
                    if level > 0 {
                        steps.push(format!("Level {level}: {who}{}", if at.is_empty() { String::new() } else { format!(" · {at}") }));
                    }
                }
                let outcome = match page.status {
                    PageStatus::Acknowledged => format!(
                        "Acknowledged by {} after {}",
                        page.acknowledged_by.map(name).unwrap_or_default(),
                        crate::domain::incident::format_duration(page.acknowledged_at.unwrap_or(now) - page.created_at)
                    ),
                    PageStatus::Stopped => "Stopped: the incident ended".to_string(),
                    PageStatus::Unanswered => "Nobody acknowledged".to_string(),
                    PageStatus::Escalating => String::new(),
                };
                let next = match (page.status, page.next_step_at) {
                    (PageStatus::Escalating, Some(at)) => match page.plan.level_of_step(page.step) {
                        Some((level, _)) => format!("Next: level {} at {}", level + 1, format(at, viewer)),
                        None => format!("Ends unanswered at {}", format(at, viewer)),
                    },
                    _ => String::new(),
                };
                PageView {
                    id: page.id,
                    incident_id: page.incident_id,
                    opened: format!("Opened {} by {}", format(page.created_at, viewer), name(page.created_by)),
                    target_name: page.target_name,
                    message: page.message,
                    status: page.status,
                    steps,
                    outcome,
                    next,
                }
            })
            .collect()
    }

    /// What can be paged: services with a policy, policies, people (kept per shared version:
    /// the incident page asks for them at every live update).
    pub async fn page_targets(state: &AppState) -> Result<Vec<(String, String)>, AppError> {
        use CHOICE_LIMIT;
        let services = state.store.services_with_policies(CHOICE_LIMIT).await.or_internal()?;
        let policies = state.store.policy_names(CHOICE_LIMIT).await.or_internal()?;
        let people = state.store.list_people(CHOICE_LIMIT).await.or_internal()?;
        let people = crate::api::support::mark_unreachable(state, people).await?;
        let mut targets: Vec<(String, String)> = services
            .iter()
            .map(|(id, service, policy)| (format!("service:{id}"), format!("Service: {service} ({policy})")))
            .collect();
        targets.extend(policies.iter().map(|(id, name)| (format!("policy:{id}"), format!("Policy: {name}"))));
        targets.extend(people.iter().map(|p| (format!("user:{}", p.id), format!("Person: {}", p.name))));
        Ok(targets)
    }

    /// The plan and the name of what a page form's `target` names.
    pub async fn resolve_target(state: &AppState, target: &str) -> Result<(Plan, String), AppError> {
        let bad = || AppError::invalid("target", "Choose a service, policy or person to page.");
        let (kind, id) = target.split_once(':').ok_or_else(bad)?;
        let id: i64 = id.parse().map_err(|_| bad())?;
        let policy_of = |policy: Option<Policy>| {
            policy.filter(|p| !p.plan.levels.is_empty()).ok_or_else(|| AppError::invalid("target", "That policy has no levels to page."))
        };
        match kind {
            "service" => {
                let service = state.store.service(id).await.or_internal()?.ok_or_else(bad)?;
                let Some((_, policy_id)) = state.store.service_policies(&[id]).await.or_internal()?.pop() else {
                    return Err(AppError::invalid("target", format!("{} has no escalation policy: choose one on the policy's page.", service.name)));
                };
                let policy = policy_of(state.store.policy(policy_id).await.or_internal()?)?;
                Ok((policy.plan, format!("{} ({})", service.name, policy.name)))
            }
            "policy" => {
                let policy = policy_of(state.store.policy(id).await.or_internal()?)?;
                Ok((policy.plan, policy.name))
            }
            "user" => {
                let person = state.store.people_by_ids(&[id], true).await.or_internal()?.pop().ok_or_else(bad)?;
                Ok((Plan::direct(person.id), person.name))
            }
            _ => Err(bad()),
        }
    }
}

#[cfg(feature = "ssr")]
#[cfg(feature = "ssr")]
use ssr::*;

#[server(prefix = "/api", endpoint = "policies/list", output = crate::wire::Json)]
pub async fn list_policies(page: i64) -> Result<PoliciesView, AppError> {
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::View).await?;
        let page = page.max(1);
        let listed = state.store.policies_page(PageRequest::number(page, POLICIES_PAGE_SIZE)).await.or_internal()?;
        let can_edit = viewer.role.allows(Permission::ManageSettings);
        Ok(PoliciesView {
            rows: summaries(&state, listed.rows).await?,
            page,
            pages: ((listed.total + POLICIES_PAGE_SIZE - 1) / POLICIES_PAGE_SIZE).max(1),
            total: listed.total,
            can_edit,
            choices: if can_edit { target_choices(&state).await? } else { TargetChoices::default() },
        })
    })
    .await
}

#[server(prefix = "/api", endpoint = "policies/get", output = crate::wire::Json)]
pub async fn get_policy(id: i64) -> Result<PolicyView, AppError> {
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(policy_id = id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::View).await?;
        let policy = state.store.policy(id).await.or_internal()?.ok_or_else(|| AppError::not_found("That policy"))?;
        let services = state.store.services_of_policy(id, CHOICE_LIMIT).await.or_internal()?;
        let can_edit = viewer.role.allows(Permission::ManageSettings);
        let all_services = if can_edit {
            let listed = state.store.list_services(PageRequest::first(CHOICE_LIMIT)).await.or_internal()?;
            listed.rows.into_iter().map(|s| (s.id, s.name)).collect()
        } else {
            Vec::new()
        };
        let mut summary = summaries(&state, vec![policy]).await?.remove(0);
        summary.services = services;
        Ok(PolicyView {
            policy: summary,
            can_edit,
            choices: if can_edit { target_choices(&state).await? } else { TargetChoices::default() },
            services: all_services,
        })
    })
    .await
}

/// Creates a policy with its first level.
#[server(prefix = "/api", endpoint = "policies/create", output = crate::wire::Json)]
pub async fn create_policy(
    name: String,
    #[server(default)] description: String,
    repeats: String,
    #[server(default)] user_ids: Vec<i64>,
    #[server(default)] schedule_ids: Vec<i64>,
    delay_minutes: String,
) -> Result<String, AppError> {
    use crate::domain::paging::Plan;
    use crate::domain::permissions::Permission;
    use crate::store::paging::PolicyFields;
    crate::api::support::respond(server_span!(), async move {
        let Ctx { state, .. } = Ctx::require(Permission::ManageSettings).await?;
        let name = policy_name(&name)?;
        let repeats = parse_repeats(&repeats)?;
        let level = level_from_form(&user_ids, &schedule_ids, &delay_minutes)?;
        let fields = PolicyFields { name, description: description.trim().to_string(), plan: Plan { levels: vec![level], repeats } };
        let id = state.store.create_policy(&fields, state.now()).await.map_err(write_error)?;
        Ok(back_to_policy(id))
    })
    .await
}

/// Changes a policy's name, description and repeats.
#[server(prefix = "/api", endpoint = "policies/update", output = crate::wire::Json)]
pub async fn update_policy(id: i64, revision: i64, name: String, #[server(default)] description: String, repeats: String) -> Result<String, AppError> {
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(policy_id = id), async move {
        let Ctx { state, .. } = Ctx::require(Permission::ManageSettings).await?;
        edit_policy(&state, id, revision, |fields| {
            fields.name = policy_name(&name)?;
            fields.description = description.trim().to_string();
            fields.plan.repeats = parse_repeats(&repeats)?;
            Ok(())
        })
        .await
    })
    .await
}

/// Adds a level (`level` 0) or replaces level `level` (from 1).
#[server(prefix = "/api", endpoint = "policies/save-level", output = crate::wire::Json)]
pub async fn save_level(
    policy_id: i64,
    revision: i64,
    #[server(default)] level: i64,
    #[server(default)] user_ids: Vec<i64>,
    #[server(default)] schedule_ids: Vec<i64>,
    delay_minutes: String,
) -> Result<String, AppError> {
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(policy_id), async move {
        let Ctx { state, .. } = Ctx::require(Permission::ManageSettings).await?;
        let new_level = level_from_form(&user_ids, &schedule_ids, &delay_minutes)?;
        edit_policy(&state, policy_id, revision, |fields| {
            let levels = &mut fields.plan.levels;
            match level {
                0 => levels.push(new_level),
                n => {
                    let index = level_index(levels.len(), n)?;
                    levels[index] = new_level;
                }
            }
            Ok(crate::domain::paging::validate_plan(&fields.plan)?)
        })
        .await
    })
    .await
}

/// Removes level `level` (from 1); the last level can't be removed.
#[server(prefix = "/api", endpoint = "policies/remove-level", output = crate::wire::Json)]
pub async fn remove_level(policy_id: i64, revision: i64, level: i64) -> Result<String, AppError> {
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(policy_id), async move {
        let Ctx { state, .. } = Ctx::require(Permission::ManageSettings).await?;
        edit_policy(&state, policy_id, revision, |fields| {
            let levels = &mut fields.plan.levels;
            let index = level_index(levels.len(), level)?;
            if levels.len() == 1 {
                return Err(AppError::invalid("levels", "A policy needs at least one level: delete the policy instead."));
            }
            levels.remove(index);
            Ok(())
        })
        .await
    })
    .await
}

#[server(prefix = "/api", endpoint = "policies/delete", output = crate::wire::Json)]
pub async fn delete_policy(id: i64, revision: i64) -> Result<String, AppError> {
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(policy_id = id), async move {
        let Ctx { state, .. } = Ctx::require(Permission::ManageSettings).await?;
        state.store.delete_policy(id, revision, state.now()).await.map_err(|err| match err {
            crate::store::StoreError::ForeignKey(_) => {
                AppError::invalid("", "Services page through this policy: give them another policy first.")
            }
            other => write_error(other),
        })?;
        Ok(crate::api::support::redirect_form_post("/on-call/policies"))
    })
    .await
}

/// Makes a policy the one that pages for a service (`policy_id` 0: none).
#[server(prefix = "/api", endpoint = "policies/set-service", output = crate::wire::Json)]
pub async fn set_service_policy(service_id: i64, policy_id: i64, #[server(default)] back_to: i64) -> Result<String, AppError> {
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(service_id, policy_id), async move {
        let Ctx { state, .. } = Ctx::require(Permission::ManageSettings).await?;
        if service_id == 0 {
            return Err(AppError::invalid("service_id", "Choose a service."));
        }
        let policy = (policy_id != 0).then_some(policy_id);
        if let Some(id) = policy {
            state.store.policy(id).await.or_internal()?.ok_or_else(|| AppError::not_found("That policy"))?;
        }
        state.store.set_service_policy(service_id, policy, state.now()).await.map_err(|e| crate::api::support::update_error(e, "that service"))?;
        Ok(back_to_policy(if back_to != 0 { back_to } else { policy_id }))
    })
    .await
}

/// Pages a service's policy, a policy or a person (`target` is `service:ID`, `policy:ID` or
/// `user:ID`), from an incident (`incident_id`) or on its own (0).
#[server(prefix = "/api", endpoint = "pages/open", output = crate::wire::Json)]
pub async fn open_page(#[server(default)] incident_id: i64, target: String, message: String) -> Result<String, AppError> {
    use crate::domain::incident::EventKind;
    use crate::domain::permissions::Permission;
    use crate::store::incidents::NewEvent;
    use crate::store::paging::NewPage;
    crate::api::support::respond(server_span!(incident_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::Respond).await?;
        let message = crate::domain::paging::validate_message(&message)?;
        let (plan, target_name) = resolve_target(&state, &target).await?;
        let incident = if incident_id != 0 {
            let incident = state.store.incident(incident_id).await.or_internal()?.ok_or_else(|| AppError::not_found("That incident"))?;
            if !incident.status.is_open() {
                return Err(AppError::invalid("target", "This incident is over: reopen it before paging."));
            }
            Some(incident.id)
        } else {
            None
        };
        let now = state.now();
        let body = format!("{} paged {target_name}: {message}", viewer.display_name);
        let event = NewEvent::automatic(EventKind::Paged, body, now);
        let new = NewPage { incident_id: incident, target_name, plan, message, created_by: viewer.id };
        state.store.open_page(&new, Some(&event), now).await.or_internal()?;
        state.pages_opened.notify_one();
        if let Some(id) = incident {
            state.live.incident_changed(&state.store, id).await;
        }
        Ok(back_to_page_list(incident))
    })
    .await
}

/// Pages the signed-in person, as a test of the whole path: the on-call worker takes the step,
/// every contact method gets the page with its one-time link, and acknowledging it (by link or
/// on the pages list) ends it. At most one a minute.
#[server(prefix = "/api", endpoint = "pages/test", output = crate::wire::Json)]
pub async fn send_test_page() -> Result<String, AppError> {
    use crate::domain::paging::Plan;
    use crate::domain::permissions::Permission;
    use crate::store::paging::NewPage;
    crate::api::support::respond(server_span!(), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::View).await?;
        let now = state.now();
        if state.store.pages_opened_by_since(viewer.id, now - chrono::Duration::minutes(1)).await.or_internal()? > 0 {
            return Err(AppError::invalid("test_page", "You paged a moment ago: wait a minute before the next test page."));
        }
        let new = NewPage {
            incident_id: None,
            target_name: format!("{} (test page)", viewer.display_name),
            plan: Plan::direct(viewer.id),
            message: "Test page from Quell: acknowledge it to see the whole path work.".to_string(),
            created_by: viewer.id,
        };
        state.store.open_page(&new, None, now).await.or_internal()?;
        state.pages_opened.notify_one();
        tracing::info!(user_id = viewer.id, "test page opened");
        Ok(crate::api::support::redirect_form_post("/settings/profile?saved=test-page"))
    })
    .await
}

/// Acknowledges a page as the signed-in person.
#[server(prefix = "/api", endpoint = "pages/acknowledge", output = crate::wire::Json)]
pub async fn acknowledge_page(page_id: i64) -> Result<String, AppError> {
    use crate::domain::permissions::Permission;
    use crate::store::paging::Acknowledged;
    crate::api::support::respond(server_span!(page_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::Respond).await?;
        let page = state.store.page(page_id).await.or_internal()?.ok_or_else(|| AppError::not_found("That page"))?;
        let person = crate::domain::catalog::Person { id: viewer.id, name: viewer.display_name.clone() };
        match crate::engine::escalation::acknowledge(&state, &page, &person, "").await? {
            Acknowledged::Now(page) => Ok(back_to_page_list(page.incident_id)),
            Acknowledged::Already(page) => {
                Err(AppError::conflict(None, format!("This page is {} already.", page.status.label().to_lowercase())))
            }
        }
    })
    .await
}

/// Every page, newest first, with the form to page.
#[server(prefix = "/api", endpoint = "pages/list", output = crate::wire::Json)]
pub async fn list_pages(page: i64) -> Result<PagesView, AppError> {
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::View).await?;
        let page = page.max(1);
        let listed = state.store.pages_page(PageRequest::number(page, PAGES_PAGE_SIZE)).await.or_internal()?;
        let can_page = viewer.role.allows(Permission::Respond);
        Ok(PagesView {
            rows: page_views(&state, listed.rows, &viewer).await?,
            page,
            pages: ((listed.total + PAGES_PAGE_SIZE - 1) / PAGES_PAGE_SIZE).max(1),
            total: listed.total,
            can_page,
            targets: if can_page { page_targets(&state).await? } else { Vec::new() },
            default_target: String::new(),
        })
    })
    .await
}

/// An incident's pages, with the form to page.
#[server(prefix = "/api", endpoint = "pages/of-incident", output = crate::wire::Json)]
pub async fn incident_pages(incident_id: i64) -> Result<PagesView, AppError> {
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(incident_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::View).await?;
        // Made once per version of the incident for everyone who has it open; shaped here.
        let kept = state
            .kept_for_incident(&state.views.incident_pages, incident_id, async {
                let Some(incident) = state.store.incident(incident_id).await.or_internal()? else {
                    return Ok::<_, AppError>(None);
                };
                let pages = state.store.pages_of_incident(incident_id, INCIDENT_PAGES).await.or_internal()?;
                let (recipients, people) = page_people(&state, &pages).await?;
                let paged_service = state.store.paged_service_of_incident(incident_id).await.or_internal()?;
                Ok(Some(crate::state::views::IncidentPages { incident, pages, recipients, people, paged_service }))
            })
            .await?;
        let kept = kept.as_ref().as_ref().ok_or_else(|| AppError::not_found("That incident"))?;
        let total = kept.pages.len() as i64;
        let can_page = viewer.role.allows(Permission::Respond) && kept.incident.status.is_open();
        let (targets, default_target) = if can_page {
            let targets = state.views.page_targets.get_or_make("", (0, state.store.shared_version()), |_| true, page_targets(&state)).await?;
            (targets.as_ref().clone(), kept.paged_service.map(|service| format!("service:{service}")).unwrap_or_default())
        } else {
            (Vec::new(), String::new())
        };
        Ok(PagesView {
            rows: shape_pages(&kept.pages, &kept.recipients, &kept.people, &viewer, state.now()),
            page: 1,
            pages: 1,
            total,
            can_page,
            targets,
            default_target,
        })
    })
    .await
}

/// Something deleted that admins can still restore.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletedItem {
    pub id: i64,
    pub name: String,
    /// "Deleted 2026-03-01 10:00 CET; restorable until 2026-03-31 10:00 CEST".
    pub when: String,
}

/// What the Recently deleted page lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletedView {
    pub schedules: Vec<DeletedItem>,
    pub policies: Vec<DeletedItem>,
}

/// Items the Recently deleted page lists of each kind at most.
pub const DELETED_SHOWN: i64 = 100;

/// Schedules and escalation policies deleted in the last `DELETED_KEPT_DAYS` days (admins).
#[server(prefix = "/api", endpoint = "on-call/deleted", output = crate::wire::Json)]
pub async fn list_deleted() -> Result<DeletedView, AppError> {
    use crate::domain::paging::DELETED_KEPT_DAYS;
    use crate::domain::permissions::Permission;
    use crate::store::deleted::SoftDeleted;
    crate::api::support::respond(server_span!(), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::ManageSettings).await?;
        let kept = chrono::Duration::days(DELETED_KEPT_DAYS);
        let since = state.now() - kept;
        let item = |(id, name, deleted): (i64, String, chrono::DateTime<chrono::Utc>)| DeletedItem {
            id,
            name,
            when: format!("Deleted {}; restorable until {}", format(deleted, &viewer), format(deleted + kept, &viewer)),
        };
        let schedules = state.store.deleted(SoftDeleted::Schedule, since, DELETED_SHOWN).await.or_internal()?;
        let policies = state.store.deleted(SoftDeleted::Policy, since, DELETED_SHOWN).await.or_internal()?;
        Ok(DeletedView { schedules: schedules.into_iter().map(item).collect(), policies: policies.into_iter().map(item).collect() })
    })
    .await
}

/// Brings back a deleted schedule (`kind` "schedule") or escalation policy ("policy") and
/// leads to it.
#[server(prefix = "/api", endpoint = "on-call/restore", output = crate::wire::Json)]
pub async fn restore_deleted(kind: String, id: i64) -> Result<String, AppError> {
    use crate::domain::paging::DELETED_KEPT_DAYS;
    use crate::domain::permissions::Permission;
    use crate::store::deleted::SoftDeleted;
    use crate::store::StoreError;
    crate::api::support::respond(server_span!(), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::ManageSettings).await?;
        let now = state.now();
        let since = now - chrono::Duration::days(DELETED_KEPT_DAYS);
        let (deleted, path) = match kind.as_str() {
            "schedule" => (SoftDeleted::Schedule, format!("/on-call/schedules/{id}")),
            "policy" => (SoftDeleted::Policy, format!("/on-call/policies/{id}")),
            _ => return Err(AppError::invalid("kind", "Choose a schedule or a policy to restore.")),
        };
        let what = kind.as_str();
        match state.store.restore(deleted, id, since, now).await {
            Ok(()) => {}
            Err(StoreError::NotFound) => return Err(AppError::not_found(&format!("That deleted {what}"))),
            Err(StoreError::Unique(_)) => {
                return Err(AppError::conflict(None, format!("A {what} of that name exists now: rename it, then restore this one.")))
            }
            Err(other) => return Err(other.into_internal()),
        }
        tracing::info!(user_id = viewer.id, kind = what, id, "restored");
        Ok(crate::api::support::redirect_form_post(&path))
    })
    .await
}
