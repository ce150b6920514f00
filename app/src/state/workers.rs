//! How the background workers are doing: when each last finished a look (an iteration), how many
//! looks failed or panicked, how often it was restarted, and how many single records were skipped
//! because working them out failed. The server's supervisor writes here; `/readyz` reads it and
//! reports not ready when a worker has not finished a look within its expected time.
//!
//! Times here are the real monotonic clock, not the application's clock: a stall is a fact about
//! the process, whatever time the application thinks it is.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Records skipped by any worker because working them out failed (counted by `engine`'s guards).
static SKIPPED: AtomicU64 = AtomicU64::new(0);

/// Counts one record skipped by a worker.
pub fn count_skipped() {
    SKIPPED.fetch_add(1, Ordering::Relaxed);
}

/// Records skipped so far by every worker of this process.
pub fn skipped() -> u64 {
    SKIPPED.load(Ordering::Relaxed)
}

#[derive(Debug, Clone)]
struct Health {
    /// A look that has not finished within this time means the worker is stalled.
    stall_after: Duration,
    /// When the worker last finished a look (or was registered, before its first).
    last_done: Instant,
    looks: u64,
    failures: u64,
    restarts: u64,
    last_failure: Option<String>,
}

/// One worker's state as `/readyz` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerReport {
    pub name: &'static str,
    pub stalled: bool,
    pub since_last_look: Duration,
    pub looks: u64,
    pub failures: u64,
    pub restarts: u64,
    pub last_failure: Option<String>,
}

/// The workers of this process, by name.
#[derive(Debug, Clone, Default)]
pub struct Workers(Arc<Mutex<BTreeMap<&'static str, Health>>>);

impl Workers {
    fn with<T>(&self, f: impl FnOnce(&mut BTreeMap<&'static str, Health>) -> T) -> T {
        f(&mut self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()))
    }

    /// Starts watching a worker that should finish a look at least every `stall_after`.
    pub fn register(&self, name: &'static str, stall_after: Duration, now: Instant) {
        self.with(|map| {
            map.entry(name).or_insert(Health {
                stall_after,
                last_done: now,
                looks: 0,
                failures: 0,
                restarts: 0,
                last_failure: None,
            });
        });
    }

    /// A look finished (`failure`: what went wrong, when it did).
    pub fn finished(&self, name: &'static str, failure: Option<String>, now: Instant) {
        self.with(|map| {
            if let Some(health) = map.get_mut(name) {
                health.last_done = now;
                health.looks += 1;
                if let Some(failure) = failure {
                    health.failures += 1;
                    health.last_failure = Some(failure);
                }
            }
        });
    }

    /// The worker stopped and was started again.
    pub fn restarted(&self, name: &'static str, why: String) {
        self.with(|map| {
            if let Some(health) = map.get_mut(name) {
                health.restarts += 1;
                health.failures += 1;
                health.last_failure = Some(why);
            }
        });
    }

    /// Every worker, by name.
    pub fn report(&self, now: Instant) -> Vec<WorkerReport> {
        self.with(|map| {
            map.iter()
                .map(|(name, health)| {
                    let since_last_look = now.saturating_duration_since(health.last_done);
                    WorkerReport {
                        name,
                        stalled: since_last_look > health.stall_after,
                        since_last_look,
                        looks: health.looks,
                        failures: health.failures,
                        restarts: health.restarts,
                        last_failure: health.last_failure.clone(),
                    }
                })
                .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_worker_is_stalled_once_a_look_takes_longer_than_its_expected_time() {
        let workers = Workers::default();
        let start = Instant::now();
        workers.register("on-call", Duration::from_secs(60), start);
        workers.register("cleanup", Duration::from_secs(1800), start);
        workers.finished("on-call", None, start + Duration::from_secs(30));
        let report = workers.report(start + Duration::from_secs(80));
        let on_call = report.iter().find(|w| w.name == "on-call").unwrap();
        assert!(!on_call.stalled, "50 s since its last look");
        assert_eq!(on_call.looks, 1);
        let report = workers.report(start + Duration::from_secs(91));
        assert!(report.iter().find(|w| w.name == "on-call").unwrap().stalled, "61 s since its last look");
        assert!(!report.iter().find(|w| w.name == "cleanup").unwrap().stalled);
    }

    #[test]
    fn failures_and_restarts_are_counted_with_the_last_reason() {
        let workers = Workers::default();
        let start = Instant::now();
        workers.register("delivery", Duration::from_secs(60), start);
        workers.finished("delivery", Some("database locked".into()), start);
        workers.restarted("delivery", "panicked: boom".into());
        workers.finished("delivery", None, start);
        let report = &workers.report(start)[0];
        assert_eq!((report.looks, report.failures, report.restarts), (2, 2, 1));
        assert_eq!(report.last_failure.as_deref(), Some("panicked: boom"));
    }
}
