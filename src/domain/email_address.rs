use validator::ValidateEmail;

/// A syntactically valid e-mail address, stored lower-cased so that
/// `Ada@Example.com` and `ada@example.com` are one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let email = raw.trim().to_lowercase();
        if email.is_empty() {
            return Err("Enter an email address.".into());
        }
        if email.len() > 254 || !email.validate_email() {
            return Err(format!("{:?} is not a valid email address.", raw.trim()));
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::EmailAddress;

    #[test]
    fn addresses_are_trimmed_and_lowercased() {
        let email = EmailAddress::parse("  Ada@Example.COM ").unwrap();
        assert_eq!(email.as_str(), "ada@example.com");
    }

    #[test]
    fn malformed_addresses_are_rejected() {
        for raw in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "a b@example.com",
            "a\0da@example.com",
            "ada@exam\0ple.com",
            "a\u{7f}da@example.com",
            "ada@exam\u{7f}ple.com",
            "ada@example.com\nBcc: eve@example.com",
        ] {
            assert!(EmailAddress::parse(raw).is_err(), "{raw:?} was accepted");
        }
    }
}
