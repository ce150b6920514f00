//! The arithmetic of a schedule's picture: a person's initials (kept apart from everyone else's
//! in the same picture), the days of the view as columns of equal width in the viewer's time
//! zone (a day of 23 or 25 hours is as wide as any other), where an instant falls along them,
//! what text fits on a shift, and hand-offs grouped by the viewer's day.
//!
//! No I/O and no time-zone database: functions are generic over chrono's `TimeZone`, and "now"
//! or "today" is always an argument. Nothing here panics on any input: dates at chrono's edge
//! give fewer columns, never an overflow.

use super::schedule::{local_instant, weekday_short};
use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, TimeZone, Utc};

/// Positions along a row are in ten-thousandths of its width.
pub const SCALE: i64 = 10_000;

/// The narrowest a day column is drawn, in CSS pixels: the picture's minimum width in
/// `style/main.css` (`14 * 3.5rem` at 16px); a phone scrolls sideways rather than squeeze it.
pub const DAY_MIN_PX: i64 = 56;

/// How many colours people are drawn in (`.tint-0` … `.tint-7` in `style/main.css`).
pub const TINTS: usize = 8;

/// The letter (or number) a word is known by: its first letter or digit, upper-cased, or the
/// whole word when it is a number ("Person 12" → "P12").
fn word_initial(word: &str) -> Option<String> {
    if !word.is_empty() && word.chars().all(|c| c.is_ascii_digit()) {
        return Some(word.chars().take(4).collect());
    }
    word.chars().find(|c| c.is_alphanumeric()).map(|c| c.to_uppercase().collect())
}

/// The words of a name that have a letter or digit in them.
fn words(name: &str) -> Vec<&str> {
    name.split_whitespace().filter(|w| w.chars().any(char::is_alphanumeric)).collect()
}

/// A person's initials for the picture: the first letters of their first and last words ("Ada
/// Lovelace" → "AL", "jean-luc picard" → "JP", "Cher" → "C", "Émile Zola" → "ÉZ"); "?" for a
/// name without a letter or digit.
pub fn initials(name: &str) -> String {
    let words = words(name);
    let (Some(first), Some(last)) = (words.first(), words.last()) else { return "?".to_string() };
    let mut out = word_initial(first).unwrap_or_default();
    if words.len() > 1 {
        out.push_str(&word_initial(last).unwrap_or_default());
    }
    if out.is_empty() { "?".to_string() } else { out }
}

/// A longer form for people whose initials collide: the first two letters of the first word and
/// the last word's initial ("Ada Lovelace" → "AdL", "Alan Lee" → "AlL").
fn longer_initials(name: &str) -> String {
    let words = words(name);
    let Some(first) = words.first() else { return "?".to_string() };
    let mut letters = first.chars().filter(|c| c.is_alphanumeric());
    let mut out: String = letters.next().map(|c| c.to_uppercase().collect()).unwrap_or_default();
    out.extend(letters.next().into_iter().flat_map(char::to_lowercase));
    if words.len() > 1 {
        out.push_str(&words.last().and_then(|w| word_initial(w)).unwrap_or_default());
    }
    if out.is_empty() { "?".to_string() } else { out }
}

/// Initials for everyone in one picture, different from each other: people whose initials
/// collide get two letters of their first name, and any still alike (the same name twice) a
/// number, in the order given ("AL", "AL2").
pub fn distinct_initials(names: &[&str]) -> Vec<String> {
    let short: Vec<String> = names.iter().map(|n| initials(n)).collect();
    let mut out: Vec<String> = names
        .iter()
        .zip(&short)
        .map(|(name, s)| if short.iter().filter(|o| *o == s).count() > 1 { longer_initials(name) } else { s.clone() })
        .collect();
    for i in 1..out.len() {
        if out[..i].contains(&out[i]) {
            let base = out[i].clone();
            let mut n = 2;
            while out.contains(&format!("{base}{n}")) {
                n += 1;
            }
            out[i] = format!("{base}{n}");
        }
    }
    out
}

