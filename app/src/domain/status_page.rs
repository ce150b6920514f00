//! The public status page's rules: component states, the overall state, maintenance phases, the
//! daily history and uptime of a component, and the fields admins set for the page's look.
//!
//! No I/O; "now" is always an argument.

use super::FieldError;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How a component is doing, as the public sees it. Ordered from best to worst, so `max` gives
/// the worst of several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ComponentState {
    Operational,
    UnderMaintenance,
    DegradedPerformance,
    PartialOutage,
    MajorOutage,
}

impl ComponentState {
    pub const ALL: [ComponentState; 5] = [
        ComponentState::Operational,
        ComponentState::DegradedPerformance,
        ComponentState::PartialOutage,
        ComponentState::MajorOutage,
        ComponentState::UnderMaintenance,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ComponentState::Operational => "operational",
            ComponentState::DegradedPerformance => "degraded_performance",
            ComponentState::PartialOutage => "partial_outage",
            ComponentState::MajorOutage => "major_outage",
            ComponentState::UnderMaintenance => "under_maintenance",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ComponentState::Operational => "Operational",
            ComponentState::DegradedPerformance => "Degraded performance",
            ComponentState::PartialOutage => "Partial outage",
            ComponentState::MajorOutage => "Major outage",
            ComponentState::UnderMaintenance => "Under maintenance",
        }
    }

    /// The state while a maintenance window covers a component: a worse state set by an
    /// incident still shows; otherwise "under maintenance".
    pub fn during_maintenance(self) -> ComponentState {
        self.max(ComponentState::UnderMaintenance)
    }
}

impl fmt::Display for ComponentState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ComponentState {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        ComponentState::ALL
            .into_iter()
            .find(|state| state.as_str() == value)
            .ok_or_else(|| format!("{value:?} is not a component state."))
    }
}

/// The sentence at the top of the status page for the worst state of all components.
pub fn headline(worst: ComponentState) -> &'static str {
    match worst {
        ComponentState::Operational => "All systems operational",
        ComponentState::UnderMaintenance => "Scheduled maintenance in progress",
        ComponentState::DegradedPerformance => "Degraded performance",
        ComponentState::PartialOutage => "Partial outage",
        ComponentState::MajorOutage => "Major outage",
    }
}

/// The worst of `states`; operational when there are none.
pub fn worst(states: impl IntoIterator<Item = ComponentState>) -> ComponentState {
    states.into_iter().max().unwrap_or(ComponentState::Operational)
}

/// Where a maintenance window is in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MaintenancePhase {
    Upcoming,
    InProgress,
    Completed,
}

impl MaintenancePhase {
    pub fn of(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>, now: DateTime<Utc>) -> MaintenancePhase {
        if now < starts_at {
            MaintenancePhase::Upcoming
        } else if now < ends_at {
            MaintenancePhase::InProgress
        } else {
            MaintenancePhase::Completed
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MaintenancePhase::Upcoming => "Scheduled",
            MaintenancePhase::InProgress => "In progress",
            MaintenancePhase::Completed => "Completed",
        }
    }
}

/// Checks a maintenance window being planned or changed: it ends after it starts and lasts at
/// most 31 days; a new window doesn't end in the past.
pub fn check_maintenance_window(
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), FieldError> {
    if ends_at <= starts_at {
        return Err(FieldError::new("ends_at", "The window must end after it starts."));
    }
    if ends_at - starts_at > Duration::days(31) {
        return Err(FieldError::new("ends_at", "A maintenance window can last at most 31 days."));
    }
    if ends_at <= now {
        return Err(FieldError::new("ends_at", "That window has already ended; choose an end in the future."));
    }
    Ok(())
}

/// A component's state from a moment on (one entry of its history).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateChange {
    pub at: DateTime<Utc>,
    pub state: ComponentState,
}

