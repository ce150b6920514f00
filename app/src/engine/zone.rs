//! Times in a person's or a schedule's time zone. Zone names are checked when they are saved;
//! one that no longer parses falls back to UTC rather than failing a page or a worker.

use chrono::{DateTime, Utc};

/// The IANA zone of that name, or UTC for an unknown name.
pub fn named(zone: &str) -> chrono_tz::Tz {
    zone.parse().unwrap_or(chrono_tz::UTC)
}

/// Formats a time in an IANA time zone, falling back to UTC for an unknown zone name.
pub fn format_in_zone(time: DateTime<Utc>, zone: &str) -> String {
    time.with_timezone(&named(zone)).format("%Y-%m-%d %H:%M %Z").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn times_are_written_in_the_zone_and_unknown_zones_fall_back_to_utc() {
        let time = Utc.with_ymd_and_hms(2026, 7, 1, 12, 0, 0).unwrap();
        assert_eq!(format_in_zone(time, "Europe/Berlin"), "2026-07-01 14:00 CEST");
        assert_eq!(format_in_zone(time, "Mars/Olympus"), "2026-07-01 12:00 UTC");
        assert_eq!(named("Mars/Olympus"), chrono_tz::UTC);
    }
}