/// What is written on a shift drawn `width` ten-thousandths of a row wide, when the row is
/// `track_px` CSS pixels wide: the whole name where it fits, else the initials where they fit,
/// else nothing (the shift still names its person on hover, on focus and in the legend).
pub fn segment_text(name: &str, initials: &str, width: i64, track_px: i64) -> String {
    // A 0.75rem label: about 8px a character at most, and 6px of room either side.
    const CHAR_PX: i64 = 8;
    const PADDING_PX: i64 = 12;
    let px = (width.clamp(0, SCALE) as i128 * track_px.max(0) as i128 / SCALE as i128) as i64;
    let fits = |text: &str| (text.chars().count() as i64) * CHAR_PX + PADDING_PX <= px;
    if fits(name) {
        name.to_string()
    } else if fits(initials) {
        initials.to_string()
    } else {
        String::new()
    }
}

/// The days of a view as columns of equal width: `starts` holds each day's first instant in the
/// viewer's zone and, last, the end of the view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayColumns {
    dates: Vec<NaiveDate>,
    starts: Vec<DateTime<Utc>>,
}

impl DayColumns {
    /// `days` days from `first_day`, each from local midnight in `tz` (by RFC 5545's rules where
    /// midnight doesn't exist or happens twice). Fewer at the end of chrono's dates.
    pub fn new<Tz: TimeZone>(tz: &Tz, first_day: NaiveDate, days: usize) -> DayColumns {
        let mut dates = Vec::with_capacity(days);
        let mut starts: Vec<DateTime<Utc>> = Vec::with_capacity(days + 1);
        for d in 0..=days as u64 {
            let Some(date) = first_day.checked_add_days(Days::new(d)) else { break };
            let start = local_instant(tz, date.and_time(NaiveTime::MIN));
            // Days never run backwards, whatever a zone's rules say.
            let start = match starts.last() {
                Some(previous) if start <= *previous => match previous.checked_add_signed(chrono::Duration::seconds(1)) {
                    Some(next) => next,
                    None => break,
                },
                _ => start,
            };
            starts.push(start);
            if (d as usize) < days {
                dates.push(date);
            }
        }
        dates.truncate(starts.len().saturating_sub(1));
        DayColumns { dates, starts }
    }

    /// The days shown, in order.
    pub fn dates(&self) -> &[NaiveDate] {
        &self.dates
    }