/// A span of time (maintenance window).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// One day of a component's history (UTC days).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayHistory {
    pub date: NaiveDate,
    /// The worst state the component was in that day; `None` when it wasn't shown yet.
    pub worst: Option<ComponentState>,
    pub observed_seconds: i64,
    pub partial_outage_seconds: i64,
    pub major_outage_seconds: i64,
}

/// The last `days` UTC days up to and including today's, oldest first, computed from the
/// component's state changes (sorted by time; the state before the first one is operational),
/// its maintenance windows and the moment it first appeared (`shown_since`). Today counts up to
/// `now` only.
pub fn daily_history(
    changes: &[StateChange],
    maintenance: &[Span],
    shown_since: DateTime<Utc>,
    days: u32,
    now: DateTime<Utc>,
) -> Vec<DayHistory> {
    let today = now.date_naive();
    let first_day = today - Duration::days(i64::from(days.max(1)) - 1);
    let day_start = |date: NaiveDate| date.and_hms_opt(0, 0, 0).map(|t| t.and_utc()).unwrap_or(now);
    let range_start = day_start(first_day).max(shown_since);
    let mut history: Vec<DayHistory> = (0..i64::from(days.max(1)))
        .map(|n| DayHistory {
            date: first_day + Duration::days(n),
            worst: None,
            observed_seconds: 0,
            partial_outage_seconds: 0,
            major_outage_seconds: 0,
        })
        .collect();
    if range_start >= now {
        return history;
    }
    // Every moment something may change: day boundaries, state changes, window edges.
    let mut cuts: Vec<DateTime<Utc>> = vec![range_start, now];
    cuts.extend((1..history.len()).map(|n| day_start(first_day + Duration::days(n as i64))));
    cuts.extend(changes.iter().map(|c| c.at));
    cuts.extend(maintenance.iter().flat_map(|s| [s.start, s.end]));
    cuts.retain(|t| *t >= range_start && *t <= now);
    cuts.sort_unstable();
    cuts.dedup();
    let mut next_change = 0;
    let mut state = ComponentState::Operational;
    for pair in cuts.windows(2) {
        let (from, to) = (pair[0], pair[1]);
        while next_change < changes.len() && changes[next_change].at <= from {
            state = changes[next_change].state;
            next_change += 1;
        }
        let in_maintenance = maintenance.iter().any(|s| s.start <= from && from < s.end);
        let shown = if in_maintenance { state.during_maintenance() } else { state };
        let index = (from.date_naive() - first_day).num_days();
        let Some(day) = usize::try_from(index).ok().and_then(|i| history.get_mut(i)) else { continue };
        let seconds = (to - from).num_seconds();
        day.observed_seconds += seconds;
        day.worst = Some(day.worst.map_or(shown, |w| w.max(shown)));
        match shown {
            ComponentState::PartialOutage => day.partial_outage_seconds += seconds,
            ComponentState::MajorOutage => day.major_outage_seconds += seconds,
            _ => {}
        }
    }
    history
}

/// Uptime over `days` as a percentage, counted the way status pages usually do: a major outage
/// is downtime, a partial outage counts as 30 % downtime, degraded performance and maintenance
/// count as up. `None` when nothing was observed.
pub fn uptime_percent(days: &[DayHistory]) -> Option<f64> {
    let observed: i64 = days.iter().map(|d| d.observed_seconds).sum();
    if observed == 0 {
        return None;
    }
    let partial: i64 = days.iter().map(|d| d.partial_outage_seconds).sum();
    let major: i64 = days.iter().map(|d| d.major_outage_seconds).sum();
    let down = major as f64 + 0.3 * partial as f64;
    Some(100.0 * (1.0 - down / observed as f64))
}

/// Uptime as shown: two decimals, never rounded up to 100 when there was downtime.
pub fn format_uptime(percent: f64) -> String {
    let floored = (percent * 100.0).floor() / 100.0;
    format!("{floored:.2}%")
}

pub const MAX_PAGE_TITLE_LENGTH: usize = 80;
pub const MAX_LOGO_TEXT_LENGTH: usize = 40;

