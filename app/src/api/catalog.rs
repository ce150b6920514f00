//! The incident catalog in Settings: severities, services, role types and incident types.
//! Everyone signed in may read it; only admins change it.

#[cfg(feature = "ssr")]
use crate::api::support::*;
use crate::domain::catalog::{IncidentType, Person, RoleType, Service, Severity};
use crate::errors::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub const CATALOG_PAGE_SIZE: i64 = 50;

/// One page of a catalog list. `options` carries what its forms choose from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogPage<T> {
    pub rows: Vec<T>,
    /// 1-based.
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    /// Whether the viewer may change the catalog.
    pub can_edit: bool,
}

/// The services page: services, and the people and services its forms choose from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServicesView {
    pub list: CatalogPage<Service>,
    pub people: Vec<Person>,
    /// Possible parents (the first 500 services by name).
    pub parents: Vec<(i64, String)>,
}

/// The incident types page, with the severities a default can be chosen from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentTypesView {
    pub list: CatalogPage<IncidentType>,
    pub severities: Vec<Severity>,
}


#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use super::*;
    use crate::domain::account::User;
    use crate::domain::permissions::Permission;
    use crate::store::Page;
    use crate::store::StoreError;

    pub(super) fn page_of<T>(listed: Page<T>, page: i64, viewer: &User) -> CatalogPage<T> {
        CatalogPage {
            rows: listed.rows,
            page,
            pages: ((listed.total + CATALOG_PAGE_SIZE - 1) / CATALOG_PAGE_SIZE).max(1),
            total: listed.total,
            can_edit: viewer.role.allows(Permission::ManageSettings),
        }
    }

    /// Maps a store error from a catalog write: a taken name is a conflict on the name field.
    pub(super) fn write_error(err: StoreError, what: &str) -> AppError {
        match err {
            StoreError::Unique(_) => {
                AppError::conflict(Some("name"), format!("There is already {what} with that name."))
            }
            StoreError::ForeignKey(_) => {
                AppError::invalid("", format!("That {what} refers to something that no longer exists."))
            }
            other => crate::api::support::update_error(other, &format!("this {what}")),
        }
    }

    pub(crate) fn description(input: &str) -> Result<String, AppError> {
        let text = input.trim().to_string();
        if text.chars().count() > 2000 {
            return Err(AppError::invalid("description", "Keep the description under 2,000 characters."));
        }
        Ok(text)
    }

    /// A drop-down's "none" (0) as `None`.
    pub(super) fn optional_id(id: i64) -> Option<i64> {
        (id > 0).then_some(id)
    }
}
#[cfg(feature = "ssr")]
use ssr::*;

// ---- severities ----

#[server(prefix = "/api", endpoint = "severities/list", output = crate::wire::Json)]
pub async fn list_severities(page: i64) -> Result<CatalogPage<Severity>, AppError> {
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::View).await?;
        let page = page.max(1);
        let listed = state.store.list_severities(PageRequest::number(page, CATALOG_PAGE_SIZE)).await.or_internal()?;
        Ok(page_of(listed, page, &viewer))
    })
    .await
}

#[cfg(feature = "ssr")]
fn severity_fields(
    name: &str,
    description: &str,
    update_interval_minutes: &str,
    pages_on_declare: bool,
) -> Result<crate::store::catalog::SeverityFields, AppError> {
    Ok(crate::store::catalog::SeverityFields {
        name: crate::domain::incident::normalize_name(name)?,
        description: ssr::description(description)?,
        update_interval_minutes: crate::domain::updates::parse_update_interval(update_interval_minutes)?,
        pages_on_declare,
    })
}

/// Adds a severity. `update_interval_minutes` (empty: never) is how long an open incident of
/// this severity may go without an update before the communications lead is reminded;
/// `pages_on_declare`, whether declaring at it pages the affected services' on-call.
#[server(prefix = "/api", endpoint = "severities/create", output = crate::wire::Json)]
pub async fn create_severity(
    name: String,
    description: String,
    #[server(default)] update_interval_minutes: String,
    #[server(default)] pages_on_declare: bool,
) -> Result<Severity, AppError> {
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(), async move {
        let Ctx { viewer: admin, state } = Ctx::require(Permission::ManageSettings).await?;
        let fields = severity_fields(&name, &description, &update_interval_minutes, pages_on_declare)?;
        let created = state.store.create_severity(&fields, state.now()).await.map_err(|e| write_error(e, "a severity"))?;
        tracing::info!(admin_id = admin.id, severity_id = created.id, "severity created");
        Ok(created)
    })
    .await
}

