//! Login throttling arithmetic. Failed sign-ins are counted per account (the email typed, whether
//! or not such an account exists) and per client address within a window. A few failures are
//! free; after that every attempt is slowed down, and past a limit the key is refused until the
//! lock expires. Only arithmetic lives here: the counts are kept by the store.

use chrono::{DateTime, Duration, Utc};

/// What kind of thing is being counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThrottleScope {
    Account,
    Client,
}

/// The limits for one scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures are counted within this window; a failure after it starts a new count.
    pub window: Duration,
    /// Failures allowed before attempts are slowed.
    pub free_failures: i64,
    /// Failures that lock the key.
    pub lock_after: i64,
    /// How long a lock lasts.
    pub lock_for: Duration,
    /// The longest delay added to an attempt before the lock.
    pub max_delay: Duration,
}

impl ThrottleScope {
    pub fn policy(self) -> ThrottlePolicy {
        match self {
            ThrottleScope::Account => ThrottlePolicy {
                window: Duration::minutes(15),
                free_failures: 3,
                lock_after: 10,
                lock_for: Duration::minutes(15),
                max_delay: Duration::seconds(2),
            },
            ThrottleScope::Client => ThrottlePolicy {
                window: Duration::minutes(15),
                free_failures: 20,
                lock_after: 100,
                lock_for: Duration::minutes(15),
                max_delay: Duration::seconds(2),
            },
        }
    }

    /// The key a scope's counter is stored under.
    pub fn key(self, value: &str) -> String {
        match self {
            ThrottleScope::Account => format!("account:{value}"),
            ThrottleScope::Client => format!("client:{value}"),
        }
    }
}

/// The stored state of one counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureCount {
    pub failures: i64,
    pub window_started_at: DateTime<Utc>,
    pub locked_until: Option<DateTime<Utc>>,
}

/// What to do with a sign-in attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Go ahead, after waiting this long.
    Allow { delay: Duration },
    /// Refuse without checking the password; the lock ends at this time.
    Refuse { until: DateTime<Utc> },
}

impl ThrottlePolicy {
    /// Judges an attempt against a counter (or none, when the key has no recent failures).
    pub fn judge(&self, count: Option<&FailureCount>, now: DateTime<Utc>) -> Verdict {
        let Some(count) = count else {
            return Verdict::Allow { delay: Duration::zero() };
        };
        if let Some(until) = count.locked_until {
            if until > now {
                return Verdict::Refuse { until };
            }
        }
        if now - count.window_started_at >= self.window || count.locked_until.is_some_and(|until| until <= now) {
            return Verdict::Allow { delay: Duration::zero() };
        }
        let over = count.failures - self.free_failures;
        if over <= 0 {
            return Verdict::Allow { delay: Duration::zero() };
        }
        // 250 ms, 500 ms, 1 s, 2 s, … capped.
        let delay = Duration::milliseconds(250i64.saturating_mul(1i64 << over.min(16) as u32 >> 1));
        Verdict::Allow { delay: delay.min(self.max_delay) }
    }

    /// Judges an attempt that has already been counted: `count` includes it. The first
    /// `lock_after` attempts in a window are checked (slowed after `free_failures`); later ones are
    /// refused until the lock ends.
    pub fn judge_counted(&self, count: &FailureCount, now: DateTime<Utc>) -> Verdict {
        if count.failures > self.lock_after {
            return Verdict::Refuse { until: count.locked_until.filter(|until| *until > now).unwrap_or(now + self.lock_for) };
        }
        let earlier = FailureCount { failures: count.failures - 1, locked_until: None, ..*count };
        self.judge(Some(&earlier), now)
    }

    /// The counter after one more failure.
    pub fn record_failure(&self, count: Option<&FailureCount>, now: DateTime<Utc>) -> FailureCount {
        let fresh = match count {
            None => true,
            Some(c) => match c.locked_until {
                // A lock runs its course whatever the window.
                Some(until) => until <= now,
                None => now - c.window_started_at >= self.window,
            },
        };
        let (failures, window_started_at) = match count {
            Some(c) if !fresh => (c.failures + 1, c.window_started_at),
            _ => (1, now),
        };
        // A lock, once set, runs its course: failures during it do not extend it.
        let existing_lock = count.filter(|_| !fresh).and_then(|c| c.locked_until);
        let locked_until = existing_lock.or_else(|| (failures >= self.lock_after).then(|| now + self.lock_for));
        FailureCount { failures, window_started_at, locked_until }
    }
}

