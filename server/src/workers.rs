//! Background work that keeps the database tidy: expired sessions and old sign-in counters.

use app::state::AppState;
use app::store::sessions::SessionBackend;
use std::time::Duration;
use tower_sessions::session_store::ExpiredDeletion;

const CLEANUP_EVERY: Duration = Duration::from_secs(10 * 60);

/// Runs until the task is aborted (at shutdown).
pub async fn clean_up_periodically(state: AppState) {
    let sessions = SessionBackend::for_store(&state.store);
    let mut ticker = tokio::time::interval(CLEANUP_EVERY);
    loop {
        ticker.tick().await;
        if let Err(err) = sessions.delete_expired().await {
            tracing::warn!(error = %err, "deleting expired sessions failed");
        }
        let now = state.now();
        match state.store.purge_failure_counts(now - chrono::Duration::days(1), now).await {
            Ok(removed) if removed > 0 => tracing::debug!(removed, "old sign-in counters removed"),
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "removing old sign-in counters failed"),
        }
    }
}
