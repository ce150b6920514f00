//! Settings of the public status page, for admins: its look, the update templates and the
//! maintenance windows. (The page itself is served by `crate::engine::status_page`, without sign-in.)

#[cfg(feature = "ssr")]
use crate::api::support::*;
use crate::domain::incident::Status;
use crate::domain::status_page::MaintenancePhase;
use crate::errors::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub const MAINTENANCE_PAGE_SIZE: i64 = 20;

/// A maintenance window as the settings page lists it (times in the viewer's zone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaintenanceView {
    pub id: i64,
    pub title: String,
    pub message: String,
    pub starts: String,
    pub ends: String,
    pub phase: MaintenancePhase,
    pub cancelled: bool,
    pub components: Vec<String>,
    pub revision: i64,
}

/// Everything the status-page settings show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusPageAdmin {
    pub title: String,
    pub logo_text: String,
    pub accent_color: String,
    pub revision: i64,
    /// (status, text, revision) in lifecycle order.
    pub templates: Vec<(Status, String, i64)>,
    pub maintenance: Vec<MaintenanceView>,
    pub page: i64,
    pub pages: i64,
    /// Public services a window can cover.
    pub components: Vec<(i64, String)>,
    /// Now, as a `datetime-local` value in the viewer's zone.
    pub now_input: String,
    /// Whether the viewer may change the settings (admins).
    pub can_edit: bool,
}

/// The status-page settings page (everyone signed in reads it; admins get the forms).
#[server(prefix = "/api", endpoint = "status-page/settings/get", output = crate::wire::Json)]
pub async fn get_status_page_admin(page: i64) -> Result<StatusPageAdmin, AppError> {
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(), async move {
        let Ctx { viewer: admin, state } = Ctx::require(Permission::View).await?;
        let store = &state.store;
        let page = page.max(1);
        let settings = store.status_page_settings().await.or_internal()?;
        let templates = store.update_templates().await.or_internal()?;
        let Page { rows: windows, total } =
            store.list_maintenance(PageRequest::number(page, MAINTENANCE_PAGE_SIZE)).await.or_internal()?;
        let components = store.public_components().await.or_internal()?;
        let now = state.now();
        Ok(StatusPageAdmin {
            title: settings.title,
            logo_text: settings.logo_text,
            accent_color: settings.accent_color,
            revision: settings.revision,
            templates: templates.into_iter().map(|t| (t.status, t.body, t.revision)).collect(),
            maintenance: windows
                .into_iter()
                .map(|w| MaintenanceView {
                    id: w.id,
                    starts: format(w.starts_at, &admin),
                    ends: format(w.ends_at, &admin),
                    phase: MaintenancePhase::of(w.starts_at, w.ends_at, now),
                    cancelled: w.cancelled,
                    components: w.components.into_iter().map(|(_, name)| name).collect(),
                    title: w.title,
                    message: w.message,
                    revision: w.revision,
                })
                .collect(),
            page,
            pages: ((total + MAINTENANCE_PAGE_SIZE - 1) / MAINTENANCE_PAGE_SIZE).max(1),
            components: components.into_iter().map(|c| (c.id, c.name)).collect(),
            now_input: input_value(now, &admin),
            can_edit: admin.role.allows(Permission::ManageSettings),
        })
    })
    .await
}

/// The page's title, the text shown as its logo, and its accent colour (`#rrggbb`).
#[server(prefix = "/api", endpoint = "status-page/settings/update", output = crate::wire::Json)]
pub async fn update_status_page_settings(title: String, logo_text: String, accent_color: String, revision: i64) -> Result<(), AppError> {
    use crate::domain::permissions::Permission;
    use crate::domain::status_page::{normalize_accent_color, normalize_logo_text, normalize_page_title};
    use crate::store::status_page::StatusPageSettings;
    crate::api::support::respond(server_span!(), async move {
        let Ctx { state, .. } = Ctx::require(Permission::ManageSettings).await?;
        let settings = StatusPageSettings {
            title: normalize_page_title(&title)?,
            logo_text: normalize_logo_text(&logo_text)?,
            accent_color: normalize_accent_color(&accent_color)?,
            revision,
        };
        state
            .store
            .set_status_page_settings(&settings, state.now())
            .await
            .map_err(|err| crate::api::support::update_error(err, "the status page settings"))?;
        state.status_page.changed();
        Ok(())
    })
    .await
}

