/// The URL-safe name of a workspace (`/w/{slug}/…`): lowercase ASCII letters,
/// digits and single hyphens, 1–40 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slug(String);

const MAX_LEN: usize = 40;

impl Slug {
    /// Derives a slug from a display name: "Acme Mail (EU)" → "acme-mail-eu".
    pub fn from_name(name: &str) -> Self {
        let mut slug = String::with_capacity(name.len());
        for c in name.chars().flat_map(char::to_lowercase) {
            if c.is_ascii_alphanumeric() {
                slug.push(c);
            } else if !slug.is_empty() && !slug.ends_with('-') {
                slug.push('-');
            }
            if slug.len() >= MAX_LEN {
                break;
            }
        }
        let slug = slug.trim_end_matches('-');
        Self(if slug.is_empty() {
            "workspace".into()
        } else {
            slug.into()
        })
    }

    /// A slug from a URL: what [`Slug::from_name`] makes, or nothing.
    pub fn parse(raw: &str) -> Option<Self> {
        let valid = !raw.is_empty()
            && raw.len() <= MAX_LEN
            && raw
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        valid.then(|| Self(raw.to_owned()))
    }

    /// The same slug with a numeric suffix, for when the plain one is taken.
    pub fn with_suffix(&self, n: u32) -> Self {
        let suffix = format!("-{n}");
        let base = &self.0[..self.0.len().min(MAX_LEN - suffix.len())];
        Self(format!("{}{suffix}", base.trim_end_matches('-')))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::Slug;

    #[test]
    fn names_become_lowercase_hyphenated_slugs() {
        assert_eq!(Slug::from_name("Acme Mail (EU)").as_str(), "acme-mail-eu");
        assert_eq!(
            Slug::from_name("  --Ünïcode only--  ").as_str(),
            "n-code-only"
        );
    }

    #[test]
    fn a_slug_from_a_url_is_what_from_name_makes() {
        for name in ["Acme Mail (EU)", "!!!", &"a".repeat(100)] {
            let slug = Slug::from_name(name);
            assert_eq!(Slug::parse(slug.as_str()), Some(slug.clone()));
            assert_eq!(
                Slug::parse(slug.with_suffix(7).as_str()),
                Some(slug.with_suffix(7))
            );
        }
        for bad in ["", "Acme", "a\0b", "a b", "ü", &"a".repeat(41)] {
            assert_eq!(Slug::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_name_without_letters_or_digits_gets_a_generic_slug() {
        assert_eq!(Slug::from_name("!!!").as_str(), "workspace");
    }

    #[test]
    fn slugs_are_at_most_forty_characters_even_with_a_suffix() {
        let slug = Slug::from_name(&"a".repeat(100));
        assert_eq!(slug.as_str().len(), 40);
        assert_eq!(slug.with_suffix(12).as_str().len(), 40);
        assert!(slug.with_suffix(12).as_str().ends_with("-12"));
    }
}
