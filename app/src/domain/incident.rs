//! Incidents: the status state machine, key times and the durations derived from them, and the
//! fields people type when declaring one.
//!
//! No I/O here: every rule that needs "now" takes it as an argument.

/// A list filtered beyond statuses and the drill flag is counted over at most this many matches
/// ("more than 1,000 incidents"), so a list's cost does not grow with the number of incidents.
pub const COUNT_LIMIT: i64 = 1000;

/// "1 incident", "42 incidents", or "More than 1,000 incidents" past `COUNT_LIMIT`.
pub fn count_label(total: i64) -> String {
    match total {
        1 => "1 incident".to_string(),
        n if n > COUNT_LIMIT => "More than 1,000 incidents".to_string(),
        n => format!("{n} incidents"),
    }
}

use super::FieldError;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

pub const MAX_TITLE_LENGTH: usize = 200;
pub const MAX_SUMMARY_LENGTH: usize = 10_000;
pub const MAX_NOTE_LENGTH: usize = 20_000;

/// Where an incident is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Triage,
    Investigating,
    Identified,
    Monitoring,
    Resolved,
    Closed,
    /// A false alarm, turned down during triage.
    Declined,
    /// Folded into another incident, which carries on.
    Merged,
}

impl Status {
    pub const ALL: [Status; 8] = [
        Status::Triage,
        Status::Investigating,
        Status::Identified,
        Status::Monitoring,
        Status::Resolved,
        Status::Closed,
        Status::Declined,
        Status::Merged,
    ];

    /// The statuses of an incident that is still being worked on.
    pub const OPEN: [Status; 4] = [Status::Triage, Status::Investigating, Status::Identified, Status::Monitoring];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Triage => "triage",
            Status::Investigating => "investigating",
            Status::Identified => "identified",
            Status::Monitoring => "monitoring",
            Status::Resolved => "resolved",
            Status::Closed => "closed",
            Status::Declined => "declined",
            Status::Merged => "merged",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Triage => "Triage",
            Status::Investigating => "Investigating",
            Status::Identified => "Identified",
            Status::Monitoring => "Monitoring",
            Status::Resolved => "Resolved",
            Status::Closed => "Closed",
            Status::Declined => "Declined",
            Status::Merged => "Merged",
        }
    }

    /// Still being worked on: someone must hold the commander role.
    pub fn is_open(self) -> bool {
        Status::OPEN.contains(&self)
    }

    /// Closed, declined and merged incidents never change status again.
    pub fn is_final(self) -> bool {
        matches!(self, Status::Closed | Status::Declined | Status::Merged)
    }

    /// The statuses this one may move to, in lifecycle order.
    pub fn next_statuses(self) -> Vec<Status> {
        Status::ALL.into_iter().filter(|&to| check_transition(self, to).is_ok()).collect()
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Status::ALL
            .into_iter()
            .find(|status| status.as_str() == value)
            .ok_or_else(|| "Choose a status from the list.".to_string())
    }
}

/// An incident as stored, with the names of what it refers to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incident {
    pub id: i64,
    pub title: String,
    pub summary: String,
    pub status: Status,
    pub severity_id: i64,
    pub severity_name: String,
    pub severity_rank: i64,
    pub incident_type_id: Option<i64>,
    pub incident_type_name: Option<String>,
    pub is_drill: bool,
    pub merged_into_id: Option<i64>,
    pub key_times: KeyTimes,
    pub declared_by: i64,
    pub declared_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Bumped by every edit of the incident's own fields; edits send the revision they started from.
    pub revision: i64,
}

impl Incident {
    pub fn reference(&self) -> String {
        reference(self.id)
    }
}

/// An incident as listed: with the names of its services and its commander.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentSummary {
    pub incident: Incident,
    pub services: Vec<String>,
    pub commander: Option<String>,
}

/// A person holding a role type on an incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleAssignment {
    pub role_type_id: i64,
    pub user_id: i64,
    pub user_name: String,
}

