//! Listing a workspace's credentials: filtered, counted, and read a page at
//! a time with [`crate::db::keyset`].

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::SmtpCredential;
use crate::db::keyset::{Anchor, Cursor, Direction, keyset};
use crate::db::schema::{coalesce, domains, lower, smtp_credential_domains, smtp_credentials};
use crate::db::{DbConn, MultiBackend};
use crate::domain::{CredentialId, SendingScope, WorkspaceId};

/// The column a credential list is ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    CreatedAt,
    /// Never-used credentials sort as the oldest.
    LastUsedAt,
}

impl SortKey {
    /// `created_at` or `last_used_at`, as query strings carry it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CreatedAt => "created_at",
            Self::LastUsedAt => "last_used_at",
        }
    }
}

/// "Never used" sorts as this time.
pub const NEVER: NaiveDateTime = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH.naive_utc();

/// [`NEVER`] written into the SQL text (not bound), so that the expression
/// matches the `smtp_credentials_last_used_sort_idx` index on both backends.
fn never_literal() -> diesel::expression::SqlLiteral<diesel::sql_types::Timestamp> {
    diesel::dsl::sql("'1970-01-01 00:00:00'")
}

type Boxed<'a> = smtp_credentials::BoxedQuery<'a, MultiBackend>;

/// Which of a workspace's credentials a list shows.
#[derive(Debug, Clone, Copy, Default)]
pub struct Filter<'a> {
    /// Only those whose name or username contains this (any case).
    pub text: Option<&'a str>,
    /// Only those expiring before this time (or expired).
    pub expiring_before: Option<NaiveDateTime>,
    /// Only scoped credentials none of whose domains lies outside these
    /// (domain names).
    pub within: Option<&'a [String]>,
}

impl SmtpCredential {
    /// The workspace's credentials that `filter` lets through.
    fn filtered<'a>(workspace: &'a WorkspaceId, filter: &Filter<'_>) -> Boxed<'a> {
        let mut query = smtp_credentials::table
            .filter(smtp_credentials::workspace_id.eq(workspace))
            .into_boxed();
        if let Some(before) = filter.expiring_before {
            query = query.filter(smtp_credentials::expires_at.lt(before));
        }
        if let Some(names) = filter.within {
            let outside = smtp_credential_domains::table
                .inner_join(domains::table)
                .filter(smtp_credential_domains::credential_id.eq(smtp_credentials::id))
                .filter(domains::name.ne_all(names.to_vec()))
                .select(smtp_credential_domains::credential_id);
            query = query
                .filter(smtp_credentials::scope.eq(SendingScope::Scoped))
                .filter(diesel::dsl::not(diesel::dsl::exists(outside)));
        }
        if let Some(text) = filter.text {
            let pattern = like_pattern(text);
            query = query.filter(
                lower(smtp_credentials::name)
                    .like(pattern.clone())
                    .escape('\\')
                    .or(lower(smtp_credentials::username).like(pattern).escape('\\')),
            );
        }
        query
    }

    /// How many credentials [`SmtpCredential::page`] can reach with these filters.
    pub fn count(
        conn: &mut DbConn,
        workspace: &WorkspaceId,
        filter: &Filter<'_>,
    ) -> QueryResult<i64> {
        Self::filtered(workspace, filter).count().get_result(conn)
    }

    /// Up to `limit` credentials from `anchor` on, in scan order (see
    /// [`crate::db::keyset::Page::from_scan`]).
    #[allow(clippy::too_many_arguments)]
    pub fn page(
        conn: &mut DbConn,
        workspace: &WorkspaceId,
        filter: &Filter<'_>,
        sort: SortKey,
        dir: Direction,
        anchor: &Anchor<CredentialId>,
        limit: i64,
    ) -> QueryResult<Vec<SmtpCredential>> {
        let base = Self::filtered(workspace, filter);
        let id = smtp_credentials::id;
        match sort {
            SortKey::CreatedAt => {
                keyset!(base, smtp_credentials::created_at, id, dir, anchor, limit)
                    .select(SmtpCredential::as_select())
                    .load(conn)
            }
            SortKey::LastUsedAt => keyset!(
                base,
                coalesce(smtp_credentials::last_used_at, never_literal()),
                id,
                dir,
                anchor,
                limit
            )
            .select(SmtpCredential::as_select())
            .load(conn),
        }
    }

    /// This credential's place in a list sorted by `sort`.
    pub fn cursor(&self, sort: SortKey) -> Cursor<CredentialId> {
        let at = match sort {
            SortKey::CreatedAt => self.created_at,
            SortKey::LastUsedAt => self.last_used_at.unwrap_or(NEVER),
        };
        Cursor {
            at,
            id: self.id.clone(),
        }
    }
}

/// `%text%`, lower-cased, with LIKE's wildcards escaped.
fn like_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}
