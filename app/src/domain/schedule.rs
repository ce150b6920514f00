//! On-call schedule arithmetic: rotation layers, their restrictions, overrides, and the final
//! schedule that says who is on call when.
//!
//! No I/O, and no time-zone database either: every function is generic over chrono's
//! `TimeZone`, so the server passes a `chrono_tz::Tz` and this module still compiles for the
//! browser without carrying the zone tables. "Now" is always an argument.
//!
//! Rules (written down in ARCHITECTURE.md too):
//! - Shifts are half-open `[start, end)`: at the exact hand-off instant the incoming person is on
//!   call and the outgoing one is not.
//! - Hourly shifts are lengths of real time. Daily and weekly shifts hand off at the same local
//!   wall-clock time every time, so across a daylight-saving change a daily shift lasts 23 or 25
//!   hours (23.5 or 24.5 on Lord Howe Island).
//! - A local time that does not exist (skipped by a change to summer time) is read with the
//!   offset in force before the gap, so it lands as far after the gap as it pointed into it:
//!   02:30 on the day Chicago skips 02:00–03:00 is 03:30. A local time that happens twice (the
//!   change back) is the first of the two. Both are RFC 5545's rules, so iCal clients agree.
//! - A layer's restrictions only hide parts of its shifts; the rotation keeps turning through
//!   the hidden time.
//! - Higher layers override lower ones wherever they have someone on call. Overrides apply on
//!   top of the layers in the order they were made.

use super::{dates, FieldError};
use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc, Weekday};
use serde::{Deserialize, Serialize};

/// The most participants one layer takes.
pub const MAX_PARTICIPANTS: usize = 100;

/// How long one person's turn in a rotation lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ShiftLength {
    Hours(u32),
    Days(u32),
    Weeks(u32),
}

impl ShiftLength {
    /// Reads a count and a unit ("hours", "days", "weeks") as a form sends them.
    pub fn parse(count: &str, unit: &str) -> Result<ShiftLength, FieldError> {
        let count: u32 = count
            .trim()
            .parse()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| FieldError::new("shift_count", "Give the shift length as a whole number from 1 to 1,000."))?;
        match unit {
            "hours" => Ok(ShiftLength::Hours(count)),
            "days" => Ok(ShiftLength::Days(count)),
            "weeks" => Ok(ShiftLength::Weeks(count)),
            _ => Err(FieldError::new("shift_unit", "Choose hours, days or weeks.")),
        }
    }

    pub fn count(self) -> u32 {
        match self {
            ShiftLength::Hours(n) | ShiftLength::Days(n) | ShiftLength::Weeks(n) => n,
        }
    }

    pub fn unit(self) -> &'static str {
        match self {
            ShiftLength::Hours(_) => "hours",
            ShiftLength::Days(_) => "days",
            ShiftLength::Weeks(_) => "weeks",
        }
    }

    /// "1 week", "12 hours".
    pub fn label(self) -> String {
        let n = self.count();
        let unit = &self.unit()[..self.unit().len() - 1];
        if n == 1 { format!("1 {unit}") } else { format!("{n} {unit}s") }
    }
}

/// A part of the week in which a layer is active, in the schedule's local time: on each of
/// `weekdays`, from `start` to `end` (an `end` at or before `start` runs into the next day, so
/// `start == end` is a whole day).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Restriction {
    pub weekdays: Vec<Weekday>,
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl Restriction {
    /// Monday to Friday, 09:00–17:00.
    pub fn business_hours() -> Restriction {
        Restriction {
            weekdays: vec![Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri],
            start: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
        }
    }

    /// "Mon–Fri 09:00–17:00".
    pub fn label(&self) -> String {
        let days = if self.weekdays.len() == 7 {
            "Every day".to_string()
        } else {
            self.weekdays.iter().map(|d| weekday_short(*d)).collect::<Vec<_>>().join(", ")
        };
        format!("{days} {}–{}", self.start.format("%H:%M"), self.end.format("%H:%M"))
    }
}

pub fn weekday_short(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "Mon",
        Weekday::Tue => "Tue",
        Weekday::Wed => "Wed",
        Weekday::Thu => "Thu",
        Weekday::Fri => "Fri",
        Weekday::Sat => "Sat",
        Weekday::Sun => "Sun",
    }
}

/// One rotation layer: `participants` take turns of `shift` starting at `handoff` local time on
/// `start_date`, the first participant first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layer {
    pub participants: Vec<i64>,
    pub shift: ShiftLength,
    pub handoff: NaiveTime,
    pub start_date: NaiveDate,
    /// Empty: active all the time.
    pub restrictions: Vec<Restriction>,
}

/// How an override changes the schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OverrideKind {
    /// The person takes over from whoever is on call (or, when `covering_for` is set, from that
    /// one person only, wherever they are on call in the range).
    Cover { covering_for: Option<i64> },
    /// The person is on call as well as whoever the layers say.
    Add,
}

/// Someone on call from `start` to `end` instead of (or beside) the layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Override {
    pub user_id: i64,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub kind: OverrideKind,
}

/// One person on call from `start` to `end` (half-open).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shift {
    pub user_id: i64,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Shift {
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.start <= at && at < self.end
    }
}