/// One ticked checklist item of a role on an incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistTick {
    pub role_type_id: i64,
    pub item: String,
}

/// What a timeline event records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Declared,
    Note,
    StatusChanged,
    Reopened,
    SeverityChanged,
    DetailsChanged,
    ServicesChanged,
    RoleAssigned,
    RoleUnassigned,
    KeyTimesChanged,
    ChecklistTicked,
    ChecklistUnticked,
    UpdatePublished,
    /// A page was opened, or one of its steps paged someone (or found nobody left to page).
    Paged,
    PageAcknowledged,
    /// The incident ended while a page was escalating.
    PageStopped,
}

impl EventKind {
    pub const ALL: [EventKind; 16] = [
        EventKind::Declared,
        EventKind::Note,
        EventKind::StatusChanged,
        EventKind::Reopened,
        EventKind::SeverityChanged,
        EventKind::DetailsChanged,
        EventKind::ServicesChanged,
        EventKind::RoleAssigned,
        EventKind::RoleUnassigned,
        EventKind::KeyTimesChanged,
        EventKind::ChecklistTicked,
        EventKind::ChecklistUnticked,
        EventKind::UpdatePublished,
        EventKind::Paged,
        EventKind::PageAcknowledged,
        EventKind::PageStopped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Declared => "declared",
            EventKind::Note => "note",
            EventKind::StatusChanged => "status_changed",
            EventKind::Reopened => "reopened",
            EventKind::SeverityChanged => "severity_changed",
            EventKind::DetailsChanged => "details_changed",
            EventKind::ServicesChanged => "services_changed",
            EventKind::RoleAssigned => "role_assigned",
            EventKind::RoleUnassigned => "role_unassigned",
            EventKind::KeyTimesChanged => "key_times_changed",
            EventKind::ChecklistTicked => "checklist_ticked",
            EventKind::ChecklistUnticked => "checklist_unticked",
            EventKind::UpdatePublished => "update_published",
            EventKind::Paged => "paged",
            EventKind::PageAcknowledged => "page_acknowledged",
            EventKind::PageStopped => "page_stopped",
        }
    }

    /// A short label for the timeline.
    pub fn label(self) -> &'static str {
        match self {
            EventKind::Declared => "Declared",
            EventKind::Note => "Note",
            EventKind::StatusChanged => "Status",
            EventKind::Reopened => "Reopened",
            EventKind::SeverityChanged => "Severity",
            EventKind::DetailsChanged => "Details",
            EventKind::ServicesChanged => "Services",
            EventKind::RoleAssigned | EventKind::RoleUnassigned => "Role",
            EventKind::KeyTimesChanged => "Key times",
            EventKind::ChecklistTicked | EventKind::ChecklistUnticked => "Checklist",
            EventKind::UpdatePublished => "Update",
            EventKind::Paged | EventKind::PageStopped => "Page",
            EventKind::PageAcknowledged => "Acknowledged",
        }
    }
}

impl FromStr for EventKind {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        EventKind::ALL.into_iter().find(|kind| kind.as_str() == value).ok_or_else(|| format!("unknown event kind {value}"))
    }
}

/// One dated entry on an incident's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEvent {
    pub id: i64,
    pub incident_id: i64,
    pub kind: EventKind,
    /// Markdown for notes, a sentence for automatic events.
    pub body: String,
    /// `body` rendered and sanitized on the server when it was written.
    pub body_html: String,
    pub occurred_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub actor_name: Option<String>,
    pub pinned: bool,
    pub edited_at: Option<DateTime<Utc>>,
    pub revision: i64,
}

/// What kind of move a permitted status change is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TransitionKind {
    /// Forward or backward between open statuses, or open → resolved/closed.
    Progress,
    /// A resolved incident opened again; recorded as such on the timeline.
    Reopen,
    Decline,
    Merge,
}

