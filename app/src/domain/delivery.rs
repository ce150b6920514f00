//! Notifications waiting in the outbox and their delivery attempts: statuses, the retry
//! schedule, and which subscriptions an incident's update goes to.
//!
//! No I/O; "now" is always an argument.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// Attempts at most before a delivery is marked failed for good.
pub const MAX_ATTEMPTS: i64 = 8;

/// Where a delivery is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeliveryStatus {
    /// Waiting for its next attempt.
    Pending,
    /// A worker holds it and is sending it now.
    Sending,
    Sent,
    /// Every attempt failed (or the last error can't get better by retrying).
    Failed,
    /// Not sent: a page's later notification, due after the page was acknowledged or its
    /// incident resolved.
    Cancelled,
}

impl DeliveryStatus {
    pub const ALL: [DeliveryStatus; 5] =
        [DeliveryStatus::Pending, DeliveryStatus::Sending, DeliveryStatus::Sent, DeliveryStatus::Failed, DeliveryStatus::Cancelled];

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Sending => "sending",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Cancelled => "cancelled",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "Pending",
            DeliveryStatus::Sending => "Sending",
            DeliveryStatus::Sent => "Sent",
            DeliveryStatus::Failed => "Failed",
            DeliveryStatus::Cancelled => "Cancelled",
        }
    }
}

impl FromStr for DeliveryStatus {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        DeliveryStatus::ALL.into_iter().find(|s| s.as_str() == value).ok_or_else(|| format!("{value:?} is not a delivery status."))
    }
}

/// How a delivery travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Channel {
    Email,
    Webhook,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Webhook => "webhook",
        }
    }
}

impl FromStr for Channel {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value {
            "email" => Ok(Channel::Email),
            "webhook" => Ok(Channel::Webhook),
            _ => Err(format!("{value:?} is not a channel.")),
        }
    }
}

/// When to try again after attempt number `attempts` (1-based) failed: 30 seconds, then 2, 10
/// and 30 minutes, then every 2 hours; `None` once `MAX_ATTEMPTS` have been made.
pub fn next_attempt_after_failure(attempts: i64, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if attempts >= MAX_ATTEMPTS {
        return None;
    }
    let wait = match attempts {
        ..=1 => Duration::seconds(30),
        2 => Duration::minutes(2),
        3 => Duration::minutes(10),
        4 => Duration::minutes(30),
        _ => Duration::hours(2),
    };
    Some(now + wait)
}

/// A subscription's filter: everything matches an empty one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct IncidentFilter {
    pub severity_id: Option<i64>,
    pub service_id: Option<i64>,
}

impl IncidentFilter {
    /// Whether an incident of `severity_id` affecting `service_ids` matches.
    pub fn matches(&self, severity_id: i64, service_ids: &[i64]) -> bool {
        self.severity_id.is_none_or(|s| s == severity_id) && self.service_id.is_none_or(|s| service_ids.contains(&s))
    }
}

/// An email address as subscriptions keep it: trimmed and lower-cased, with one `@` and a dot
/// in the domain.
pub fn normalize_subscriber_email(input: &str) -> Result<String, super::FieldError> {
    let email = input.trim().to_lowercase();
    let valid = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.') && !domain.contains('@')
        })
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if valid { Ok(email) } else { Err(super::FieldError::new("email", "Enter an email address like name@example.com.")) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn retries_back_off_and_stop_after_the_last_attempt() {
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 10, 0, 0).unwrap();
        let waits: Vec<Option<i64>> =
            (1..=MAX_ATTEMPTS).map(|n| next_attempt_after_failure(n, now).map(|t| (t - now).num_seconds())).collect();
        assert_eq!(waits, [Some(30), Some(120), Some(600), Some(1800), Some(7200), Some(7200), Some(7200), None]);
    }

    #[test]
    fn filters_match_on_severity_and_service() {
        let any = IncidentFilter::default();
        assert!(any.matches(1, &[]));
        let sev1 = IncidentFilter { severity_id: Some(1), service_id: None };
        assert!(sev1.matches(1, &[7]) && !sev1.matches(2, &[7]));
        let api = IncidentFilter { severity_id: None, service_id: Some(7) };
        assert!(api.matches(3, &[5, 7]) && !api.matches(3, &[5]));
        let both = IncidentFilter { severity_id: Some(1), service_id: Some(7) };
        assert!(both.matches(1, &[7]) && !both.matches(1, &[]) && !both.matches(2, &[7]));
    }

    #[test]
    fn subscriber_emails_are_tidied_and_checked() {
        assert_eq!(normalize_subscriber_email(" Ops@Example.COM "), Ok("ops@example.com".to_string()));
        for bad in ["", "ops", "@example.com", "ops@localhost", "ops@example.com.", "o ps@example.com", "a@b@c.com"] {
            assert!(normalize_subscriber_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn statuses_read_back_from_their_names() {
        for status in DeliveryStatus::ALL {
            assert_eq!(status.as_str().parse::<DeliveryStatus>(), Ok(status));
        }
        assert_eq!("webhook".parse::<Channel>(), Ok(Channel::Webhook));
    }
}
