//! Updates on an incident: what the incident page's updates card shows (the composer's
//! defaults, the updates so far, the reminder) and publishing one. Responders and admins
//! publish; everyone signed in reads.

#[cfg(feature = "ssr")]
use crate::api::support::*;
use crate::domain::status_page::ComponentState;
use crate::domain::updates::Update;
use crate::errors::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Updates shown on the incident page at most (newest first).
pub const UPDATES_SHOWN: i64 = 20;

/// An update with its time in the viewer's zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateView {
    pub update: Update,
    pub published: String,
    pub published_ago: String,
}

/// A public component the composer can set, with its state now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponentChoice {
    pub service_id: i64,
    pub name: String,
    pub state: ComponentState,
}

/// The incident page's updates card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdatesPanel {
    pub updates: Vec<UpdateView>,
    pub total: i64,
    /// When the last update went out ("12 minutes ago"), if one did.
    pub last_update: Option<String>,
    /// The reminder, when an update is overdue.
    pub overdue: Option<String>,
    /// Whether the reminder is addressed to the viewer (they hold the communications role, or
    /// nobody does and they are the commander).
    pub reminder_is_for_viewer: bool,
    /// The composer's defaults: the template for the incident's status, and the public name.
    pub template: String,
    pub public_title: String,
    /// Public components among the affected services.
    pub components: Vec<ComponentChoice>,
    pub can_publish: bool,
    pub is_drill: bool,
}

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use super::*;
    use crate::domain::account::User;
    use crate::domain::catalog::RoleType;
    use crate::domain::incident::{format_duration, relative_time};
    use crate::domain::permissions::Permission;
    use crate::domain::updates::update_overdue_by;
    use crate::state::views::IncidentData;
    use chrono::{DateTime, Utc};

    /// The updates card of an incident as `viewer` sees it.
    pub fn updates_panel(data: &IncidentData, viewer: &User, role_types: &[RoleType], now: DateTime<Utc>) -> UpdatesPanel {
        let detail = &data.detail;
        let incident = &detail.incident;
        let updates = &data.updates;
        let total = data.updates_total;
        let severity = &data.severity;
        let last = updates.first().map(|u| u.published_at);
        let interval = severity.as_ref().and_then(|s| s.update_interval_minutes);
        let overdue = update_overdue_by(incident.status, interval, last, incident.declared_at, now).map(|late| {
            let since = if last.is_some() { "the last update" } else { "the incident was declared" };
            format!(
                "No update for {} since {since}: {} incidents expect one every {} minutes.",
                format_duration(now - last.unwrap_or(incident.declared_at)),
                severity.as_ref().map(|s| s.name.as_str()).unwrap_or("These"),
                interval.unwrap_or_default(),
            ) + &format!(" ({} overdue.)", format_duration(late))
        });
        let holder_of = |predicate: fn(&RoleType) -> bool| {
            let role = role_types.iter().find(|r| predicate(r))?;
            detail.roles.iter().find(|a| a.role_type_id == role.id).map(|a| a.user_id)
        };
        let reminder_is_for_viewer = match holder_of(|r| r.is_communications) {
            Some(holder) => holder == viewer.id,
            None => holder_of(|r| r.is_commander) == Some(viewer.id),
        };
        let template = data.templates.iter().find(|t| t.status == incident.status).map(|t| t.body.clone()).unwrap_or_default();
        let public_title = updates
            .iter()
            .find(|u| u.audience.public)
            .map(|u| u.public_title.clone())
            .unwrap_or_else(|| incident.title.clone());
        let components = data
            .public_services
            .iter()
            .map(|service| ComponentChoice {
                state: data.component_states.iter().find(|s| s.service_id == service.id).map(|s| s.state).unwrap_or(ComponentState::Operational),
                service_id: service.id,
                name: service.name.clone(),
            })
            .collect();
        UpdatesPanel {
            updates: updates
                .iter()
                .map(|update| UpdateView {
                    published: format(update.published_at, viewer),
                    published_ago: relative_time(update.published_at, now),
                    update: update.clone(),
                })
                .collect(),
            total,
            last_update: last.map(|at| relative_time(at, now)),
            overdue,
            reminder_is_for_viewer,
            template,
            public_title,
            components,
            can_publish: viewer.role.allows(Permission::Respond) && !incident.status.is_final(),
            is_drill: incident.is_drill,
        }
    }
}

