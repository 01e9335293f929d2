use std::fmt;

use chrono::{Datelike, NaiveDateTime, SubsecRound, Timelike, Utc};

/// Now, in UTC, to the microsecond: what both SQLite and PostgreSQL store, so
/// a time read back compares equal to the one written (keyset cursors rely
/// on it).
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}

/// "just now", "5 minutes ago", "3 hours ago", "2 days ago", or the date.
pub fn relative_time(then: NaiveDateTime, now: NaiveDateTime) -> String {
    RelativeTime { then, now }.to_string()
}

/// [`relative_time`], written straight into a page.
#[derive(Debug, Clone, Copy)]
pub struct RelativeTime {
    pub then: NaiveDateTime,
    pub now: NaiveDateTime,
}

impl fmt::Display for RelativeTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seconds = (self.now - self.then).num_seconds();
        let mut ago = |n: i64, unit: &str| {
            let plural = if n == 1 { "" } else { "s" };
            write!(f, "{n} {unit}{plural} ago")
        };
        match seconds {
            s if s < 45 => f.write_str("just now"),
            s if s < 3_600 => ago((s + 30) / 60, "minute"),
            s if s < 86_400 => ago(s / 3_600, "hour"),
            s if s < 30 * 86_400 => ago(s / 86_400, "day"),
            _ => CalendarDate(self.then).fmt(f),
        }
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// "Nov 3, 2026" (chrono's `%b %-d, %Y`, written without parsing a format
/// string: list pages show a few per row).
pub fn calendar_date(t: NaiveDateTime) -> String {
    CalendarDate(t).to_string()
}

/// [`calendar_date`], written straight into a page.
#[derive(Debug, Clone, Copy)]
pub struct CalendarDate(pub NaiveDateTime);

impl fmt::Display for CalendarDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.0;
        write!(
            f,
            "{} {}, {:04}",
            MONTHS[t.month0() as usize],
            t.day(),
            t.year()
        )
    }
}

/// "2026-11-03 09:05:07 UTC" (chrono's `%Y-%m-%d %H:%M:%S UTC`, likewise).
pub fn exact_time(t: NaiveDateTime) -> String {
    ExactTime(t).to_string()
}

/// [`exact_time`], written straight into a page.
#[derive(Debug, Clone, Copy)]
pub struct ExactTime(pub NaiveDateTime);

impl fmt::Display for ExactTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.0;
        write!(
            f,
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
            t.year(),
            t.month(),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn dates_and_times_read_as_chrono_formats_them() {
        for t in [
            "2026-01-01T00:00:00",
            "2026-11-03T09:05:07.123456",
            "1999-12-31T23:59:59",
            "0987-02-28T12:00:00",
        ] {
            let t: NaiveDateTime = t.parse().unwrap();
            assert_eq!(calendar_date(t), t.format("%b %-d, %Y").to_string());
            assert_eq!(exact_time(t), t.format("%Y-%m-%d %H:%M:%S UTC").to_string());
        }
    }

    #[test]
    fn recent_times_read_naturally() {
        let now = now();
        assert_eq!(relative_time(now - Duration::seconds(10), now), "just now");
        assert_eq!(
            relative_time(now - Duration::seconds(60), now),
            "1 minute ago"
        );
        assert_eq!(
            relative_time(now - Duration::minutes(5), now),
            "5 minutes ago"
        );
        assert_eq!(relative_time(now - Duration::hours(3), now), "3 hours ago");
        assert_eq!(relative_time(now - Duration::days(1), now), "1 day ago");
    }

    #[test]
    fn old_times_show_the_date() {
        let then =
            NaiveDateTime::parse_from_str("2025-03-04 10:00:00", "%Y-%m-%d %H:%M:%S").unwrap();
        assert_eq!(relative_time(then, now()), "Mar 4, 2025");
    }
}
