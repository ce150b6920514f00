//! Background work: the on-call worker (escalation steps, hand-off notices), and keeping the
//! database tidy (expired sessions, old sign-in counters).

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

/// How often the on-call worker looks for due escalation steps and hand-offs.
pub const ON_CALL_POLL: Duration = Duration::from_secs(1);

/// Runs until the task is aborted: takes due escalation steps and queues hand-off notices, then
/// waits for a page to be opened or for `poll` to pass. Links in its messages start with
/// `base_url`.
pub async fn run_on_call(state: AppState, base_url: String, poll: Duration) {
    loop {
        match app::paging::tick(&state, &base_url).await {
            Ok(done) if done.steps > 0 || done.handoff_notices > 0 => {
                tracing::debug!(steps = done.steps, handoff_notices = done.handoff_notices, "on-call tick")
            }
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "the on-call worker failed; trying again"),
        }
        let _ = tokio::time::timeout(poll, state.pages_opened.notified()).await;
    }
}
