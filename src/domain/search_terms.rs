//! What someone typed into a search box, as terms that must all occur:
//! split at spaces, a "quoted phrase" kept whole, control characters
//! dropped (PostgreSQL refuses a NUL even in a pattern), bounded. The
//! REST API sends the same syntax but is told, rather than cut short, when
//! a search is out of bounds ([`SearchTerms::parse_exact`]).

/// Most terms looked for; more are ignored.
pub const MAX_TERMS: usize = 8;
/// Most characters of the whole search.
pub const MAX_SEARCH_CHARS: usize = 200;

/// The terms of a search, each non-empty; none for an empty search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchTerms(Vec<String>);

/// Why a search sent to the API was refused; `message` says it beside
/// the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchTermsError {
    TooLong,
    Control,
    TooManyTerms,
}

impl SearchTermsError {
    pub fn message(self) -> String {
        match self {
            Self::TooLong => format!("Use at most {MAX_SEARCH_CHARS} characters."),
            Self::Control => "Use printable characters only: no control characters.".to_owned(),
            Self::TooManyTerms => format!(
                "Use at most {MAX_TERMS} words or \"quoted phrases\": every one must occur."
            ),
        }
    }
}

impl SearchTerms {
    /// A search box's text: control characters dropped, cut at
    /// [`MAX_SEARCH_CHARS`] characters and [`MAX_TERMS`] terms.
    pub fn parse(raw: &str) -> Self {
        let text: String = raw
            .chars()
            .filter(|c| !c.is_control())
            .take(MAX_SEARCH_CHARS)
            .collect();
        let mut terms = split(&text);
        terms.truncate(MAX_TERMS);
        Self(terms)
    }

    /// A search as the API sends it: the same terms as [`Self::parse`],
    /// but refused when it holds a control character or more than
    /// [`MAX_SEARCH_CHARS`] characters or [`MAX_TERMS`] terms, since a
    /// shortened search would find more than was asked.
    pub fn parse_exact(raw: &str) -> Result<Self, SearchTermsError> {
        if raw.chars().any(char::is_control) {
            return Err(SearchTermsError::Control);
        }
        if raw.chars().count() > MAX_SEARCH_CHARS {
            return Err(SearchTermsError::TooLong);
        }
        let terms = split(raw);
        if terms.len() > MAX_TERMS {
            return Err(SearchTermsError::TooManyTerms);
        }
        Ok(Self(terms))
    }

    pub fn terms(&self) -> &[String] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The terms written back for a search box: a term holding a space is
    /// quoted.
    pub fn to_query(&self) -> String {
        let quoted: Vec<String> = self
            .0
            .iter()
            .map(|t| match t.contains(' ') {
                true => format!("\"{t}\""),
                false => t.clone(),
            })
            .collect();
        quoted.join(" ")
    }
}

/// The non-empty terms of `text`: words, and "quoted phrases" whole.
fn split(text: &str) -> Vec<String> {
    let mut terms = Vec::new();
    for (i, part) in text.split('"').enumerate() {
        // Odd parts were between quotes.
        if i % 2 == 1 {
            terms.push(part.trim().to_owned());
        } else {
            terms.extend(part.split_whitespace().map(str::to_owned));
        }
    }
    terms.retain(|t| !t.is_empty());
    terms.dedup();
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_quoted_phrases_become_terms() {
        let terms = SearchTerms::parse(" reset  \"Your password\" a\0b \"unclosed");
        assert_eq!(terms.terms(), ["reset", "Your password", "ab", "unclosed"]);
        assert_eq!(terms.to_query(), "reset \"Your password\" ab unclosed");
        assert!(SearchTerms::parse(" \"\" ").is_empty());
        let many = "a b c d e f g h i j";
        assert_eq!(SearchTerms::parse(many).terms().len(), MAX_TERMS);
    }

    #[test]
    fn an_exact_search_is_refused_rather_than_cut() {
        let phrase = "reset \"Your password\"";
        assert_eq!(
            SearchTerms::parse_exact(phrase),
            Ok(SearchTerms::parse(phrase))
        );
        assert_eq!(
            SearchTerms::parse_exact("a\0b"),
            Err(SearchTermsError::Control)
        );
        let longest = "x".repeat(MAX_SEARCH_CHARS);
        assert!(SearchTerms::parse_exact(&longest).is_ok());
        assert_eq!(
            SearchTerms::parse_exact(&format!("{longest}x")),
            Err(SearchTermsError::TooLong)
        );
        assert_eq!(
            SearchTerms::parse_exact("a b c d e f g h")
                .unwrap()
                .terms()
                .len(),
            MAX_TERMS
        );
        assert_eq!(
            SearchTerms::parse_exact("a b c d e f g h i"),
            Err(SearchTermsError::TooManyTerms)
        );
    }
}
