//! What someone typed into a search box, as terms that must all occur:
//! split at spaces, a "quoted phrase" kept whole, control characters
//! dropped (PostgreSQL refuses a NUL even in a pattern), bounded.

/// Most terms looked for; more are ignored.
pub const MAX_TERMS: usize = 8;
/// Most characters of the whole search.
pub const MAX_SEARCH_CHARS: usize = 200;

/// The terms of a search, each non-empty; none for an empty search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchTerms(Vec<String>);

impl SearchTerms {
    pub fn parse(raw: &str) -> Self {
        let text: String = raw
            .chars()
            .filter(|c| !c.is_control())
            .take(MAX_SEARCH_CHARS)
            .collect();
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
        terms.truncate(MAX_TERMS);
        Self(terms)
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
}
