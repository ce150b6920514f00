//! One bad record must not stop a worker: `isolated` works one record out and, if that panics,
//! logs which record it was, counts it as skipped (`state::workers::skipped`) and gives `None`, so
//! the caller goes on with the others.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Runs `work` for record `id` of kind `what`; `None` (logged and counted) if it panicked.
pub fn isolated<T>(what: &'static str, id: i64, work: impl FnOnce() -> T) -> Option<T> {
    match catch_unwind(AssertUnwindSafe(work)) {
        Ok(value) => Some(value),
        Err(payload) => {
            tracing::error!(record = what, id, panic = %panic_message(payload.as_ref()), "working out one record failed; skipped it");
            crate::state::workers::count_skipped();
            None
        }
    }
}

/// The text a panic carried.
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic without a message".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_record_is_skipped_and_counted_and_the_others_go_on() {
        let before = crate::state::workers::skipped();
        let results: Vec<Option<i64>> = (1..=3)
            .map(|id| isolated("schedule", id, || if id == 2 { panic!("overflow in schedule {id}") } else { id * 10 }))
            .collect();
        assert_eq!(results, [Some(10), None, Some(30)]);
        assert!(crate::state::workers::skipped() > before);
        assert_eq!(panic_message(&"text"), "text");
        assert_eq!(panic_message(&String::from("owned")), "owned");
    }
}
