//! When a credential stops working: never, in 30 / 90 / 365 days, or at a
//! given time; and the workspace's maximum lifetime that bounds it.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime};

/// What the dashboard offers besides a date: (value, label).
pub const EXPIRY_CHOICES: [(&str, &str); 4] = [
    ("", "Never"),
    ("30d", "In 30 days"),
    ("90d", "In 90 days"),
    ("365d", "In 365 days"),
];

/// The longest maximum lifetime a workspace may set, in days (ten years).
pub const MAX_LIFETIME_DAYS: i32 = 3_650;

/// Reads an expiry given at `now`: blank or `never` for none; `30d`, `90d`,
/// `365d` (or `in 30 days`); an RFC 3339 time; or, as a browser's date and
/// time inputs send them, `2027-01-31T12:00` or `2027-01-31` (UTC).
pub fn parse_expiry(raw: &str, now: NaiveDateTime) -> Result<Option<NaiveDateTime>, String> {
    let raw = raw.trim();
    if raw.is_empty() || raw.eq_ignore_ascii_case("never") {
        return Ok(None);
    }
    let at = in_days(raw)
        .map(|days| now + Duration::days(days))
        .or_else(|| {
            DateTime::parse_from_rfc3339(raw)
                .ok()
                .map(|t| t.naive_utc())
        })
        .or_else(|| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M").ok())
        .or_else(|| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S").ok())
        .or_else(|| {
            NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })
        .ok_or("Give a date and time, such as 2027-01-31T12:00:00Z, or 30d, 90d or 365d.")?;
    if at <= now {
        return Err("Choose a time in the future.".into());
    }
    if at > now + Duration::days(i64::from(MAX_LIFETIME_DAYS) * 10) {
        return Err("Choose a time within the next hundred years.".into());
    }
    Ok(Some(at))
}

/// `30d` or `in 30 days` → 30; only 30, 90 and 365 are offered.
fn in_days(raw: &str) -> Option<i64> {
    let lower = raw.to_ascii_lowercase();
    let digits = lower
        .strip_suffix('d')
        .or_else(|| lower.strip_prefix("in ")?.strip_suffix(" days"))?;
    digits
        .parse::<i64>()
        .ok()
        .filter(|d| [30, 90, 365].contains(d))
}

/// Checks an expiry against a workspace's maximum lifetime (in days, when
/// it has one), for a credential created or renewed at `now`.
pub fn check_lifetime(
    expires_at: Option<NaiveDateTime>,
    max_days: Option<i32>,
    now: NaiveDateTime,
) -> Result<(), String> {
    let Some(days) = max_days else {
        return Ok(());
    };
    let message = || {
        format!(
            "This workspace's credentials must expire within {days} days; choose an earlier time."
        )
    };
    match expires_at {
        Some(at) if at <= now + Duration::days(i64::from(days)) => Ok(()),
        _ => Err(message()),
    }
}

/// Reads a workspace's maximum lifetime: blank for none, else 1–3650 days.
pub fn parse_lifetime_days(raw: &str) -> Result<Option<i32>, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse::<i32>()
        .ok()
        .filter(|d| (1..=MAX_LIFETIME_DAYS).contains(d))
        .map(Some)
        .ok_or_else(|| {
            format!("Give a number of days from 1 to {MAX_LIFETIME_DAYS}, or leave it blank.")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 27)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap()
    }

    #[test]
    fn expiries_read_as_days_or_times() {
        assert_eq!(parse_expiry("", now()), Ok(None));
        assert_eq!(parse_expiry("never", now()), Ok(None));
        assert_eq!(
            parse_expiry("30d", now()),
            Ok(Some(now() + Duration::days(30)))
        );
        assert_eq!(
            parse_expiry("in 365 days", now()),
            Ok(Some(now() + Duration::days(365)))
        );
        let noon = NaiveDate::from_ymd_opt(2027, 1, 31)
            .unwrap()
            .and_hms_opt(12, 0, 0);
        assert_eq!(parse_expiry("2027-01-31T12:00:00Z", now()), Ok(noon));
        assert_eq!(parse_expiry("2027-01-31T13:00:00+01:00", now()), Ok(noon));
        assert_eq!(parse_expiry("2027-01-31T12:00", now()), Ok(noon));
    }

    #[test]
    fn past_and_malformed_expiries_are_refused() {
        assert_eq!(
            parse_expiry("2026-11-01T00:00:00Z", now()),
            Err("Choose a time in the future.".into())
        );
        assert!(parse_expiry("7d", now()).is_err());
        assert!(parse_expiry("tomorrow", now()).is_err());
        assert!(parse_expiry("9999-01-01", now()).is_err());
    }

    #[test]
    fn the_maximum_lifetime_bounds_expiry() {
        let in_days = |d| Some(now() + Duration::days(d));
        assert!(check_lifetime(None, None, now()).is_ok());
        assert!(check_lifetime(in_days(90), Some(90), now()).is_ok());
        assert!(check_lifetime(in_days(91), Some(90), now()).is_err());
        assert!(check_lifetime(None, Some(90), now()).is_err());
        assert_eq!(parse_lifetime_days(""), Ok(None));
        assert_eq!(parse_lifetime_days("90"), Ok(Some(90)));
        assert!(parse_lifetime_days("0").is_err());
        assert!(parse_lifetime_days("3651").is_err());
    }
}
