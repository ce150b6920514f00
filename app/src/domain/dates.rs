//! The range of dates Quell works with: years 1970 to 2200.
//!
//! chrono reads years from -262,143 to +262,142, and arithmetic near those ends overflows (and
//! panics). Every date or time that comes from outside — a form, a query string, a stored row
//! written before these bounds existed — is checked against this range where it is read, and the
//! schedule arithmetic clamps what it is asked for to it, so nothing a person types can reach an
//! overflow.

use super::FieldError;
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Utc};

/// The first year a date may have.
pub const FIRST_YEAR: i32 = 1970;
/// The last year a date may have.
pub const LAST_YEAR: i32 = 2200;

/// Whether a date lies within `FIRST_YEAR..=LAST_YEAR`.
pub fn date_in_range(date: NaiveDate) -> bool {
    (FIRST_YEAR..=LAST_YEAR).contains(&date.year())
}

/// Whether an instant lies within `FIRST_YEAR..=LAST_YEAR` (in UTC).
pub fn instant_in_range(at: DateTime<Utc>) -> bool {
    date_in_range(at.date_naive())
}

/// The first instant of `FIRST_YEAR`.
pub fn earliest() -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(FIRST_YEAR, 1, 1).unwrap_or(NaiveDate::MIN).and_time(NaiveTime::MIN).and_utc()
}

/// The first instant after `LAST_YEAR`.
pub fn latest() -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(LAST_YEAR + 1, 1, 1).unwrap_or(NaiveDate::MAX).and_time(NaiveTime::MIN).and_utc()
}

/// `at`, moved into the range if it lies outside.
pub fn clamp(at: DateTime<Utc>) -> DateTime<Utc> {
    at.clamp(earliest(), latest())
}

/// The message for a date outside the range.
pub fn out_of_range_message() -> String {
    format!("Give a date between {FIRST_YEAR} and {LAST_YEAR}.")
}

/// Reads a `YYYY-MM-DD` date for `field`, refusing one outside the range. `example` goes into
/// the message for text that is not a date, such as "2026-06-01".
pub fn parse_date(field: &'static str, text: &str, example: &str) -> Result<NaiveDate, FieldError> {
    let date = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| FieldError::new(field, format!("Enter a date like {example}.")))?;
    if !date_in_range(date) {
        return Err(FieldError::new(field, out_of_range_message()));
    }
    Ok(date)
}

/// Reads a local date and time as a `datetime-local` input sends it (`YYYY-MM-DDTHH:MM`, seconds
/// optional), refusing one outside the range. `None` for text that is no such time.
pub fn parse_local_input(text: &str) -> Option<Result<NaiveDateTime, FieldError>> {
    let text = text.trim();
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    Some(if date_in_range(naive.date()) { Ok(naive) } else { Err(FieldError::new("", out_of_range_message())) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_outside_1970_to_2200_are_refused_with_a_message_for_the_field() {
        assert_eq!(parse_date("start_date", " 2026-06-01 ", "2026-06-01").unwrap(), NaiveDate::from_ymd_opt(2026, 6, 1).unwrap());
        for far in ["+262142-12-31", "-262143-01-01", "1969-12-31", "2201-01-01"] {
            let err = parse_date("start_date", far, "2026-06-01").unwrap_err();
            assert_eq!((err.field, err.message.as_str()), ("start_date", "Give a date between 1970 and 2200."), "{far}");
        }
        assert_eq!(parse_date("due_on", "soon", "2026-12-31").unwrap_err().message, "Enter a date like 2026-12-31.");
    }

    #[test]
    fn local_inputs_are_read_with_or_without_seconds_and_bounded() {
        assert!(parse_local_input("2026-05-04T14:30").unwrap().is_ok());
        assert!(parse_local_input("2026-05-04T14:30:15").unwrap().is_ok());
        assert!(parse_local_input("+262142-12-31T00:00").unwrap().is_err());
        assert!(parse_local_input("tomorrow").is_none());
    }

    #[test]
    fn clamping_keeps_instants_in_range() {
        let far = NaiveDate::MAX.and_time(NaiveTime::MIN).and_utc();
        assert_eq!(clamp(far), latest());
        assert_eq!(clamp(DateTime::<Utc>::MIN_UTC), earliest());
        let now = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap().and_time(NaiveTime::MIN).and_utc();
        assert_eq!(clamp(now), now);
        assert!(instant_in_range(now) && !instant_in_range(far));
    }
}
