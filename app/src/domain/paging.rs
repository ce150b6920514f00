//! Escalation policies and pages: who is paged at each step, when the next step is due, and
//! what a page's state means.
//!
//! A page copies its policy's levels when it is opened (its `plan`), so editing a policy never
//! changes an escalation already under way. Steps are numbered from 0: step `n` pages level
//! `n % levels`, in round `n / levels`; after the last level of the last round the page waits one
//! more delay and then ends unanswered.
//!
//! No I/O.

use super::FieldError;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Levels one policy may have at most.
pub const MAX_LEVELS: usize = 10;
/// People and schedules one level may target at most.
pub const MAX_TARGETS: usize = 20;
/// How many times a policy may run again after its last level.
pub const MAX_REPEATS: i64 = 9;
/// The longest wait before escalating, in minutes (a day).
pub const MAX_DELAY_MINUTES: i64 = 1440;
/// How long a page to one person waits for an acknowledgement before it ends unanswered.
pub const DIRECT_PAGE_MINUTES: i64 = 30;
/// How long deleted schedules and escalation policies are kept for admins to restore.
pub const DELETED_KEPT_DAYS: i64 = 30;
/// How long a one-time acknowledgement link works.
pub const ACK_LINK_HOURS: i64 = 24;

/// Who a level pages: a person, or whoever is on call on a schedule at the time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Target {
    User(i64),
    Schedule(i64),
}

/// One level of a policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Level {
    pub targets: Vec<Target>,
    /// Minutes to wait for an acknowledgement before the next level.
    pub delay_minutes: i64,
}

/// What a page runs through: levels in order, `repeats` more times after the first round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub levels: Vec<Level>,
    pub repeats: i64,
}

impl Plan {
    /// The plan of a page to one person.
    pub fn direct(user_id: i64) -> Plan {
        Plan { levels: vec![Level { targets: vec![Target::User(user_id)], delay_minutes: DIRECT_PAGE_MINUTES }], repeats: 0 }
    }

    /// How many steps page someone (every level of every round).
    pub fn steps(&self) -> i64 {
        self.levels.len() as i64 * (self.repeats + 1)
    }

    /// The level step `step` pages and its round (both from 0), or `None` after the last step.
    pub fn level_of_step(&self, step: i64) -> Option<(usize, i64)> {
        if self.levels.is_empty() || step < 0 || step >= self.steps() {
            return None;
        }
        let n = self.levels.len() as i64;
        Some(((step % n) as usize, step / n))
    }
}

/// An escalation policy as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub plan: Plan,
    pub revision: i64,
}

/// Where a page stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PageStatus {
    /// Paging people, level after level, until someone acknowledges.
    Escalating,
    Acknowledged,
    /// Its incident was resolved (or closed) before anyone acknowledged.
    Stopped,
    /// Every level of every round was paged and nobody acknowledged.
    Unanswered,
}

impl PageStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PageStatus::Escalating => "escalating",
            PageStatus::Acknowledged => "acknowledged",
            PageStatus::Stopped => "stopped",
            PageStatus::Unanswered => "unanswered",
        }
    }

    pub fn parse(value: &str) -> PageStatus {
        match value {
            "acknowledged" => PageStatus::Acknowledged,
            "stopped" => PageStatus::Stopped,
            "unanswered" => PageStatus::Unanswered,
            _ => PageStatus::Escalating,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PageStatus::Escalating => "Escalating",
            PageStatus::Acknowledged => "Acknowledged",
            PageStatus::Stopped => "Stopped",
            PageStatus::Unanswered => "Unanswered",
        }
    }
}

/// What happens at a page's due step, worked out from its plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepOutcome {
    /// Page level `level` (round `round`) now; the step after is due at `next_at`.
    Page { level: usize, round: i64, next_at: DateTime<Utc> },
    /// Nothing left to page: the page ends unanswered.
    Exhausted,
}

/// What the page's step `step`, due now, does.
pub fn step_outcome(plan: &Plan, step: i64, now: DateTime<Utc>) -> StepOutcome {
    match plan.level_of_step(step) {
        Some((level, round)) => {
            let delay = plan.levels[level].delay_minutes.clamp(1, MAX_DELAY_MINUTES);
            StepOutcome::Page { level, round, next_at: now + Duration::minutes(delay) }
        }
        None => StepOutcome::Exhausted,
    }
}

