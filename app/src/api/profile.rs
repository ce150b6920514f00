//! Every user's own profile: display name, time zone and password.

#[cfg(feature = "ssr")]
use crate::api::support::*;
use crate::domain::account::User;
use crate::errors::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub user: User,
    pub time_zones: Vec<String>,
}

#[server(prefix = "/api", endpoint = "profile", output = crate::wire::Json)]
pub async fn get_profile() -> Result<Profile, AppError> {
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(), async {
        let Ctx { viewer: user, .. } = Ctx::require(Permission::View).await?;
        Ok(Profile { user, time_zones: crate::api::support::time_zone_names() })
    })
    .await
}

#[server(prefix = "/api", endpoint = "profile/update", output = crate::wire::Json)]
pub async fn update_profile(display_name: String, time_zone: String, revision: i64) -> Result<String, AppError> {
    use crate::domain::{account, permissions::Permission};
    crate::api::support::respond(server_span!(), async move {
        let Ctx { viewer: user, state } = Ctx::require(Permission::View).await?;
        let display_name = account::normalize_display_name(&display_name)?;
        let time_zone = crate::api::support::validate_time_zone("time_zone", &time_zone)?;
        state
            .store
            .update_profile(user.id, &display_name, &time_zone, revision, state.now())
            .await
            .map_err(|err| crate::api::support::update_error(err, "your profile"))?;
        Ok(crate::api::support::redirect_form_post("/settings/profile?saved=profile"))
    })
    .await
}

/// Changes the signed-in user's password. The current password is required. Every other session
/// of the user ends; this one continues under a new id.
#[server(prefix = "/api", endpoint = "profile/password", output = crate::wire::Json)]
pub async fn change_password(
    current_password: String,
    new_password: String,
    new_password_confirmation: String,
) -> Result<String, AppError> {
    use crate::domain::{password::check_password_policy, permissions::Permission};
    crate::api::support::respond(server_span!(), async move {
        let Ctx { viewer: user, state } = Ctx::require(Permission::View).await?;
        let record = state.store.user_by_id(user.id).await.or_internal()?.ok_or(AppError::Unauthenticated)?;
        if current_password.is_empty() {
            return Err(AppError::invalid("current_password", "Enter your current password."));
        }
        if !crate::auth::verify_password(current_password, Some(record.password_hash.clone())).await {
            return Err(AppError::invalid("current_password", "That is not your current password."));
        }
        check_password_policy(&new_password, &user.email, "new_password")?;
        if new_password != new_password_confirmation {
            return Err(AppError::invalid("new_password_confirmation", "The new passwords don't match."));
        }
        let hash = crate::auth::hash_password(new_password).await?;
        let now = state.now();
        let record = state.store.set_password(user.id, &hash, now).await.or_internal()?;
        let session = crate::auth::session().await?;
        crate::auth::start_session(&session, &record, now).await?;
        tracing::info!(user_id = user.id, "password changed");
        Ok(crate::api::support::redirect_form_post("/settings/profile?saved=password"))
    })
    .await
}