/// Whether an incident may move from `from` to `to`, and if not, why (a sentence for people).
///
/// - Open statuses (triage, investigating, identified, monitoring) move freely among
///   themselves and to resolved.
/// - Only an incident in triage can be declined (a false alarm); any open incident can be merged.
/// - A resolved incident can be closed, or reopened to an open status other than triage.
/// - Closed, declined and merged are final.
pub fn check_transition(from: Status, to: Status) -> Result<TransitionKind, String> {
    use Status::*;
    if from == to {
        return Err(format!("The incident is already {}.", from.label().to_lowercase()));
    }
    match (from, to) {
        (Closed, _) => Err("A closed incident can't change status. Declare a new incident instead.".into()),
        (Declined, _) => Err("A declined incident can't change status. Declare a new incident if it is real after all.".into()),
        (Merged, _) => Err("A merged incident can't change status: it continues in the incident it was merged into.".into()),
        (_, Declined) if from != Triage => {
            Err("Only an incident in triage can be declined. Resolve it instead.".into())
        }
        (Triage, Declined) => Ok(TransitionKind::Decline),
        (f, Merged) if f.is_open() => Ok(TransitionKind::Merge),
        (_, Merged) => Err("Only an open incident can be merged into another.".into()),
        (f, t) if f.is_open() && (t.is_open() || t == Resolved) => Ok(TransitionKind::Progress),
        (f, Closed) if f.is_open() => Err("Resolve the incident before closing it.".into()),
        (Resolved, Closed) => Ok(TransitionKind::Progress),
        (Resolved, Triage) => Err("A resolved incident reopens as investigating, identified or monitoring, not triage.".into()),
        (Resolved, t) if t.is_open() => Ok(TransitionKind::Reopen),
        (f, t) => Err(format!("An incident can't move from {} to {}.", f.label().to_lowercase(), t.label().to_lowercase())),
    }
}

/// One of the key times of an incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyTime {
    Started,
    Detected,
    Acknowledged,
    Mitigated,
    Resolved,
    Closed,
}

impl KeyTime {
    pub const ALL: [KeyTime; 6] =
        [KeyTime::Started, KeyTime::Detected, KeyTime::Acknowledged, KeyTime::Mitigated, KeyTime::Resolved, KeyTime::Closed];

    pub fn label(self) -> &'static str {
        match self {
            KeyTime::Started => "Impact started",
            KeyTime::Detected => "Detected",
            KeyTime::Acknowledged => "Acknowledged",
            KeyTime::Mitigated => "Mitigated",
            KeyTime::Resolved => "Resolved",
            KeyTime::Closed => "Closed",
        }
    }

    /// The form field that edits this time.
    pub fn field(self) -> &'static str {
        match self {
            KeyTime::Started => "started_at",
            KeyTime::Detected => "detected_at",
            KeyTime::Acknowledged => "acknowledged_at",
            KeyTime::Mitigated => "mitigated_at",
            KeyTime::Resolved => "resolved_at",
            KeyTime::Closed => "closed_at",
        }
    }
}

/// Where an incident's acknowledged time came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AckSource {
    /// The first acknowledged page of the incident.
    Page,
    /// The first move out of triage, while no page of the incident was escalating.
    Status,
    /// A commander's correction.
    Edited,
}

impl AckSource {
    pub fn as_str(self) -> &'static str {
        match self {
            AckSource::Page => "page",
            AckSource::Status => "status",
            AckSource::Edited => "edited",
        }
    }

    pub fn parse(value: &str) -> Option<AckSource> {
        [AckSource::Page, AckSource::Status, AckSource::Edited].into_iter().find(|s| s.as_str() == value)
    }

    /// How the incident page explains the time: "from the first acknowledged page".
    pub fn explained(self) -> &'static str {
        match self {
            AckSource::Page => "when the first page was acknowledged",
            AckSource::Status => "when work started (the incident left triage)",
            AckSource::Edited => "as corrected by hand",
        }
    }
}

