//! User administration (admins only).

#[cfg(feature = "ssr")]
use crate::api::support::*;
use crate::domain::account::User;
#[cfg(feature = "ssr")]
use crate::domain::permissions::OrgRole;
use crate::errors::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub const USERS_PAGE_SIZE: i64 = 25;

/// A user as listed, with times already in the viewer's time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRow {
    pub user: User,
    pub last_login: Option<String>,
    pub created: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserList {
    pub rows: Vec<UserRow>,
    /// 1-based.
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    /// The admin looking at the list (they cannot deactivate or demote themselves here).
    pub viewer_id: i64,
}

#[server(prefix = "/api", endpoint = "users/list", output = crate::wire::Json)]
pub async fn list_users(page: i64) -> Result<UserList, AppError> {
    use crate::domain::permissions::Permission;
    crate::api::support::respond(server_span!(), async move {
        let Ctx { viewer, state } = Ctx::require(Permission::ManageUsers).await?;
        let page = page.max(1);
        let listed = state
            .store
            .list_users(PageRequest::number(page, USERS_PAGE_SIZE))
            .await
            .or_internal()?;
        let zone = viewer.time_zone.as_str();
        let rows = listed
            .rows
            .into_iter()
            .map(|user| UserRow {
                last_login: user.last_login_at.map(|t| crate::engine::zone::format_in_zone(t, zone)),
                created: crate::engine::zone::format_in_zone(user.created_at, zone),
                user,
            })
            .collect();
        let pages = ((listed.total + USERS_PAGE_SIZE - 1) / USERS_PAGE_SIZE).max(1);
        Ok(UserList { rows, page, pages, total: listed.total, viewer_id: viewer.id })
    })
    .await
}

/// Creates an account with a temporary password that the admin hands over; the person changes
/// it on their profile page.
#[server(prefix = "/api", endpoint = "users/create", output = crate::wire::Json)]
pub async fn create_user(email: String, display_name: String, role: String, password: String) -> Result<User, AppError> {
    use crate::domain::{account, password::check_password_policy, permissions::Permission};
    use crate::store::{NewUser, StoreError};
    crate::api::support::respond(server_span!(), async move {
        let Ctx { viewer: admin, state } = Ctx::require(Permission::ManageUsers).await?;
        let email = account::normalize_email(&email)?;
        let display_name = account::normalize_display_name(&display_name)?;
        let role: OrgRole = role.parse().map_err(|message: String| AppError::invalid("role", message))?;
        check_password_policy(&password, &email, "password")?;
        let password_hash = crate::auth::hash_password(password).await?;
        let new = NewUser { email, display_name, time_zone: admin.time_zone.clone(), role, password_hash };
        match state.store.create_user(&new, state.now()).await {
            Ok(user) => {
                tracing::info!(admin_id = admin.id, user_id = user.id, role = %role, "user created");
                Ok(user)
            }
            Err(StoreError::Unique(_)) => {
                Err(AppError::conflict(Some("email"), "Someone already has an account with that email address."))
            }
            Err(err) => Err(err.into_internal()),
        }
    })
    .await
}

#[server(prefix = "/api", endpoint = "users/change-role", output = crate::wire::Json)]
pub async fn change_user_role(user_id: i64, role: String, revision: i64) -> Result<User, AppError> {
    use crate::domain::permissions::Permission;
    use crate::store::StoreError;
    crate::api::support::respond(server_span!(user_id), async move {
        let Ctx { viewer: admin, state } = Ctx::require(Permission::ManageUsers).await?;
        let role: OrgRole = role.parse().map_err(|message: String| AppError::invalid("role", message))?;
        match state.store.update_user_role(user_id, role, revision, state.now()).await {
            Ok(user) => {
                tracing::info!(admin_id = admin.id, user_id, role = %role, "user role changed");
                Ok(user)
            }
            Err(StoreError::Refused(Refusal::LastAdmin)) => Err(AppError::conflict(
                Some("role"),
                "Quell needs at least one active admin: make someone else an admin first.",
            )),
            Err(err) => Err(crate::api::support::update_error(err, "this user")),
        }
    })
    .await
}