/// Checks a policy's levels as the form sends them.
pub fn validate_plan(plan: &Plan) -> Result<(), FieldError> {
    if plan.levels.is_empty() {
        return Err(FieldError::new("levels", "Add at least one level."));
    }
    if plan.levels.len() > MAX_LEVELS {
        return Err(FieldError::new("levels", format!("A policy has at most {MAX_LEVELS} levels.")));
    }
    if !(0..=MAX_REPEATS).contains(&plan.repeats) {
        return Err(FieldError::new("repeats", format!("Repeat between 0 and {MAX_REPEATS} times.")));
    }
    for level in &plan.levels {
        validate_level(level)?;
    }
    Ok(())
}

/// Checks one level: someone to page, and a delay within bounds.
pub fn validate_level(level: &Level) -> Result<(), FieldError> {
    if level.targets.is_empty() {
        return Err(FieldError::new("targets", "Choose at least one person or schedule to page."));
    }
    if level.targets.len() > MAX_TARGETS {
        return Err(FieldError::new("targets", format!("A level pages at most {MAX_TARGETS} people and schedules.")));
    }
    if !(1..=MAX_DELAY_MINUTES).contains(&level.delay_minutes) {
        return Err(FieldError::new("delay_minutes", format!("Wait between 1 and {MAX_DELAY_MINUTES} minutes.")));
    }
    Ok(())
}

/// Parses a delay typed in a form.
pub fn parse_delay(value: &str) -> Result<i64, FieldError> {
    value
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|m| (1..=MAX_DELAY_MINUTES).contains(m))
        .ok_or_else(|| FieldError::new("delay_minutes", format!("Wait between 1 and {MAX_DELAY_MINUTES} minutes.")))
}

/// Checks a page's message: something to say, not a novel.
pub fn validate_message(message: &str) -> Result<String, FieldError> {
    let message = message.trim();
    if message.is_empty() {
        return Err(FieldError::new("message", "Say why you are paging."));
    }
    if message.chars().count() > 500 {
        return Err(FieldError::new("message", "Keep the message under 500 characters: it may go out as a text message."));
    }
    Ok(message.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn plan(delays: &[i64], repeats: i64) -> Plan {
        Plan {
            levels: delays.iter().map(|d| Level { targets: vec![Target::User(1)], delay_minutes: *d }).collect(),
            repeats,
        }
    }

    #[test]
    fn steps_walk_levels_then_rounds_then_end() {
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
        let p = plan(&[5, 10], 1);
        let table = [
            (0, Some((0, 0, 5))),
            (1, Some((1, 0, 10))),
            (2, Some((0, 1, 5))),
            (3, Some((1, 1, 10))),
            (4, None),
            (9, None),
        ];
        for (step, expected) in table {
            let got = step_outcome(&p, step, now);
            match expected {
                Some((level, round, delay)) => {
                    assert_eq!(got, StepOutcome::Page { level, round, next_at: now + Duration::minutes(delay) }, "step {step}")
                }
                None => assert_eq!(got, StepOutcome::Exhausted, "step {step}"),
            }
        }
        assert_eq!(p.steps(), 4);
        assert_eq!(plan(&[], 3).level_of_step(0), None);
    }

    #[test]
    fn a_direct_page_has_one_level_and_no_repeats() {
        let p = Plan::direct(7);
        assert_eq!(p.steps(), 1);
        assert_eq!(p.levels[0].targets, vec![Target::User(7)]);
        assert!(validate_plan(&p).is_ok());
    }

    #[test]
    fn plans_are_checked_field_by_field() {
        assert_eq!(validate_plan(&plan(&[], 0)).unwrap_err().field, "levels");
        assert_eq!(validate_plan(&plan(&[5], 10)).unwrap_err().field, "repeats");
        assert_eq!(validate_plan(&plan(&[0], 0)).unwrap_err().field, "delay_minutes");
        assert_eq!(validate_plan(&plan(&[1441], 0)).unwrap_err().field, "delay_minutes");
        let empty = Plan { levels: vec![Level { targets: vec![], delay_minutes: 5 }], repeats: 0 };
        assert_eq!(validate_plan(&empty).unwrap_err().field, "targets");
        assert!(validate_plan(&plan(&[1, 1440], 9)).is_ok());
        assert_eq!(parse_delay(" 15 ").unwrap(), 15);
        assert!(parse_delay("soon").is_err());
        assert!(validate_message("  ").is_err());
        assert!(validate_message(&"x".repeat(501)).is_err());
        assert_eq!(validate_message(" db down ").unwrap(), "db down");
    }
}
