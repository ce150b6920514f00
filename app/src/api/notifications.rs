//! Subscriptions, webhooks and the delivery log.
//!
//! Anyone signed in manages their own subscriptions (to an incident, or to incidents matching a
//! severity and/or service); responders add external addresses to an incident; admins manage
//! external filter subscriptions, webhooks and the delivery log.

#[cfg(feature = "ssr")]
use crate::api::support::*;
use crate::domain::delivery::{DeliveryStatus, IncidentFilter};
use crate::domain::catalog::Severity;
use crate::errors::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub const DELIVERIES_PAGE_SIZE: i64 = 25;
pub const SUBSCRIPTIONS_PAGE_SIZE: i64 = 50;

/// A subscription as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionView {
    pub id: i64,
    pub who: String,
    /// "All incidents", "SEV1 incidents affecting API", …
    pub scope: String,
}

/// A webhook as listed (the secret is never sent back, only whether there is one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookView {
    pub id: i64,
    pub name: String,
    pub url: String,
    pub format: String,
    pub signed: bool,
    pub filter: IncidentFilter,
    pub scope: String,
    pub active: bool,
    pub revision: i64,
}

/// A delivery in the log (times in the viewer's zone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryView {
    pub id: i64,
    pub channel: String,
    pub target: String,
    pub topic: String,
    pub status: DeliveryStatus,
    pub attempts: i64,
    pub last_error: String,
    pub created: String,
    pub next_attempt: Option<String>,
    pub sent: Option<String>,
}

/// The notifications settings page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationsView {
    pub mine: Vec<SubscriptionView>,
    pub severities: Vec<Severity>,
    pub services: Vec<(i64, String)>,
    pub is_admin: bool,
    /// Admins only from here on.
    pub external: Vec<SubscriptionView>,
    pub webhooks: Vec<WebhookView>,
    pub deliveries: Vec<DeliveryView>,
    pub delivery_counts: Vec<(DeliveryStatus, i64)>,
    pub status_filter: Option<DeliveryStatus>,
    pub page: i64,
    pub pages: i64,
}

/// Who an incident's updates go to, for its page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentRecipients {
    /// Names of people and external addresses (at most 50 shown).
    pub people: Vec<String>,
    pub people_total: i64,
    pub webhooks: Vec<String>,
    /// The viewer's own subscription to this incident.
    pub my_subscription: Option<i64>,
}

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use super::*;
    use crate::state::AppState;
    use crate::store::notifications::Subscription;

    /// "All incidents", "SEV1 incidents", "incidents affecting API", "SEV1 incidents affecting API".
    pub fn scope(filter: IncidentFilter, severity: Option<&str>, service: Option<&str>) -> String {
        match (filter.severity_id.and(severity), filter.service_id.and(service)) {
            (None, None) => "All incidents".to_string(),
            (Some(sev), None) => format!("{sev} incidents"),
            (None, Some(svc)) => format!("Incidents affecting {svc}"),
            (Some(sev), Some(svc)) => format!("{sev} incidents affecting {svc}"),
        }
    }

    pub fn subscription_view(s: Subscription) -> SubscriptionView {
        let scope = match s.incident_id {
            Some(id) => format!("Updates of {}", crate::domain::incident::reference(id)),
            None => scope(s.filter, s.severity_name.as_deref(), s.service_name.as_deref()),
        };
        SubscriptionView { id: s.id, who: s.who, scope }
    }

    /// A severity and service chosen in a form (0: any), checked to exist.
    pub async fn chosen_filter(state: &AppState, severity_id: i64, service_id: i64) -> Result<IncidentFilter, AppError> {
        let filter = IncidentFilter { severity_id: (severity_id > 0).then_some(severity_id), service_id: (service_id > 0).then_some(service_id) };
        if let Some(id) = filter.severity_id {
            state.store.severity(id).await.or_internal()?.ok_or_else(|| AppError::invalid("severity_id", "Choose a severity from the list."))?;
        }
        if let Some(id) = filter.service_id {
            state.store.service(id).await.or_internal()?.ok_or_else(|| AppError::invalid("service_id", "Choose a service from the list."))?;
        }
        Ok(filter)
    }

    /// Who an incident's updates go to now (for its page).
    pub async fn incident_recipients(state: &AppState, viewer_id: i64, data: &crate::state::views::IncidentData) -> Result<IncidentRecipients, AppError> {
        Ok(IncidentRecipients {
            people_total: data.recipients_total,
            people: data.recipient_names.clone(),
            webhooks: data.webhook_names.clone(),
            my_subscription: state.store.incident_subscription_of(data.detail.incident.id, viewer_id).await.or_internal()?,
        })
    }
}

