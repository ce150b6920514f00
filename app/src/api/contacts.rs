//! The signed-in person's own contact methods and notification rules (on their profile): list,
//! add, remove, and send oneself a test notification through the outbox. Everyone signed in
//! manages their own; nobody sees or changes anyone else's here.

#[cfg(feature = "ssr")]
use crate::api::support::*;
use crate::domain::catalog::Person;
use crate::domain::contact::{ContactMethod, NotificationRule};
use crate::errors::AppError;
use leptos::prelude::*;

/// One's contact methods and the notification rules that say when each is used.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ContactSettings {
    pub methods: Vec<ContactMethod>,
    /// The soonest first; empty: a page goes to every method at once.
    pub rules: Vec<NotificationRule>,
}

#[server(prefix = "/api", endpoint = "contact-methods/list", output = crate::wire::Json)]
pub async fn list_contact_methods() -> Result<ContactSettings, AppError> {
    use crate::domain::contact::{MAX_CONTACT_METHODS, MAX_NOTIFICATION_RULES};
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::View).await?;
        let methods = state.store.contact_methods(viewer.id, MAX_CONTACT_METHODS).await.or_internal()?;
        let rules = state.store.notification_rules(viewer.id, MAX_NOTIFICATION_RULES).await.or_internal()?;
        Ok(ContactSettings { methods, rules })
    })
    .await
}

/// Adds a notification rule: page me through `contact_method_id` (one of one's own) `delay_minutes`
/// after being paged (0: at once).
#[server(prefix = "/api", endpoint = "notification-rules/add", output = crate::wire::Json)]
pub async fn add_notification_rule(contact_method_id: i64, delay_minutes: String) -> Result<String, AppError> {
    use crate::domain::contact::{parse_rule_delay, MAX_NOTIFICATION_RULES};
    use crate::domain::permissions::Permission;
    use crate::store::StoreError;
    crate::api::support::respond(server_span!(contact_method_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::View).await?;
        let delay = parse_rule_delay(&delay_minutes)?;
        match state.store.add_notification_rule(viewer.id, contact_method_id, delay, MAX_NOTIFICATION_RULES, state.now()).await {
            Ok(_) => Ok(crate::api::support::redirect_form_post("/settings/profile?saved=rule")),
            Err(StoreError::NotFound) => Err(AppError::invalid("contact_method_id", "Choose one of your contact methods.")),
            Err(StoreError::Unique(_)) => Err(AppError::invalid("delay_minutes", "You have this rule already.")),
            Err(StoreError::Stale) => {
                Err(AppError::invalid("delay_minutes", format!("You have {MAX_NOTIFICATION_RULES} rules already: remove one first.")))
            }
            Err(other) => Err(other.into_internal()),
        }
    })
    .await
}

#[server(prefix = "/api", endpoint = "notification-rules/remove", output = crate::wire::Json)]
pub async fn remove_notification_rule(notification_rule_id: i64) -> Result<String, AppError> {
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(notification_rule_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::View).await?;
        state
            .store
            .remove_notification_rule(viewer.id, notification_rule_id)
            .await
            .map_err(|e| crate::api::support::update_error(e, "that rule"))?;
        Ok(crate::api::support::redirect_form_post("/settings/profile"))
    })
    .await
}

/// Adds a contact method: `kind` is "email" or "webhook"; `target` the address or the URL
/// template (`{message}` is replaced by the message, percent-encoded).
#[server(prefix = "/api", endpoint = "contact-methods/add", output = crate::wire::Json)]
pub async fn add_contact_method(kind: String, label: String, target: String) -> Result<String, AppError> {
    use crate::domain::contact::{normalize_contact, MAX_CONTACT_METHODS};
    use crate::domain::permissions::Permission;
    use crate::store::StoreError;
    crate::api::support::respond(server_span!(), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::View).await?;
        let (kind, label, target) = normalize_contact(&kind, &label, &target)?;
        if kind == crate::domain::contact::ContactKind::Webhook {
            let example = crate::domain::contact::fill_url_template(&target, "test");
            state.settings.outbound.check_url(&example).await.map_err(|refused| AppError::invalid("target", refused.to_string()))?;
        }
        match state.store.add_contact_method(viewer.id, kind, &label, &target, MAX_CONTACT_METHODS, state.now()).await {
            Ok(_) => Ok(crate::api::support::redirect_form_post("/settings/profile?saved=contact")),
            Err(StoreError::Stale) => Err(AppError::invalid("label", format!("You have {MAX_CONTACT_METHODS} contact methods already: remove one first."))),
            Err(other) => Err(other.into_internal()),
        }
    })
    .await
}

#[server(prefix = "/api", endpoint = "contact-methods/remove", output = crate::wire::Json)]
pub async fn remove_contact_method(contact_method_id: i64) -> Result<String, AppError> {
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(contact_method_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::View).await?;
        state
            .store
            .remove_contact_method(viewer.id, contact_method_id)
            .await
            .map_err(|e| crate::api::support::update_error(e, "that contact method"))?;
        Ok(crate::api::support::redirect_form_post("/settings/profile"))
    })
    .await
}

/// Queues a test notification to one of one's own contact methods; the delivery log shows how
/// it went.
#[server(prefix = "/api", endpoint = "contact-methods/test", output = crate::wire::Json)]
pub async fn send_test_notification(contact_method_id: i64) -> Result<String, AppError> {
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(contact_method_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::View).await?;
        let method = state
            .store
            .contact_method(contact_method_id)
            .await
            .or_internal()?
            .filter(|m| m.user_id == viewer.id)
            .ok_or_else(|| AppError::not_found("That contact method"))?;
        let delivery = crate::engine::notify::test_notification(&method, &viewer.display_name, &crate::api::support::base_url(&state.settings));
        state.store.enqueue_deliveries(std::slice::from_ref(&delivery), state.now()).await.or_internal()?;
        state.deliveries_queued.notify_one();
        tracing::info!(user_id = viewer.id, contact_method_id, "test notification queued");
        Ok(crate::api::support::redirect_form_post("/settings/profile?saved=test"))
    })
    .await
}

/// People the Settings page lists because nothing reaches them.
pub const UNREACHABLE_SHOWN: i64 = 20;

/// Active people without any contact method (at most `UNREACHABLE_SHOWN`, by name) and how
/// many there are: pages and hand-off notices reach none of them.
#[server(prefix = "/api", endpoint = "contact-methods/unreachable", output = crate::wire::Json)]
pub async fn unreachable_people() -> Result<(Vec<Person>, i64), AppError> {
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(), async move {
        let Ctx { state, .. } = Ctx::require(Permission::View).await?;
        state.store.unreachable_people(UNREACHABLE_SHOWN).await.or_internal()
    })
    .await
}
