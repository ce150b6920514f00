//! Updates: messages from an incident to its stakeholders (internal) and to the public status
//! page (public). Their audience, text, templates and the reminder when none went out for a
//! while.
//!
//! No I/O; "now" is always an argument.

use super::incident::Status;
use super::status_page::ComponentState;
use super::FieldError;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

pub const MAX_UPDATE_LENGTH: usize = 5_000;

/// The statuses that have an update template.
pub const TEMPLATE_STATUSES: [Status; 4] = [Status::Investigating, Status::Identified, Status::Monitoring, Status::Resolved];

/// Who an update is for. At least one of the two.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Audience {
    pub internal: bool,
    pub public: bool,
}

impl Audience {
    pub fn new(internal: bool, public: bool) -> Result<Audience, FieldError> {
        if !internal && !public {
            return Err(FieldError::new("audience", "Choose who the update is for: stakeholders, the status page, or both."));
        }
        Ok(Audience { internal, public })
    }

    pub fn label(self) -> &'static str {
        match (self.internal, self.public) {
            (true, true) => "Stakeholders and status page",
            (false, true) => "Status page",
            _ => "Stakeholders",
        }
    }
}

/// An update as published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Update {
    pub id: i64,
    pub incident_id: i64,
    /// The incident's status when it went out.
    pub status: Status,
    pub audience: Audience,
    pub public_title: String,
    pub body: String,
    pub body_html: String,
    pub author_id: i64,
    pub author_name: String,
    pub published_at: DateTime<Utc>,
}

/// A component state set by a public update.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponentChange {
    pub service_id: i64,
    pub state: ComponentState,
}

/// The message of an update: trimmed, 1–5,000 characters of Markdown.
pub fn normalize_message(input: &str) -> Result<String, FieldError> {
    let body = input.trim().to_string();
    if body.is_empty() {
        return Err(FieldError::new("message", "Write the update's message."));
    }
    if body.chars().count() > MAX_UPDATE_LENGTH {
        return Err(FieldError::new("message", format!("Keep an update under {MAX_UPDATE_LENGTH} characters.")));
    }
    Ok(body)
}

/// The incident's name as the public reads it: one line, 1–200 characters.
pub fn normalize_public_title(input: &str) -> Result<String, FieldError> {
    let title = input.split_whitespace().collect::<Vec<_>>().join(" ");
    if title.is_empty() {
        return Err(FieldError::new("public_title", "Give the incident a name for the status page."));
    }
    if title.chars().count() > 200 {
        return Err(FieldError::new("public_title", "Keep the public name under 200 characters."));
    }
    Ok(title)
}

/// A template's text: may be empty (nothing is pre-filled), at most 5,000 characters.
pub fn normalize_template(input: &str) -> Result<String, FieldError> {
    let body = input.trim().to_string();
    if body.chars().count() > MAX_UPDATE_LENGTH {
        return Err(FieldError::new("body", format!("Keep a template under {MAX_UPDATE_LENGTH} characters.")));
    }
    Ok(body)
}

/// How many minutes an open incident of a severity may go without an update: empty (never
/// remind) or 1–1,440.
pub fn parse_update_interval(input: &str) -> Result<Option<i64>, FieldError> {
    let value = input.trim();
    if value.is_empty() {
        return Ok(None);
    }
    match value.parse::<i64>() {
        Ok(minutes) if (1..=1440).contains(&minutes) => Ok(Some(minutes)),
        _ => Err(FieldError::new("update_interval_minutes", "Enter a number of minutes from 1 to 1440, or leave it empty.")),
    }
}

/// How long an update has been overdue, when it is: the incident is open, its severity expects
/// an update every `interval_minutes`, and the last one (or the declaration, before any) is
/// longer ago than that.
pub fn update_overdue_by(
    status: Status,
    interval_minutes: Option<i64>,
    last_update: Option<DateTime<Utc>>,
    declared_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<Duration> {
    let interval = Duration::minutes(interval_minutes?);
    if !status.is_open() {
        return None;
    }
    let since = last_update.unwrap_or(declared_at);
    let overdue = now - since - interval;
    (overdue > Duration::zero()).then_some(overdue)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 10, 0, 0).unwrap() + Duration::minutes(i64::from(minute))
    }

    #[test]
    fn an_update_needs_an_audience() {
        assert_eq!(Audience::new(false, false).unwrap_err().field, "audience");
        assert_eq!(Audience::new(true, true).unwrap().label(), "Stakeholders and status page");
        assert_eq!(Audience::new(false, true).unwrap().label(), "Status page");
    }

    #[test]
    fn messages_and_public_titles_are_checked() {
        assert_eq!(normalize_message("  ").unwrap_err().field, "message");
        assert_eq!(normalize_message(&"x".repeat(5001)).unwrap_err().field, "message");
        assert_eq!(normalize_message(" We are on it. \n"), Ok("We are on it.".to_string()));
        assert_eq!(normalize_public_title(" Slow   checkout "), Ok("Slow checkout".to_string()));
        assert_eq!(normalize_public_title("").unwrap_err().field, "public_title");
        assert_eq!(normalize_template(""), Ok(String::new()));
    }

    #[test]
    fn update_intervals_are_minutes_or_nothing() {
        assert_eq!(parse_update_interval(""), Ok(None));
        assert_eq!(parse_update_interval(" 30 "), Ok(Some(30)));
        assert!(parse_update_interval("0").is_err());
        assert!(parse_update_interval("1441").is_err());
        assert!(parse_update_interval("half an hour").is_err());
    }

    #[test]
    fn an_update_is_overdue_only_after_the_interval_has_passed() {
        let open = Status::Investigating;
        assert_eq!(update_overdue_by(open, Some(30), None, at(0), at(30)), None, "exactly on time is not late");
        assert_eq!(update_overdue_by(open, Some(30), None, at(0), at(31)), Some(Duration::minutes(1)));
        assert_eq!(update_overdue_by(open, Some(30), Some(at(20)), at(0), at(45)), None, "counted from the last update");
        assert_eq!(update_overdue_by(open, Some(30), Some(at(20)), at(0), at(60)), Some(Duration::minutes(10)));
        assert_eq!(update_overdue_by(open, None, None, at(0), at(600)), None, "severity without a reminder");
        assert_eq!(update_overdue_by(Status::Resolved, Some(30), None, at(0), at(600)), None, "ended incidents");
    }
}
