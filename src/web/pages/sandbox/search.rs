//! The Sandbox list's search and filters as the query string carries them
//! (`q`, `credential`, `tag`, `from`, `to`, and the page's `before` or
//! `after` cursor), so a search is a link. Parsed leniently: a bad date
//! is shown beside its field and left out of the filter, the rest applies.

use chrono::{Duration, NaiveDate};
use serde::Deserialize;

use crate::db::keyset::{Anchor, Cursor};
use crate::domain::{CredentialId, MessageId, SearchTerms, Tag};
use crate::service::sandbox::MessageFilter;
use crate::web::forms::FieldErrors;

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct SandboxParams {
    pub q: Option<String>,
    pub credential: Option<String>,
    pub tag: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// Older than this cursor.
    pub before: Option<String>,
    /// Newer than this cursor.
    pub after: Option<String>,
}

/// The list's search as typed and as understood.
#[derive(Debug)]
pub struct SearchState {
    pub q: String,
    pub credential: String,
    pub tag: String,
    pub from: String,
    pub to: String,
    pub filter: MessageFilter,
    pub errors: FieldErrors,
    pub anchor: Anchor<MessageId>,
}

const DATE_MESSAGE: &str = "Use a date like 2026-11-28.";

impl SearchState {
    pub fn new(params: &SandboxParams) -> Self {
        let text = |raw: &Option<String>, max: usize| -> String {
            raw.as_deref()
                .unwrap_or("")
                .trim()
                .chars()
                .filter(|c| !c.is_control())
                .take(max)
                .collect()
        };
        let (q, credential, tag) = (
            text(&params.q, crate::domain::search_terms::MAX_SEARCH_CHARS),
            text(&params.credential, 64),
            text(&params.tag, 100),
        );
        let (from, to) = (text(&params.from, 32), text(&params.to, 32));
        let mut errors = FieldErrors::default();
        let mut date = |field: &str, raw: &str| match raw {
            "" => None,
            raw => match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
                Ok(day) => Some(day),
                Err(_) => {
                    errors.add(field, DATE_MESSAGE);
                    None
                }
            },
        };
        let (first, last) = (date("from", &from), date("to", &to));
        if let (Some(first), Some(last)) = (first, last)
            && last < first
        {
            errors.add("to", "Pick a day on or after the first one.");
        }
        let bad_range = errors.has("to") && first.is_some() && last.is_some();
        let filter = MessageFilter {
            text: SearchTerms::parse(&q),
            credential: CredentialId::parse(&credential),
            tag: Tag::parse(&tag),
            received_from: first.map(|d| d.and_time(chrono::NaiveTime::MIN)),
            received_before: last
                .filter(|_| !bad_range)
                .map(|d| (d + Duration::days(1)).and_time(chrono::NaiveTime::MIN)),
            ..MessageFilter::default()
        };
        let cursor = |raw: &Option<String>| raw.as_deref().and_then(Cursor::decode);
        let anchor = match (cursor(&params.before), cursor(&params.after)) {
            (Some(c), _) => Anchor::After(c),
            (None, Some(c)) => Anchor::Before(c),
            _ => Anchor::First,
        };
        Self {
            q,
            credential,
            tag,
            from,
            to,
            filter,
            errors,
            anchor,
        }
    }

    /// Whether anything narrows the list.
    pub fn is_filtered(&self) -> bool {
        !self.filter.is_empty()
    }

    /// Whether a field was refused.
    pub fn has_errors(&self) -> bool {
        ["credential", "tag", "from", "to"]
            .iter()
            .any(|f| self.errors.has(f))
    }

    /// The search as a query string (without the page), `` when none.
    pub fn query(&self) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in [
            ("q", &self.q),
            ("credential", &self.credential),
            ("tag", &self.tag),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if !value.is_empty() {
                query.append_pair(name, value);
            }
        }
        query.finish()
    }

    /// `base` with the search and, optionally, a page's cursor.
    pub fn href(&self, base: &str, page: Option<(&str, String)>) -> String {
        let mut query = self.query();
        if let Some((name, cursor)) = page {
            if !query.is_empty() {
                query.push('&');
            }
            query.push_str(&format!("{name}={cursor}"));
        }
        match query.is_empty() {
            true => base.to_owned(),
            false => format!("{base}?{query}"),
        }
    }

    /// The list filtered by one tag (what a tag badge links to).
    pub fn tag_href(base: &str, tag: &str) -> String {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("tag", tag)
            .finish();
        format!("{base}?{query}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> SandboxParams {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        serde_html_form::from_str(&query).unwrap()
    }

    #[test]
    fn a_search_round_trips_through_its_link() {
        let state = SearchState::new(&params(&[
            ("q", " reset \"your password\" "),
            ("tag", "Signup"),
            ("from", "2026-11-01"),
            ("to", "2026-11-02"),
        ]));
        assert!(state.errors.get("from").is_none());
        assert_eq!(state.filter.text.terms(), ["reset", "your password"]);
        assert_eq!(state.filter.tag.as_ref().unwrap().as_str(), "Signup");
        let day = |d: u32| {
            NaiveDate::from_ymd_opt(2026, 11, d)
                .unwrap()
                .and_time(chrono::NaiveTime::MIN)
        };
        assert_eq!(state.filter.received_from, Some(day(1)));
        assert_eq!(state.filter.received_before, Some(day(3)));
        let again = SearchState::new(&params(
            &serde_html_form::from_str::<Vec<(String, String)>>(&state.query())
                .unwrap()
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect::<Vec<_>>(),
        ));
        assert_eq!(again.filter, state.filter);
    }

    #[test]
    fn bad_dates_are_told_and_left_out() {
        let state = SearchState::new(&params(&[("from", "yesterday"), ("q", "x")]));
        assert_eq!(state.errors.get("from"), Some(DATE_MESSAGE));
        assert_eq!(state.filter.received_from, None);
        assert_eq!(state.filter.text.terms(), ["x"]);
        let reversed = SearchState::new(&params(&[("from", "2026-11-05"), ("to", "2026-11-01")]));
        assert!(reversed.errors.has("to"));
        assert_eq!(reversed.filter.received_before, None);
    }
}