/// Replaces the text that pre-fills updates for one status.
#[server(prefix = "/api", endpoint = "status-page/templates/update", output = crate::wire::Json)]
pub async fn update_template(status: String, body: String, revision: i64) -> Result<(), AppError> {
    use crate::domain::permissions::Permission;
    use crate::domain::updates::{normalize_template, TEMPLATE_STATUSES};
    crate::api::support::respond(server_span!(), async move {
        let Ctx { state, .. } = Ctx::require(Permission::ManageSettings).await?;
        let status: Status = status.parse().map_err(|message| AppError::invalid("status", message))?;
        if !TEMPLATE_STATUSES.contains(&status) {
            return Err(AppError::invalid("status", "Templates exist for investigating, identified, monitoring and resolved."));
        }
        let body = normalize_template(&body)?;
        state
            .store
            .set_update_template(status, &body, revision, state.now())
            .await
            .map_err(|err| crate::api::support::update_error(err, "this template"))
    })
    .await
}

/// Plans a maintenance window. Times are `datetime-local` values in the admin's zone.
#[server(prefix = "/api", endpoint = "status-page/maintenance/create", output = crate::wire::Json)]
pub async fn create_maintenance(
    title: String,
    starts_at: String,
    ends_at: String,
    #[server(default)] message: String,
    #[server(default)] service_ids: Vec<i64>,
) -> Result<(), AppError> {
    use crate::domain::permissions::Permission;
    use crate::domain::status_page::check_maintenance_window;
    use crate::store::status_page::MaintenanceFields;
    crate::api::support::respond(server_span!(), async move {
        let Ctx { viewer: admin, state } = Ctx::require(Permission::ManageSettings).await?;
        let title = crate::domain::updates::normalize_public_title(&title).map_err(|e| AppError::invalid("title", e.message))?;
        let message = message.trim().to_string();
        if message.chars().count() > crate::domain::updates::MAX_UPDATE_LENGTH {
            return Err(AppError::invalid("message", "Keep the message under 5000 characters."));
        }
        let starts_at = parse_local("starts_at", &starts_at, &admin)?.ok_or_else(|| AppError::invalid("starts_at", "Enter when the work starts."))?;
        let ends_at = parse_local("ends_at", &ends_at, &admin)?.ok_or_else(|| AppError::invalid("ends_at", "Enter when the work ends."))?;
        let now = state.now();
        check_maintenance_window(starts_at, ends_at, now)?;
        let mut ids = service_ids;
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            return Err(AppError::invalid("service_ids", "Choose the components the work affects."));
        }
        chosen_components(&state, &ids, "service_ids", "Choose components from the list (public services only).").await?;
        let fields = MaintenanceFields { message_html: crate::markdown::render(&message), title, message, starts_at, ends_at, service_ids: ids };
        let id = state.store.create_maintenance(&fields, admin.id, now).await.or_internal()?;
        tracing::info!(maintenance_id = id, admin_id = admin.id, "maintenance window planned");
        state.status_page.changed();
        Ok(())
    })
    .await
}

/// Cancels a planned or running window; it leaves the status page.
#[server(prefix = "/api", endpoint = "status-page/maintenance/cancel", output = crate::wire::Json)]
pub async fn cancel_maintenance(maintenance_id: i64, revision: i64) -> Result<(), AppError> {
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(maintenance_id), async move {
        let Ctx { state, .. } = Ctx::require(Permission::ManageSettings).await?;
        state
            .store
            .cancel_maintenance(maintenance_id, revision, state.now())
            .await
            .map_err(|err| crate::api::support::update_error(err, "this maintenance window"))?;
        state.status_page.changed();
        Ok(())
    })
    .await
}
