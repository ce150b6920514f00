//! Background work: the on-call worker (escalation steps, hand-off notices, action item
//! reminders), and keeping the
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

/// How often the on-call worker looks for due escalation steps.
pub const ON_CALL_POLL: Duration = Duration::from_secs(1);

/// Runs until the task is aborted: takes due escalation steps, every
/// `app::paging::HANDOFF_CHECK_EVERY` (by the application's clock) queues hand-off notices, and
/// every `app::reminders::REMINDER_CHECK_EVERY` action item reminders and digests; then
/// waits for a page to be opened or for `poll` to pass. Links in its messages start with
/// `base_url`.
pub async fn run_on_call(state: AppState, base_url: String, poll: Duration) {
    let mut handoffs_checked: Option<chrono::DateTime<chrono::Utc>> = None;
    let mut reminders_checked: Option<chrono::DateTime<chrono::Utc>> = None;
    loop {
        match app::paging::take_due_steps(&state, &base_url).await {
            Ok(0) => {}
            Ok(steps) => tracing::debug!(steps, "escalation steps taken"),
            Err(err) => tracing::warn!(error = %err, "taking escalation steps failed; trying again"),
        }
        let now = state.now();
        if handoffs_checked.is_none_or(|at| now - at >= app::paging::HANDOFF_CHECK_EVERY) {
            match app::paging::queue_handoff_notices(&state, &base_url).await {
                Ok(_) => handoffs_checked = Some(now),
                Err(err) => tracing::warn!(error = %err, "queueing hand-off notices failed; trying again"),
            }
        }
        if reminders_checked.is_none_or(|at| now - at >= app::reminders::REMINDER_CHECK_EVERY) {
            match app::reminders::queue_reminders(&state, &base_url).await {
                Ok(_) => reminders_checked = Some(now),
                Err(err) => tracing::warn!(error = %err, "queueing action item reminders failed; trying again"),
            }
        }
        let _ = tokio::time::timeout(poll, state.pages_opened.notified()).await;
    }
}
