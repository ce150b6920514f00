//! Roles on an incident: assigning, reassigning and removing them, and ticking their checklists.

#[cfg(feature = "ssr")]
use super::ssr::*;
#[cfg(feature = "ssr")]
use crate::api::support::*;
use crate::errors::AppError;
use leptos::prelude::*;

/// Someone else changed a role between the page being drawn and the change arriving.
#[cfg(feature = "ssr")]
fn role_conflict(role: &str) -> AppError {
    AppError::conflict(Some("user_id"), format!("Someone else changed the {role} role meanwhile. Reload to see who holds it now."))
}

/// Gives a role to a person (assign or reassign). `current_holder` is who held it when the page
/// was drawn (0: nobody); if that changed meanwhile, the change is refused as a conflict.
#[server(prefix = "/api", endpoint = "incidents/roles/assign", output = crate::wire::Json)]
pub async fn assign_role(incident_id: i64, role_type_id: i64, user_id: i64, current_holder: i64) -> Result<(), AppError> {
    use crate::domain::incident::EventKind;
    use crate::domain::permissions::Permission;
    use crate::store::StoreError;
    crate::api::support::respond(server_span!(incident_id, role_type_id, user_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::Respond).await?;
        let incident = incident_or_404(&state, incident_id).await?;
        let role_type = state
            .store
            .role_type(role_type_id)
            .await
            .or_internal()?
            .ok_or_else(|| AppError::invalid("role_type_id", "Choose a role from the list."))?;
        if role_type.retired {
            return Err(AppError::invalid("role_type_id", "That role has been retired and can't be assigned."));
        }
        if incident.status.is_final() {
            return Err(AppError::invalid("user_id", "This incident has ended; its roles can't change."));
        }
        let person = active_person(&state, user_id, "user_id").await?;
        if current_holder == person.id {
            return Ok(());
        }
        let now = state.now();
        let sentence = format!("{} assigned {} as {}.", viewer.display_name, person.display_name, role_type.name);
        let event = NewEvent::automatic(EventKind::RoleAssigned, sentence, now);
        let expected = (current_holder > 0).then_some(current_holder);
        match state.store.assign_role(incident_id, role_type_id, person.id, expected, &event, viewer.id, now).await {
            Ok(()) => {}
            Err(StoreError::Stale) => return Err(role_conflict(&role_type.name)),
            Err(err) => return Err(internal(err)),
        }
        state.live.incident_changed(&state.store, incident_id).await;
        Ok(())
    })
    .await
}

/// Takes a role from the person holding it. The commander role can only be handed over.
#[server(prefix = "/api", endpoint = "incidents/roles/unassign", output = crate::wire::Json)]
pub async fn unassign_role(incident_id: i64, role_type_id: i64, current_holder: i64) -> Result<(), AppError> {
    use crate::domain::incident::EventKind;
    use crate::domain::permissions::Permission;
    use crate::store::StoreError;
    crate::api::support::respond(server_span!(incident_id, role_type_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::Respond).await?;
        let incident = incident_or_404(&state, incident_id).await?;
        if incident.status.is_final() {
            return Err(AppError::invalid("user_id", "This incident has ended; its roles can't change."));
        }
        let role_type = state.store.role_type(role_type_id).await.or_internal()?.ok_or_else(|| AppError::not_found("That role"))?;
        let holder = state.store.user_by_id(current_holder).await.or_internal()?.ok_or_else(|| AppError::not_found("That person"))?;
        let now = state.now();
        let sentence = format!("{} removed {} from {}.", viewer.display_name, holder.user.display_name, role_type.name);
        let event = NewEvent::automatic(EventKind::RoleUnassigned, sentence, now);
        match state.store.unassign_role(incident_id, role_type_id, current_holder, &event, viewer.id, now).await {
            Ok(()) => {}
            Err(StoreError::Refused(Refusal::CommanderRequired)) => {
                return Err(AppError::invalid(
                    "user_id",
                    format!("An incident always has an {}: assign someone else instead.", role_type.name),
                ))
            }
            Err(StoreError::Stale) => return Err(role_conflict(&role_type.name)),
            Err(err) => return Err(internal(err)),
        }
        state.live.incident_changed(&state.store, incident_id).await;
        Ok(())
    })
    .await
}

/// Ticks or unticks an item of a role's checklist on an incident.
#[server(prefix = "/api", endpoint = "incidents/checklist", output = crate::wire::Json)]
pub async fn set_checklist_item(incident_id: i64, role_type_id: i64, item: String, #[server(default)] ticked: bool) -> Result<(), AppError> {
    use crate::domain::incident::EventKind;
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(incident_id, role_type_id), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::Respond).await?;
        incident_or_404(&state, incident_id).await?;
        let role_type = state.store.role_type(role_type_id).await.or_internal()?.ok_or_else(|| AppError::not_found("That role"))?;
        if !role_type.checklist.contains(&item) {
            return Err(AppError::invalid("item", "That item is not on the role's checklist."));
        }
        let now = state.now();
        let (kind, verb) = if ticked { (EventKind::ChecklistTicked, "ticked") } else { (EventKind::ChecklistUnticked, "unticked") };
        let sentence = format!("{} {verb} “{item}” for {}.", viewer.display_name, role_type.name);
        let event = NewEvent::automatic(kind, sentence, now);
        let changed = state
            .store
            .set_checklist_item(incident_id, role_type_id, &item, ticked, &event, viewer.id, now)
            .await
            .or_internal()?;
        if changed {
            state.live.incident_changed(&state.store, incident_id).await;
        }
        Ok(())
    })
    .await
}