    /// The first instant of the view.
    pub fn from(&self) -> DateTime<Utc> {
        self.starts.first().copied().unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    /// The end of the view (exclusive).
    pub fn to(&self) -> DateTime<Utc> {
        self.starts.last().copied().unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    /// Where column `index` begins, in ten-thousandths of the width.
    pub fn column_left(&self, index: usize) -> i64 {
        let n = self.dates.len().max(1) as i64;
        (index as i64).clamp(0, n) * SCALE / n
    }

    /// Where `at` falls along the row, in ten-thousandths of its width: each day takes an equal
    /// share, and within a day the position follows the time (a 25-hour day's hours are a
    /// little narrower). Before the view is 0, after it `SCALE`.
    pub fn position(&self, at: DateTime<Utc>) -> i64 {
        let n = self.dates.len();
        if n == 0 || at <= self.from() {
            return 0;
        }
        if at >= self.to() {
            return SCALE;
        }
        // The day `at` falls in: the last start at or before it.
        let day = self.starts.partition_point(|s| *s <= at).saturating_sub(1).min(n - 1);
        let length = (self.starts[day + 1] - self.starts[day]).num_seconds().max(1) as i128;
        let into = (at - self.starts[day]).num_seconds().clamp(0, length as i64) as i128;
        let scale = SCALE as i128;
        ((day as i128 * scale * length + into * scale) / (n as i128 * length)) as i64
    }

    /// Where a stretch from `start` to `end` is drawn: its left edge and width in
    /// ten-thousandths (at least 1, so a short one still shows), or `None` outside the view.
    pub fn place(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> Option<(i64, i64)> {
        if end <= self.from() || start >= self.to() || end <= start {
            return None;
        }
        let left = self.position(start);
        Some((left, (self.position(end) - left).max(1)))
    }

    /// Where `now` falls, when the view shows it.
    pub fn now_at(&self, now: DateTime<Utc>) -> Option<i64> {
        (self.from() <= now && now < self.to()).then(|| self.position(now))
    }
}

/// A day column's labels: "Mon 7" where there is room, "7" where there is not, and the whole
/// date for people who ask ("Monday 7 June 2026").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayLabel {
    pub short: String,
    pub narrow: String,
    pub full: String,
}

pub fn day_label(date: NaiveDate) -> DayLabel {
    DayLabel {
        short: format!("{} {}", weekday_short(date.weekday()), date.day()),
        narrow: date.day().to_string(),
        full: date.format("%A %-d %B %Y").to_string(),
    }
}

/// A day's heading among hand-offs: "Today, Monday 8 June", "Tomorrow, …", "Yesterday, …", or
/// the date alone; the year only when it isn't this year.
pub fn day_heading(date: NaiveDate, today: NaiveDate) -> String {
    let written = if date.year() == today.year() { date.format("%A %-d %B").to_string() } else { date.format("%A %-d %B %Y").to_string() };
    let relative = match (date - today).num_days() {
        -1 => Some("Yesterday"),
        0 => Some("Today"),
        1 => Some("Tomorrow"),
        _ => None,
    };
    match relative {
        Some(word) => format!("{word}, {written}"),
        None => written,
    }
}

/// Items with their instants, grouped by the day they fall on in `tz`, in time order (items
/// at the same instant keep their order).
pub fn group_by_day<Tz: TimeZone, T>(tz: &Tz, items: impl IntoIterator<Item = (DateTime<Utc>, T)>) -> Vec<(NaiveDate, Vec<T>)> {
    let mut items: Vec<(DateTime<Utc>, T)> = items.into_iter().collect();
    items.sort_by_key(|(at, _)| *at);
    let mut groups: Vec<(NaiveDate, Vec<T>)> = Vec::new();
    for (at, item) in items {
        let date = at.with_timezone(tz).date_naive();
        match groups.last_mut() {
            Some((day, list)) if *day == date => list.push(item),
            _ => groups.push((date, vec![item])),
        }
    }
    groups
}

/// Colours for people in the order they are first met (turn order, layer by layer): each keeps
/// the colour of their place, so the same schedule draws a person alike week after week.
pub fn tint_of(order: &[i64], user_id: i64) -> i64 {
    order.iter().position(|id| *id == user_id).map_or((user_id.rem_euclid(TINTS as i64)) as usize, |at| at % TINTS) as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Tz;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn initials_are_the_first_and_last_words_first_letters() {
        let cases = [
            ("Ada Lovelace", "AL"),
            ("Cher", "C"),
            ("jean-luc picard", "JP"),
            ("Ludwig van Beethoven", "LB"),
            ("  Grace   Hopper  ", "GH"),
            ("Émile Zola", "ÉZ"),
            ("Ñandú ßeta", "ÑSS"),
            ("王小明", "王"),
            ("Zoë (on leave) O'Neil", "ZO"),
            ("Person 12", "P12"),
            ("", "?"),
            ("   ", "?"),
            ("— …", "?"),
            ("🙂 Ada", "A"),
        ];
        for (name, expected) in cases {
            assert_eq!(initials(name), expected, "{name:?}");
        }
    }

    #[test]
    fn initials_in_one_picture_are_told_apart() {
        assert_eq!(distinct_initials(&["Ada Lovelace", "Bob Brown"]), ["AL", "BB"]);
        assert_eq!(distinct_initials(&["Ada Lovelace", "Alan Lee", "Bob Brown"]), ["AdL", "AlL", "BB"]);
        assert_eq!(distinct_initials(&["Ada Lovelace", "Ada Lovelace", "Ada Lovelace"]), ["AdL", "AdL2", "AdL3"]);
        assert_eq!(distinct_initials(&["Cher", "Chris"]), ["Ch", "Ch2"]);
        assert_eq!(distinct_initials(&["", ""]), ["?", "?2"]);
        assert!(distinct_initials(&[]).is_empty());
    }

    #[test]
    fn a_shift_shows_the_name_where_it_fits_else_the_initials_else_nothing() {
        let track = 14 * DAY_MIN_PX; // 784px
        // A week is half the track: 392px.
        assert_eq!(segment_text("Ada Lovelace", "AL", SCALE / 2, track), "Ada Lovelace");
        // Eight hours of a fortnight: 18px, too narrow even for "AL" (28px).
        assert_eq!(segment_text("Ada Lovelace", "AL", 8 * SCALE / 336, track), "");
        // Sixteen hours: 37px, room for the initials only.
        assert_eq!(segment_text("Ada Lovelace", "AL", 16 * SCALE / 336, track), "AL");
        assert_eq!(segment_text("Ada Lovelace", "AL", -5, track), "");
        assert_eq!(segment_text("Ada Lovelace", "AL", SCALE * 9, 0), "");
    }

    #[test]
    fn days_are_columns_of_equal_width_and_times_fall_within_their_day() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let columns = DayColumns::new(&tz, date("2026-06-08"), 14);
        assert_eq!(columns.dates().len(), 14);
        assert_eq!(columns.from(), utc("2026-06-07T22:00:00Z"));
        assert_eq!(columns.to(), utc("2026-06-21T22:00:00Z"));
        assert_eq!(columns.column_left(0), 0);
        assert_eq!(columns.column_left(7), SCALE / 2);
        assert_eq!(columns.column_left(14), SCALE);
        // Noon on the second day is one and a half columns in.
        assert_eq!(columns.position(utc("2026-06-09T10:00:00Z")), 1_071);
        assert_eq!(columns.position(utc("2026-06-01T00:00:00Z")), 0);
        assert_eq!(columns.position(utc("2026-07-01T00:00:00Z")), SCALE);
        assert_eq!(columns.place(utc("2026-06-01T00:00:00Z"), utc("2026-06-14T22:00:00Z")), Some((0, SCALE / 2)));
        assert_eq!(columns.place(utc("2026-06-01T00:00:00Z"), utc("2026-06-02T00:00:00Z")), None);
        assert_eq!(columns.now_at(utc("2026-06-07T22:00:00Z")), Some(0));
        assert_eq!(columns.now_at(utc("2026-06-21T22:00:00Z")), None);
    }

    #[test]
    fn a_day_of_23_or_25_hours_is_as_wide_as_any_other() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        // Berlin skips 02:00–03:00 on Sunday 29 March 2026: that day lasts 23 hours.
        let spring = DayColumns::new(&tz, date("2026-03-28"), 3);
        assert_eq!(spring.from(), utc("2026-03-27T23:00:00Z"));
        // The short day's midnights: 23:00Z (CET) and 22:00Z (CEST).
        assert_eq!(spring.position(utc("2026-03-28T23:00:00Z")), SCALE / 3);
        assert_eq!(spring.position(utc("2026-03-29T22:00:00Z")), 2 * SCALE / 3);
        // Half of its 23 hours in is half a column in.
        assert_eq!(spring.position(utc("2026-03-29T10:30:00Z")), SCALE / 2);
        assert_eq!(spring.to(), utc("2026-03-30T22:00:00Z"));
        // And 25 hours on 25 October: 22:00Z to 23:00Z the next day.
        let autumn = DayColumns::new(&tz, date("2026-10-25"), 1);
        assert_eq!((autumn.from(), autumn.to()), (utc("2026-10-24T22:00:00Z"), utc("2026-10-25T23:00:00Z")));
        assert_eq!(autumn.position(utc("2026-10-25T10:30:00Z")), SCALE / 2);
        // Where midnight doesn't exist (Santiago moves 00:00 to 01:00 on 6 September 2026), the
        // day starts at 01:00 and is still one column.
        let santiago: Tz = "America/Santiago".parse().unwrap();
        let gap = DayColumns::new(&santiago, date("2026-09-06"), 2);
        assert_eq!(gap.from(), utc("2026-09-06T04:00:00Z"));
        assert_eq!(gap.position(utc("2026-09-07T03:00:00Z")), SCALE / 2);
    }

