//! Who is asking (server only): password hashing, the session keys, and the per-request
//! `Authenticated` value that the server's middleware resolves from the session cookie.
//!
//! Server functions ask through `api::support::Ctx`, which uses `current_user()` here.

use crate::domain::account::User;
use crate::errors::AppError;
use crate::state::{AppState, Settings};
use crate::store::{OrInternal, UserRecord};
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::Extension;
use chrono::{DateTime, Utc};
use std::sync::OnceLock;
use tower_sessions::Session;

pub const SESSION_USER_ID: &str = "user_id";
pub const SESSION_AUTH_VERSION: &str = "auth_version";
pub const SESSION_SIGNED_IN_AT: &str = "signed_in_at";
/// When the session's idle expiry was last pushed forward (Unix seconds).
pub const SESSION_TOUCHED_AT: &str = "touched_at";
/// How often a session in use is written again to push its idle expiry forward. Reads between
/// leave the session row alone, so a page view writes nothing.
pub const SESSION_TOUCH_EVERY_SECONDS: i64 = 60;
pub const SESSION_COOKIE_NAME: &str = "quell_session";

/// A new secret for an address that works without signing in: a calendar feed, a public
/// subscriber's confirmation or unsubscribe link (256 random bits, hex).
pub fn new_secret_token() -> String {
    use argon2::password_hash::rand_core::RngCore;
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What the database keeps of a secret token: its SHA-256, hex. A leaked database does not
/// give the addresses away.
pub fn token_hash(token: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// The token in subscriber `id`'s unsubscribe links: `<id>-<HMAC-SHA256 of the id and address,
/// hex>`, signed with the install's unsubscribe secret, so nothing per subscriber is kept that
/// could be read back as a link, and a link stops working for an id that is later given to
/// another address.
pub fn unsubscribe_token(secret: &str, id: i64, email: &str) -> String {
    format!("{id}-{}", unsubscribe_mac(secret, id, email))
}

/// The subscriber id an unsubscribe token names (not yet checked: see `unsubscribe_token_holds`).
pub fn unsubscribe_token_id(token: &str) -> Option<i64> {
    token.split_once('-')?.0.parse().ok()
}

/// Whether `token` is subscriber `id`'s (at `email`) under `secret`; compared in constant time.
pub fn unsubscribe_token_holds(secret: &str, token: &str, id: i64, email: &str) -> bool {
    let expected = unsubscribe_token(secret, id, email);
    expected.len() == token.len() && expected.bytes().zip(token.bytes()).fold(0u8, |diff, (a, b)| diff | (a ^ b)) == 0
}

fn unsubscribe_mac(secret: &str, id: i64, email: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(format!("unsubscribe:{id}:{email}").as_bytes());
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// The signed-in user of this request, if any, as resolved by the server's middleware.
#[derive(Clone, Debug, Default)]
pub struct Authenticated(pub Option<User>);

/// The address the request came from, for login throttling.
#[derive(Clone, Debug)]
pub struct ClientAddress(pub String);

/// Argon2id with the library defaults, which are OWASP's recommendation (19 MiB, t=2, p=1).
fn argon2() -> Argon2<'static> {
    Argon2::default()
}

/// Hashes a password off the async runtime (it takes tens of milliseconds on purpose).
pub async fn hash_password(password: String) -> Result<String, AppError> {
    let turn = hashing_turns().clone().acquire_owned().await.map_err(|err| internal("password hashing turn", err))?;
    tokio::task::spawn_blocking(move || {
        // The turn is held until the hash is done, even if the request is dropped meanwhile.
        let _turn = turn;
        let salt = SaltString::generate(&mut OsRng);
        argon2().hash_password(password.as_bytes(), &salt).map(|hash| hash.to_string())
    })
    .await
    .map_err(|err| internal("password hashing task", err))?
    .map_err(|err| internal("password hashing", err))
}

/// Checks a password against a stored hash, off the async runtime. With no hash (an unknown
/// email) it checks against a throwaway hash so the answer takes as long as for a real account.
/// Checks run at most one per core at a time (each takes 19 MiB), so a burst of sign-ins waits
/// its turn instead of exhausting memory.
pub async fn verify_password(password: String, hash: Option<String>) -> bool {
    let known = hash.is_some();
    let hash = hash.unwrap_or_else(|| dummy_hash().to_string());
    let Ok(turn) = hashing_turns().clone().acquire_owned().await else { return false };
    tokio::task::spawn_blocking(move || {
        let _turn = turn;
        let Ok(parsed) = PasswordHash::new(&hash) else { return false };
        argon2().verify_password(password.as_bytes(), &parsed).is_ok() && known
    })
    .await
    .unwrap_or(false)
}

/// Turns for password checks: one per core.
fn hashing_turns() -> &'static std::sync::Arc<tokio::sync::Semaphore> {
    static TURNS: OnceLock<std::sync::Arc<tokio::sync::Semaphore>> = OnceLock::new();
    TURNS.get_or_init(|| std::sync::Arc::new(tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))))
}

fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(b"a password nobody has", &salt)
            .map(|hash| hash.to_string())
            .unwrap_or_default()
    })
}

