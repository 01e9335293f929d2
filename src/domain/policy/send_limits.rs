//! How much a credential may send.

use std::fmt;

/// A window a message rate is counted over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Window {
    Minute,
    Hour,
    Day,
}

impl Window {
    pub const ALL: [Self; 3] = [Self::Minute, Self::Hour, Self::Day];

    /// The window's length.
    pub fn seconds(self) -> u64 {
        match self {
            Self::Minute => 60,
            Self::Hour => 3_600,
            Self::Day => 86_400,
        }
    }

    /// `minute`, `hour` or `day`.
    pub fn noun(self) -> &'static str {
        match self {
            Self::Minute => "minute",
            Self::Hour => "hour",
            Self::Day => "day",
        }
    }
}

/// One of the four limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    PerMinute,
    PerHour,
    PerDay,
    /// Recipients of one message.
    Recipients,
}

impl Limit {
    pub const ALL: [Self; 4] = [
        Self::PerMinute,
        Self::PerHour,
        Self::PerDay,
        Self::Recipients,
    ];

    /// The form field and the column: `max_per_minute` …
    /// `max_recipients`.
    pub fn field(self) -> &'static str {
        match self {
            Self::PerMinute => "max_per_minute",
            Self::PerHour => "max_per_hour",
            Self::PerDay => "max_per_day",
            Self::Recipients => "max_recipients",
        }
    }

    /// The API's key inside `limits`: `per_minute` … `recipients_per_message`.
    pub fn api_key(self) -> &'static str {
        match self {
            Self::PerMinute => "per_minute",
            Self::PerHour => "per_hour",
            Self::PerDay => "per_day",
            Self::Recipients => "recipients_per_message",
        }
    }

    /// The window a rate limit counts over; `None` for the recipient cap.
    pub fn window(self) -> Option<Window> {
        match self {
            Self::PerMinute => Some(Window::Minute),
            Self::PerHour => Some(Window::Hour),
            Self::PerDay => Some(Window::Day),
            Self::Recipients => None,
        }
    }

    fn unit(self) -> &'static str {
        match self {
            Self::PerMinute => "messages a minute",
            Self::PerHour => "messages an hour",
            Self::PerDay => "messages a day",
            Self::Recipients => "recipients a message",
        }
    }
}

/// Why a limit was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitProblem {
    pub limit: Limit,
    pub message: String,
}

/// Messages per minute, hour and day, and recipients per message; each
/// unset (no limit) or within 1..=[`SendLimits::MAX`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SendLimits([Option<u32>; 4]);

impl SendLimits {
    /// The highest value a limit takes.
    pub const MAX: u32 = 1_000_000;

    /// From the form's text fields, in [`Limit::ALL`] order; blank is unset.
    pub fn parse(fields: [&str; 4]) -> Result<Self, Vec<LimitProblem>> {
        Self::check(fields.map(|text| {
            let text = text.trim();
            (!text.is_empty()).then(|| text.parse::<i64>().map_err(|_| ()))
        }))
    }

    /// From numbers (the API), in [`Limit::ALL`] order; `None` is unset.
    pub fn from_numbers(values: [Option<i64>; 4]) -> Result<Self, Vec<LimitProblem>> {
        Self::check(values.map(|v| v.map(Ok)))
    }

    /// As stored: values outside the bounds (never written) count as unset.
    pub fn from_columns(columns: [Option<i32>; 4]) -> Self {
        Self(columns.map(|c| {
            c.and_then(|v| u32::try_from(v).ok())
                .filter(|v| (1..=Self::MAX).contains(v))
        }))
    }

    /// The columns, in [`Limit::ALL`] order.
    pub fn to_columns(self) -> [Option<i32>; 4] {
        // Every value is at most MAX, which fits an i32.
        self.0.map(|v| v.map(|v| v as i32))
    }

    /// One limit, if set.
    pub fn get(self, limit: Limit) -> Option<u32> {
        self.0[limit as usize]
    }

    /// The rate limits that are set, with their windows.
    pub fn rates(self) -> impl Iterator<Item = (Window, u32)> {
        Limit::ALL
            .into_iter()
            .filter_map(move |l| Some((l.window()?, self.get(l)?)))
    }

    /// Whether any limit is set (the list's "Limited" badge).
    pub fn is_limited(self) -> bool {
        self.0.iter().any(Option::is_some)
    }

    fn check(values: [Option<Result<i64, ()>>; 4]) -> Result<Self, Vec<LimitProblem>> {
        let mut problems = Vec::new();
        let mut limits = [None; 4];
        for ((limit, value), slot) in Limit::ALL.into_iter().zip(values).zip(&mut limits) {
            match value {
                None => {}
                Some(Ok(v)) if (1..=i64::from(Self::MAX)).contains(&v) => *slot = Some(v as u32),
                Some(_) => problems.push(LimitProblem {
                    limit,
                    message: format!(
                        "Enter a whole number from 1 to {} {}, or leave it blank for no limit.",
                        group_digits(u64::from(Self::MAX)),
                        limit.unit()
                    ),
                }),
            }
        }
        if problems.is_empty() {
            Ok(Self(limits))
        } else {
            Err(problems)
        }
    }
}

/// `100 messages a minute, 1,000 messages a day`, or `no limits`.
impl fmt::Display for SendLimits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let set: Vec<String> = Limit::ALL
            .into_iter()
            .filter_map(|l| {
                Some(format!(
                    "{} {}",
                    group_digits(self.get(l)?.into()),
                    l.unit()
                ))
            })
            .collect();
        if set.is_empty() {
            f.write_str("no limits")
        } else {
            f.write_str(&set.join(", "))
        }
    }
}

/// `1234567` as `1,234,567`.
pub fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_fields_are_unset_and_numbers_are_kept() {
        let limits = SendLimits::parse(["", " 100 ", "1000000", "50"]).unwrap();
        assert_eq!(limits.get(Limit::PerMinute), None);
        assert_eq!(limits.get(Limit::PerHour), Some(100));
        assert_eq!(limits.get(Limit::Recipients), Some(50));
        assert_eq!(
            limits.rates().collect::<Vec<_>>(),
            [(Window::Hour, 100), (Window::Day, 1_000_000)]
        );
        assert_eq!(
            limits.to_string(),
            "100 messages an hour, 1,000,000 messages a day, 50 recipients a message"
        );
        assert_eq!(SendLimits::from_columns(limits.to_columns()), limits);
        assert!(limits.is_limited());
        assert!(!SendLimits::default().is_limited());
        assert_eq!(SendLimits::default().to_string(), "no limits");
    }

    #[test]
    fn zero_too_much_and_words_are_refused_per_limit() {
        let problems = SendLimits::parse(["0", "1000001", "ten", "-3"]).unwrap_err();
        let limits: Vec<Limit> = problems.iter().map(|p| p.limit).collect();
        assert_eq!(limits, Limit::ALL);
        assert_eq!(
            problems[0].message,
            "Enter a whole number from 1 to 1,000,000 messages a minute, or leave it blank for no limit."
        );
        let problems = SendLimits::from_numbers([Some(1), None, Some(0), None]).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].limit.field(), "max_per_day");
    }

    #[test]
    fn stored_values_out_of_bounds_are_unset() {
        let limits = SendLimits::from_columns([Some(0), Some(-1), Some(2_000_000), Some(7)]);
        assert_eq!(limits.to_columns(), [None, None, None, Some(7)]);
    }

    #[test]
    fn digits_are_grouped_by_thousands() {
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(1_000), "1,000");
        assert_eq!(group_digits(312_000_001), "312,000,001");
    }
}
