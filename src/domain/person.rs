//! What people type about themselves: their name and a new password.

use super::text::Line;

/// A person's name: one trimmed line of 1 to [`PersonName::MAX`] characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(Line);

impl PersonName {
    /// The most characters a name has.
    pub const MAX: usize = 100;

    /// The name, trimmed; else the message for the form.
    pub fn parse(raw: &str) -> Result<Self, String> {
        Line::parse(raw, Self::MAX).map(Self).map_err(|error| {
            Line::message(
                error,
                &format!("Enter your name (up to {} characters).", Self::MAX),
            )
        })
    }

    /// The trimmed name.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The trimmed name, owned.
    pub fn into_string(self) -> String {
        self.0.into_string()
    }
}

/// A password someone chose: at least [`NewPassword::MIN`] characters, and
/// no more than [`NewPassword::MAX_BYTES`] bytes (what argon2 is given).
/// `Debug` leaves it out.
pub struct NewPassword(String);

impl NewPassword {
    /// The fewest characters a new password has.
    pub const MIN: usize = 10;
    /// The most bytes a new password has.
    pub const MAX_BYTES: usize = 1024;

    /// Why a password was refused.
    pub fn message() -> String {
        format!("Use at least {} characters.", Self::MIN)
    }

    /// The password, if long enough and not too long; else [`NewPassword::message`].
    pub fn parse(raw: String) -> Result<Self, String> {
        if raw.chars().count() < Self::MIN || raw.len() > Self::MAX_BYTES {
            Err(Self::message())
        } else {
            Ok(Self(raw))
        }
    }

    /// The password itself, to hash.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The password itself, owned, to hash.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_one_trimmed_line_within_its_bound() {
        assert_eq!(PersonName::parse(" Ada ").unwrap().as_str(), "Ada");
        assert!(PersonName::parse(&"a".repeat(PersonName::MAX + 1)).is_err());
        assert!(PersonName::parse("   ").is_err());
        assert!(PersonName::parse("A\u{7f}da").is_err());
    }

    #[test]
    fn a_new_password_has_its_bounds_and_never_prints() {
        assert!(NewPassword::parse("a".repeat(NewPassword::MIN)).is_ok());
        assert!(NewPassword::parse("a".repeat(NewPassword::MIN - 1)).is_err());
        assert!(NewPassword::parse("é".repeat(NewPassword::MAX_BYTES / 2 + 1)).is_err());
        let password = NewPassword::parse("correct-horse-battery".into()).unwrap();
        assert!(!format!("{password:?}").contains("horse"));
    }
}
