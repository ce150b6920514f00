//! Background work: the on-call worker (escalation steps, hand-off notices, action item
//! reminders), and keeping the database tidy (expired sessions, old sign-in counters). Both run
//! under `crate::supervise`.

use app::state::AppState;
use app::store::sessions::SessionBackend;
use std::time::Duration;
use tower_sessions::session_store::ExpiredDeletion;

const CLEANUP_EVERY: Duration = Duration::from_secs(10 * 60);

/// The clean-up worker's name (in logs and `/readyz`).
pub const CLEANUP: &str = "cleanup";
/// The clean-up worker is stalled when a look has not finished for this long.
pub const CLEANUP_STALL: Duration = Duration::from_secs(3 * 10 * 60);

/// Runs until the task is aborted (at shutdown).
pub async fn clean_up_periodically(state: AppState) {
    let sessions = SessionBackend::for_store(&state.store);
    let mut ticker = tokio::time::interval(CLEANUP_EVERY);
    loop {
        ticker.tick().await;
        crate::supervise::look(&state, CLEANUP, async {
            let mut failures = Vec::new();
            if let Err(err) = sessions.delete_expired().await {
                failures.push(format!("deleting expired sessions: {err}"));
            }
            let now = state.now();
            match state.store.purge_failure_counts(now - chrono::Duration::days(1), now).await {
                Ok(removed) if removed > 0 => tracing::debug!(removed, "old sign-in counters removed"),
                Ok(_) => {}
                Err(err) => failures.push(format!("removing old sign-in counters: {err}")),
            }
            match state.store.purge_password_resets(now - chrono::Duration::days(1)).await {
                Ok(removed) if removed > 0 => tracing::debug!(removed, "expired password reset links removed"),
                Ok(_) => {}
                Err(err) => failures.push(format!("removing expired password reset links: {err}")),
            }
            let kept = chrono::Duration::days(app::domain::paging::DELETED_KEPT_DAYS);
            match state.store.purge_deleted(now - kept).await {
                Ok(removed) if removed > 0 => tracing::info!(removed, "schedules and policies deleted over 30 days ago removed"),
                Ok(_) => {}
                Err(err) => failures.push(format!("removing schedules and policies deleted long ago: {err}")),
            }
            joined(failures)
        })
        .await;
    }
}

/// `Ok` when nothing failed, else every failure in one message.
fn joined(failures: Vec<String>) -> Result<(), String> {
    if failures.is_empty() { Ok(()) } else { Err(failures.join("; ")) }
}

/// How often the on-call worker looks for due escalation steps.
pub const ON_CALL_POLL: Duration = Duration::from_secs(1);
/// The on-call worker's name (in logs and `/readyz`).
pub const ON_CALL: &str = "on-call";
/// The on-call worker is stalled when a look has not finished for this long: a page's next step
/// would be two minutes late.
pub const ON_CALL_STALL: Duration = Duration::from_secs(120);

/// When the on-call worker last queued hand-off notices and reminders, by the application's clock.
#[derive(Debug, Default)]
pub struct OnCallChecks {
    handoffs: Option<chrono::DateTime<chrono::Utc>>,
    reminders: Option<chrono::DateTime<chrono::Utc>>,
}

/// One look of the on-call worker: takes due escalation steps, then queues hand-off notices
/// every `app::engine::escalation::HANDOFF_CHECK_EVERY` and action item reminders and digests
/// every `app::engine::reminders::REMINDER_CHECK_EVERY` (by the application's clock; a fresh
/// `OnCallChecks` does both). A failure is returned and left for the next look; one part failing
/// doesn't keep the others from running. When it returns, everything that was due has been
/// written (by this look, or by another instance's).
pub async fn on_call_step(state: &AppState, checks: &mut OnCallChecks) -> Result<(), String> {
    let base_url = state.settings.base_url.as_str();
    let mut failures = Vec::new();
    match app::engine::escalation::take_due_steps(state, base_url).await {
        Ok(0) => {}
        Ok(steps) => tracing::debug!(steps, "escalation steps taken"),
        Err(err) => failures.push(format!("taking escalation steps: {err}")),
    }
    let now = state.now();
    if checks.handoffs.is_none_or(|at| now - at >= app::engine::escalation::HANDOFF_CHECK_EVERY) {
        match app::engine::escalation::queue_handoff_notices(state, base_url).await {
            Ok(_) => checks.handoffs = Some(now),
            Err(err) => failures.push(format!("queueing hand-off notices: {err}")),
        }
    }
    if checks.reminders.is_none_or(|at| now - at >= app::engine::reminders::REMINDER_CHECK_EVERY) {
        match app::engine::reminders::queue_reminders(state, base_url).await {
            Ok(_) => checks.reminders = Some(now),
            Err(err) => failures.push(format!("queueing action item reminders: {err}")),
        }
    }
    joined(failures)
}

/// Runs until the task is aborted: an `on_call_step` (a supervised look), then a wait for a page
/// to be opened or for `poll` to pass. Links in its messages start with the settings' `base_url`.
pub async fn run_on_call(state: AppState, poll: Duration) {
    let mut checks = OnCallChecks::default();
    loop {
        crate::supervise::look(&state, ON_CALL, on_call_step(&state, &mut checks)).await;
        let _ = tokio::time::timeout(poll, state.pages_opened.notified()).await;
    }
}