/// Publishes an update on an incident to stakeholders (`internal`), the status page (`public`)
/// or both. `components` are `"<service id>:<state>"` for the public components whose state
/// the update sets (empty entries leave a component as it is).
#[allow(clippy::too_many_arguments)]
#[server(prefix = "/api", endpoint = "incidents/updates/publish", output = crate::wire::Json)]
pub async fn publish_update(
    incident_id: i64,
    message: String,
    #[server(default)] internal: bool,
    #[server(default)] public: bool,
    #[server(default)] public_title: String,
    #[server(default)] components: Vec<String>,
) -> Result<(), AppError> {
    use crate::domain::incident::EventKind;
    use crate::domain::permissions::Permission;
    use crate::domain::updates::{normalize_message, normalize_public_title, Audience, ComponentChange};
    use crate::store::updates::NewUpdate;
    crate::api::support::respond(server_span!(incident_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::Respond).await?;
        let audience = Audience::new(internal, public)?;
        let message = normalize_message(&message)?;
        let detail = detail_or_404(&state, incident_id).await?;
        let incident = detail.incident;
        if incident.status.is_final() {
            return Err(AppError::invalid("message", "This incident has ended; it takes no more updates."));
        }
        if public && incident.is_drill {
            return Err(AppError::invalid("audience", "This incident is a drill: drills never appear on the status page."));
        }
        let public_title = if public { normalize_public_title(&public_title)? } else { String::new() };
        let mut changes: Vec<ComponentChange> = Vec::new();
        for entry in components.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
            let parsed = entry.split_once(':').and_then(|(id, value)| Some((id.parse::<i64>().ok()?, value.parse::<ComponentState>().ok()?)));
            let Some((service_id, state)) = parsed else {
                return Err(AppError::invalid("components", "Choose component states from the lists."));
            };
            changes.retain(|c| c.service_id != service_id);
            changes.push(ComponentChange { service_id, state });
        }
        if !changes.is_empty() && !public {
            return Err(AppError::invalid("components", "Component states are shown on the status page: send the update there too, or leave them unchanged."));
        }
        let ids: Vec<i64> = changes.iter().map(|c| c.service_id).collect();
        chosen_components(&state, &ids, "components", "Only public services appear on the status page; choose from the lists.").await?;
        let now = state.now();
        let sentence = format!(
            "{} sent an update to {} ({}).",
            viewer.display_name,
            audience.label().to_lowercase(),
            incident.status.label()
        );
        let body_html = crate::markdown::render(&message);
        let mut event = NewEvent::automatic(EventKind::UpdatePublished, format!("{sentence}\n\n{message}"), now);
        event.body_html = format!("{}{body_html}", crate::markdown::text(&sentence));
        let new = NewUpdate {
            incident_id,
            status: incident.status,
            audience,
            public_title,
            body: message,
            body_html,
            author_id: viewer.id,
        };
        let service_ids: Vec<i64> = detail.services.iter().map(|(id, _)| *id).collect();
        let recipients = state.store.recipients(incident_id, incident.severity_id, &service_ids).await.or_internal()?;
        let public_subscribers: Vec<(String, String)> = if public {
            let secret = crate::engine::notify::unsubscribe_secret(&state.store).await.or_internal()?;
            let subscribers = state.store.confirmed_status_subscribers().await.or_internal()?;
            subscribers.into_iter().map(|(id, email)| {
                let token = crate::auth::unsubscribe_token(&secret, id, &email);
                (email, token)
            }).collect()
        } else {
            Vec::new()
        };
        let base_url = crate::api::support::base_url(&state.settings);
        let notice = crate::engine::notify::UpdateNotice { incident: &incident, update: &new, author: &viewer.display_name, published_at: now, base_url: &base_url };
        let deliveries = crate::engine::notify::update_deliveries(&notice, &recipients, &public_subscribers);
        let update = state.store.publish_update(&new, &changes, &event, &deliveries, now).await.or_internal()?;
        tracing::info!(incident_id, update_id = update.id, user_id = viewer.id, public, internal, deliveries = deliveries.len(), "update published");
        if !deliveries.is_empty() {
            state.deliveries_queued.notify_one();
        }
        if public {
            state.status_page.changed();
        }
        state.live.incident_changed(&state.store, incident_id).await;
        Ok(())
    })
    .await
}