/// An on-call schedule as stored: its layers and overrides are loaded beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    pub id: i64,
    pub name: String,
    pub description: String,
    /// An IANA zone name, e.g. `Europe/Berlin`.
    pub time_zone: String,
    /// How long before a shift starts its person is told (0: not told).
    pub handoff_notice_minutes: i64,
    pub revision: i64,
}

/// A stored layer: its place in the schedule (higher overrides lower), its name and its rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleLayer {
    pub id: i64,
    pub schedule_id: i64,
    pub position: i64,
    pub name: String,
    pub layer: Layer,
}

/// A stored override.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleOverride {
    pub id: i64,
    pub schedule_id: i64,
    pub rule: Override,
    pub created_by: i64,
}

/// A stretch of time `[start, end)`.
type Span = (DateTime<Utc>, DateTime<Utc>);

/// The instant of a local date and time in `tz`, by RFC 5545's rules: the first of two when the
/// clock went back, and the offset before the gap when the clock jumped over it.
pub fn local_instant<Tz: TimeZone>(tz: &Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(at) => at.with_timezone(&Utc),
        LocalResult::Ambiguous(first, second) => first.with_timezone(&Utc).min(second.with_timezone(&Utc)),
        LocalResult::None => {
            // Find a local time before the gap (gaps are at most a day long) and use its offset.
            let mut before = local;
            for _ in 0..48 {
                let Some(earlier) = before.checked_sub_signed(Duration::hours(1)) else { break };
                before = earlier;
                if let Some(at) = tz.from_local_datetime(&before).latest() {
                    let offset = at.offset().fix();
                    return local.checked_sub_offset(offset).unwrap_or(local).and_utc();
                }
            }
            // No zone has a gap this long; read it as UTC rather than fail.
            local.and_utc()
        }
    }
}

/// The local date of an instant in `tz`.
fn local_date<Tz: TimeZone>(tz: &Tz, at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(tz).date_naive()
}

impl Layer {
    /// When the rotation begins.
    pub fn epoch<Tz: TimeZone>(&self, tz: &Tz) -> DateTime<Utc> {
        local_instant(tz, self.start_date.and_time(self.handoff))
    }

    /// The start of turn `k` (turn 0 starts at the epoch); `latest()` for a turn past the range
    /// of dates, so a rotation ends there instead of overflowing.
    fn turn_start<Tz: TimeZone>(&self, tz: &Tz, epoch: DateTime<Utc>, k: i64) -> DateTime<Utc> {
        let days = |per_turn: i64| {
            k.checked_mul(per_turn)
                .and_then(Duration::try_days)
                .and_then(|offset| self.start_date.checked_add_signed(offset))
                .filter(|date| dates::date_in_range(*date))
                .map(|date| local_instant(tz, date.and_time(self.handoff)))
        };
        let start = match self.shift {
            ShiftLength::Hours(n) => {
                k.checked_mul(n as i64).and_then(Duration::try_hours).and_then(|offset| epoch.checked_add_signed(offset))
            }
            ShiftLength::Days(n) => days(n as i64),
            ShiftLength::Weeks(n) => days(7 * n as i64),
        };
        start.map_or_else(dates::latest, dates::clamp)
    }

    /// A turn that starts at or before `at` (never after), close to it, for `at` after the epoch.
    fn turn_near<Tz: TimeZone>(&self, tz: &Tz, epoch: DateTime<Utc>, at: DateTime<Utc>) -> i64 {
        let k = match self.shift {
            ShiftLength::Hours(n) => (at - epoch).num_hours() / n as i64,
            ShiftLength::Days(n) => (local_date(tz, at) - self.start_date).num_days() / n as i64,
            ShiftLength::Weeks(n) => (local_date(tz, at) - self.start_date).num_days() / (7 * n as i64),
        };
        // Local dates and offsets can put the estimate one turn late; step back past `at`.
        let mut k = (k - 1).max(0);
        while k > 0 && self.turn_start(tz, epoch, k) > at {
            k -= 1;
        }
        k
    }

