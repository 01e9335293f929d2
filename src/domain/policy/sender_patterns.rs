//! The sender addresses a credential may use.

use std::fmt;

use super::{entries, too_many};
use crate::domain::{DomainName, EmailAddress};

/// Up to [`super::MAX_ENTRIES`] patterns, lower-cased, without duplicates:
/// an address (`noreply@a.example`) or every address of one domain
/// (`*@billing.a.example`; `*@a.example` does not cover its subdomains).
/// Empty: any sender.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SenderPatterns(Vec<Pattern>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Pattern {
    Address(String),
    Domain(String),
}

impl SenderPatterns {
    /// Patterns one per line (or comma-separated); blank lines are skipped.
    pub fn parse(text: &str) -> Result<Self, Vec<String>> {
        Self::from_entries(entries(text))
    }

    /// Patterns as a list (the API's array); blank entries are skipped.
    pub fn from_entries<S: AsRef<str>>(
        given: impl IntoIterator<Item = S>,
    ) -> Result<Self, Vec<String>> {
        let mut problems = Vec::new();
        let mut patterns = Vec::new();
        let mut count = 0;
        for entry in given {
            let entry = entry.as_ref().trim();
            if entry.is_empty() {
                continue;
            }
            count += 1;
            match Pattern::parse(entry) {
                Ok(p) if !patterns.contains(&p) => patterns.push(p),
                Ok(_) => {}
                Err(message) => problems.push(message),
            }
        }
        problems.extend(too_many(count, "sender patterns"));
        if problems.is_empty() {
            Ok(Self(patterns))
        } else {
            Err(problems)
        }
    }

    /// Whether mail may be sent as `address` (compared case-insensitively);
    /// always when there are no patterns. The null sender (`<>`) matches no
    /// pattern.
    pub fn allows(&self, address: &str) -> bool {
        if self.0.is_empty() {
            return true;
        }
        let address = address.trim().to_lowercase();
        let Some((local, domain)) = address.rsplit_once('@') else {
            return false;
        };
        if local.is_empty() {
            return false;
        }
        self.0.iter().any(|p| match p {
            Pattern::Address(a) => *a == address,
            Pattern::Domain(d) => d == domain,
        })
    }

    /// Whether mail may be sent as this address.
    pub fn allows_address(&self, address: &EmailAddress) -> bool {
        self.allows(address.as_str())
    }

    /// Whether the patterns restrict anything.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Each pattern as text.
    pub fn to_strings(&self) -> Vec<String> {
        self.0.iter().map(Pattern::to_string).collect()
    }
}

/// One per line, as stored and as the form's textarea shows it.
impl fmt::Display for SenderPatterns {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_strings().join("\n"))
    }
}

impl Pattern {
    fn parse(entry: &str) -> Result<Self, String> {
        let refused = || {
            format!(
                "{entry:?} is not a sender pattern: use an address (noreply@example.com) \
                 or *@ and a domain (*@example.com)."
            )
        };
        match entry.split_once("*@") {
            Some(("", domain)) => DomainName::parse(domain)
                .map(|d| Self::Domain(d.as_str().to_owned()))
                .map_err(|_| refused()),
            Some(_) => Err(refused()),
            None if entry.contains('*') => Err(refused()),
            None => EmailAddress::parse(entry)
                .ok()
                .filter(|a| {
                    let domain = a.as_str().rsplit_once('@').map_or("", |(_, d)| d);
                    DomainName::parse(domain).is_ok()
                })
                .map(|a| Self::Address(a.as_str().to_owned()))
                .ok_or_else(refused),
        }
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Address(a) => f.write_str(a),
            Self::Domain(d) => write!(f, "*@{d}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_are_lowercased_and_read_back() {
        let patterns = SenderPatterns::parse(
            "NoReply@A.example\n *@Billing.A.example \n*@a.example\n*@A.EXAMPLE",
        )
        .unwrap();
        assert_eq!(
            patterns.to_string(),
            "noreply@a.example\n*@billing.a.example\n*@a.example"
        );
        assert_eq!(SenderPatterns::parse(&patterns.to_string()), Ok(patterns));
    }

    #[test]
    fn an_address_matches_itself_and_a_domain_only_itself() {
        let patterns =
            SenderPatterns::from_entries(["noreply@a.example", "*@billing.b.example"]).unwrap();
        assert!(patterns.allows("NOREPLY@a.example"));
        assert!(!patterns.allows("other@a.example"));
        assert!(patterns.allows("anyone@Billing.B.Example"));
        assert!(!patterns.allows("anyone@b.example"));
        assert!(!patterns.allows("anyone@x.billing.b.example"));
        assert!(!patterns.allows("@billing.b.example"));
        assert!(!patterns.allows(""));
    }

    #[test]
    fn no_patterns_allow_every_sender() {
        let none = SenderPatterns::parse("").unwrap();
        assert!(none.is_empty());
        assert!(none.allows("anyone@anywhere.example"));
        assert!(none.allows(""));
        let address = EmailAddress::parse("a@b.example").unwrap();
        assert!(none.allows_address(&address));
    }

    #[test]
    fn every_bad_pattern_is_named() {
        let problems = SenderPatterns::parse(
            "no-at-sign\n*@\nab*@a.example\n*@*.a.example\nx@localhost\nok@a.example",
        )
        .unwrap_err();
        assert_eq!(problems.len(), 5, "{problems:?}");
        assert!(problems[0].starts_with("\"no-at-sign\" is not a sender pattern"));
        assert!(problems[3].starts_with("\"*@*.a.example\" is not a sender pattern"));
    }

    #[test]
    fn at_most_a_hundred_patterns() {
        let many: Vec<String> = (0..101).map(|i| format!("u{i}@a.example")).collect();
        assert_eq!(
            SenderPatterns::from_entries(&many),
            Err(vec![
                "Enter at most 100 sender patterns (101 given).".into()
            ])
        );
        assert!(SenderPatterns::from_entries(&many[..100]).is_ok());
    }
}
