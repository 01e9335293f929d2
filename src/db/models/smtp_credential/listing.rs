//! Listing a workspace's credentials: filtered, counted, and read a page at
//! a time with [`crate::db::keyset`]. Nothing here costs in proportion to
//! the workspace's size: a page walks an index from its cursor, the total
//! is a counter and a filter's count stops at [`COUNT_CAP`], and a filter of [`TRIGRAM`] characters or more
//! is answered by a trigram index (SQLite FTS5 `smtp_credential_search`,
//! PostgreSQL `pg_trgm` on `lower(name)` and `lower(username)`).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text};

use super::{Probes, SmtpCredential};
use crate::db::keyset::{Anchor, Cursor, Direction, keyset};
use crate::db::schema::{
    coalesce, credential_counts, domains, lower, smtp_credential_domains, smtp_credentials, strpos,
};
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

/// A count stops here: past it the dashboard says "more than".
pub const COUNT_CAP: i64 = 1_000;

/// A trigram index answers filters at least this long; shorter ones scan
/// the workspace's rows in the list's order.
pub const TRIGRAM: usize = 3;

/// How many credentials match: exact up to [`COUNT_CAP`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    Exactly(i64),
    MoreThan(i64),
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
#[derive(Debug, Clone, Copy)]
pub struct Filter<'a> {
    /// Only those whose name or username contains this (any case).
    pub text: Option<&'a str>,
    /// Only those expiring before this time (or expired).
    pub expiring_before: Option<NaiveDateTime>,
    /// Only scoped credentials none of whose domains lies outside these
    /// (domain names).
    pub within: Option<&'a [String]>,
    /// On PostgreSQL, how its trigram indexes are asked for `text` (see
    /// [`super::Rarity`]).
    pub probes: &'a Probes,
}

impl Filter<'_> {
    /// Lets every credential of the workspace through.
    pub fn is_none(&self) -> bool {
        self.text.is_none() && self.expiring_before.is_none() && self.within.is_none()
    }
}