#[server(prefix = "/api", endpoint = "severities/update", output = crate::wire::Json)]
pub async fn update_severity(
    severity_id: i64,
    name: String,
    description: String,
    revision: i64,
    #[server(default)] update_interval_minutes: String,
    #[server(default)] pages_on_declare: bool,
) -> Result<Severity, AppError> {
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(), async move {
        let Ctx { state, .. } = Ctx::require(Permission::ManageSettings).await?;
        let fields = severity_fields(&name, &description, &update_interval_minutes, pages_on_declare)?;
        state
            .store
            .update_severity(severity_id, &fields, revision, state.now())
            .await
            .map_err(|e| write_error(e, "severity"))
    })
    .await
}

/// Moves a severity one place up (more severe) or down the list.
#[server(prefix = "/api", endpoint = "severities/move", output = crate::wire::Json)]
pub async fn move_severity(severity_id: i64, direction: String, revision: i64) -> Result<(), AppError> {
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(), async move {
        let Ctx { state, .. } = Ctx::require(Permission::ManageSettings).await?;
        let up = match direction.as_str() {
            "up" => true,
            "down" => false,
            _ => return Err(AppError::invalid("direction", "Move a severity up or down.")),
        };
        state.store.move_severity(severity_id, up, revision, state.now()).await.map_err(|e| write_error(e, "severity"))
    })
    .await
}

// ---- services ----

#[server(prefix = "/api", endpoint = "services/list", output = crate::wire::Json)]
pub async fn list_services(page: i64) -> Result<ServicesView, AppError> {
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::View).await?;
        let page = page.max(1);
        let store = &state.store;
        let listed = store.list_services(PageRequest::number(page, CATALOG_PAGE_SIZE)).await.or_internal()?;
        let people = store.list_people(CHOICE_LIMIT).await.or_internal()?;
        let parents = store.list_services(PageRequest::first(CHOICE_LIMIT)).await.or_internal()?;
        Ok(ServicesView {
            list: page_of(listed, page, &viewer),
            people,
            parents: parents.rows.into_iter().map(|s| (s.id, s.name)).collect(),
        })
    })
    .await
}

#[cfg(feature = "ssr")]
fn service_fields(
    name: &str,
    description: &str,
    owner_team: &str,
    owner_user_id: i64,
    parent_id: i64,
    public: bool,
) -> Result<crate::store::catalog::ServiceFields, AppError> {
    let owner_team = owner_team.split_whitespace().collect::<Vec<_>>().join(" ");
    if owner_team.chars().count() > 80 {
        return Err(AppError::invalid("owner_team", "Keep the team name under 80 characters."));
    }
    Ok(crate::store::catalog::ServiceFields {
        name: crate::domain::incident::normalize_name(name)?,
        description: ssr::description(description)?,
        owner_team,
        owner_user_id: optional_id(owner_user_id),
        parent_id: optional_id(parent_id),
        public,
    })
}

#[cfg(feature = "ssr")]
fn service_error(err: crate::store::StoreError) -> AppError {
    match err {
        crate::store::StoreError::Refused(crate::store::Refusal::ServiceParentCycle) => {
            AppError::invalid("parent_id", "A service can't be inside itself or one of its own sub-services.")
        }
        crate::store::StoreError::ForeignKey(_) => {
            AppError::invalid("parent_id", "Choose an owner and a parent from the lists.")
        }
        other => write_error(other, "a service"),
    }
}

#[server(prefix = "/api", endpoint = "services/create", output = crate::wire::Json)]
pub async fn create_service(
    name: String,
    description: String,
    owner_team: String,
    owner_user_id: i64,
    parent_id: i64,
    #[server(default)] public: bool,
) -> Result<Service, AppError> {
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(), async move {
        let Ctx { state, .. } = Ctx::require(Permission::ManageSettings).await?;
        let fields = service_fields(&name, &description, &owner_team, owner_user_id, parent_id, public)?;
        let created = state.store.create_service(&fields, state.now()).await.map_err(service_error)?;
        state.status_page.changed();
        Ok(created)
    })
    .await
}

#[server(prefix = "/api", endpoint = "services/update", output = crate::wire::Json)]
pub async fn update_service(
    service_id: i64,
    name: String,
    description: String,
    owner_team: String,
    owner_user_id: i64,
    parent_id: i64,
    revision: i64,
    #[server(default)] public: bool,
) -> Result<Service, AppError> {
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(service_id), async move {
        let Ctx { state, .. } = Ctx::require(Permission::ManageSettings).await?;
        let fields = service_fields(&name, &description, &owner_team, owner_user_id, parent_id, public)?;
        let updated = state.store.update_service(service_id, &fields, revision, state.now()).await.map_err(service_error)?;
        state.status_page.changed();
        Ok(updated)
    })
    .await
}

// ---- role types ----

