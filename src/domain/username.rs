use std::sync::LazyLock;

use regex::Regex;

/// The username rule: 4–50 letters, digits or underscores. The form's
/// `validator` derive and [`Username::parse`] both use it.
pub static USERNAME_RULE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z0-9_]{4,50}$").expect("valid regex"));

/// What the form shows beside the username field.
pub const USERNAME_RULE_TEXT: &str = "4–50 characters: letters, digits and underscores.";

/// An SMTP username: unique across the server (SMTP AUTH carries no
/// workspace), compared without regard to case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, String> {
        if USERNAME_RULE.is_match(raw) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(format!("Use {}", USERNAME_RULE_TEXT.to_lowercase()))
        }
    }

    /// `smtp_` and 8 random lowercase letters or digits.
    pub fn generate() -> Self {
        use rand::RngExt;
        const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        let mut rng = rand::rng();
        let suffix: String = (0..8)
            .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
            .collect();
        Self(format!("smtp_{suffix}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::Username;

    #[test]
    fn the_username_rule_holds_at_its_edges() {
        assert!(Username::parse("abcd").is_ok());
        assert!(Username::parse(&"a".repeat(50)).is_ok());
        assert!(Username::parse("App_Mailer_01").is_ok());
        for bad in [
            "abc",
            &"a".repeat(51),
            "bad-name",
            "é_user",
            "with space",
            "",
        ] {
            assert!(Username::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn generated_usernames_follow_the_rule() {
        for _ in 0..100 {
            let name = Username::generate();
            assert!(Username::parse(name.as_str()).is_ok(), "{name:?}");
            assert!(name.as_str().starts_with("smtp_") && name.as_str().len() == 13);
            assert!(
                name.as_str()[5..]
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            );
        }
    }
}