impl SmtpCredential {
    /// The workspace's credentials that `filter` lets through. On SQLite a
    /// text long enough goes through the trigram index unless `common` (it
    /// matches more than [`COUNT_CAP`]): then walking the list's order
    /// meets a page of matches sooner than sorting them all would.
    fn filtered<'a>(
        conn: &DbConn,
        workspace: &'a WorkspaceId,
        filter: &Filter<'_>,
        common: bool,
    ) -> Boxed<'a> {
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
        match filter.text {
            Some(text) if !common && indexed(conn, text) => {
                query = query.filter(in_search_index(text));
            }
            // PostgreSQL picks its trigram indexes for this by itself.
            Some(text) => query = query.filter(contains(text, filter.probes)),
            None => {}
        }
        query
    }

    /// How many credentials [`SmtpCredential::page`] can reach with these
    /// filters: all of the workspace's exactly (a counter kept by triggers),
    /// some of them reading no more than [`COUNT_CAP`] + 1.
    pub fn count(
        conn: &mut DbConn,
        workspace: &WorkspaceId,
        filter: &Filter<'_>,
    ) -> QueryResult<Count> {
        if filter.is_none() {
            let total = credential_counts::table
                .find(workspace)
                .select(credential_counts::credentials)
                .first(conn)
                .optional()?;
            return Ok(Count::Exactly(total.unwrap_or(0)));
        }
        if let Some(text) = filter.text
            && filter.within.is_none()
            && filter.expiring_before.is_none()
            && indexed(conn, text)
        {
            return count_in_search_index(conn, workspace, text);
        }
        let rows: Vec<CredentialId> = Self::filtered(conn, workspace, filter, false)
            .select(smtp_credentials::id)
            .limit(COUNT_CAP + 1)
            .load(conn)?;
        Ok(match rows.len() as i64 {
            n if n > COUNT_CAP => Count::MoreThan(COUNT_CAP),
            n => Count::Exactly(n),
        })
    }

    /// Up to `limit` credentials from `anchor` on, in scan order (see
    /// [`crate::db::keyset::Page::from_scan`]), each with the workspace's
    /// total from its counter, read in the same statement (an uncorrelated
    /// subquery, run once): an unfiltered list needs no second trip for
    /// its count. `counted` is what [`SmtpCredential::count`] found for the
    /// same filters, if asked.
    #[allow(clippy::too_many_arguments)]
    pub fn page(
        conn: &mut DbConn,
        workspace: &WorkspaceId,
        filter: &Filter<'_>,
        sort: SortKey,
        dir: Direction,
        anchor: &Anchor<CredentialId>,
        limit: i64,
        counted: Option<Count>,
    ) -> QueryResult<Vec<(SmtpCredential, Option<i64>)>> {
        let common = matches!(counted, Some(Count::MoreThan(_)));
        let base = Self::filtered(conn, workspace, filter, common);
        let id = smtp_credentials::id;
        let total = credential_counts::table
            .find(workspace)
            .select(credential_counts::credentials)
            .single_value();
        match sort {
            SortKey::CreatedAt => {
                keyset!(base, smtp_credentials::created_at, id, dir, anchor, limit)
                    .select((SmtpCredential::as_select(), total))
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
            .select((SmtpCredential::as_select(), total))
            .load(conn),
        }
    }

    /// The count [`SmtpCredential::count`] gives for an unfiltered list,
    /// taken from a page [`SmtpCredential::page`] read; `None` when the page
    /// holds no row to tell it.
    pub fn total_of(filter: &Filter<'_>, page: &[(SmtpCredential, Option<i64>)]) -> Option<Count> {
        match page.first() {
            Some((_, Some(total))) if filter.is_none() => Some(Count::Exactly(*total)),
            _ => None,
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

/// Whether SQLite's trigram index answers this filter (PostgreSQL's
/// planner picks its own indexes).
fn indexed(conn: &DbConn, filter: &str) -> bool {
    matches!(conn, DbConn::Sqlite(_)) && filter.chars().count() >= TRIGRAM
}

/// The FTS5 query for a substring: a phrase of its trigrams, which matches
/// exactly where the text occurs, in any case.
fn phrase(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

#[derive(QueryableByName)]
struct Counted {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// [`SmtpCredential::count`] on SQLite for an indexed filter: the index's
/// matches drive the join and the count stops past [`COUNT_CAP`], however
/// many rows contain the text.
fn count_in_search_index(
    conn: &mut DbConn,
    workspace: &WorkspaceId,
    text: &str,
) -> QueryResult<Count> {
    let counted: Counted = diesel::sql_query(
        "SELECT count(*) AS n FROM (SELECT 1 FROM smtp_credential_search \
         JOIN smtp_credentials ON smtp_credentials.id = smtp_credential_search.credential_id \
         WHERE smtp_credential_search MATCH ? AND smtp_credentials.workspace_id = ? LIMIT ?)",
    )
    .bind::<Text, _>(phrase(text))
    .bind::<Text, _>(workspace.as_str())
    .bind::<BigInt, _>(COUNT_CAP + 1)
    .get_result(conn)?;
    Ok(match counted.n {
        n if n > COUNT_CAP => Count::MoreThan(COUNT_CAP),
        n => Count::Exactly(n),
    })
}

type Condition = Box<dyn BoxableExpression<smtp_credentials::table, MultiBackend, SqlType = Bool>>;

/// Name or username contains `text`, in any case. [`Probes::Whole`]: as one
/// LIKE pattern each (a scan, or PostgreSQL's trigram indexes for all of
/// the text's trigrams); [`Probes::Windows`]: the indexes are asked for
/// those (`%probe%` each) and the rows they find are checked for the whole
/// text with `strpos`, which the planner cannot turn into index work;
/// [`Probes::Common`]: `strpos` alone, row by row.
fn contains(text: &str, probes: &Probes) -> Condition {
    let probes = match probes {
        Probes::Windows(windows) => windows.as_slice(),
        Probes::Common => &[],
        Probes::Whole => {
            let pattern = like_pattern(text);
            return Box::new(
                lower(smtp_credentials::name)
                    .like(pattern.clone())
                    .escape('\\')
                    .or(lower(smtp_credentials::username).like(pattern).escape('\\')),
            );
        }
    };
    let text = text.to_lowercase();
    macro_rules! holds {
        ($column:expr) => {{
            let mut holds: Condition = Box::new(strpos(lower($column), text.clone()).gt(0));
            for probe in probes {
                holds = Box::new(lower($column).like(like_pattern(probe)).and(holds));
            }
            holds
        }};
    }
    Box::new(holds!(smtp_credentials::name).or(holds!(smtp_credentials::username)))
}

/// Name or username contains `text` (at least [`TRIGRAM`] characters), as
/// SQLite's FTS5 trigram index finds it.
fn in_search_index(text: &str) -> Condition {
    Box::new(
        diesel::dsl::sql::<Bool>(
            "smtp_credentials.id IN (SELECT credential_id FROM smtp_credential_search \
             WHERE smtp_credential_search MATCH ",
        )
        .bind::<Text, _>(phrase(text))
        .sql(")"),
    )
}

/// `%text%`, lower-cased, with LIKE's wildcards escaped.
fn like_pattern(text: &str) -> String {
    format!("%{}%", crate::db::like_escaped(text))
}
