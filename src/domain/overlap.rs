//! How long a credential's previous password keeps working after a rotation.

/// The overlap window of a rotation: none, or up to seven days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Overlap(u32);

impl Overlap {
    /// The old password stops working at once.
    pub const NONE: Overlap = Overlap(0);
    /// The longest overlap, in seconds (seven days).
    pub const MAX_SECONDS: u32 = 7 * 24 * 3600;
    /// What the dashboard offers: (seconds, label).
    pub const CHOICES: [(u32, &'static str); 4] = [
        (0, "No"),
        (3_600, "1 hour"),
        (86_400, "24 hours"),
        (Self::MAX_SECONDS, "7 days"),
    ];

    /// An overlap of `seconds`, at most [`Self::MAX_SECONDS`].
    pub fn from_seconds(seconds: i64) -> Option<Overlap> {
        u32::try_from(seconds)
            .ok()
            .filter(|s| *s <= Self::MAX_SECONDS)
            .map(Overlap)
    }

    pub fn seconds(self) -> u32 {
        self.0
    }

    /// When the old password stops working, for a rotation at `now`;
    /// `None` when there is no overlap.
    pub fn until(self, now: chrono::NaiveDateTime) -> Option<chrono::NaiveDateTime> {
        (self.0 > 0).then(|| now + chrono::Duration::seconds(i64::from(self.0)))
    }

    /// "1 hour", "7 days", or the seconds, for the activity log.
    pub fn label(self) -> String {
        Self::CHOICES
            .iter()
            .find(|(s, _)| *s == self.0)
            .map(|(_, label)| (*label).to_owned())
            .unwrap_or_else(|| format!("{} seconds", self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlaps_range_from_none_to_seven_days() {
        assert_eq!(Overlap::from_seconds(0), Some(Overlap::NONE));
        assert_eq!(Overlap::from_seconds(604_800).unwrap().seconds(), 604_800);
        assert_eq!(Overlap::from_seconds(604_801), None);
        assert_eq!(Overlap::from_seconds(-1), None);
        let now = crate::domain::now();
        assert_eq!(Overlap::NONE.until(now), None);
        assert_eq!(
            Overlap::from_seconds(3_600).unwrap().until(now),
            Some(now + chrono::Duration::hours(1))
        );
        assert_eq!(Overlap::from_seconds(3_600).unwrap().label(), "1 hour");
    }
}