/// Deactivating a user ends all of their sessions at once; reactivating lets them sign in again.
#[server(prefix = "/api", endpoint = "users/set-active", output = crate::wire::Json)]
pub async fn set_user_active(user_id: i64, active: bool, revision: i64) -> Result<User, AppError> {
    use crate::domain::permissions::Permission;
    use crate::store::StoreError;
    crate::api::support::respond(server_span!(user_id), async move {
        let Ctx { viewer: admin, state } = Ctx::require(Permission::ManageUsers).await?;
        if !active && user_id == admin.id {
            return Err(AppError::conflict(Some("active"), "You can't deactivate your own account."));
        }
        match state.store.set_user_active(user_id, active, revision, state.now()).await {
            Ok(user) => {
                tracing::info!(admin_id = admin.id, user_id, active, "user activation changed");
                Ok(user)
            }
            Err(StoreError::Refused(Refusal::LastAdmin)) => Err(AppError::conflict(
                Some("active"),
                "Quell needs at least one active admin: make someone else an admin first.",
            )),
            Err(err) => Err(crate::api::support::update_error(err, "this user")),
        }
    })
    .await
}

/// One-time password reset links: an admin makes one for someone who forgot their password
/// and passes it on; opening it lets that person choose a new password once, within
/// `RESET_LINK_HOURS`, which ends all their sessions. Only the token's hash is kept. The server
/// serves both steps as plain pages (`/settings/users/reset-link`, `/reset-password/<token>`).
#[cfg(feature = "ssr")]
pub mod reset {
    use super::*;
    use crate::domain::permissions::Permission;
    use crate::state::AppState;

    /// Hours a reset link works.
    pub const RESET_LINK_HOURS: i64 = 24;

    /// A link made, as the admin sees it.
    pub struct ResetLink {
        pub name: String,
        pub url: String,
        /// When it stops working, in the admin's zone.
        pub expires: String,
    }

    /// `admin` makes a reset link for `user_id` (an active person other than themselves).
    pub async fn make_reset_link(state: &AppState, admin: &User, user_id: i64) -> Result<ResetLink, AppError> {
        if !admin.role.allows(Permission::ManageUsers) {
            return Err(AppError::Forbidden);
        }
        if user_id == admin.id {
            return Err(AppError::invalid("user_id", "Change your own password on your profile page."));
        }
        let record = state
            .store
            .user_by_id(user_id)
            .await
            .or_internal()?
            .filter(|r| r.user.active)
            .ok_or_else(|| AppError::invalid("user_id", "Choose an active person from the list."))?;
        let token = crate::auth::new_secret_token();
        let now = state.now();
        let expires = now + chrono::Duration::hours(RESET_LINK_HOURS);
        state.store.create_password_reset(user_id, &crate::auth::token_hash(&token), admin.id, now, expires).await.or_internal()?;
        tracing::info!(admin_id = admin.id, user_id, "password reset link made");
        Ok(ResetLink { name: record.user.display_name, url: format!("{}/reset-password/{token}", base_url(&state.settings)), expires: format(expires, admin) })
    }

    /// The person a reset link is for, while it works.
    pub async fn person_of_link(state: &AppState, token: &str) -> Result<Option<User>, AppError> {
        state.store.password_reset_user(&crate::auth::token_hash(token), state.now()).await.or_internal()
    }

    /// Sets a new password for `user` (from `person_of_link`) through their reset link; `false`
    /// when the link stopped working meanwhile.
    pub async fn reset_with_link(state: &AppState, token: &str, user: &User, password: String, confirmation: &str) -> Result<bool, AppError> {
        if password != confirmation {
            return Err(AppError::invalid("new_password_confirmation", "The new passwords don't match."));
        }
        crate::domain::password::check_password_policy(&password, &user.email, "new_password")?;
        let hash = crate::auth::hash_password(password).await?;
        let used = state.store.use_password_reset(&crate::auth::token_hash(token), &hash, state.now()).await.or_internal()?;
        if used {
            tracing::info!(user_id = user.id, "password reset through a link");
        }
        Ok(used)
    }
}
