//! Action items: follow-up work with an owner, a deadline and a priority, tracked until done;
//! their fields' rules, when one is overdue, and when its owner is reminded.

use super::FieldError;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    P0,
    P1,
    P2,
    P3,
}

impl Priority {
    pub const ALL: [Priority; 4] = [Priority::P0, Priority::P1, Priority::P2, Priority::P3];

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::P0 => "p0",
            Priority::P1 => "p1",
            Priority::P2 => "p2",
            Priority::P3 => "p3",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Priority::P0 => "P0 (urgent)",
            Priority::P1 => "P1 (high)",
            Priority::P2 => "P2 (medium)",
            Priority::P3 => "P3 (low)",
        }
    }

    pub fn short(self) -> &'static str {
        match self {
            Priority::P0 => "P0",
            Priority::P1 => "P1",
            Priority::P2 => "P2",
            Priority::P3 => "P3",
        }
    }

    pub fn parse(value: &str) -> Result<Priority, FieldError> {
        Priority::ALL
            .into_iter()
            .find(|p| p.as_str() == value.trim().to_lowercase())
            .ok_or_else(|| FieldError::new("priority", "Choose a priority from P0 to P3."))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    Open,
    InProgress,
    Done,
    WontDo,
}

impl ItemStatus {
    pub const ALL: [ItemStatus; 4] = [ItemStatus::Open, ItemStatus::InProgress, ItemStatus::Done, ItemStatus::WontDo];

    pub fn as_str(self) -> &'static str {
        match self {
            ItemStatus::Open => "open",
            ItemStatus::InProgress => "in_progress",
            ItemStatus::Done => "done",
            ItemStatus::WontDo => "wont_do",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ItemStatus::Open => "Open",
            ItemStatus::InProgress => "In progress",
            ItemStatus::Done => "Done",
            ItemStatus::WontDo => "Won't do",
        }
    }

    pub fn parse(value: &str) -> Result<ItemStatus, FieldError> {
        ItemStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == value.trim())
            .ok_or_else(|| FieldError::new("status", "Choose a status from the list."))
    }

    /// Done or won't do: nothing more is expected.
    pub fn is_finished(self) -> bool {
        matches!(self, ItemStatus::Done | ItemStatus::WontDo)
    }
}

/// An action item as stored, with the names of what it refers to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionItem {
    pub id: i64,
    pub incident_id: i64,
    pub incident_title: String,
    pub post_mortem_id: Option<i64>,
    pub title: String,
    pub description: String,
    pub owner_id: i64,
    pub owner_name: String,
    pub due_on: NaiveDate,
    pub priority: Priority,
    pub status: ItemStatus,
    pub wont_do_reason: String,
    pub tracker_url: String,
    pub revision: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ActionItem {
    /// Its own fields, as an edit starts from them.
    pub fn fields(&self) -> ItemFields {
        ItemFields {
            title: self.title.clone(),
            description: self.description.clone(),
            owner_id: self.owner_id,
            due_on: self.due_on,
            priority: self.priority,
            status: self.status,
            wont_do_reason: self.wont_do_reason.clone(),
            tracker_url: self.tracker_url.clone(),
        }
    }

    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        is_overdue(self.status, self.due_on, today)
    }
}

/// One change to an action item: a field, from what to what, by whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemChange {
    pub field: String,
    pub before: String,
    pub after: String,
    pub changed_by_name: String,
    pub changed_at: DateTime<Utc>,
}

/// Overdue: not finished, and its deadline (a whole day) has passed.
pub fn is_overdue(status: ItemStatus, due_on: NaiveDate, today: NaiveDate) -> bool {
    !status.is_finished() && due_on < today
}

/// The date it is at `now` in `zone`: deadlines are calendar days in the reader's time zone.
pub fn today_in<Tz: TimeZone>(now: DateTime<Utc>, zone: &Tz) -> NaiveDate {
    now.with_timezone(zone).date_naive()
}

/// An action item's fields, checked and cleaned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemFields {
    pub title: String,
    pub description: String,
    pub owner_id: i64,
    pub due_on: NaiveDate,
    pub priority: Priority,
    pub status: ItemStatus,
    pub wont_do_reason: String,
    pub tracker_url: String,
}

/// What a form sends for an action item, before checking.
#[derive(Debug, Clone, Default)]
pub struct ItemInput<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub owner_id: i64,
    pub due_on: &'a str,
    pub priority: &'a str,
    pub status: &'a str,
    pub wont_do_reason: &'a str,
    pub tracker_url: &'a str,
}