/// Subscribes the viewer to an incident's internal updates, or ends that subscription.
#[server(prefix = "/api", endpoint = "incidents/subscribe", output = crate::wire::Json)]
pub async fn subscribe_to_incident(incident_id: i64, #[server(default)] subscribe: bool) -> Result<(), AppError> {
    use crate::domain::permissions::Permission;
    use crate::store::notifications::NewSubscription;
    crate::api::support::respond(server_span!(incident_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::View).await?;
        incident_or_404(&state, incident_id).await?;
        if subscribe {
            let new = NewSubscription { user_id: Some(viewer.id), email: None, incident_id: Some(incident_id), filter: IncidentFilter::default(), created_by: viewer.id };
            state.store.subscribe(&new, state.now()).await.or_internal()?;
        } else if let Some(id) = state.store.incident_subscription_of(incident_id, viewer.id).await.or_internal()? {
            state.store.delete_subscription(id).await.or_internal()?;
        }
        state.live.incident_changed(&state.store, incident_id).await;
        Ok(())
    })
    .await
}

/// Adds an external email address to an incident's internal updates (responders).
#[server(prefix = "/api", endpoint = "incidents/subscribers/add", output = crate::wire::Json)]
pub async fn add_incident_subscriber(incident_id: i64, email: String) -> Result<(), AppError> {
    use crate::domain::delivery::normalize_subscriber_email;
    use crate::domain::permissions::Permission;
    use crate::store::notifications::NewSubscription;
    crate::api::support::respond(server_span!(incident_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::Respond).await?;
        let email = normalize_subscriber_email(&email)?;
        incident_or_404(&state, incident_id).await?;
        let new = NewSubscription { user_id: None, email: Some(email), incident_id: Some(incident_id), filter: IncidentFilter::default(), created_by: viewer.id };
        state.store.subscribe(&new, state.now()).await.or_internal()?;
        state.live.incident_changed(&state.store, incident_id).await;
        Ok(())
    })
    .await
}

