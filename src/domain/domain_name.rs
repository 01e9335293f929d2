/// A sending domain: a lowercase DNS name with at least two labels.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DomainName(String);

impl DomainName {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let name = raw.trim().trim_end_matches('.').to_lowercase();
        let invalid = || {
            format!(
                "{:?} is not a domain name like mail.example.com.",
                raw.trim()
            )
        };
        if name.len() > 253 {
            return Err(invalid());
        }
        let labels: Vec<&str> = name.split('.').collect();
        let label_ok = |l: &&str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        };
        let tld_ok = labels
            .last()
            .is_some_and(|t| t.chars().any(|c| c.is_ascii_lowercase()));
        if labels.len() < 2 || !labels.iter().all(label_ok) || !tld_ok {
            return Err(invalid());
        }
        Ok(Self(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::DomainName;

    #[test]
    fn domain_names_are_lowercased_and_trimmed() {
        assert_eq!(
            DomainName::parse(" Mail.Example.COM. ").unwrap().as_str(),
            "mail.example.com"
        );
    }

    #[test]
    fn malformed_domain_names_are_rejected() {
        for bad in [
            "",
            "localhost",
            "-a.com",
            "a-.com",
            "a..com",
            "exa mple.com",
            "ex_ample.com",
            "1.2.3.4",
            "ü.com",
        ] {
            assert!(DomainName::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
