//! How much sandbox mail a workspace keeps: at most so many messages, so
//! many days, so many megabytes. Past any of them the oldest mail goes.

/// A limit's bounds and its default, in the unit the form shows. One
/// definition serves the parser, the form's `min`/`max` and its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bound {
    /// The form field's name.
    pub field: &'static str,
    pub min: u64,
    pub max: u64,
    pub default: u64,
}

pub const MAX_MESSAGES: Bound = Bound {
    field: "max_messages",
    min: 1,
    max: 1_000_000,
    default: 1_000,
};

pub const MAX_AGE_DAYS: Bound = Bound {
    field: "max_age_days",
    min: 1,
    max: 3_650,
    default: 30,
};

pub const MAX_MEGABYTES: Bound = Bound {
    field: "max_megabytes",
    min: 1,
    max: 100_000,
    default: 500,
};

const MEGABYTE: u64 = 1_000_000;

/// A workspace's sandbox limits, each within its [`Bound`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SandboxLimits {
    max_messages: u64,
    max_age_days: u64,
    max_megabytes: u64,
}

impl Default for SandboxLimits {
    fn default() -> Self {
        Self {
            max_messages: MAX_MESSAGES.default,
            max_age_days: MAX_AGE_DAYS.default,
            max_megabytes: MAX_MEGABYTES.default,
        }
    }
}

impl Bound {
    /// The value typed in the form, or the message to show beside it.
    pub fn parse(&self, typed: &str) -> Result<u64, String> {
        let digits: String = typed
            .trim()
            .chars()
            .filter(|c| !matches!(c, ',' | '_' | ' '))
            .collect();
        match digits.parse::<u64>() {
            Ok(n) if (self.min..=self.max).contains(&n) => Ok(n),
            _ => Err(format!(
                "Enter a whole number from {} to {}.",
                self.min, self.max
            )),
        }
    }

    /// A stored value, clamped into the bounds (a row written by a newer
    /// version with wider bounds still reads).
    fn clamp(&self, stored: i64) -> u64 {
        u64::try_from(stored).unwrap_or(0).clamp(self.min, self.max)
    }
}

/// Why a form's limits were refused: the field and its message.
pub type LimitProblems = Vec<(&'static str, String)>;

impl SandboxLimits {
    /// Parses the form's three fields; every field's problem is reported.
    pub fn parse(messages: &str, days: &str, megabytes: &str) -> Result<Self, LimitProblems> {
        let mut problems = Vec::new();
        let mut read = |bound: &Bound, typed: &str| {
            bound.parse(typed).unwrap_or_else(|message| {
                problems.push((bound.field, message));
                bound.default
            })
        };
        let limits = Self {
            max_messages: read(&MAX_MESSAGES, messages),
            max_age_days: read(&MAX_AGE_DAYS, days),
            max_megabytes: read(&MAX_MEGABYTES, megabytes),
        };
        if problems.is_empty() {
            Ok(limits)
        } else {
            Err(problems)
        }
    }

    /// Limits as stored (messages, days, bytes).
    pub fn from_stored(messages: i64, days: i64, bytes: i64) -> Self {
        Self {
            max_messages: MAX_MESSAGES.clamp(messages),
            max_age_days: MAX_AGE_DAYS.clamp(days),
            max_megabytes: MAX_MEGABYTES.clamp(bytes / MEGABYTE as i64),
        }
    }

    pub fn max_messages(&self) -> u64 {
        self.max_messages
    }

    pub fn max_age_days(&self) -> u64 {
        self.max_age_days
    }

    pub fn max_megabytes(&self) -> u64 {
        self.max_megabytes
    }

    pub fn max_bytes(&self) -> u64 {
        self.max_megabytes * MEGABYTE
    }

    /// How the activity log and the page say them.
    pub fn describe(&self) -> String {
        format!(
            "{} messages, {} days, {} MB",
            self.max_messages, self.max_age_days, self.max_megabytes
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_keep_a_thousand_messages_thirty_days_and_500_mb() {
        let limits = SandboxLimits::default();
        assert_eq!(limits.max_messages(), 1_000);
        assert_eq!(limits.max_age_days(), 30);
        assert_eq!(limits.max_bytes(), 500_000_000);
    }

    #[test]
    fn each_field_out_of_bounds_gets_its_own_message() {
        let problems = SandboxLimits::parse("0", "x", "100001").unwrap_err();
        let fields: Vec<_> = problems.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["max_messages", "max_age_days", "max_megabytes"]);
        assert_eq!(problems[0].1, "Enter a whole number from 1 to 1000000.");
    }

    #[test]
    fn thousands_separators_are_read() {
        let limits = SandboxLimits::parse("10,000", " 7 ", "1_000").unwrap();
        assert_eq!(limits.max_messages(), 10_000);
        assert_eq!(limits.max_age_days(), 7);
        assert_eq!(limits.max_bytes(), 1_000_000_000);
    }

    #[test]
    fn stored_values_round_trip_and_are_clamped() {
        let limits = SandboxLimits::parse("5", "2", "3").unwrap();
        let stored = SandboxLimits::from_stored(5, 2, limits.max_bytes() as i64);
        assert_eq!(stored, limits);
        assert_eq!(SandboxLimits::from_stored(-1, 0, 0).max_messages(), 1);
    }
}