/// The notifications settings page: the viewer's subscriptions and, for admins, external
/// subscriptions, webhooks and the delivery log (`status` filters it; empty: all).
#[server(prefix = "/api", endpoint = "notifications/get", output = crate::wire::Json)]
pub async fn get_notifications(status: String, page: i64) -> Result<NotificationsView, AppError> {
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::View).await?;
        let store = &state.store;
        let limit = CHOICE_LIMIT;
        let mine = store.filter_subscriptions(Some(viewer.id), PageRequest::first(SUBSCRIPTIONS_PAGE_SIZE)).await.or_internal()?.rows;
        let severities = store.list_severities(PageRequest::first(limit)).await.or_internal()?.rows;
        let services: Vec<(i64, String)> = store.list_services(PageRequest::first(limit)).await.or_internal()?.rows.into_iter().map(|s| (s.id, s.name)).collect();
        let is_admin = viewer.role.allows(Permission::ManageSettings);
        let page = page.max(1);
        let status_filter = status.parse::<DeliveryStatus>().ok();
        let mut view = NotificationsView {
            mine: mine.into_iter().map(ssr::subscription_view).collect(),
            severities,
            services,
            is_admin,
            external: Vec::new(),
            webhooks: Vec::new(),
            deliveries: Vec::new(),
            delivery_counts: Vec::new(),
            status_filter,
            page,
            pages: 1,
        };
        if !is_admin {
            return Ok(view);
        }
        let external = store.filter_subscriptions(None, PageRequest::first(SUBSCRIPTIONS_PAGE_SIZE)).await.or_internal()?.rows;
        view.external = external.into_iter().map(ssr::subscription_view).collect();
        let name_of = |id: Option<i64>, list: &[(i64, String)]| id.and_then(|id| list.iter().find(|(i, _)| *i == id).map(|(_, n)| n.clone()));
        let severity_names: Vec<(i64, String)> = view.severities.iter().map(|s| (s.id, s.name.clone())).collect();
        view.webhooks = store
            .list_webhooks()
            .await
            .or_internal()?
            .into_iter()
            .map(|w| WebhookView {
                scope: ssr::scope(w.filter, name_of(w.filter.severity_id, &severity_names).as_deref(), name_of(w.filter.service_id, &view.services).as_deref()),
                id: w.id,
                name: w.name,
                url: w.url,
                format: w.format,
                signed: !w.secret.is_empty(),
                filter: w.filter,
                active: w.active,
                revision: w.revision,
            })
            .collect();
        let (Page { rows: deliveries, total }, counts) = store.list_deliveries(status_filter, PageRequest::number(page, DELIVERIES_PAGE_SIZE)).await.or_internal()?;
        view.pages = ((total + DELIVERIES_PAGE_SIZE - 1) / DELIVERIES_PAGE_SIZE).max(1);
        view.delivery_counts = counts;
        view.deliveries = deliveries
            .into_iter()
            .map(|d| DeliveryView {
                id: d.id,
                channel: d.channel.as_str().to_string(),
                target: d.target,
                topic: d.topic,
                status: d.status,
                attempts: d.attempts,
                last_error: d.last_error,
                created: format(d.created_at, &viewer),
                next_attempt: (d.status == DeliveryStatus::Pending).then(|| format(d.next_attempt_at, &viewer)),
                sent: d.sent_at.map(|t| format(t, &viewer)),
            })
            .collect();
        Ok(view)
    })
    .await
}

/// Subscribes to every incident matching a severity and/or service (0: any). Without `email`,
/// the viewer subscribes; with one, an admin subscribes that external address.
#[server(prefix = "/api", endpoint = "subscriptions/create", output = crate::wire::Json)]
pub async fn create_subscription(#[server(default)] severity_id: i64, #[server(default)] service_id: i64, #[server(default)] email: String) -> Result<(), AppError> {
    use crate::domain::delivery::normalize_subscriber_email;
    use crate::domain::permissions::Permission;
    use crate::store::notifications::NewSubscription;
    crate::api::support::respond(server_span!(service_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::View).await?;
        let external = !email.trim().is_empty();
        if external && !viewer.role.allows(Permission::ManageSettings) {
            return Err(AppError::Forbidden);
        }
        let filter = ssr::chosen_filter(&state, severity_id, service_id).await?;
        let (user_id, email) = if external { (None, Some(normalize_subscriber_email(&email)?)) } else { (Some(viewer.id), None) };
        let new = NewSubscription { user_id, email, incident_id: None, filter, created_by: viewer.id };
        state.store.subscribe(&new, state.now()).await.or_internal()
    })
    .await
}

/// Ends a subscription: one's own, or any (admins).
#[server(prefix = "/api", endpoint = "subscriptions/delete", output = crate::wire::Json)]
pub async fn delete_subscription(subscription_id: i64) -> Result<(), AppError> {
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(subscription_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::View).await?;
        let subscription = state.store.subscription(subscription_id).await.or_internal()?.ok_or_else(|| AppError::not_found("That subscription"))?;
        if subscription.user_id != Some(viewer.id) && !viewer.role.allows(Permission::ManageSettings) {
            return Err(AppError::Forbidden);
        }
        state.store.delete_subscription(subscription_id).await.or_internal()?;
        if let Some(incident_id) = subscription.incident_id {
            state.live.incident_changed(&state.store, incident_id).await;
        }
        Ok(())
    })
    .await
}