#[server(prefix = "/api", endpoint = "role-types/list", output = crate::wire::Json)]
pub async fn list_role_types(page: i64) -> Result<CatalogPage<RoleType>, AppError> {
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::View).await?;
        let page = page.max(1);
        let listed = state.store.list_role_types(PageRequest::number(page, CATALOG_PAGE_SIZE)).await.or_internal()?;
        Ok(page_of(listed, page, &viewer))
    })
    .await
}

#[cfg(feature = "ssr")]
fn role_type_fields(
    name: &str,
    description: &str,
    checklist: &str,
    retired: bool,
) -> Result<crate::store::catalog::RoleTypeFields, AppError> {
    Ok(crate::store::catalog::RoleTypeFields {
        name: crate::domain::incident::normalize_name(name)?,
        description: ssr::description(description)?,
        checklist: crate::domain::incident::parse_checklist(checklist)?,
        retired,
    })
}

#[server(prefix = "/api", endpoint = "role-types/create", output = crate::wire::Json)]
pub async fn create_role_type(name: String, description: String, checklist: String) -> Result<RoleType, AppError> {
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(), async move {
        let Ctx { state, .. } = Ctx::require(Permission::ManageSettings).await?;
        let fields = role_type_fields(&name, &description, &checklist, false)?;
        state.store.create_role_type(&fields, state.now()).await.map_err(|e| write_error(e, "a role type"))
    })
    .await
}

/// Edits a role type; `retired` takes it out of use for new assignments (the commander role
/// can't be retired).
#[server(prefix = "/api", endpoint = "role-types/update", output = crate::wire::Json)]
pub async fn update_role_type(
    role_type_id: i64,
    name: String,
    description: String,
    checklist: String,
    #[server(default)] retired: bool,
    revision: i64,
) -> Result<RoleType, AppError> {
    use crate::domain::permissions::Permission;
    use crate::store::StoreError;
    crate::api::support::respond(server_span!(role_type_id), async move {
        let Ctx { state, .. } = Ctx::require(Permission::ManageSettings).await?;
        let fields = role_type_fields(&name, &description, &checklist, retired)?;
        match state.store.update_role_type(role_type_id, &fields, revision, state.now()).await {
            Err(StoreError::Refused(Refusal::CommanderRetired)) => Err(AppError::invalid(
                "retired",
                "The Incident Commander role can't be retired: every open incident needs a commander.",
            )),
            other => other.map_err(|e| write_error(e, "a role type")),
        }
    })
    .await
}

// ---- incident types ----

#[server(prefix = "/api", endpoint = "incident-types/list", output = crate::wire::Json)]
pub async fn list_incident_types(page: i64) -> Result<IncidentTypesView, AppError> {
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::View).await?;
        let page = page.max(1);
        let listed = state.store.list_incident_types(PageRequest::number(page, CATALOG_PAGE_SIZE)).await.or_internal()?;
        let severities = state.store.list_severities(PageRequest::first(CHOICE_LIMIT)).await.or_internal()?;
        Ok(IncidentTypesView { list: page_of(listed, page, &viewer), severities: severities.rows })
    })
    .await
}

#[cfg(feature = "ssr")]
fn incident_type_fields(
    name: &str,
    description: &str,
    default_severity_id: i64,
    retired: bool,
) -> Result<crate::store::catalog::IncidentTypeFields, AppError> {
    Ok(crate::store::catalog::IncidentTypeFields {
        name: crate::domain::incident::normalize_name(name)?,
        description: ssr::description(description)?,
        default_severity_id: optional_id(default_severity_id),
        retired,
    })
}

#[server(prefix = "/api", endpoint = "incident-types/create", output = crate::wire::Json)]
pub async fn create_incident_type(name: String, description: String, default_severity_id: i64) -> Result<IncidentType, AppError> {
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(), async move {
        let Ctx { state, .. } = Ctx::require(Permission::ManageSettings).await?;
        let fields = incident_type_fields(&name, &description, default_severity_id, false)?;
        state.store.create_incident_type(&fields, state.now()).await.map_err(|e| write_error(e, "an incident type"))
    })
    .await
}

#[server(prefix = "/api", endpoint = "incident-types/update", output = crate::wire::Json)]
pub async fn update_incident_type(
    incident_type_id: i64,
    name: String,
    description: String,
    default_severity_id: i64,
    #[server(default)] retired: bool,
    revision: i64,
) -> Result<IncidentType, AppError> {
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(), async move {
        let Ctx { state, .. } = Ctx::require(Permission::ManageSettings).await?;
        let fields = incident_type_fields(&name, &description, default_severity_id, retired)?;
        state
            .store
            .update_incident_type(incident_type_id, &fields, revision, state.now())
            .await
            .map_err(|e| write_error(e, "an incident type"))
    })
    .await
}