/// The key times of an incident. Started and detected are set when it is declared; the others
/// follow the lifecycle and can be corrected by the commander.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct KeyTimes {
    pub started: Option<DateTime<Utc>>,
    pub detected: Option<DateTime<Utc>>,
    pub acknowledged: Option<DateTime<Utc>>,
    pub mitigated: Option<DateTime<Utc>>,
    pub resolved: Option<DateTime<Utc>>,
    pub closed: Option<DateTime<Utc>>,
    /// Where `acknowledged` came from (`None` while it is empty, and for incidents from before
    /// Quell kept it).
    pub acknowledged_source: Option<AckSource>,
}

impl KeyTimes {
    pub fn get(&self, which: KeyTime) -> Option<DateTime<Utc>> {
        match which {
            KeyTime::Started => self.started,
            KeyTime::Detected => self.detected,
            KeyTime::Acknowledged => self.acknowledged,
            KeyTime::Mitigated => self.mitigated,
            KeyTime::Resolved => self.resolved,
            KeyTime::Closed => self.closed,
        }
    }

    pub fn set(&mut self, which: KeyTime, value: Option<DateTime<Utc>>) {
        let slot = match which {
            KeyTime::Started => &mut self.started,
            KeyTime::Detected => &mut self.detected,
            KeyTime::Acknowledged => &mut self.acknowledged,
            KeyTime::Mitigated => &mut self.mitigated,
            KeyTime::Resolved => &mut self.resolved,
            KeyTime::Closed => &mut self.closed,
        };
        *slot = value;
    }

    /// The key times after a status change at `now`: times the lifecycle implies are filled in
    /// when still empty (a commander's correction is never overwritten), and reopening clears
    /// resolved and closed. While a page of the incident is escalating (`paging`), work
    /// starting doesn't count as acknowledged: the page's acknowledgement will.
    pub fn after_transition(mut self, from: Status, to: Status, now: DateTime<Utc>, paging: bool) -> KeyTimes {
        let fill = |slot: &mut Option<DateTime<Utc>>| {
            if slot.is_none() {
                *slot = Some(now);
            }
        };
        if from == Status::Resolved && to.is_open() {
            self.resolved = None;
            self.closed = None;
            return self;
        }
        if !paging && self.acknowledged.is_none() && matches!(to, Status::Investigating | Status::Identified | Status::Monitoring | Status::Resolved) {
            self.acknowledged = Some(now);
            self.acknowledged_source = Some(AckSource::Status);
        }
        if matches!(to, Status::Monitoring | Status::Resolved) {
            fill(&mut self.mitigated);
        }
        if matches!(to, Status::Resolved | Status::Declined | Status::Merged) {
            fill(&mut self.resolved);
        }
        if to == Status::Closed {
            fill(&mut self.closed);
        }
        self
    }

    /// Checks that the times are in lifecycle order and none is in the future. Errors name the
    /// field of the time that is wrong.
    pub fn validate(&self, now: DateTime<Utc>) -> Result<(), FieldError> {
        for which in KeyTime::ALL {
            if self.get(which).is_some_and(|time| is_in_future(time, now)) {
                return Err(FieldError::new(which.field(), format!("{} can't be in the future.", which.label())));
            }
        }
        // (earlier, later): `later` must not come before `earlier`.
        let order = [
            (KeyTime::Started, KeyTime::Detected),
            (KeyTime::Detected, KeyTime::Acknowledged),
            (KeyTime::Started, KeyTime::Mitigated),
            (KeyTime::Mitigated, KeyTime::Resolved),
            (KeyTime::Started, KeyTime::Resolved),
            (KeyTime::Resolved, KeyTime::Closed),
        ];
        for (earlier, later) in order {
            if let (Some(a), Some(b)) = (self.get(earlier), self.get(later)) {
                if b < a {
                    return Err(FieldError::new(
                        later.field(),
                        format!("{} can't be before {}.", later.label(), earlier.label().to_lowercase()),
                    ));
                }
            }
        }
        Ok(())
    }