    /// The layer's rotation from `from` to `to`, before restrictions: one shift per turn, clipped
    /// to the range.
    pub fn rotation<Tz: TimeZone>(&self, tz: &Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Shift> {
        let mut shifts = Vec::new();
        if self.participants.is_empty() {
            return shifts;
        }
        // A layer starting outside the range of dates (stored before it was checked) has no
        // turns; asked-for times outside it are clamped to it.
        if !dates::date_in_range(self.start_date) {
            return shifts;
        }
        let epoch = self.epoch(tz);
        let from = dates::clamp(from).max(epoch);
        let to = dates::clamp(to);
        if from >= to {
            return shifts;
        }
        let mut k = self.turn_near(tz, epoch, from);
        let mut start = self.turn_start(tz, epoch, k);
        while start < to {
            let end = self.turn_start(tz, epoch, k + 1);
            if end > from {
                let user_id = self.participants[(k as usize) % self.participants.len()];
                shifts.push(Shift { user_id, start: start.max(from), end: end.min(to) });
            }
            k += 1;
            start = end;
        }
        shifts
    }

    /// The times from `from` to `to` in which the layer is active, sorted and merged.
    fn active_spans<Tz: TimeZone>(&self, tz: &Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Span> {
        if self.restrictions.is_empty() {
            return vec![(from, to)];
        }
        let (from, to) = (dates::clamp(from), dates::clamp(to));
        let mut spans = Vec::new();
        // A window can start the day before `from` and run past midnight into it.
        let mut day = local_date(tz, from).pred_opt().unwrap_or(NaiveDate::MIN);
        let last = local_date(tz, to);
        while day <= last {
            for restriction in &self.restrictions {
                if !restriction.weekdays.contains(&day.weekday()) {
                    continue;
                }
                let end_day = if restriction.end <= restriction.start { day.succ_opt().unwrap_or(day) } else { day };
                let start = local_instant(tz, day.and_time(restriction.start)).max(from);
                let end = local_instant(tz, end_day.and_time(restriction.end)).min(to);
                if start < end {
                    spans.push((start, end));
                }
            }
            let Some(next) = day.succ_opt() else { break };
            day = next;
        }
        merge_spans(spans)
    }

    /// Who this layer puts on call from `from` to `to`: the rotation within the restrictions.
    pub fn shifts<Tz: TimeZone>(&self, tz: &Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Shift> {
        let rotation = self.rotation(tz, from, to);
        if self.restrictions.is_empty() {
            return rotation;
        }
        let active = self.active_spans(tz, from, to);
        let mut shifts = Vec::new();
        for shift in rotation {
            for &(start, end) in active.iter().filter(|(s, e)| *s < shift.end && shift.start < *e) {
                shifts.push(Shift { user_id: shift.user_id, start: start.max(shift.start), end: end.min(shift.end) });
            }
        }
        shifts
    }
}

/// Sorts spans and joins those that overlap or touch.
fn merge_spans(mut spans: Vec<Span>) -> Vec<Span> {
    spans.sort();
    let mut merged: Vec<Span> = Vec::with_capacity(spans.len());
    for (start, end) in spans {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

/// The parts of `shift` outside every span of `covered` (sorted, merged).
fn subtract(shift: Shift, covered: &[Span], out: &mut Vec<Shift>) {
    let mut start = shift.start;
    for &(c_start, c_end) in covered.iter().filter(|(s, e)| *s < shift.end && shift.start < *e) {
        if c_start > start {
            out.push(Shift { start, end: c_start, ..shift });
        }
        start = start.max(c_end);
    }
    if start < shift.end {
        out.push(Shift { start, ..shift });
    }
}

/// Sorts shifts by start (then person) and joins a person's shifts that touch or overlap.
pub fn tidy(mut shifts: Vec<Shift>) -> Vec<Shift> {
    shifts.sort_by_key(|s| (s.user_id, s.start));
    let mut joined: Vec<Shift> = Vec::with_capacity(shifts.len());
    for shift in shifts {
        match joined.last_mut() {
            Some(last) if last.user_id == shift.user_id && shift.start <= last.end => last.end = last.end.max(shift.end),
            _ => joined.push(shift),
        }
    }
    joined.sort_by_key(|s| (s.start, s.user_id));
    joined
}

/// The layers combined, lowest first in `layers`: a higher layer's shifts hide every lower
/// layer wherever the higher one has someone on call.
pub fn layered<Tz: TimeZone>(tz: &Tz, layers: &[Layer], from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Shift> {
    let mut result = Vec::new();
    let mut covered: Vec<Span> = Vec::new();
    for layer in layers.iter().rev() {
        let shifts = layer.shifts(tz, from, to);
        for shift in &shifts {
            subtract(*shift, &covered, &mut result);
        }
        covered.extend(shifts.iter().map(|s| (s.start, s.end)));
        covered = merge_spans(covered);
    }
    tidy(result)
}

/// `overrides` applied, in order, on top of `shifts`, for the range `from` to `to`.
pub fn apply_overrides(shifts: Vec<Shift>, overrides: &[Override], from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Shift> {
    let mut shifts = shifts;
    for o in overrides {
        let (start, end) = (o.start.max(from), o.end.min(to));
        if start >= end {
            continue;
        }
        let span = [(start, end)];
        match o.kind {
            OverrideKind::Add => shifts.push(Shift { user_id: o.user_id, start, end }),
            OverrideKind::Cover { covering_for: None } => {
                let mut next = Vec::with_capacity(shifts.len() + 2);
                for shift in shifts {
                    subtract(shift, &span, &mut next);
                }
                next.push(Shift { user_id: o.user_id, start, end });
                shifts = next;
            }
            OverrideKind::Cover { covering_for: Some(covered_user) } => {
                let mut next = Vec::with_capacity(shifts.len() + 2);
                for shift in shifts {
                    if shift.user_id == covered_user && shift.start < end && start < shift.end {
                        subtract(shift, &span, &mut next);
                        next.push(Shift { user_id: o.user_id, start: shift.start.max(start), end: shift.end.min(end) });
                    } else {
                        next.push(shift);
                    }
                }
                shifts = next;
            }
        }
    }
    tidy(shifts)
}

/// The final schedule from `from` to `to`: the layers, then the overrides.
pub fn final_schedule<Tz: TimeZone>(
    tz: &Tz,
    layers: &[Layer],
    overrides: &[Override],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<Shift> {
    apply_overrides(layered(tz, layers, from, to), overrides, from, to)
}

/// Who is on call at `at` (each person once, in the order of their shifts).
pub fn on_call_at(shifts: &[Shift], at: DateTime<Utc>) -> Vec<i64> {
    let mut people = Vec::new();
    for shift in shifts.iter().filter(|s| s.contains(at)) {
        if !people.contains(&shift.user_id) {
            people.push(shift.user_id);
        }
    }
    people
}

/// `user_id`'s shift that is under way at `now`, or else their next one.
pub fn next_shift(shifts: &[Shift], user_id: i64, now: DateTime<Utc>) -> Option<Shift> {
    shifts.iter().filter(|s| s.user_id == user_id && s.end > now).min_by_key(|s| s.start).copied()
}

/// Shifts that start from `after` (exclusive) up to `until` (inclusive): the hand-offs a
/// notifier looking `lead` ahead should announce now. Shifts that merely continue one that was
/// already running (the same person on either side of the start) are not hand-offs.
pub fn upcoming_handoffs(shifts: &[Shift], after: DateTime<Utc>, until: DateTime<Utc>) -> Vec<Shift> {
    shifts
        .iter()
        .filter(|s| s.start > after && s.start <= until)
        .filter(|s| !shifts.iter().any(|p| p.user_id == s.user_id && p.start < s.start && p.end >= s.start))
        .copied()
        .collect()
}

/// Checks a layer as a form sends it: at least one participant, no more than the limit.
pub fn validate_layer(layer: &Layer) -> Result<(), FieldError> {
    if layer.participants.is_empty() {
        return Err(FieldError::new("participants", "Add at least one person to the rotation."));
    }
    if !dates::date_in_range(layer.start_date) {
        return Err(FieldError::new("start_date", dates::out_of_range_message()));
    }
    if layer.participants.len() > MAX_PARTICIPANTS {
        return Err(FieldError::new("participants", format!("A rotation takes at most {MAX_PARTICIPANTS} people.")));
    }
    for r in &layer.restrictions {
        if r.weekdays.is_empty() {
            return Err(FieldError::new("weekdays", "Choose at least one day for each restriction."));
        }
    }
    Ok(())
}

/// Checks an override's range: it must end after it starts, and not lie wholly in the past.
pub fn validate_override(start: DateTime<Utc>, end: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), FieldError> {
    if !dates::instant_in_range(start) {
        return Err(FieldError::new("starts", dates::out_of_range_message()));
    }
    if !dates::instant_in_range(end) {
        return Err(FieldError::new("ends", dates::out_of_range_message()));
    }
    if end <= start {
        return Err(FieldError::new("ends", "The override must end after it starts."));
    }
    if end <= now {
        return Err(FieldError::new("ends", "That time has passed: an override must end in the future."));
    }
    if end - start > Duration::days(366) {
        return Err(FieldError::new("ends", "An override lasts at most a year."));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::FixedOffset;
    use chrono_tz::Tz;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn time(s: &str) -> NaiveTime {
        NaiveTime::parse_from_str(s, "%H:%M").unwrap()
    }

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn layer(participants: &[i64], shift: ShiftLength, start_date: &str, handoff: &str) -> Layer {
        Layer { participants: participants.to_vec(), shift, handoff: time(handoff), start_date: date(start_date), restrictions: vec![] }
    }

    /// (user, start, end) triples, for compact expectations.
    fn triples(shifts: &[Shift]) -> Vec<(i64, String, String)> {
        shifts.iter().map(|s| (s.user_id, s.start.to_rfc3339(), s.end.to_rfc3339())).collect()
    }

    fn expect(shifts: &[Shift], expected: &[(i64, &str, &str)]) {
        let expected: Vec<(i64, String, String)> =
            expected.iter().map(|(u, s, e)| (*u, utc(s).to_rfc3339(), utc(e).to_rfc3339())).collect();
        assert_eq!(triples(shifts), expected);
    }

    #[test]
    fn local_times_resolve_by_rfc_5545_rules_around_daylight_saving_changes() {
        // (zone, local time, instant)
        let cases = [
            // Ordinary times.
            ("America/Chicago", "2026-01-15 09:00", "2026-01-15T15:00:00Z"),
            ("America/Chicago", "2026-07-15 09:00", "2026-07-15T14:00:00Z"),
            // Chicago skips 02:00–03:00 on 8 March 2026: 02:30 is read with the offset before (-6).
            ("America/Chicago", "2026-03-08 02:30", "2026-03-08T08:30:00Z"),
            ("America/Chicago", "2026-03-08 03:00", "2026-03-08T08:00:00Z"),
            // Chicago repeats 01:00–02:00 on 1 November 2026: the first 01:30 (CDT, -5).
            ("America/Chicago", "2026-11-01 01:30", "2026-11-01T06:30:00Z"),
            // Berlin skips 02:00–03:00 on 29 March 2026 and repeats 02:00–03:00 on 25 October.
            ("Europe/Berlin", "2026-03-29 02:15", "2026-03-29T01:15:00Z"),
            ("Europe/Berlin", "2026-10-25 02:15", "2026-10-25T00:15:00Z"),
            // Lord Howe moves by 30 minutes: it skips 02:00–02:30 on 4 October 2026 (+10:30 → +11)
            // and repeats 01:30–02:00 on 5 April 2026 (+11 → +10:30).
            ("Australia/Lord_Howe", "2026-10-04 02:10", "2026-10-03T15:40:00Z"),
            ("Australia/Lord_Howe", "2026-10-04 02:30", "2026-10-03T15:30:00Z"),
            ("Australia/Lord_Howe", "2026-04-05 01:45", "2026-04-04T14:45:00Z"),
            ("Australia/Lord_Howe", "2026-04-05 02:00", "2026-04-04T15:30:00Z"),
        ];
        for (zone, local, instant) in cases {
            let tz: Tz = zone.parse().unwrap();
            let local = NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M").unwrap();
            assert_eq!(local_instant(&tz, local), utc(instant), "{zone} {local}");
        }
    }

    #[test]
    fn a_weekly_rotation_hands_over_at_the_same_local_time_and_takes_turns_in_order() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let rota = layer(&[1, 2, 3], ShiftLength::Weeks(1), "2026-01-05", "09:00");
        let shifts = rota.shifts(&tz, utc("2026-01-01T00:00:00Z"), utc("2026-02-01T00:00:00Z"));
        expect(
            &shifts,
            &[
                (1, "2026-01-05T08:00:00Z", "2026-01-12T08:00:00Z"),
                (2, "2026-01-12T08:00:00Z", "2026-01-19T08:00:00Z"),
                (3, "2026-01-19T08:00:00Z", "2026-01-26T08:00:00Z"),
                (1, "2026-01-26T08:00:00Z", "2026-02-01T00:00:00Z"),
            ],
        );
    }

    #[test]
    fn daily_shifts_keep_their_local_hand_off_across_daylight_saving_changes() {
        // (zone, start date, hand-off, from, to, expected shifts)
        type Case = (&'static str, &'static str, &'static str, &'static str, &'static str, &'static [(i64, &'static str, &'static str)]);
        let cases: [Case; 5] = [
            // Chicago, spring: the shift over the change lasts 23 hours.
            ("America/Chicago", "2026-03-06", "09:00", "2026-03-07T15:00:00Z", "2026-03-09T14:00:00Z", &[
                (2, "2026-03-07T15:00:00Z", "2026-03-08T14:00:00Z"),
                (1, "2026-03-08T14:00:00Z", "2026-03-09T14:00:00Z"),
            ]),
            // Chicago, autumn: 25 hours.
            ("America/Chicago", "2026-10-30", "09:00", "2026-10-31T14:00:00Z", "2026-11-02T15:00:00Z", &[
                (2, "2026-10-31T14:00:00Z", "2026-11-01T15:00:00Z"),
                (1, "2026-11-01T15:00:00Z", "2026-11-02T15:00:00Z"),
            ]),
            // Berlin, a hand-off inside the skipped hour (02:30 on 29 March) lands at 03:30 CEST.
            ("Europe/Berlin", "2026-03-27", "02:30", "2026-03-28T01:30:00Z", "2026-03-30T00:30:00Z", &[
                (2, "2026-03-28T01:30:00Z", "2026-03-29T01:30:00Z"),
                (1, "2026-03-29T01:30:00Z", "2026-03-30T00:30:00Z"),
            ]),
            // Berlin, a hand-off in the repeated hour (02:30 on 25 October) happens the first time.
            ("Europe/Berlin", "2026-10-23", "02:30", "2026-10-24T00:30:00Z", "2026-10-26T01:30:00Z", &[
                (2, "2026-10-24T00:30:00Z", "2026-10-25T00:30:00Z"),
                (1, "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"),
            ]),
            // Lord Howe, spring: a 23.5-hour day.
            ("Australia/Lord_Howe", "2026-10-02", "09:00", "2026-10-02T22:30:00Z", "2026-10-04T22:00:00Z", &[
                (2, "2026-10-02T22:30:00Z", "2026-10-03T22:00:00Z"),
                (1, "2026-10-03T22:00:00Z", "2026-10-04T22:00:00Z"),
            ]),
        ];
        for (zone, start, handoff, from, to, expected) in cases {
            let tz: Tz = zone.parse().unwrap();
            let rota = layer(&[1, 2], ShiftLength::Days(1), start, handoff);
            expect(&rota.shifts(&tz, utc(from), utc(to)), expected);
        }
    }

    #[test]
    fn hourly_shifts_are_real_hours_even_across_a_change() {
        let tz: Tz = "America/Chicago".parse().unwrap();
        let rota = layer(&[1, 2], ShiftLength::Hours(12), "2026-03-07", "20:00");
        // 20:00 CST on 7 March = 02:00Z on 8 March; twelve real hours later is 14:00Z (09:00 CDT).
        let shifts = rota.shifts(&tz, utc("2026-03-08T00:00:00Z"), utc("2026-03-09T00:00:00Z"));
        expect(
            &shifts,
            &[
                (1, "2026-03-08T02:00:00Z", "2026-03-08T14:00:00Z"),
                (2, "2026-03-08T14:00:00Z", "2026-03-09T00:00:00Z"),
            ],
        );
    }

    #[test]
    fn the_hand_off_instant_belongs_to_the_incoming_person() {
        let tz = Utc;
        let rota = layer(&[1, 2], ShiftLength::Days(1), "2026-05-01", "09:00");
        let shifts = rota.shifts(&tz, utc("2026-05-01T00:00:00Z"), utc("2026-05-04T00:00:00Z"));
        assert_eq!(on_call_at(&shifts, utc("2026-05-02T08:59:59Z")), vec![1]);
        assert_eq!(on_call_at(&shifts, utc("2026-05-02T09:00:00Z")), vec![2]);
        // Before the rotation begins nobody is on call.
        assert_eq!(on_call_at(&shifts, utc("2026-05-01T08:59:59Z")), Vec::<i64>::new());
    }

    #[test]
    fn the_rotation_position_is_the_same_whatever_range_is_asked_for() {
        let tz: Tz = "Australia/Lord_Howe".parse().unwrap();
        let rota = layer(&[1, 2, 3, 4, 5], ShiftLength::Days(2), "2025-01-01", "07:30");
        let whole = rota.shifts(&tz, utc("2025-01-01T00:00:00Z"), utc("2027-01-01T00:00:00Z"));
        for probe in ["2025-04-05T15:00:00Z", "2025-10-04T16:00:00Z", "2026-04-04T15:45:00Z", "2026-12-31T23:00:00Z"] {
            let at = utc(probe);
            let part = rota.shifts(&tz, at - Duration::hours(1), at + Duration::hours(1));
            assert_eq!(on_call_at(&part, at), on_call_at(&whole, at), "{probe}");
        }
    }

    #[test]
    fn restrictions_hide_the_rotation_outside_business_hours_but_it_keeps_turning() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let mut rota = layer(&[1, 2], ShiftLength::Days(1), "2026-06-01", "00:00");
        rota.restrictions = vec![Restriction::business_hours()];
        // Friday 5 June to Tuesday 9 June (CEST, +2).
        let shifts = rota.shifts(&tz, utc("2026-06-05T00:00:00Z"), utc("2026-06-10T00:00:00Z"));
        expect(
            &shifts,
            &[
                (1, "2026-06-05T07:00:00Z", "2026-06-05T15:00:00Z"),
                // The weekend is hidden, but the rotation kept turning through it: Monday is
                // person 2's day, Tuesday person 1's.
                (2, "2026-06-08T07:00:00Z", "2026-06-08T15:00:00Z"),
                (1, "2026-06-09T07:00:00Z", "2026-06-09T15:00:00Z"),
            ],
        );
    }

    #[test]
    fn a_restriction_past_midnight_runs_into_the_next_day() {
        let tz = Utc;
        let mut rota = layer(&[7], ShiftLength::Weeks(1), "2026-06-01", "00:00");
        rota.restrictions = vec![Restriction { weekdays: vec![Weekday::Fri], start: time("22:00"), end: time("06:00") }];
        let shifts = rota.shifts(&tz, utc("2026-06-01T00:00:00Z"), utc("2026-06-08T00:00:00Z"));
        expect(&shifts, &[(7, "2026-06-05T22:00:00Z", "2026-06-06T06:00:00Z")]);
        // A whole day: start equals end.
        rota.restrictions = vec![Restriction { weekdays: vec![Weekday::Sun], start: time("00:00"), end: time("00:00") }];
        let shifts = rota.shifts(&tz, utc("2026-06-01T00:00:00Z"), utc("2026-06-08T00:00:00Z"));
        expect(&shifts, &[(7, "2026-06-07T00:00:00Z", "2026-06-08T00:00:00Z")]);
    }

    #[test]
    fn higher_layers_override_lower_ones_only_where_they_have_someone() {
        let tz = Utc;
        let base = layer(&[1, 2], ShiftLength::Weeks(1), "2026-06-01", "09:00");
        let mut business = layer(&[10, 11], ShiftLength::Days(1), "2026-06-01", "00:00");
        business.restrictions = vec![Restriction { weekdays: vec![Weekday::Tue], start: time("09:00"), end: time("17:00") }];
        let shifts = layered(&tz, &[base, business], utc("2026-06-01T09:00:00Z"), utc("2026-06-03T09:00:00Z"));
        expect(
            &shifts,
            &[
                (1, "2026-06-01T09:00:00Z", "2026-06-02T09:00:00Z"),
                (11, "2026-06-02T09:00:00Z", "2026-06-02T17:00:00Z"),
                (1, "2026-06-02T17:00:00Z", "2026-06-03T09:00:00Z"),
            ],
        );
    }

    #[test]
    fn overrides_cover_everyone_one_person_or_add_someone() {
        let tz = Utc;
        let from = utc("2026-06-01T00:00:00Z");
        let to = utc("2026-06-04T00:00:00Z");
        let rota = layer(&[1, 2], ShiftLength::Days(1), "2026-06-01", "00:00");
        // (overrides, expected final schedule)
        type Case = (Vec<Override>, &'static [(i64, &'static str, &'static str)]);
        let o = |user_id, start, end, kind| Override { user_id, start: utc(start), end: utc(end), kind };
        let cases: Vec<Case> = vec![
            // Cover whoever is on call over a hand-off.
            (
                vec![o(9, "2026-06-01T18:00:00Z", "2026-06-02T06:00:00Z", OverrideKind::Cover { covering_for: None })],
                &[
                    (1, "2026-06-01T00:00:00Z", "2026-06-01T18:00:00Z"),
                    (9, "2026-06-01T18:00:00Z", "2026-06-02T06:00:00Z"),
                    (2, "2026-06-02T06:00:00Z", "2026-06-03T00:00:00Z"),
                    (1, "2026-06-03T00:00:00Z", "2026-06-04T00:00:00Z"),
                ],
            ),
            // Cover only person 2: person 1's time in the range stays theirs.
            (
                vec![o(9, "2026-06-01T18:00:00Z", "2026-06-02T06:00:00Z", OverrideKind::Cover { covering_for: Some(2) })],
                &[
                    (1, "2026-06-01T00:00:00Z", "2026-06-02T00:00:00Z"),
                    (9, "2026-06-02T00:00:00Z", "2026-06-02T06:00:00Z"),
                    (2, "2026-06-02T06:00:00Z", "2026-06-03T00:00:00Z"),
                    (1, "2026-06-03T00:00:00Z", "2026-06-04T00:00:00Z"),
                ],
            ),
            // A swap is two covers: 1 takes 2's day and 2 takes 1's.
            (
                vec![
                    o(1, "2026-06-02T00:00:00Z", "2026-06-03T00:00:00Z", OverrideKind::Cover { covering_for: Some(2) }),
                    o(2, "2026-06-03T00:00:00Z", "2026-06-04T00:00:00Z", OverrideKind::Cover { covering_for: Some(1) }),
                ],
                &[
                    (1, "2026-06-01T00:00:00Z", "2026-06-03T00:00:00Z"),
                    (2, "2026-06-03T00:00:00Z", "2026-06-04T00:00:00Z"),
                ],
            ),
            // Add: two people on call at once.
            (
                vec![o(9, "2026-06-01T12:00:00Z", "2026-06-01T13:00:00Z", OverrideKind::Add)],
                &[
                    (1, "2026-06-01T00:00:00Z", "2026-06-02T00:00:00Z"),
                    (9, "2026-06-01T12:00:00Z", "2026-06-01T13:00:00Z"),
                    (2, "2026-06-02T00:00:00Z", "2026-06-03T00:00:00Z"),
                    (1, "2026-06-03T00:00:00Z", "2026-06-04T00:00:00Z"),
                ],
            ),
            // Later overrides win over earlier ones where they overlap; ranges are clipped.
            (
                vec![
                    o(8, "2026-05-20T00:00:00Z", "2026-06-01T12:00:00Z", OverrideKind::Cover { covering_for: None }),
                    o(9, "2026-06-01T06:00:00Z", "2026-06-01T08:00:00Z", OverrideKind::Cover { covering_for: None }),
                ],
                &[
                    (8, "2026-06-01T00:00:00Z", "2026-06-01T06:00:00Z"),
                    (9, "2026-06-01T06:00:00Z", "2026-06-01T08:00:00Z"),
                    (8, "2026-06-01T08:00:00Z", "2026-06-01T12:00:00Z"),
                    (1, "2026-06-01T12:00:00Z", "2026-06-02T00:00:00Z"),
                    (2, "2026-06-02T00:00:00Z", "2026-06-03T00:00:00Z"),
                    (1, "2026-06-03T00:00:00Z", "2026-06-04T00:00:00Z"),
                ],
            ),
        ];
        for (overrides, expected) in cases {
            expect(&final_schedule(&tz, std::slice::from_ref(&rota), &overrides, from, to), expected);
        }
    }

    #[test]
    fn next_shift_is_the_running_one_or_the_next_and_hand_offs_skip_continuations() {
        let tz = Utc;
        let rota = layer(&[1, 2, 1], ShiftLength::Days(1), "2026-06-01", "00:00");
        let shifts = layered(&tz, &[rota], utc("2026-06-01T00:00:00Z"), utc("2026-06-05T00:00:00Z"));
        // Person 1 has days 1, 3 and 4 (3 and 4 joined into one shift).
        assert_eq!(next_shift(&shifts, 1, utc("2026-06-01T10:00:00Z")).unwrap().start, utc("2026-06-01T00:00:00Z"));
        let next = next_shift(&shifts, 1, utc("2026-06-02T10:00:00Z")).unwrap();
        assert_eq!((next.start, next.end), (utc("2026-06-03T00:00:00Z"), utc("2026-06-05T00:00:00Z")));
        assert_eq!(next_shift(&shifts, 3, utc("2026-06-02T10:00:00Z")), None);
        let handoffs = upcoming_handoffs(&shifts, utc("2026-06-01T00:00:00Z"), utc("2026-06-04T00:00:00Z"));
        assert_eq!(triples(&handoffs).iter().map(|t| (t.0, t.1.clone())).collect::<Vec<_>>(), vec![
            (2, utc("2026-06-02T00:00:00Z").to_rfc3339()),
            (1, utc("2026-06-03T00:00:00Z").to_rfc3339()),
        ]);
    }

    #[test]
    fn fixed_offsets_work_as_zones_too() {
        let tz = FixedOffset::east_opt(5 * 3600 + 1800).unwrap();
        let rota = layer(&[1], ShiftLength::Weeks(2), "2026-01-01", "10:00");
        assert_eq!(rota.epoch(&tz), utc("2026-01-01T04:30:00Z"));
    }

    #[test]
    fn forms_are_checked_field_by_field() {
        assert_eq!(ShiftLength::parse("2", "weeks"), Ok(ShiftLength::Weeks(2)));
        assert_eq!(ShiftLength::parse("0", "days").unwrap_err().field, "shift_count");
        assert_eq!(ShiftLength::parse("x", "days").unwrap_err().field, "shift_count");
        assert_eq!(ShiftLength::parse("3", "fortnights").unwrap_err().field, "shift_unit");
        assert_eq!(ShiftLength::Weeks(1).label(), "1 week");
        assert_eq!(ShiftLength::Hours(12).label(), "12 hours");
        let mut empty = layer(&[], ShiftLength::Days(1), "2026-01-01", "09:00");
        assert_eq!(validate_layer(&empty).unwrap_err().field, "participants");
        empty.participants = vec![1];
        empty.restrictions = vec![Restriction { weekdays: vec![], start: time("09:00"), end: time("17:00") }];
        assert_eq!(validate_layer(&empty).unwrap_err().field, "weekdays");
        let now = utc("2026-06-01T00:00:00Z");
        assert_eq!(validate_override(now, now, now).unwrap_err().field, "ends");
        assert_eq!(validate_override(now - Duration::hours(2), now - Duration::hours(1), now).unwrap_err().field, "ends");
        assert!(validate_override(now - Duration::hours(2), now + Duration::hours(1), now).is_ok());
        assert_eq!(Restriction::business_hours().label(), "Mon, Tue, Wed, Thu, Fri 09:00–17:00");
    }

    mod never_panics {
        use super::super::*;
        use proptest::prelude::*;

        fn date(days: i32) -> NaiveDate {
            NaiveDate::from_num_days_from_ce_opt(days).unwrap_or(if days < 0 { NaiveDate::MIN } else { NaiveDate::MAX })
        }

        fn instant(seconds: i64) -> DateTime<Utc> {
            DateTime::from_timestamp(seconds, 0).unwrap_or(if seconds < 0 { DateTime::<Utc>::MIN_UTC } else { DateTime::<Utc>::MAX_UTC })
        }

        fn zone(index: usize) -> chrono_tz::Tz {
            chrono_tz::TZ_VARIANTS[index % chrono_tz::TZ_VARIANTS.len()]
        }

        /// A day count that is often near chrono's ends and Quell's, sometimes anywhere.
        fn days() -> impl Strategy<Value = i32> {
            prop_oneof![
                1 => any::<i32>(),
                1 => (-2_000..2_000i32).prop_map(|d| NaiveDate::MAX.num_days_from_ce() - d.abs()),
                1 => (-2_000..2_000i32).prop_map(|d| NaiveDate::MIN.num_days_from_ce() + d.abs()),
                5 => (0..100_000i32).prop_map(|d| 719_000 + d),
            ]
        }

        fn seconds() -> impl Strategy<Value = i64> {
            prop_oneof![
                1 => any::<i64>(),
                1 => (-10_000_000..10_000_000i64).prop_map(|s| DateTime::<Utc>::MAX_UTC.timestamp() - s.abs()),
                1 => (-10_000_000..10_000_000i64).prop_map(|s| DateTime::<Utc>::MIN_UTC.timestamp() + s.abs()),
                5 => 0..7_000_000_000i64,
            ]
        }

        prop_compose! {
            fn layer()(start in days(), handoff in 0u32..86_400, unit in 0..3u8, count in 1u32..=1000,
                       people in 1usize..4, restricted in any::<bool>(), window in (0u32..86_400, 0u32..86_400)) -> Layer {
                let shift = match unit { 0 => ShiftLength::Hours(count), 1 => ShiftLength::Days(count), _ => ShiftLength::Weeks(count) };
                let time = |s: u32| NaiveTime::from_num_seconds_from_midnight_opt(s, 0).unwrap_or(NaiveTime::MIN);
                let restrictions = if restricted {
                    vec![Restriction { weekdays: vec![Weekday::Mon, Weekday::Sat], start: time(window.0), end: time(window.1) }]
                } else {
                    Vec::new()
                };
                Layer { participants: (1..=people as i64).collect(), shift, handoff: time(handoff), start_date: date(start), restrictions }
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 3_000, ..ProptestConfig::default() })]

            /// Any stored layers, overrides, zone and asked-for range give an answer (maybe empty),
            /// never a panic, and the answer lies within the range asked for.
            #[test]
            fn schedule_arithmetic_answers_for_any_dates_zones_and_layers(
                layers in proptest::collection::vec(layer(), 1..3),
                zone_index in any::<usize>(),
                from in seconds(),
                span in 0i64..(40 * 86_400),
                over in (seconds(), 0i64..(10 * 86_400)),
            ) {
                let tz = zone(zone_index);
                let from = instant(from);
                let to = from.checked_add_signed(Duration::seconds(span)).unwrap_or(DateTime::<Utc>::MAX_UTC);
                let cover = Override { user_id: 9, start: instant(over.0), end: instant(over.0.saturating_add(over.1)), kind: OverrideKind::Add };
                let shifts = final_schedule(&tz, &layers, &[cover], from, to);
                for shift in &shifts {
                    prop_assert!(shift.start >= from && shift.end <= to && shift.start < shift.end, "{shift:?} outside {from}..{to}");
                }
                let _ = on_call_at(&shifts, from);
                let _ = upcoming_handoffs(&shifts, from, to);
                let _ = local_instant(&tz, date(zone_index as i32).and_time(NaiveTime::MIN));
            }
        }
    }
}
