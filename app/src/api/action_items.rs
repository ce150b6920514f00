//! Action items: created from a post-mortem or an incident, edited and moved along by responders
//! and admins, listed as "my action items" and organisation-wide with filters, each with its
//! history. Everyone signed in reads; viewers change nothing.

#[cfg(feature = "ssr")]
use crate::api::support::*;
#[cfg(feature = "ssr")]
use ssr::item_view;
use crate::domain::action_item::ActionItem;
use crate::domain::action_item::ItemChange;
use crate::errors::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Action items per page of the lists.
pub const ITEMS_PAGE_SIZE: i64 = 50;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemsView {
    pub rows: Vec<ItemView>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    pub people: Vec<(i64, String)>,
    pub services: Vec<(i64, String)>,
    pub can_respond: bool,
    pub viewer_id: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemDetailView {
    pub item: ItemView,
    /// Each change with its time in the viewer's zone, newest first.
    pub history: Vec<(ItemChange, String)>,
    pub people: Vec<(i64, String)>,
    pub can_respond: bool,
}

/// An action item as shown, with its times in the viewer's zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemView {
    pub item: ActionItem,
    pub overdue: bool,
    pub due_text: String,
}

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use super::ItemView;
    use crate::domain::action_item::{due_text, ActionItem};
    use crate::errors::AppError;

    /// An item as shown on `today` (overdue or not, "due in 3 days").
    pub(crate) fn item_view(item: ActionItem, today: chrono::NaiveDate) -> ItemView {
        ItemView { overdue: item.is_overdue(today), due_text: due_text(item.status, item.due_on, today), item }
    }


    /// Where to go after a change: a path inside Quell named by the form, else the item's page.
    pub fn back_to(back_to: &str, fallback: String) -> String {
        let back_to = back_to.trim();
        if back_to.starts_with('/') && !back_to.starts_with("//") && !back_to.contains('\\') { back_to.to_string() } else { fallback }
    }

    pub fn stale(err: crate::store::StoreError) -> AppError {
        crate::api::support::update_error(err, "that action item")
    }
}

/// Adds an action item to an incident (and so to its post-mortem, when it has one).
#[allow(clippy::too_many_arguments)]
#[server(prefix = "/api", endpoint = "action-items/create", output = crate::wire::Json)]
pub async fn create_action_item(
    incident_id: i64,
    title: String,
    description: String,
    owner_id: i64,
    due_on: String,
    priority: String,
    tracker_url: String,
    back_to: String,
) -> Result<String, AppError> {
    use crate::domain::action_item::{validate_item, ItemInput};
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(incident_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::Respond).await?;
        state.store.incident(incident_id).await.or_internal()?.ok_or_else(|| AppError::not_found("That incident"))?;
        let input = ItemInput {
            title: &title,
            description: &description,
            owner_id,
            due_on: &due_on,
            priority: &priority,
            status: "open",
            wont_do_reason: "",
            tracker_url: &tracker_url,
        };
        let fields = validate_item(&input, today(&state, &viewer), None)?;
        check_person(&state, fields.owner_id, "owner_id").await?;
        let id = state.store.create_action_item(incident_id, &fields, viewer.id, state.now()).await.or_internal()?;
        tracing::info!(action_item_id = id, incident_id, "action item created");
        changed(&state, incident_id).await;
        Ok(crate::api::support::redirect_form_post(&ssr::back_to(&back_to, format!("/action-items/{id}"))))
    })
    .await
}

/// Rewrites an action item over the revision the form started from.
#[allow(clippy::too_many_arguments)]
#[server(prefix = "/api", endpoint = "action-items/update", output = crate::wire::Json)]
pub async fn update_action_item(
    id: i64,
    revision: i64,
    title: String,
    description: String,
    owner_id: i64,
    due_on: String,
    priority: String,
    status: String,
    wont_do_reason: String,
    tracker_url: String,
    back_to: String,
) -> Result<String, AppError> {
    use crate::domain::action_item::{validate_item, ItemInput};
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(action_item_id = id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::Respond).await?;
        let item = state.store.action_item(id).await.or_internal()?.ok_or_else(|| AppError::not_found("That action item"))?;
        let input = ItemInput {
            title: &title,
            description: &description,
            owner_id,
            due_on: &due_on,
            priority: &priority,
            status: &status,
            wont_do_reason: &wont_do_reason,
            tracker_url: &tracker_url,
        };
        let fields = validate_item(&input, today(&state, &viewer), Some(item.due_on))?;
        if fields.owner_id != item.owner_id {
            check_person(&state, fields.owner_id, "owner_id").await?;
        }
        state.store.update_action_item(id, revision, &fields, viewer.id, state.now()).await.map_err(ssr::stale)?;
        changed(&state, item.incident_id).await;
        Ok(crate::api::support::redirect_form_post(&ssr::back_to(&back_to, format!("/action-items/{id}"))))
    })
    .await
}