#[cfg(feature = "ssr")]
async fn webhook_fields(
    state: &crate::state::AppState,
    name: &str,
    url: &str,
    format: &str,
    secret: &str,
    severity_id: i64,
    service_id: i64,
    active: bool,
) -> Result<crate::store::notifications::WebhookFields, AppError> {
    let name = crate::domain::incident::normalize_name(name)?;
    let url = url.trim().to_string();
    let valid_url = (url.starts_with("https://") || url.starts_with("http://")) && url.len() > 10 && url.len() <= 2000 && !url.contains(char::is_whitespace);
    if !valid_url {
        return Err(AppError::invalid("url", "Enter the address to post to, starting with https:// (or http://)."));
    }
    state.settings.outbound.check_url(&url).await.map_err(|refused| AppError::invalid("url", refused.to_string()))?;
    if !matches!(format, "json" | "slack") {
        return Err(AppError::invalid("format", "Choose a payload format from the list."));
    }
    if secret.len() > 200 {
        return Err(AppError::invalid("secret", "Keep the secret under 200 characters."));
    }
    let filter = ssr::chosen_filter(state, severity_id, service_id).await?;
    Ok(crate::store::notifications::WebhookFields { name, url, format: format.to_string(), secret: secret.trim().to_string(), filter, active })
}

/// Adds an outgoing webhook (admins). `format` is `json` or `slack`; a `secret` signs requests.
#[allow(clippy::too_many_arguments)]
#[server(prefix = "/api", endpoint = "webhooks/create", output = crate::wire::Json)]
pub async fn create_webhook(
    name: String,
    url: String,
    format: String,
    #[server(default)] secret: String,
    #[server(default)] severity_id: i64,
    #[server(default)] service_id: i64,
) -> Result<(), AppError> {
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(service_id), async move {
        let Ctx { state, .. } = Ctx::require(Permission::ManageSettings).await?;
        let fields = webhook_fields(&state, &name, &url, &format, &secret, severity_id, service_id, true).await?;
        state.store.create_webhook(&fields, state.now()).await.or_internal()?;
        Ok(())
    })
    .await
}

/// Changes a webhook (admins). An empty `secret` keeps the current one unless
/// `clear_secret`.
#[allow(clippy::too_many_arguments)]
#[server(prefix = "/api", endpoint = "webhooks/update", output = crate::wire::Json)]
pub async fn update_webhook(
    webhook_id: i64,
    name: String,
    url: String,
    format: String,
    revision: i64,
    #[server(default)] secret: String,
    #[server(default)] clear_secret: bool,
    #[server(default)] severity_id: i64,
    #[server(default)] service_id: i64,
    #[server(default)] active: bool,
) -> Result<(), AppError> {
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(webhook_id, service_id), async move {
        let Ctx { state, .. } = Ctx::require(Permission::ManageSettings).await?;
        let current = state.store.webhook(webhook_id).await.or_internal()?.ok_or_else(|| AppError::not_found("That webhook"))?;
        let secret = if clear_secret { String::new() } else if secret.trim().is_empty() { current.secret } else { secret };
        let fields = webhook_fields(&state, &name, &url, &format, &secret, severity_id, service_id, active).await?;
        state
            .store
            .update_webhook(webhook_id, &fields, revision, state.now())
            .await
            .map_err(|err| crate::api::support::update_error(err, "this webhook"))
    })
    .await
}

/// Sends a failed or waiting delivery again now (admins).
#[server(prefix = "/api", endpoint = "deliveries/retry", output = crate::wire::Json)]
pub async fn retry_delivery(delivery_id: i64) -> Result<(), AppError> {
    use crate::domain::permissions::Permission;
    use crate::store::StoreError;
    crate::api::support::respond(server_span!(delivery_id), async move {
        let Ctx { state, .. } = Ctx::require(Permission::ManageSettings).await?;
        match state.store.retry_delivery(delivery_id, state.now()).await {
            Ok(()) => {}
            Err(StoreError::Stale) => return Err(AppError::conflict(None, "That delivery is being sent or was sent already.")),
            Err(StoreError::NotFound) => return Err(AppError::not_found("That delivery")),
            Err(err) => return Err(err.into_internal()),
        }
        state.deliveries_queued.notify_one();
        Ok(())
    })
    .await
}