    #[test]
    fn columns_at_the_end_of_the_calendar_are_fewer_not_a_panic() {
        let columns = DayColumns::new(&Utc, NaiveDate::MAX, 14);
        assert!(columns.dates().is_empty());
        assert_eq!(columns.position(utc("2026-01-01T00:00:00Z")), 0);
        assert_eq!(columns.place(utc("2026-01-01T00:00:00Z"), utc("2026-01-02T00:00:00Z")), None);
        assert_eq!(columns.now_at(utc("2026-01-01T00:00:00Z")), None);
        let last_days = DayColumns::new(&Utc, NaiveDate::MAX - Days::new(2), 14);
        assert_eq!(last_days.dates().len(), 2);
    }

    #[test]
    fn day_labels_are_short_and_headings_say_today_and_tomorrow() {
        let label = day_label(date("2026-06-08"));
        assert_eq!((label.short.as_str(), label.narrow.as_str(), label.full.as_str()), ("Mon 8", "8", "Monday 8 June 2026"));
        let today = date("2026-06-08");
        assert_eq!(day_heading(today, today), "Today, Monday 8 June");
        assert_eq!(day_heading(date("2026-06-09"), today), "Tomorrow, Tuesday 9 June");
        assert_eq!(day_heading(date("2026-06-07"), today), "Yesterday, Sunday 7 June");
        assert_eq!(day_heading(date("2026-06-10"), today), "Wednesday 10 June");
        assert_eq!(day_heading(date("2027-01-01"), date("2026-12-31")), "Tomorrow, Friday 1 January 2027");
    }

