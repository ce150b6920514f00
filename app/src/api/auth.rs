//! First-run setup, sign-in and sign-out.

#[cfg(feature = "ssr")]
use crate::api::support::*;
use crate::domain::account::User;
use crate::errors::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What every page needs to know about the visitor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub user: Option<User>,
    /// True until the first administrator has been created.
    pub setup_needed: bool,
}

/// Data for the first-run page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetupForm {
    pub setup_needed: bool,
    pub time_zones: Vec<String>,
}

#[server(prefix = "/api", endpoint = "session", output = crate::wire::Json)]
pub async fn get_session_info() -> Result<SessionInfo, AppError> {
    crate::api::support::respond(server_span!(), async {
        let state = Ctx::anonymous()?;
        let user = crate::auth::current_user().await?;
        let setup_needed = !state.setup_completed().await.or_internal()?;
        Ok(SessionInfo { user, setup_needed })
    })
    .await
}

#[server(prefix = "/api", endpoint = "setup/status", output = crate::wire::Json)]
pub async fn get_setup_form() -> Result<SetupForm, AppError> {
    crate::api::support::respond(server_span!(), async {
        let state = Ctx::anonymous()?;
        let setup_needed = !state.setup_completed().await.or_internal()?;
        let time_zones = if setup_needed { crate::api::support::time_zone_names() } else { Vec::new() };
        Ok(SetupForm { setup_needed, time_zones })
    })
    .await
}

/// Creates the first administrator and signs them in. Works only while no administrator exists;
/// afterwards it answers 404 like any unknown page.
#[server(prefix = "/api", endpoint = "setup/first-admin", output = crate::wire::Json)]
pub async fn create_first_admin(
    email: String,
    display_name: String,
    time_zone: String,
    password: String,
    password_confirmation: String,
) -> Result<String, AppError> {
    use crate::domain::{account, password::check_password_policy, permissions::OrgRole};
    use crate::store::{NewUser, StoreError};
    crate::api::support::respond(server_span!(), async move {
        let state = Ctx::anonymous()?;
        if state.setup_completed().await.or_internal()? {
            return Err(AppError::not_found("That page"));
        }
        let email = account::normalize_email(&email)?;
        let display_name = account::normalize_display_name(&display_name)?;
        let time_zone = crate::api::support::validate_time_zone("time_zone", &time_zone)?;
        check_password_policy(&password, &email, "password")?;
        if password != password_confirmation {
            return Err(AppError::invalid("password_confirmation", "The passwords don't match."));
        }
        let password_hash = crate::auth::hash_password(password).await?;
        let new = NewUser { email, display_name, time_zone, role: OrgRole::Admin, password_hash };
        let now = state.now();
        let user = match state.store.create_first_admin(&new, now).await {
            Ok(user) => user,
            Err(StoreError::Refused(Refusal::SetupDone)) => return Err(AppError::not_found("That page")),
            Err(err) => return Err(err.into_internal()),
        };
        state.setup_done.store(true, std::sync::atomic::Ordering::Relaxed);
        tracing::info!(user_id = user.id, "first administrator created");
        let record = state.store.user_by_id(user.id).await.or_internal()?.ok_or(AppError::Internal)?;
        let session = crate::auth::session().await?;
        crate::auth::start_session(&session, &record, now).await?;
        state.store.record_login(user.id, now).await.or_internal()?;
        Ok(crate::api::support::redirect_form_post("/"))
    })
    .await
}

/// Where to go after signing in: a path on this site, or the home page.
pub fn safe_next_path(next: &str) -> String {
    let next = next.trim();
    // Browsers drop tabs and newlines from addresses and read `\` as `/`, so `/\t/evil.example`
    // would be `//evil.example`; the path is checked as sent and percent-decoded (once and twice).
    let decoded = crate::domain::text::percent_decode(next);
    let twice = crate::domain::text::percent_decode(&decoded);
    // A decoded space is only a space (`?q=db%20down`); as sent, none is allowed.
    let same_origin = |path: &str, spaces: bool| {
        let mut chars = path.chars();
        chars.next() == Some('/')
            && !matches!(chars.next(), Some('/') | Some('\\'))
            && !path.chars().any(|c| c.is_control() || (c.is_whitespace() && !(spaces && c == ' ')) || c == '\\')
    };
    let on_this_site = same_origin(next, false) && same_origin(&decoded, true) && same_origin(&twice, true);
    if on_this_site && !decoded.starts_with("/login") && !decoded.starts_with("/api/") {
        next.to_string()
    } else {
        "/".to_string()
    }
}

