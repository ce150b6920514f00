//! Post-mortem templates: everyone lists them; admins (settings) create, rewrite and delete them.

use super::TemplatesView;
#[cfg(feature = "ssr")]
use crate::api::support::*;
use crate::errors::AppError;
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "post-mortem-templates/list", output = crate::wire::Json)]
pub async fn list_templates() -> Result<TemplatesView, AppError> {
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::View).await?;
        let templates = state.store.post_mortem_templates(CHOICE_LIMIT).await.or_internal()?;
        Ok(TemplatesView { templates, can_edit: viewer.role.allows(Permission::ManageSettings) })
    })
    .await
}

/// Creates (`id` 0) or rewrites a template; `make_default` makes new post-mortems start from it.
#[server(prefix = "/api", endpoint = "post-mortem-templates/save", output = crate::wire::Json)]
pub async fn save_template(
    id: i64,
    revision: i64,
    name: String,
    body: String,
    required_approvals: i64,
    #[server(default)] make_default: bool,
) -> Result<String, AppError> {
    use crate::domain::permissions::Permission;
    use crate::domain::post_mortem::validate_template;
    use crate::store::StoreError;
    crate::api::support::respond(server_span!(template_id = id), async move {
        let Ctx { state, .. } = Ctx::require(Permission::ManageSettings).await?;
        let (name, body) = validate_template(&name, &body, required_approvals)?;
        let result = if id == 0 {
            state.store.create_post_mortem_template(&name, &body, required_approvals, state.now()).await.map(|_| ())
        } else {
            state
                .store
                .update_post_mortem_template(id, revision, &name, &body, required_approvals, make_default, state.now())
                .await
        };
        match result {
            Ok(()) => Ok(crate::api::support::redirect_form_post("/settings/post-mortem-templates")),
            Err(StoreError::Unique(_)) => Err(AppError::invalid("name", "Another template has that name.")),
            Err(other) => Err(crate::api::support::update_error(other, "that template")),
        }
    })
    .await
}

#[server(prefix = "/api", endpoint = "post-mortem-templates/delete", output = crate::wire::Json)]
pub async fn delete_template(id: i64, revision: i64) -> Result<String, AppError> {
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(template_id = id), async move {
        let Ctx { state, .. } = Ctx::require(Permission::ManageSettings).await?;
        let template = state.store.post_mortem_template(id).await.or_internal()?;
        if template.as_ref().is_some_and(|t| t.is_default) {
            return Err(AppError::conflict(None, "This is the default template: make another the default first."));
        }
        state.store.delete_post_mortem_template(id, revision).await.map_err(|e| crate::api::support::update_error(e, "that template"))?;
        Ok(crate::api::support::redirect_form_post("/settings/post-mortem-templates"))
    })
    .await
}