    #[test]
    fn hand_offs_are_grouped_by_the_viewers_day_across_a_clock_change() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        // Around 29 March 2026, when Berlin moves from +1 to +2.
        let items = vec![
            // 00:30 on the 29th in Berlin (+1), though the 28th in UTC.
            (utc("2026-03-28T23:30:00Z"), "a"),
            (utc("2026-03-28T08:00:00Z"), "before"),
            // 23:30 on the 29th (+2).
            (utc("2026-03-29T21:30:00Z"), "b"),
            // 00:30 on the 30th (+2), though the 29th in UTC.
            (utc("2026-03-29T22:30:00Z"), "c"),
            (utc("2026-03-29T22:30:00Z"), "c2"),
        ];
        let groups = group_by_day(&tz, items.clone());
        assert_eq!(
            groups,
            vec![(date("2026-03-28"), vec!["before"]), (date("2026-03-29"), vec!["a", "b"]), (date("2026-03-30"), vec!["c", "c2"])]
        );
        // The same instants in UTC fall on other days.
        let in_utc = group_by_day(&Utc, items);
        assert_eq!(in_utc, vec![(date("2026-03-28"), vec!["before", "a"]), (date("2026-03-29"), vec!["b", "c", "c2"])]);
        assert!(group_by_day(&Utc, Vec::<(DateTime<Utc>, ())>::new()).is_empty());
    }

    #[test]
    fn a_person_keeps_the_colour_of_their_place() {
        let order = [7, 3, 9];
        assert_eq!(tint_of(&order, 7), 0);
        assert_eq!(tint_of(&order, 9), 2);
        let many: Vec<i64> = (100..120).collect();
        assert_eq!(tint_of(&many, 108), 0);
        // Someone not in the order still gets a colour, never a negative one.
        assert!((0..TINTS as i64).contains(&tint_of(&order, -5)));
    }

    mod never_panics {
        use super::super::*;
        use proptest::prelude::*;

        /// A day count that is often in Quell's years, sometimes anywhere chrono allows.
        fn days() -> impl Strategy<Value = i32> {
            prop_oneof![1 => any::<i32>(), 5 => 719_000..800_000i32]
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

            /// Any names, zone, first day, number of days and instants give an answer, never a
            /// panic: initials are never empty and never alike, positions stay on the row.
            #[test]
            fn picture_arithmetic_answers_for_any_names_zones_days_and_instants(
                name in "\\PC{0,30}",
                other in "\\PC{0,30}",
                zone_index in any::<usize>(),
                first in days(),
                count in 0usize..20,
                at in 0i64..7_000_000_000,
                length in 0i64..(40 * 86_400),
                width in any::<i64>(),
                track_px in any::<i64>(),
            ) {
                prop_assert!(!initials(&name).is_empty());
                let both = distinct_initials(&[name.as_str(), other.as_str()]);
                prop_assert_ne!(&both[0], &both[1]);
                let _ = segment_text(&name, &both[0], width, track_px);
                let tz = chrono_tz::TZ_VARIANTS[zone_index % chrono_tz::TZ_VARIANTS.len()];
                let first = NaiveDate::from_num_days_from_ce_opt(first).unwrap_or(NaiveDate::MIN);
                let columns = DayColumns::new(&tz, first, count);
                prop_assert!(columns.dates().len() <= count);
                let start = DateTime::from_timestamp(at, 0).unwrap();
                let end = start + chrono::Duration::seconds(length);
                prop_assert!((0..=SCALE).contains(&columns.position(start)));
                if let Some((left, width)) = columns.place(start, end) {
                    prop_assert!(left >= 0 && width >= 1 && left + width <= SCALE + 1, "{left} {width}");
                }
                let _ = columns.now_at(start);
                let groups = group_by_day(&tz, vec![(end, 2), (start, 1)]);
                prop_assert_eq!(groups.first().map(|g| g.1[0]), Some(1));
                let _ = (day_label(first), day_heading(first, first));
            }
        }
    }
}