/// Moves an item to `status` (with a reason for "wont_do"), keeping its other fields.
#[server(prefix = "/api", endpoint = "action-items/set-status", output = crate::wire::Json)]
pub async fn set_action_item_status(id: i64, revision: i64, status: String, wont_do_reason: String, back_to: String) -> Result<String, AppError> {
    use crate::domain::action_item::{ItemFields, ItemStatus};
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(action_item_id = id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::Respond).await?;
        let item = state.store.action_item(id).await.or_internal()?.ok_or_else(|| AppError::not_found("That action item"))?;
        let status = ItemStatus::parse(&status)?;
        let reason = wont_do_reason.trim().to_string();
        if status == ItemStatus::WontDo && reason.is_empty() {
            return Err(AppError::invalid("wont_do_reason", "Say why it won't be done."));
        }
        let fields = ItemFields { status, wont_do_reason: if status == ItemStatus::WontDo { reason } else { String::new() }, ..item.fields() };
        state.store.update_action_item(id, revision, &fields, viewer.id, state.now()).await.map_err(ssr::stale)?;
        changed(&state, item.incident_id).await;
        Ok(crate::api::support::redirect_form_post(&ssr::back_to(&back_to, format!("/action-items/{id}"))))
    })
    .await
}

/// A page of action items by deadline. `mine` shows the viewer's; otherwise `owner_id` (0 for
/// anyone). `status`: "" for unfinished, "all", or one status. `priority`: "" or p0–p3.
/// `overdue` keeps only items past their deadline.
#[allow(clippy::too_many_arguments)]
#[server(prefix = "/api", endpoint = "action-items/list", output = crate::wire::Json)]
pub async fn list_action_items(
    mine: bool,
    owner_id: i64,
    status: String,
    priority: String,
    service_id: i64,
    incident_id: i64,
    overdue: bool,
    page: i64,
) -> Result<ItemsView, AppError> {
    use crate::domain::action_item::{ItemStatus, Priority};
    use crate::domain::permissions::Permission;
    use crate::store::action_items::ItemFilter;
    crate::api::support::respond(server_span!(service_id, incident_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::View).await?;
        let today = today(&state, &viewer);
        let statuses = match status.as_str() {
            "" => vec![ItemStatus::Open, ItemStatus::InProgress],
            "all" => Vec::new(),
            other => vec![ItemStatus::parse(other)?],
        };
        let some = |id: i64| (id > 0).then_some(id);
        let filter = ItemFilter {
            owner_id: if mine { Some(viewer.id) } else { some(owner_id) },
            statuses,
            priority: if priority.is_empty() { None } else { Some(Priority::parse(&priority)?) },
            service_id: some(service_id),
            incident_id: some(incident_id),
            post_mortem_id: None,
            overdue_on: overdue.then_some(today),
        };
        let page = page.max(1);
        let listed = state.action_item_list(&filter, PageRequest::number(page, ITEMS_PAGE_SIZE)).await.or_internal()?;
        let (rows, total) = (listed.rows.clone(), listed.total);
        let (people, services) = if mine {
            (Vec::new(), Vec::new())
        } else {
            let choices = state.choices(CHOICE_LIMIT).await.or_internal()?;
            (responders(&state).await?, choices.services.iter().map(|s| (s.id, s.name.clone())).collect())
        };
        Ok(ItemsView {
            rows: rows.into_iter().map(|item| item_view(item, today)).collect(),
            total,
            page,
            pages: ((total + ITEMS_PAGE_SIZE - 1) / ITEMS_PAGE_SIZE).max(1),
            people,
            services,
            can_respond: viewer.role.allows(Permission::Respond),
            viewer_id: viewer.id,
        })
    })
    .await
}

/// One action item with its history.
#[server(prefix = "/api", endpoint = "action-items/get", output = crate::wire::Json)]
pub async fn get_action_item(id: i64) -> Result<ItemDetailView, AppError> {
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(action_item_id = id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::View).await?;
        let item = state.store.action_item(id).await.or_internal()?.ok_or_else(|| AppError::not_found("That action item"))?;
        let history = state.store.action_item_changes(id, 200).await.or_internal()?;
        let can_respond = viewer.role.allows(Permission::Respond);
        let today = today(&state, &viewer);
        Ok(ItemDetailView {
            item: item_view(item, today),
            history: history
                .into_iter()
                .map(|c| {
                    let at = crate::engine::zone::format_in_zone(c.changed_at, &viewer.time_zone);
                    (c, at)
                })
                .collect(),
            people: if can_respond { responders(&state).await? } else { Vec::new() },
            can_respond,
        })
    })
    .await
}