pub fn normalize_page_title(input: &str) -> Result<String, FieldError> {
    one_line("title", input, MAX_PAGE_TITLE_LENGTH, "Give the status page a title.")
}

pub fn normalize_logo_text(input: &str) -> Result<String, FieldError> {
    one_line("logo_text", input, MAX_LOGO_TEXT_LENGTH, "Enter the text shown as the logo, such as your company's name.")
}

fn one_line(field: &'static str, input: &str, max: usize, empty: &str) -> Result<String, FieldError> {
    let text = input.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return Err(FieldError::new(field, empty));
    }
    if text.chars().count() > max {
        return Err(FieldError::new(field, format!("Keep it under {max} characters.")));
    }
    Ok(text)
}

/// An accent colour as `#rrggbb` (lower case); `#rgb` is widened.
pub fn normalize_accent_color(input: &str) -> Result<String, FieldError> {
    let value = input.trim().trim_start_matches('#').to_ascii_lowercase();
    let hex = value.chars().all(|c| c.is_ascii_hexdigit());
    match value.len() {
        6 if hex => Ok(format!("#{value}")),
        3 if hex => Ok(format!("#{}", value.chars().flat_map(|c| [c, c]).collect::<String>())),
        _ => Err(FieldError::new("accent_color", "Enter a colour like #2563eb.")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, day, hour, 0, 0).unwrap()
    }

    fn change(day: u32, hour: u32, state: ComponentState) -> StateChange {
        StateChange { at: at(day, hour), state }
    }

    #[test]
    fn worst_state_orders_outages_above_maintenance_and_degradation() {
        use ComponentState::*;
        assert_eq!(worst([]), Operational);
        assert_eq!(worst([Operational, UnderMaintenance]), UnderMaintenance);
        assert_eq!(worst([UnderMaintenance, DegradedPerformance]), DegradedPerformance);
        assert_eq!(worst([PartialOutage, MajorOutage, Operational]), MajorOutage);
        assert_eq!(MajorOutage.during_maintenance(), MajorOutage);
        assert_eq!(Operational.during_maintenance(), UnderMaintenance);
        assert_eq!(headline(Operational), "All systems operational");
    }

    #[test]
    fn states_read_back_from_their_names() {
        for state in ComponentState::ALL {
            assert_eq!(state.as_str().parse::<ComponentState>(), Ok(state));
        }
        assert!("down".parse::<ComponentState>().is_err());
    }

    #[test]
    fn maintenance_phase_turns_at_the_exact_start_and_end() {
        let (start, end) = (at(5, 10), at(5, 12));
        assert_eq!(MaintenancePhase::of(start, end, at(5, 9)), MaintenancePhase::Upcoming);
        assert_eq!(MaintenancePhase::of(start, end, start), MaintenancePhase::InProgress);
        assert_eq!(MaintenancePhase::of(start, end, end), MaintenancePhase::Completed);
    }

    #[test]
    fn maintenance_windows_must_end_after_they_start_and_in_the_future() {
        let now = at(5, 8);
        assert!(check_maintenance_window(at(5, 10), at(5, 12), now).is_ok());
        assert_eq!(check_maintenance_window(at(5, 12), at(5, 10), now).unwrap_err().field, "ends_at");
        assert!(check_maintenance_window(at(1, 1), at(2, 1), now).is_err());
        assert!(check_maintenance_window(at(5, 10), at(5, 10) + Duration::days(32), now).is_err());
    }

    #[test]
    fn a_quiet_component_is_operational_every_day_with_full_uptime() {
        let history = daily_history(&[], &[], at(1, 0), 3, at(5, 12));
        assert_eq!(history.len(), 3);
        assert_eq!(history[0].date, NaiveDate::from_ymd_opt(2026, 3, 3).unwrap());
        assert!(history.iter().all(|d| d.worst == Some(ComponentState::Operational)));
        assert_eq!(history[2].observed_seconds, 12 * 3600, "today counts up to now");
        assert_eq!(uptime_percent(&history), Some(100.0));
    }

    #[test]
    fn days_before_a_component_was_shown_have_no_data() {
        let history = daily_history(&[], &[], at(4, 6), 3, at(5, 12));
        assert_eq!(history[0].worst, None);
        assert_eq!(history[1].observed_seconds, 18 * 3600);
        assert_eq!(daily_history(&[], &[], at(6, 0), 3, at(5, 12)).iter().filter(|d| d.worst.is_some()).count(), 0);
    }

    #[test]
    fn an_outage_spanning_midnight_marks_both_days_with_its_seconds() {
        let changes = [change(3, 22, ComponentState::MajorOutage), change(4, 1, ComponentState::Operational)];
        let history = daily_history(&changes, &[], at(1, 0), 3, at(5, 12));
        assert_eq!(history[0].worst, Some(ComponentState::MajorOutage));
        assert_eq!(history[0].major_outage_seconds, 2 * 3600);
        assert_eq!(history[1].major_outage_seconds, 3600);
        assert_eq!(history[2].worst, Some(ComponentState::Operational));
        let uptime = uptime_percent(&history).unwrap();
        let expected = 100.0 * (1.0 - 3.0 * 3600.0 / ((48 + 12) as f64 * 3600.0));
        assert!((uptime - expected).abs() < 1e-9, "{uptime} != {expected}");
    }

    #[test]
    fn a_state_set_before_the_window_carries_into_it() {
        let changes = [change(1, 0, ComponentState::DegradedPerformance), change(4, 12, ComponentState::Operational)];
        let history = daily_history(&changes, &[], at(1, 0), 3, at(5, 12));
        assert_eq!(history[0].worst, Some(ComponentState::DegradedPerformance));
        assert_eq!(history[1].worst, Some(ComponentState::DegradedPerformance));
        assert_eq!(history[2].worst, Some(ComponentState::Operational));
        assert_eq!(uptime_percent(&history), Some(100.0), "degraded performance counts as up");
    }

    #[test]
    fn partial_outages_count_as_thirty_percent_downtime() {
        let changes = [change(5, 0, ComponentState::PartialOutage)];
        let history = daily_history(&changes, &[], at(5, 0), 1, at(5, 10));
        assert_eq!(history[0].partial_outage_seconds, 36_000);
        assert!((uptime_percent(&history).unwrap() - 70.0).abs() < 1e-9);
        assert_eq!(format_uptime(99.999), "99.99%");
        assert_eq!(format_uptime(100.0), "100.00%");
    }

    #[test]
    fn maintenance_shows_as_under_maintenance_unless_worse_is_going_on() {
        let window = [Span { start: at(4, 2), end: at(4, 4) }];
        let history = daily_history(&[], &window, at(1, 0), 3, at(5, 12));
        assert_eq!(history[1].worst, Some(ComponentState::UnderMaintenance));
        assert_eq!(uptime_percent(&history), Some(100.0));
        let outage = [change(4, 3, ComponentState::MajorOutage), change(4, 5, ComponentState::Operational)];
        let history = daily_history(&outage, &window, at(1, 0), 3, at(5, 12));
        assert_eq!(history[1].worst, Some(ComponentState::MajorOutage));
        assert_eq!(history[1].major_outage_seconds, 2 * 3600);
    }

    #[test]
    fn page_fields_are_checked_and_tidied() {
        assert_eq!(normalize_accent_color(" #2563EB "), Ok("#2563eb".to_string()));
        assert_eq!(normalize_accent_color("abc"), Ok("#aabbcc".to_string()));
        assert_eq!(normalize_accent_color("red").unwrap_err().field, "accent_color");
        assert_eq!(normalize_accent_color("#12345g").unwrap_err().field, "accent_color");
        assert_eq!(normalize_page_title("  Acme   status "), Ok("Acme status".to_string()));
        assert_eq!(normalize_page_title(" ").unwrap_err().field, "title");
        assert_eq!(normalize_logo_text(&"x".repeat(41)).unwrap_err().field, "logo_text");
    }
}