/// Signs in with email and password. Failures are counted per account and per client: after a
/// few, attempts are slowed; after more, refused for a while. The answer never tells whether an
/// account with that email exists.
#[server(prefix = "/api", endpoint = "auth/login", output = crate::wire::Json)]
pub async fn login(email: String, password: String, next: String) -> Result<String, AppError> {
    use crate::domain::throttle::{retry_message, ThrottleScope, Verdict};
    crate::api::support::respond(server_span!(), async move {
        let state = Ctx::anonymous()?;
        let email_key = email.trim().to_lowercase();
        if email_key.is_empty() {
            return Err(AppError::invalid("email", "Enter your email address."));
        }
        if password.is_empty() {
            return Err(AppError::invalid("password", "Enter your password."));
        }
        let client = leptos_axum::extract::<axum::Extension<crate::auth::ClientAddress>>()
            .await
            .map(|axum::Extension(address)| address.0)
            .unwrap_or_else(|_| "unknown".to_string());
        let account_key = ThrottleScope::Account.key(&email_key);
        let client_key = ThrottleScope::Client.key(&client);
        let now = state.now();

        // Each attempt is counted before the password is checked, so a burst of attempts sent at
        // once can't all be checked before any is counted.
        let mut delay = chrono::Duration::zero();
        // The client first: an address refused as a client adds nothing to the account's count, so
        // one address can't lock accounts without a password being checked.
        for (scope, key) in [(ThrottleScope::Client, &client_key), (ThrottleScope::Account, &account_key)] {
            let count = state.store.count_attempt(key, &scope.policy(), now).await.or_internal()?;
            match scope.policy().judge_counted(&count, now) {
                Verdict::Refuse { until } => {
                    tracing::warn!(scope = ?scope, "sign-in refused: too many failures");
                    return Err(AppError::TooManyRequests { message: retry_message(until, now) });
                }
                Verdict::Allow { delay: wait } => delay = delay.max(wait),
            }
        }
        if let Ok(wait) = delay.to_std() {
            if !wait.is_zero() {
                state.clock.sleep(wait).await;
            }
        }

        let record = state.store.user_by_email(&email_key).await.or_internal()?;
        let hash = record.as_ref().filter(|r| r.user.active).map(|r| r.password_hash.clone());
        if !crate::auth::verify_password(password, hash).await {
            tracing::info!("sign-in failed");
            return Err(AppError::invalid("password", "The email or password is incorrect."));
        }
        let record = record.ok_or(AppError::Internal)?;
        state.store.clear_failures(&account_key).await.or_internal()?;
        state.store.forgive_attempt(&client_key).await.or_internal()?;
        let session = crate::auth::session().await?;
        crate::auth::start_session(&session, &record, now).await?;
        state.store.record_login(record.user.id, now).await.or_internal()?;
        tracing::info!(user_id = record.user.id, "signed in");
        Ok(crate::api::support::redirect_form_post(&safe_next_path(&next)))
    })
    .await
}

/// Signs out: the server-side session is destroyed, not just the cookie.
#[server(prefix = "/api", endpoint = "auth/logout", output = crate::wire::Json)]
pub async fn logout() -> Result<String, AppError> {
    crate::api::support::respond(server_span!(), async {
        let session = crate::auth::session().await?;
        session.flush().await.map_err(|err| {
            tracing::error!(error = %err, "ending the session failed");
            AppError::Internal
        })?;
        Ok(crate::api::support::redirect_form_post("/login"))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::safe_next_path;

    #[test]
    fn only_paths_on_this_site_are_followed_after_sign_in() {
        assert_eq!(safe_next_path("/settings/profile"), "/settings/profile");
        assert_eq!(safe_next_path("/incidents?status=open&q=db%20down"), "/incidents?status=open&q=db%20down");
        for unsafe_next in [
            "",
            "https://evil.example",
            "//evil.example",
            "/\\evil",
            "/login",
            "/api/auth/logout",
            "/%09/evil.example/",
            "/\t/evil.example/",
            "/%0a/evil.example",
            "/\n/evil.example",
            "/\r\nSet-Cookie: x=1",
            "/%2f/evil.example",
            "/%5c/evil.example",
            "/%252f/evil.example",
            "/ /evil.example",
            "/\u{0}/evil",
            "javascript:alert(1)",
            "/%61pi/auth/logout",
        ] {
            assert_eq!(safe_next_path(unsafe_next), "/", "{unsafe_next:?}");
        }
    }
}
