//! The list's query string: sort, direction, filter and page. Parsed
//! leniently (the dashboard falls back to defaults) and written back into
//! every link so a URL can be bookmarked and reloaded.

use serde::Deserialize;

use crate::domain::{CredentialId, now};
use crate::service::credentials::{
    Anchor, Cursor, Direction, EXPIRING_SOON_DAYS, ListRequest, PAGE_SIZE, SortKey,
};

#[derive(Debug, Default, Clone, Deserialize)]
pub struct ListParams {
    pub sort: Option<String>,
    pub dir: Option<String>,
    pub q: Option<String>,
    /// `expiring`: only credentials expired or expiring within 14 days.
    pub show: Option<String>,
    pub after: Option<String>,
    pub before: Option<String>,
}

/// The list's state, with the links that change it.
#[derive(Debug, Clone)]
pub struct ListState {
    base: String,
    pub sort: SortKey,
    pub dir: Direction,
    pub q: String,
    /// Only credentials expired or expiring within [`EXPIRING_SOON_DAYS`].
    pub expiring: bool,
    pub anchor: Anchor<CredentialId>,
}

impl ListState {
    pub fn new(slug: &str, params: &ListParams) -> Self {
        let sort = match params.sort.as_deref() {
            Some(key) if key == SortKey::LastUsedAt.as_str() => SortKey::LastUsedAt,
            _ => SortKey::CreatedAt,
        };
        let dir = match params.dir.as_deref() {
            Some(dir) if dir == Direction::Asc.as_str() => Direction::Asc,
            _ => Direction::Desc,
        };
        let q: String = params
            .q
            .as_deref()
            .unwrap_or("")
            .trim()
            .chars()
            // A search for a control character finds nothing anyway, and
            // PostgreSQL refuses a NUL even in a pattern.
            .filter(|c| !c.is_control())
            .take(100)
            .collect();
        let cursor = |raw: &Option<String>| raw.as_deref().and_then(Cursor::decode);
        let anchor = match (cursor(&params.after), cursor(&params.before)) {
            (Some(c), _) => Anchor::After(c),
            (None, Some(c)) => Anchor::Before(c),
            _ => Anchor::First,
        };
        Self {
            base: crate::web::kit::WorkspaceUrls::new(slug).credentials(),
            sort,
            dir,
            q,
            expiring: params.show.as_deref() == Some("expiring"),
            anchor,
        }
    }

    /// Reads the state back from a `back` form field (a query string).
    pub fn from_query(slug: &str, query: &str) -> Self {
        let params = serde_html_form::from_str(query).unwrap_or_default();
        Self::new(slug, &params)
    }

    pub fn request(&self) -> ListRequest {
        ListRequest {
            sort: self.sort,
            dir: self.dir,
            filter: (!self.q.is_empty()).then(|| self.q.clone()),
            expiring_before: self
                .expiring
                .then(|| now() + chrono::Duration::days(EXPIRING_SOON_DAYS)),
            within_domains: None,
            anchor: self.anchor.clone(),
            limit: PAGE_SIZE,
            with_total: true,
        }
    }

    pub fn sort_name(&self) -> &'static str {
        self.sort.as_str()
    }

    pub fn dir_name(&self) -> &'static str {
        self.dir.as_str()
    }

    fn query(&self, sort: &str, dir: &str, page: Option<(&str, &Cursor<CredentialId>)>) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("sort", sort).append_pair("dir", dir);
        if !self.q.is_empty() {
            query.append_pair("q", &self.q);
        }
        if self.expiring {
            query.append_pair("show", "expiring");
        }
        if let Some((key, cursor)) = page {
            query.append_pair(key, &cursor.encode());
        }
        query.finish()
    }

    /// This very page's query string (for `back` fields).
    pub fn current_query(&self) -> String {
        let page = match &self.anchor {
            Anchor::First => None,
            Anchor::After(c) => Some(("after", c)),
            Anchor::Before(c) => Some(("before", c)),
        };
        self.query(self.sort_name(), self.dir_name(), page)
    }

    pub fn current_href(&self) -> String {
        format!("{}?{}", self.base, self.current_query())
    }

    /// The link of a sortable column header: toggles the direction when the
    /// list is already sorted by it, else sorts newest first.
    pub fn sort_href(&self, sort: &str) -> String {
        let dir = if sort == self.sort_name() && self.dir == Direction::Desc {
            "asc"
        } else {
            "desc"
        };
        format!("{}?{}", self.base, self.query(sort, dir, None))
    }

    /// `aria-sort` for a column header.
    pub fn aria_sort(&self, sort: &str) -> &'static str {
        match (sort == self.sort_name(), self.dir) {
            (false, _) => "none",
            (true, Direction::Asc) => "ascending",
            (true, Direction::Desc) => "descending",
        }
    }

    pub fn page_href(&self, key: &str, cursor: &Cursor<CredentialId>) -> String {
        format!(
            "{}?{}",
            self.base,
            self.query(self.sort_name(), self.dir_name(), Some((key, cursor)))
        )
    }

    pub fn base(&self) -> &str {
        &self.base
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_newest_created_first() {
        let state = ListState::new("acme", &ListParams::default());
        assert_eq!(state.sort, SortKey::CreatedAt);
        assert_eq!(state.dir, Direction::Desc);
        assert_eq!(
            state.current_href(),
            "/w/acme/settings/smtp-credentials?sort=created_at&dir=desc"
        );
    }

    #[test]
    fn clicking_the_sorted_column_toggles_its_direction() {
        let state = ListState::new("acme", &ListParams::default());
        assert!(
            state
                .sort_href("created_at")
                .ends_with("sort=created_at&dir=asc")
        );
        assert!(
            state
                .sort_href("last_used_at")
                .ends_with("sort=last_used_at&dir=desc")
        );
    }

    #[test]
    fn the_filter_survives_in_links_and_garbage_cursors_are_ignored() {
        let params = ListParams {
            q: Some(" billing & co ".into()),
            after: Some("garbage".into()),
            ..ListParams::default()
        };
        let state = ListState::new("acme", &params);
        assert_eq!(state.anchor, Anchor::First);
        assert!(state.sort_href("created_at").contains("q=billing+%26+co"));
        let back = ListState::from_query("acme", &state.current_query());
        assert_eq!(back.q, "billing & co");
        assert!(!back.expiring);
    }

    #[test]
    fn the_expiring_soon_filter_survives_in_links() {
        let params = ListParams {
            show: Some("expiring".into()),
            ..ListParams::default()
        };
        let state = ListState::new("acme", &params);
        assert!(state.request().expiring_before.is_some());
        assert!(state.sort_href("created_at").ends_with("&show=expiring"));
        assert!(ListState::from_query("acme", &state.current_query()).expiring);
    }
}