/// "Try again in 12 minutes." for a lock that ends at `until`.
pub fn retry_message(until: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let minutes = ((until - now).num_seconds().max(1) + 59) / 60;
    let unit = if minutes == 1 { "minute" } else { "minutes" };
    format!("Too many failed sign-in attempts. Try again in {minutes} {unit}.")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn counted_attempts_past_the_limit_are_refused_and_earlier_ones_slowed() {
        let policy = ThrottleScope::Account.policy();
        let now = at(0, 0);
        let mut count = None;
        let mut verdicts = Vec::new();
        for _ in 0..12 {
            count = Some(policy.record_failure(count.as_ref(), now));
            verdicts.push(policy.judge_counted(count.as_ref().unwrap(), now));
        }
        assert_eq!(verdicts[0], Verdict::Allow { delay: Duration::zero() });
        assert_eq!(verdicts[3], Verdict::Allow { delay: Duration::zero() }, "three failures before it are free");
        assert_eq!(verdicts[4], Verdict::Allow { delay: Duration::milliseconds(250) });
        assert!(matches!(verdicts[9], Verdict::Allow { .. }), "the tenth attempt is checked");
        assert_eq!(verdicts[10], Verdict::Refuse { until: now + Duration::minutes(15) });
        assert!(matches!(verdicts[11], Verdict::Refuse { .. }));
    }

    fn at(minute: u32, second: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, 12, minute, second).unwrap()
    }

    fn fail_n(policy: &ThrottlePolicy, n: usize, now: DateTime<Utc>) -> Option<FailureCount> {
        let mut count = None;
        for _ in 0..n {
            count = Some(policy.record_failure(count.as_ref(), now));
        }
        count
    }

    #[test]
    fn the_first_failures_are_free() {
        let policy = ThrottleScope::Account.policy();
        let count = fail_n(&policy, 3, at(0, 0));
        assert_eq!(policy.judge(count.as_ref(), at(0, 1)), Verdict::Allow { delay: Duration::zero() });
    }

    #[test]
    fn further_failures_slow_each_attempt_down_up_to_a_cap() {
        let policy = ThrottleScope::Account.policy();
        let delays: Vec<i64> = (4..=9)
            .map(|n| match policy.judge(fail_n(&policy, n, at(0, 0)).as_ref(), at(0, 1)) {
                Verdict::Allow { delay } => delay.num_milliseconds(),
                other => panic!("{n} failures: {other:?}"),
            })
            .collect();
        assert_eq!(delays, vec![250, 500, 1000, 2000, 2000, 2000]);
    }

    #[test]
    fn the_lock_refuses_until_it_expires() {
        let policy = ThrottleScope::Account.policy();
        let count = fail_n(&policy, 10, at(0, 0)).unwrap();
        assert_eq!(count.locked_until, Some(at(15, 0)));
        assert_eq!(policy.judge(Some(&count), at(14, 59)), Verdict::Refuse { until: at(15, 0) });
        assert_eq!(policy.judge(Some(&count), at(15, 0)), Verdict::Allow { delay: Duration::zero() });
    }

    #[test]
    fn failures_during_a_lock_do_not_extend_it() {
        let policy = ThrottleScope::Account.policy();
        let locked = fail_n(&policy, 10, at(0, 0));
        let later = policy.record_failure(locked.as_ref(), at(5, 0));
        assert_eq!(later.locked_until, Some(at(15, 0)));
        assert_eq!(later.failures, 11);
    }

    #[test]
    fn a_failure_after_the_window_starts_a_new_count() {
        let policy = ThrottleScope::Account.policy();
        let count = fail_n(&policy, 8, at(0, 0));
        let next = policy.record_failure(count.as_ref(), at(20, 0));
        assert_eq!(next, FailureCount { failures: 1, window_started_at: at(20, 0), locked_until: None });
    }

    #[test]
    fn a_failure_after_a_lock_expired_starts_a_new_count() {
        let policy = ThrottleScope::Account.policy();
        let locked = fail_n(&policy, 10, at(0, 0));
        let next = policy.record_failure(locked.as_ref(), at(16, 0));
        assert_eq!(next.failures, 1);
        assert_eq!(next.locked_until, None);
    }

    #[test]
    fn clients_get_more_room_than_single_accounts() {
        let client = ThrottleScope::Client.policy();
        let count = fail_n(&client, 20, at(0, 0));
        assert_eq!(client.judge(count.as_ref(), at(0, 1)), Verdict::Allow { delay: Duration::zero() });
        assert!(fail_n(&client, 100, at(0, 0)).unwrap().locked_until.is_some());
    }

    #[test]
    fn the_retry_message_rounds_up_to_whole_minutes() {
        assert_eq!(retry_message(at(15, 0), at(2, 30)), "Too many failed sign-in attempts. Try again in 13 minutes.");
        assert_eq!(retry_message(at(15, 0), at(14, 59)), "Too many failed sign-in attempts. Try again in 1 minute.");
    }
}
