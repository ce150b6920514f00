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

/// When the on-call worker last queued hand-off notices and reminders, by the application's clock.
#[derive(Debug, Default)]
pub struct OnCallChecks {
    handoffs: Option<chrono::DateTime<chrono::Utc>>,
    reminders: Option<chrono::DateTime<chrono::Utc>>,
}

/// One look of the on-call worker: takes due escalation steps, then queues hand-off notices
/// every `app::engine::escalation::HANDOFF_CHECK_EVERY` and action item reminders and digests
/// every `app::engine::reminders::REMINDER_CHECK_EVERY` (by the application's clock; a fresh
/// `OnCallChecks` does both). A failure is logged and left for the next look. When it returns,
/// everything that was due has been written (by this look, or by another instance's).
pub async fn on_call_step(state: &AppState, base_url: &str, checks: &mut OnCallChecks) {
    match app::engine::escalation::take_due_steps(state, base_url).await {
        Ok(0) => {}
        Ok(steps) => tracing::debug!(steps, "escalation steps taken"),
        Err(err) => tracing::warn!(error = %err, "taking escalation steps failed; trying again"),
    }
    let now = state.now();
    if checks.handoffs.is_none_or(|at| now - at >= app::engine::escalation::HANDOFF_CHECK_EVERY) {
        match app::engine::escalation::queue_handoff_notices(state, base_url).await {
            Ok(_) => checks.handoffs = Some(now),
            Err(err) => tracing::warn!(error = %err, "queueing hand-off notices failed; trying again"),
        }
    }
    if checks.reminders.is_none_or(|at| now - at >= app::engine::reminders::REMINDER_CHECK_EVERY) {
        match app::engine::reminders::queue_reminders(state, base_url).await {
            Ok(_) => checks.reminders = Some(now),
            Err(err) => tracing::warn!(error = %err, "queueing action item reminders failed; trying again"),
        }
    }
}

/// Runs until the task is aborted: an `on_call_step`, then a wait for a page to be opened or
/// for `poll` to pass. Links in its messages start with `base_url`.
pub async fn run_on_call(state: AppState, base_url: String, poll: Duration) {
    let mut checks = OnCallChecks::default();
    loop {
        on_call_step(&state, &base_url, &mut checks).await;
        let _ = tokio::time::timeout(poll, state.pages_opened.notified()).await;
    }
}