    /// From detection to acknowledgement.
    pub fn time_to_acknowledge(&self) -> Option<Duration> {
        between(self.detected, self.acknowledged)
    }

    /// From the start of impact to mitigation.
    pub fn time_to_mitigate(&self) -> Option<Duration> {
        between(self.started, self.mitigated)
    }

    /// From the start of impact to resolution.
    pub fn time_to_resolve(&self) -> Option<Duration> {
        between(self.started, self.resolved)
    }
}

/// Whether a time people entered lies ahead of `now`. Browsers submit whole minutes, so the
/// current minute still counts as now.
pub fn is_in_future(time: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    time > now + Duration::minutes(1)
}

fn between(from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> Option<Duration> {
    match (from, to) {
        (Some(from), Some(to)) if to >= from => Some(to - from),
        _ => None,
    }
}

/// A duration as people read it on an incident: "45s", "12m", "3h 05m", "2d 4h".
pub fn format_duration(duration: Duration) -> String {
    let seconds = duration.num_seconds().max(0);
    let (days, hours, minutes) = (seconds / 86_400, seconds / 3600 % 24, seconds / 60 % 60);
    if seconds < 60 {
        format!("{seconds}s")
    } else if seconds < 3600 {
        format!("{minutes}m")
    } else if days == 0 {
        format!("{hours}h {minutes:02}m")
    } else {
        format!("{days}d {hours}h")
    }
}

/// How long ago `then` was, for timelines: "just now", "5 minutes ago", "3 hours ago",
/// "2 days ago"; times ahead of `now` read "in …".
pub fn relative_time(then: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (now - then).num_seconds();
    let (ahead, seconds) = (seconds < 0, seconds.abs());
    let amount = |n: i64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    let phrase = if seconds < 45 {
        return "just now".to_string();
    } else if seconds < 3600 {
        amount((seconds + 30) / 60, "minute")
    } else if seconds < 86_400 {
        amount(seconds / 3600, "hour")
    } else {
        amount(seconds / 86_400, "day")
    };
    if ahead { format!("in {phrase}") } else { format!("{phrase} ago") }
}

/// The human reference of an incident: INC-42.
pub fn reference(id: i64) -> String {
    format!("INC-{id}")
}

/// Reads "INC-42", "inc-42" or "42" back to 42.
pub fn parse_reference(input: &str) -> Option<i64> {
    let trimmed = input.trim();
    let number = trimmed
        .get(..4)
        .filter(|prefix| prefix.eq_ignore_ascii_case("inc-"))
        .map(|_| &trimmed[4..])
        .unwrap_or(trimmed);
    number.parse::<i64>().ok().filter(|n| *n > 0)
}

pub fn normalize_title(input: &str) -> Result<String, FieldError> {
    let title = super::text::strip_controls(input, true).split_whitespace().collect::<Vec<_>>().join(" ");
    if title.is_empty() {
        return Err(FieldError::new("title", "Give the incident a title: what is wrong, in a few words."));
    }
    if title.chars().count() > MAX_TITLE_LENGTH {
        return Err(FieldError::new("title", format!("Keep the title under {MAX_TITLE_LENGTH} characters.")));
    }
    Ok(title)
}

pub fn normalize_summary(input: &str) -> Result<String, FieldError> {
    let summary = super::text::strip_controls(input, true).trim().to_string();
    if summary.chars().count() > MAX_SUMMARY_LENGTH {
        return Err(FieldError::new("summary", format!("Keep the summary under {MAX_SUMMARY_LENGTH} characters.")));
    }
    Ok(summary)
}

pub fn normalize_note(input: &str) -> Result<String, FieldError> {
    let body = super::text::strip_controls(input, true).trim().to_string();
    if body.is_empty() {
        return Err(FieldError::new("body", "Write something in the note."));
    }
    if body.chars().count() > MAX_NOTE_LENGTH {
        return Err(FieldError::new("body", format!("Keep a note under {MAX_NOTE_LENGTH} characters.")));
    }
    Ok(body)
}

/// A name in the configuration (severity, service, role type, incident type): trimmed, 1–80
/// characters.
pub fn normalize_name(input: &str) -> Result<String, FieldError> {
    let name = super::text::strip_controls(input, true).split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err(FieldError::new("name", "Enter a name."));
    }
    if name.chars().count() > 80 {
        return Err(FieldError::new("name", "Keep the name under 80 characters."));
    }
    Ok(name)
}