/// How far back a deadline may be set: recording work that is already late is allowed (it shows
/// as overdue at once), a date years ago is a typo.
pub const EARLIEST_DEADLINE_DAYS: i64 = 365;
/// How far ahead a deadline may be set.
pub const LATEST_DEADLINE_DAYS: i64 = 5 * 366;

/// Checks an action item's fields, in the order of the form. The deadline must be within a year
/// before `today` (the writer's date) and five years after it; an edit may keep the deadline it
/// had (`previous_due_on`) whatever it is.
pub fn validate_item(input: &ItemInput, today: NaiveDate, previous_due_on: Option<NaiveDate>) -> Result<ItemFields, FieldError> {
    let title = input.title.trim();
    if title.is_empty() {
        return Err(FieldError::new("title", "Say what needs doing."));
    }
    if title.chars().count() > 200 {
        return Err(FieldError::new("title", "Keep the title under 200 characters; put details in the description."));
    }
    let description = input.description.trim().replace("\r\n", "\n");
    if description.chars().count() > 10_000 {
        return Err(FieldError::new("description", "Keep the description under 10,000 characters."));
    }
    if input.owner_id <= 0 {
        return Err(FieldError::new("owner_id", "Choose who owns this item."));
    }
    let due_on = NaiveDate::parse_from_str(input.due_on.trim(), "%Y-%m-%d")
        .ok()
        .filter(|date| super::dates::date_in_range(*date))
        .ok_or_else(|| FieldError::new("due_on", "Give a deadline as a date, e.g. 2026-12-31."))?;
    let in_range = (due_on - today).num_days() >= -EARLIEST_DEADLINE_DAYS && (due_on - today).num_days() <= LATEST_DEADLINE_DAYS;
    if !in_range && previous_due_on != Some(due_on) {
        return Err(FieldError::new("due_on", "Choose a deadline between a year ago and five years from now."));
    }
    let priority = Priority::parse(input.priority)?;
    let status = if input.status.trim().is_empty() { ItemStatus::Open } else { ItemStatus::parse(input.status)? };
    let wont_do_reason = input.wont_do_reason.trim().to_string();
    if status == ItemStatus::WontDo && wont_do_reason.is_empty() {
        return Err(FieldError::new("wont_do_reason", "Say why it won't be done."));
    }
    if wont_do_reason.chars().count() > 1000 {
        return Err(FieldError::new("wont_do_reason", "Keep the reason under 1,000 characters."));
    }
    let tracker_url = input.tracker_url.trim().to_string();
    if !tracker_url.is_empty() && !(tracker_url.starts_with("https://") || tracker_url.starts_with("http://")) {
        return Err(FieldError::new("tracker_url", "Give the tracker issue's full address, starting with https://."));
    }
    if tracker_url.chars().count() > 2000 || tracker_url.chars().any(char::is_whitespace) {
        return Err(FieldError::new("tracker_url", "That doesn't look like an address: no spaces, under 2,000 characters."));
    }
    Ok(ItemFields {
        title: title.to_string(),
        description,
        owner_id: input.owner_id,
        due_on,
        priority,
        status,
        wont_do_reason: if status == ItemStatus::WontDo { wont_do_reason } else { String::new() },
        tracker_url,
    })
}

/// The reminders an owner gets about an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReminderKind {
    /// The deadline is within `DUE_SOON_DAYS` days.
    DueSoon,
    /// The deadline has passed.
    Overdue,
}

impl ReminderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReminderKind::DueSoon => "due_soon",
            ReminderKind::Overdue => "overdue",
        }
    }
}

/// How many days before its deadline an owner is reminded of an item.
pub const DUE_SOON_DAYS: i64 = 3;

/// The reminder an unfinished item with deadline `due_on` earns on `today`, if any. Each is sent
/// once per item and deadline (the store remembers it), so this may be asked every minute.
pub fn reminder_due(status: ItemStatus, due_on: NaiveDate, today: NaiveDate) -> Option<ReminderKind> {
    if status.is_finished() {
        return None;
    }
    let days_left = (due_on - today).num_days();
    if days_left < 0 {
        Some(ReminderKind::Overdue)
    } else if days_left <= DUE_SOON_DAYS {
        Some(ReminderKind::DueSoon)
    } else {
        None
    }
}

