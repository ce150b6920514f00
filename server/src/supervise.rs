//! Background work is supervised at two depths, so nothing a record holds can stop paging:
//!
//! - `look` runs one look (iteration) of a worker: a panic in it is caught and logged, the look
//!   counts as failed, and the worker goes on to its next look. Every finished look is recorded
//!   in `AppState::workers`, which `/readyz` reads to tell when a worker stalls.
//! - `spawn` starts a worker and starts it again, with backoff (1 s doubling to 60 s), if it ever
//!   stops (a panic outside a look, or returning).
//!
//! Inside a look, engines skip single records that fail (`app::engine::guard::isolated`).

use app::engine::guard::panic_message;
use app::state::AppState;
use futures_util::FutureExt;
use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const LAST_BACKOFF: Duration = Duration::from_secs(60);

/// Runs one look of worker `name`. `Err` and panics count as failed looks (logged here); either
/// way the look is recorded as finished and the worker carries on.
pub async fn look(state: &AppState, name: &'static str, work: impl Future<Output = Result<(), String>>) {
    let outcome = AssertUnwindSafe(work).catch_unwind().await;
    let failure = match outcome {
        Ok(Ok(())) => None,
        Ok(Err(error)) => {
            tracing::warn!(worker = name, %error, "a look failed; trying again");
            Some(error)
        }
        Err(payload) => {
            let message = format!("panicked: {}", panic_message(payload.as_ref()));
            tracing::error!(worker = name, error = %message, "a look panicked; going on");
            Some(message)
        }
    };
    state.workers.finished(name, failure, Instant::now());
}

/// Starts worker `name`, which should finish a look at least every `stall_after` (`None`: a
/// worker without looks, such as a listener), and starts it again whenever it stops.
pub fn spawn<F, Fut>(state: &AppState, name: &'static str, stall_after: Option<Duration>, run: F) -> JoinHandle<()>
where
    F: Fn() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let workers = state.workers.clone();
    workers.register(name, stall_after.unwrap_or(Duration::MAX), Instant::now());
    tokio::spawn(async move {
        let mut backoff = FIRST_BACKOFF;
        loop {
            let started = Instant::now();
            let why = match AssertUnwindSafe(run()).catch_unwind().await {
                Ok(()) => "stopped".to_string(),
                Err(payload) => format!("panicked: {}", panic_message(payload.as_ref())),
            };
            // A worker that ran for a good while before stopping starts again quickly.
            if started.elapsed() > LAST_BACKOFF {
                backoff = FIRST_BACKOFF;
            }
            tracing::error!(worker = name, %why, restart_in = ?backoff, "a worker stopped; starting it again");
            workers.restarted(name, why);
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(LAST_BACKOFF);
        }
    })
}