fn internal(what: &str, err: impl std::fmt::Display) -> AppError {
    tracing::error!(error = %err, "{what} failed");
    AppError::Internal
}

/// Marks the session as signed in to `record`. The session id is replaced first, so an id known
/// before sign-in (session fixation) is worthless afterwards.
pub async fn start_session(session: &Session, record: &UserRecord, now: DateTime<Utc>) -> Result<(), AppError> {
    session.cycle_id().await.map_err(|err| internal("cycling the session id", err))?;
    remember_auth_version(session, record).await?;
    session.insert(SESSION_TOUCHED_AT, now.timestamp()).await.map_err(|err| internal("writing the session", err))?;
    session
        .insert(SESSION_SIGNED_IN_AT, now.timestamp())
        .await
        .map_err(|err| internal("writing the session", err))
}

/// Stores the user's current `auth_version` in the session (after the caller bumped it itself).
pub async fn remember_auth_version(session: &Session, record: &UserRecord) -> Result<(), AppError> {
    session.insert(SESSION_USER_ID, record.user.id).await.map_err(|err| internal("writing the session", err))?;
    session
        .insert(SESSION_AUTH_VERSION, record.auth_version)
        .await
        .map_err(|err| internal("writing the session", err))
}

/// Finds the signed-in user of a session. A session that points at a deactivated user, at an
/// older `auth_version` (password changed, deactivated), or that is older than the absolute
/// lifetime is destroyed and counts as signed out.
pub async fn resolve_session(state: &AppState, session: &Session) -> Result<Option<User>, AppError> {
    let read = |err| internal("reading the session", err);
    let Some(user_id) = session.get::<i64>(SESSION_USER_ID).await.map_err(read)? else {
        return Ok(None);
    };
    let auth_version = session.get::<i64>(SESSION_AUTH_VERSION).await.map_err(read)?;
    let signed_in_at = session.get::<i64>(SESSION_SIGNED_IN_AT).await.map_err(read)?;
    let valid = |record: &Option<crate::store::UserRecord>| match (record, auth_version, signed_in_at) {
        (Some(record), Some(version), Some(signed_in_at)) => {
            record.user.active && record.auth_version == version && !session_expired(&state.settings, signed_in_at, state.now())
        }
        _ => false,
    };
    let mut record = state.user_record(user_id).await.or_internal()?;
    // The kept account may be older than the session (a new password set through another
    // instance that this one has not heard of yet): read it afresh before ending the session.
    if !valid(&record) {
        record = std::sync::Arc::new(state.store.user_by_id(user_id).await.or_internal()?);
    }
    if !valid(&record) {
        session.flush().await.map_err(|err| internal("ending the session", err))?;
        return Ok(None);
    }
    // Inserting marks the session changed, so it is saved with a new idle expiry (and cookie).
    let now = state.now().timestamp();
    let touched_at = session.get::<i64>(SESSION_TOUCHED_AT).await.map_err(read)?.or(signed_in_at).unwrap_or(0);
    if now - touched_at >= SESSION_TOUCH_EVERY_SECONDS {
        session.insert(SESSION_TOUCHED_AT, now).await.map_err(|err| internal("writing the session", err))?;
    }
    Ok(record.as_ref().as_ref().map(|record| record.user.clone()))
}

fn session_expired(settings: &Settings, signed_in_at: i64, now: DateTime<Utc>) -> bool {
    now.timestamp() - signed_in_at >= settings.session_absolute_lifetime.num_seconds()
}

/// The signed-in user, or `None` for an anonymous request.
pub async fn current_user() -> Result<Option<User>, AppError> {
    match leptos_axum::extract::<Extension<Authenticated>>().await {
        Ok(Extension(Authenticated(user))) => Ok(user),
        Err(err) => {
            tracing::error!(error = %err, "no Authenticated extension: is the auth middleware installed?");
            Err(AppError::Internal)
        }
    }
}

/// The application state (the server provides it as context to every request).
pub fn app_state() -> Result<AppState, AppError> {
    leptos::prelude::use_context::<AppState>().ok_or_else(|| {
        tracing::error!("no AppState in context");
        AppError::Internal
    })
}

/// The tower-sessions session of this request.
pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|err| internal("reading the session", err))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsubscribe_tokens_hold_only_for_their_subscriber_and_secret() {
        let token = unsubscribe_token("secret", 42, "fan@example.org");
        assert!(token.starts_with("42-") && token.len() == 3 + 64, "{token}");
        assert_eq!(unsubscribe_token_id(&token), Some(42));
        assert!(unsubscribe_token_holds("secret", &token, 42, "fan@example.org"));
        assert!(!unsubscribe_token_holds("another secret", &token, 42, "fan@example.org"));
        assert!(!unsubscribe_token_holds("secret", &token, 42, "new@example.org"), "the id given to another address later");
        assert!(!unsubscribe_token_holds("secret", &token.replacen("42-", "43-", 1), 43, "fan@example.org"));
        for bad in ["", "42", "42-", "x-abc", &token[..token.len() - 1]] {
            assert!(!unsubscribe_token_holds("secret", bad, 42, "fan@example.org"), "{bad:?}");
        }
        assert_eq!(unsubscribe_token_id("x-abc"), None);
    }
}