/// "due today", "due in 3 days", "1 day overdue"…
pub fn due_text(status: ItemStatus, due_on: NaiveDate, today: NaiveDate) -> String {
    if status.is_finished() {
        return format!("due {}", due_on.format("%Y-%m-%d"));
    }
    let days = (due_on - today).num_days();
    match days {
        0 => "due today".to_string(),
        1 => "due tomorrow".to_string(),
        d if d > 1 => format!("due in {d} days"),
        -1 => "1 day overdue".to_string(),
        d => format!("{} days overdue", -d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
    }

    fn input<'a>(due_on: &'a str) -> ItemInput<'a> {
        ItemInput { title: "Add an alert on queue depth", owner_id: 3, due_on, priority: "p1", ..ItemInput::default() }
    }

    #[test]
    fn an_item_is_overdue_only_after_its_deadline_and_while_unfinished() {
        assert!(!is_overdue(ItemStatus::Open, day(10), day(10)));
        assert!(is_overdue(ItemStatus::Open, day(10), day(11)));
        assert!(is_overdue(ItemStatus::InProgress, day(10), day(11)));
        assert!(!is_overdue(ItemStatus::Done, day(10), day(11)));
        assert!(!is_overdue(ItemStatus::WontDo, day(10), day(11)));
    }

    #[test]
    fn reminders_come_three_days_ahead_and_after_the_deadline() {
        let cases = [(day(20), None), (day(14), None), (day(13), Some(ReminderKind::DueSoon)), (day(10), Some(ReminderKind::DueSoon)), (day(9), Some(ReminderKind::Overdue))];
        for (due_on, expected) in cases {
            assert_eq!(reminder_due(ItemStatus::Open, due_on, day(10)), expected, "{due_on}");
        }
        assert_eq!(reminder_due(ItemStatus::Done, day(9), day(10)), None);
    }

    #[test]
    fn today_is_the_date_in_the_readers_zone() {
        let now = Utc.with_ymd_and_hms(2026, 3, 10, 23, 30, 0).unwrap();
        assert_eq!(today_in(now, &Utc), day(10));
        assert_eq!(today_in(now, &chrono::FixedOffset::east_opt(3600).unwrap()), day(11));
    }

    #[test]
    fn fields_are_checked_in_form_order_with_their_field_named() {
        let today = day(10);
        let field = |i: ItemInput| validate_item(&i, today, None).unwrap_err().field;
        assert_eq!(field(ItemInput { title: " ", ..input("2026-03-12") }), "title");
        assert_eq!(field(ItemInput { owner_id: 0, ..input("2026-03-12") }), "owner_id");
        assert_eq!(field(input("next week")), "due_on");
        assert_eq!(field(input("2025-03-09")), "due_on");
        assert_eq!(field(input("2036-03-09")), "due_on");
        assert_eq!(field(ItemInput { priority: "p9", ..input("2026-03-12") }), "priority");
        assert_eq!(field(ItemInput { status: "wont_do", ..input("2026-03-12") }), "wont_do_reason");
        assert_eq!(field(ItemInput { tracker_url: "javascript:alert(1)", ..input("2026-03-12") }), "tracker_url");
        let ok = validate_item(&ItemInput { tracker_url: "https://tracker.example/ISSUE-1", ..input("2026-03-10") }, today, None).unwrap();
        assert_eq!((ok.due_on, ok.priority, ok.status), (day(10), Priority::P1, ItemStatus::Open));
        // Late work may be recorded: yesterday is a deadline (overdue at once).
        assert!(validate_item(&input("2026-03-09"), today, None).is_ok());
        // An edit may keep a deadline it had, however old, but not move it out of range.
        assert!(validate_item(&input("2024-03-01"), today, NaiveDate::from_ymd_opt(2024, 3, 1)).is_ok());
        assert_eq!(validate_item(&input("2024-03-02"), today, NaiveDate::from_ymd_opt(2024, 3, 1)).unwrap_err().field, "due_on");
    }

    #[test]
    fn due_text_counts_days() {
        assert_eq!(due_text(ItemStatus::Open, day(10), day(10)), "due today");
        assert_eq!(due_text(ItemStatus::Open, day(13), day(10)), "due in 3 days");
        assert_eq!(due_text(ItemStatus::Open, day(9), day(10)), "1 day overdue");
        assert_eq!(due_text(ItemStatus::InProgress, day(5), day(10)), "5 days overdue");
        assert_eq!(due_text(ItemStatus::Done, day(5), day(10)), "due 2026-03-05");
    }
}
