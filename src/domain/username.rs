//! The SMTP username rule. Its bounds are [`Username::MIN`] and
//! [`Username::MAX`]; the regex, the messages, the OpenAPI pattern and the
//! form's `maxlength` are all derived from them.

use std::sync::LazyLock;

use regex::Regex;

static RULE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&Username::pattern()).expect("valid regex"));

/// An SMTP username: unique across the server (SMTP AUTH carries no
/// workspace), compared without regard to case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    /// The fewest characters a username has.
    pub const MIN: usize = 4;
    /// The most characters a username has.
    pub const MAX: usize = 50;

    /// The rule as a regular expression (also the OpenAPI `pattern`).
    pub fn pattern() -> String {
        format!("^[A-Za-z0-9_]{{{},{}}}$", Self::MIN, Self::MAX)
    }

    /// What the form shows beside the username field.
    pub fn hint() -> String {
        format!(
            "{}–{} characters: letters, digits and underscores.",
            Self::MIN,
            Self::MAX
        )
    }

    /// Why a username was refused.
    pub fn message() -> String {
        format!(
            "Use {}–{} characters: letters, digits and underscores only.",
            Self::MIN,
            Self::MAX
        )
    }

    /// The username as given, if it follows the rule; else [`Username::message`].
    pub fn parse(raw: &str) -> Result<Self, String> {
        if RULE.is_match(raw) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(Self::message())
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

    /// The username as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::Username;

    #[test]
    fn the_username_rule_holds_at_its_edges() {
        assert!(Username::parse(&"a".repeat(Username::MIN)).is_ok());
        assert!(Username::parse(&"a".repeat(Username::MAX)).is_ok());
        assert!(Username::parse("App_Mailer_01").is_ok());
        for bad in [
            &"a".repeat(Username::MIN - 1),
            &"a".repeat(Username::MAX + 1),
            "bad-name",
            "é_user",
            "with space",
            "",
        ] {
            assert!(Username::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn the_pattern_and_the_messages_state_the_same_bounds() {
        let bounds = format!("{}–{}", Username::MIN, Username::MAX);
        assert!(Username::hint().starts_with(&bounds));
        assert!(Username::message().contains(&bounds));
        let pattern = format!("{{{},{}}}", Username::MIN, Username::MAX);
        assert!(Username::pattern().contains(&pattern));
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