/// A role type's checklist from a text area: one item per line, blank lines dropped.
pub fn parse_checklist(input: &str) -> Result<Vec<String>, FieldError> {
    let items: Vec<String> = input.lines().map(str::trim).filter(|line| !line.is_empty()).map(str::to_string).collect();
    if items.len() > 30 {
        return Err(FieldError::new("checklist", "Keep the checklist to 30 items or fewer."));
    }
    if items.iter().any(|item| item.chars().count() > 200) {
        return Err(FieldError::new("checklist", "Keep each checklist item under 200 characters."));
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use Status::*;

    #[test]
    fn counts_past_the_limit_say_more_than() {
        assert_eq!(count_label(1), "1 incident");
        assert_eq!(count_label(0), "0 incidents");
        assert_eq!(count_label(COUNT_LIMIT), "1000 incidents");
        assert_eq!(count_label(COUNT_LIMIT + 1), "More than 1,000 incidents");
    }

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 5, 4, 10, 0, 0).unwrap() + Duration::minutes(minute as i64)
    }

    /// Every pair of statuses, with the expected answer: `Ok(kind)` or the start of the refusal.
    #[test]
    fn the_state_machine_allows_exactly_the_lifecycle() {
        let allowed: &[(Status, Status, TransitionKind)] = &[
            (Triage, Investigating, TransitionKind::Progress),
            (Triage, Identified, TransitionKind::Progress),
            (Triage, Monitoring, TransitionKind::Progress),
            (Triage, Resolved, TransitionKind::Progress),
            (Triage, Declined, TransitionKind::Decline),
            (Triage, Merged, TransitionKind::Merge),
            (Investigating, Triage, TransitionKind::Progress),
            (Investigating, Identified, TransitionKind::Progress),
            (Investigating, Monitoring, TransitionKind::Progress),
            (Investigating, Resolved, TransitionKind::Progress),
            (Investigating, Merged, TransitionKind::Merge),
            (Identified, Triage, TransitionKind::Progress),
            (Identified, Investigating, TransitionKind::Progress),
            (Identified, Monitoring, TransitionKind::Progress),
            (Identified, Resolved, TransitionKind::Progress),
            (Identified, Merged, TransitionKind::Merge),
            (Monitoring, Triage, TransitionKind::Progress),
            (Monitoring, Investigating, TransitionKind::Progress),
            (Monitoring, Identified, TransitionKind::Progress),
            (Monitoring, Resolved, TransitionKind::Progress),
            (Monitoring, Merged, TransitionKind::Merge),
            (Resolved, Investigating, TransitionKind::Reopen),
            (Resolved, Identified, TransitionKind::Reopen),
            (Resolved, Monitoring, TransitionKind::Reopen),
            (Resolved, Closed, TransitionKind::Progress),
        ];
        for from in Status::ALL {
            for to in Status::ALL {
                let expected = allowed.iter().find(|(f, t, _)| *f == from && *t == to).map(|(_, _, kind)| *kind);
                let got = check_transition(from, to);
                match expected {
                    Some(kind) => assert_eq!(got, Ok(kind), "{from} → {to}"),
                    None => assert!(got.is_err(), "{from} → {to} should be refused, got {got:?}"),
                }
            }
        }
    }

    #[test]
    fn refusals_say_why() {
        let cases = [
            (Monitoring, Closed, "Resolve the incident before closing it."),
            (Investigating, Declined, "Only an incident in triage can be declined. Resolve it instead."),
            (Closed, Investigating, "A closed incident can't change status. Declare a new incident instead."),
            (Resolved, Triage, "A resolved incident reopens as investigating, identified or monitoring, not triage."),
            (Identified, Identified, "The incident is already identified."),
            (Resolved, Merged, "Only an open incident can be merged into another."),
        ];
        for (from, to, message) in cases {
            assert_eq!(check_transition(from, to), Err(message.to_string()), "{from} → {to}");
        }
    }

    #[test]
    fn next_statuses_are_the_permitted_ones() {
        assert_eq!(Resolved.next_statuses(), vec![Investigating, Identified, Monitoring, Closed]);
        assert!(Closed.next_statuses().is_empty());
        assert_eq!(Triage.next_statuses(), vec![Investigating, Identified, Monitoring, Resolved, Declined, Merged]);
    }

    #[test]
    fn statuses_round_trip_through_their_names() {
        for status in Status::ALL {
            assert_eq!(status.as_str().parse::<Status>(), Ok(status));
        }
        assert!("open".parse::<Status>().is_err());
    }

    #[test]
    fn the_lifecycle_fills_key_times_once() {
        let declared = KeyTimes { started: Some(at(0)), detected: Some(at(2)), ..KeyTimes::default() };
        let investigating = declared.after_transition(Triage, Investigating, at(5), false);
        assert_eq!(investigating.acknowledged, Some(at(5)));
        let identified = investigating.after_transition(Investigating, Identified, at(9), false);
        assert_eq!(identified.acknowledged, Some(at(5)), "acknowledged is not moved again");
        let monitoring = identified.after_transition(Identified, Monitoring, at(20), false);
        assert_eq!(monitoring.mitigated, Some(at(20)));
        let resolved = monitoring.after_transition(Monitoring, Resolved, at(50), false);
        assert_eq!(resolved.resolved, Some(at(50)));
        assert_eq!(resolved.mitigated, Some(at(20)));
        let closed = resolved.after_transition(Resolved, Closed, at(70), false);
        assert_eq!(closed.closed, Some(at(70)));
    }

    #[test]
    fn an_escalating_page_keeps_work_starting_from_counting_as_acknowledged() {
        let declared = KeyTimes { started: Some(at(0)), detected: Some(at(0)), ..KeyTimes::default() };
        let investigating = declared.after_transition(Triage, Investigating, at(1), true);
        assert_eq!((investigating.acknowledged, investigating.acknowledged_source), (None, None));
        let unpaged = declared.after_transition(Triage, Investigating, at(1), false);
        assert_eq!((unpaged.acknowledged, unpaged.acknowledged_source), (Some(at(1)), Some(AckSource::Status)));
        // A time already there (from a page, or corrected) is never moved.
        let acknowledged = KeyTimes { acknowledged: Some(at(4)), acknowledged_source: Some(AckSource::Page), ..investigating };
        let monitoring = acknowledged.after_transition(Investigating, Monitoring, at(9), false);
        assert_eq!((monitoring.acknowledged, monitoring.acknowledged_source), (Some(at(4)), Some(AckSource::Page)));
        for source in [AckSource::Page, AckSource::Status, AckSource::Edited] {
            assert_eq!(AckSource::parse(source.as_str()), Some(source));
        }
    }

    #[test]
    fn resolving_straight_from_triage_fills_every_time_up_to_resolved() {
        let declared = KeyTimes { started: Some(at(0)), detected: Some(at(0)), ..KeyTimes::default() };
        let resolved = declared.after_transition(Triage, Resolved, at(3), false);
        assert_eq!((resolved.acknowledged, resolved.mitigated, resolved.resolved), (Some(at(3)), Some(at(3)), Some(at(3))));
    }

    #[test]
    fn reopening_clears_resolved_and_closed_but_keeps_the_rest() {
        let resolved = KeyTimes {
            started: Some(at(0)),
            detected: Some(at(1)),
            acknowledged: Some(at(2)),
            mitigated: Some(at(3)),
            resolved: Some(at(4)),
            closed: None,
            acknowledged_source: Some(AckSource::Status),
        };
        let reopened = resolved.after_transition(Resolved, Investigating, at(10), false);
        assert_eq!(reopened.resolved, None);
        assert_eq!(reopened.mitigated, Some(at(3)));
        let resolved_again = reopened.after_transition(Investigating, Resolved, at(30), false);
        assert_eq!(resolved_again.resolved, Some(at(30)));
    }

    #[test]
    fn durations_come_from_the_key_times() {
        let times = KeyTimes {
            started: Some(at(0)),
            detected: Some(at(4)),
            acknowledged: Some(at(7)),
            mitigated: Some(at(40)),
            resolved: Some(at(95)),
            closed: None,
            acknowledged_source: Some(AckSource::Page),
        };
        assert_eq!(times.time_to_acknowledge(), Some(Duration::minutes(3)));
        assert_eq!(times.time_to_mitigate(), Some(Duration::minutes(40)));
        assert_eq!(times.time_to_resolve(), Some(Duration::minutes(95)));
        let open = KeyTimes { started: Some(at(0)), detected: Some(at(0)), ..KeyTimes::default() };
        assert_eq!((open.time_to_acknowledge(), open.time_to_resolve()), (None, None));
    }

    #[test]
    fn key_times_out_of_order_are_refused_on_the_later_field() {
        let now = at(100);
        let mut times = KeyTimes { started: Some(at(10)), detected: Some(at(5)), ..KeyTimes::default() };
        assert_eq!(times.validate(now).unwrap_err().field, "detected_at");
        times.detected = Some(at(12));
        assert!(times.validate(now).is_ok());
        times.resolved = Some(at(11));
        times.mitigated = Some(at(20));
        assert_eq!(times.validate(now).unwrap_err().field, "resolved_at");
        times.resolved = Some(at(30));
        times.closed = Some(at(200));
        let future = times.validate(now).unwrap_err();
        assert_eq!((future.field, future.message.as_str()), ("closed_at", "Closed can't be in the future."));
    }

    #[test]
    fn durations_read_like_a_person_wrote_them() {
        let cases = [(45, "45s"), (60, "1m"), (59 * 60, "59m"), (3600 + 5 * 60, "1h 05m"), (26 * 3600, "1d 2h")];
        for (seconds, text) in cases {
            assert_eq!(format_duration(Duration::seconds(seconds)), text);
        }
    }

    #[test]
    fn relative_times_round_sensibly() {
        let now = at(600);
        let cases = [
            (now - Duration::seconds(10), "just now"),
            (now - Duration::seconds(100), "2 minutes ago"),
            (now - Duration::minutes(1), "1 minute ago"),
            (now - Duration::hours(3), "3 hours ago"),
            (now - Duration::days(2), "2 days ago"),
            (now + Duration::minutes(5), "in 5 minutes"),
        ];
        for (then, text) in cases {
            assert_eq!(relative_time(then, now), text);
        }
    }

    #[test]
    fn references_read_back() {
        assert_eq!(reference(42), "INC-42");
        assert_eq!(parse_reference("INC-42"), Some(42));
        assert_eq!(parse_reference(" inc-7 "), Some(7));
        assert_eq!(parse_reference("12"), Some(12));
        assert_eq!(parse_reference("INC-"), None);
        assert_eq!(parse_reference("database down"), None);
    }

    #[test]
    fn titles_are_required_and_tidied() {
        assert_eq!(normalize_title("  API   errors \n spiking ").unwrap(), "API errors spiking");
        assert_eq!(normalize_title("   ").unwrap_err().field, "title");
        assert!(normalize_title(&"x".repeat(201)).is_err());
    }

    #[test]
    fn checklists_have_one_item_per_line() {
        assert_eq!(parse_checklist("Page the team\n\n  Open a bridge  \n").unwrap(), vec!["Page the team", "Open a bridge"]);
        assert!(parse_checklist(&"item\n".repeat(31)).is_err());
    }
}
