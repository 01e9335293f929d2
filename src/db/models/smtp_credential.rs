use std::fmt;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{coalesce, domains, lower, smtp_credential_domains, smtp_credentials};
use crate::db::{DbConn, MultiBackend};
use crate::domain::{CredentialId, DomainId, UserId, WorkspaceId};

/// An SMTP username/password pair. The password exists only as an argon2id
/// hash; `Debug` leaves even that out.
#[derive(Clone, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = smtp_credentials)]
pub struct SmtpCredential {
    pub id: CredentialId,
    pub workspace_id: WorkspaceId,
    pub name: String,
    pub username: String,
    pub description: String,
    /// Sandbox mail is captured and shown in the dashboard, never relayed.
    pub sandbox: bool,
    /// `global` (any domain) or `scoped` (only its domains).
    pub scope: String,
    pub active: bool,
    pub password_hash: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub last_used_ip: Option<String>,
    pub created_by: Option<UserId>,
}

impl fmt::Debug for SmtpCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpCredential")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("active", &self.active)
            .finish_non_exhaustive()
    }
}

/// What SMTP AUTH needs of a credential: no more columns than that, since
/// it is read on every login.
#[derive(Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = smtp_credentials)]
pub struct CredentialForAuth {
    pub id: CredentialId,
    pub workspace_id: WorkspaceId,
    pub username: String,
    pub sandbox: bool,
    pub scope: String,
    pub active: bool,
    pub password_hash: String,
}

/// The editable fields of a credential.
#[derive(Debug, AsChangeset)]
#[diesel(table_name = smtp_credentials)]
pub struct CredentialChanges<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub sandbox: bool,
    pub scope: &'a str,
    pub updated_at: NaiveDateTime,
}

/// The column a credential list is ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    CreatedAt,
    /// Never-used credentials sort as the oldest.
    LastUsedAt,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Asc,
    Desc,
}

/// A position in a sorted list: the sort value and id of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub at: NaiveDateTime,
    pub id: CredentialId,
}

/// Which page of a sorted list to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Anchor {
    First,
    After(Cursor),
    Before(Cursor),
}

/// "Never used" sorts as this time.
pub const NEVER: NaiveDateTime = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH.naive_utc();

/// [`NEVER`] written into the SQL text (not bound), so that the expression
/// matches the `smtp_credentials_last_used_sort_idx` index on both backends.
fn never_literal() -> diesel::expression::SqlLiteral<diesel::sql_types::Timestamp> {
    diesel::dsl::sql("'1970-01-01 00:00:00'")
}

type Boxed<'a> = smtp_credentials::BoxedQuery<'a, MultiBackend>;

/// Reads up to `limit` rows from `anchor` on, in display order. The macro
/// exists because the two sort keys are different diesel expression types.
macro_rules! keyset {
    ($query:expr, $key:expr, $dir:expr, $anchor:expr, $limit:expr) => {{
        use smtp_credentials::id;
        let mut query = $query;
        let (descending, cursor) = match $anchor {
            Anchor::First => ($dir == Direction::Desc, None),
            Anchor::After(c) => ($dir == Direction::Desc, Some(c)),
            // Reading backwards: scan the other way, the caller reverses.
            Anchor::Before(c) => ($dir == Direction::Asc, Some(c)),
        };
        if let Some(c) = cursor {
            query = if descending {
                query.filter($key.lt(c.at).or($key.eq(c.at).and(id.lt(c.id.clone()))))
            } else {
                query.filter($key.gt(c.at).or($key.eq(c.at).and(id.gt(c.id.clone()))))
            };
        }
        query = if descending {
            query.order(($key.desc(), id.desc()))
        } else {
            query.order(($key.asc(), id.asc()))
        };
        query.limit($limit)
    }};
}

impl SmtpCredential {
    pub fn insert(conn: &mut DbConn, credential: &SmtpCredential) -> QueryResult<()> {
        diesel::insert_into(smtp_credentials::table)
            .values(credential)
            .execute(conn)
            .map(|_| ())
    }

    pub fn find_in_workspace(
        conn: &mut DbConn,
        workspace: &WorkspaceId,
        id: &CredentialId,
    ) -> QueryResult<Option<SmtpCredential>> {
        smtp_credentials::table
            .filter(smtp_credentials::workspace_id.eq(workspace))
            .filter(smtp_credentials::id.eq(id))
            .select(SmtpCredential::as_select())
            .first(conn)
            .optional()
    }

    /// The credential with this username, compared without regard to case.
    pub fn find_by_username(
        conn: &mut DbConn,
        username: &str,
    ) -> QueryResult<Option<SmtpCredential>> {
        smtp_credentials::table
            .filter(lower(smtp_credentials::username).eq(username.to_lowercase()))
            .select(SmtpCredential::as_select())
            .first(conn)
            .optional()
    }

    /// The AUTH view of the credential with this username (any case). Fixed
    /// SQL text, so the prepared statement is reused on every login.
    pub fn for_auth_by_username(
        conn: &mut DbConn,
        username: &str,
    ) -> QueryResult<Option<CredentialForAuth>> {
        diesel::sql_query(
            "SELECT id, workspace_id, username, sandbox, scope, active, password_hash \
             FROM smtp_credentials WHERE lower(username) = $1 LIMIT 1",
        )
        .bind::<diesel::sql_types::Text, _>(username.to_lowercase())
        .get_result(conn)
        .optional()
    }

    /// The AUTH view of a credential, by id (to re-check it mid-session).
    pub fn for_auth_by_id(
        conn: &mut DbConn,
        id: &CredentialId,
    ) -> QueryResult<Option<CredentialForAuth>> {
        smtp_credentials::table
            .find(id)
            .select(CredentialForAuth::as_select())
            .first(conn)
            .optional()
    }

    pub fn update(
        conn: &mut DbConn,
        id: &CredentialId,
        changes: &CredentialChanges<'_>,
    ) -> QueryResult<()> {
        diesel::update(smtp_credentials::table.find(id))
            .set(changes)
            .execute(conn)
            .map(|_| ())
    }

    pub fn set_active(
        conn: &mut DbConn,
        id: &CredentialId,
        active: bool,
        now: NaiveDateTime,
    ) -> QueryResult<()> {
        diesel::update(smtp_credentials::table.find(id))
            .set((
                smtp_credentials::active.eq(active),
                smtp_credentials::updated_at.eq(now),
            ))
            .execute(conn)
            .map(|_| ())
    }

    pub fn set_password_hash(
        conn: &mut DbConn,
        id: &CredentialId,
        hash: &str,
        now: NaiveDateTime,
    ) -> QueryResult<()> {
        diesel::update(smtp_credentials::table.find(id))
            .set((
                smtp_credentials::password_hash.eq(hash),
                smtp_credentials::updated_at.eq(now),
            ))
            .execute(conn)
            .map(|_| ())
    }

    pub fn delete(conn: &mut DbConn, id: &CredentialId) -> QueryResult<usize> {
        diesel::delete(smtp_credentials::table.find(id)).execute(conn)
    }

    /// Replaces the credential's domains.
    pub fn set_domains(
        conn: &mut DbConn,
        id: &CredentialId,
        domain_ids: &[DomainId],
    ) -> QueryResult<()> {
        diesel::delete(
            smtp_credential_domains::table.filter(smtp_credential_domains::credential_id.eq(id)),
        )
        .execute(conn)?;
        // One row at a time: the multi-backend connection has no batch insert.
        for domain_id in domain_ids {
            diesel::insert_into(smtp_credential_domains::table)
                .values((
                    smtp_credential_domains::credential_id.eq(id),
                    smtp_credential_domains::domain_id.eq(domain_id),
                ))
                .execute(conn)?;
        }
        Ok(())
    }

    /// (credential id, domain id, domain name) for each domain of the given credentials.
    pub fn domains_of(
        conn: &mut DbConn,
        ids: &[CredentialId],
    ) -> QueryResult<Vec<(CredentialId, DomainId, String)>> {
        smtp_credential_domains::table
            .inner_join(domains::table)
            .filter(smtp_credential_domains::credential_id.eq_any(ids))
            .order(domains::name.asc())
            .select((
                smtp_credential_domains::credential_id,
                domains::id,
                domains::name,
            ))
            .load(conn)
    }

    /// The workspace's credentials, optionally only those whose name or
    /// username contains `filter` (any case), and only scoped credentials
    /// none of whose domains lies outside `within` (domain names).
    fn filtered<'a>(
        workspace: &'a WorkspaceId,
        filter: Option<&str>,
        within: Option<&[String]>,
    ) -> Boxed<'a> {
        let mut query = smtp_credentials::table
            .filter(smtp_credentials::workspace_id.eq(workspace))
            .into_boxed();
        if let Some(names) = within {
            let outside = smtp_credential_domains::table
                .inner_join(domains::table)
                .filter(smtp_credential_domains::credential_id.eq(smtp_credentials::id))
                .filter(domains::name.ne_all(names.to_vec()))
                .select(smtp_credential_domains::credential_id);
            query = query
                .filter(smtp_credentials::scope.eq("scoped"))
                .filter(diesel::dsl::not(diesel::dsl::exists(outside)));
        }
        if let Some(filter) = filter {
            let pattern = like_pattern(filter);
            query = query.filter(
                lower(smtp_credentials::name)
                    .like(pattern.clone())
                    .escape('\\')
                    .or(lower(smtp_credentials::username).like(pattern).escape('\\')),
            );
        }
        query
    }

    pub fn count(
        conn: &mut DbConn,
        workspace: &WorkspaceId,
        filter: Option<&str>,
        within: Option<&[String]>,
    ) -> QueryResult<i64> {
        Self::filtered(workspace, filter, within)
            .count()
            .get_result(conn)
    }

    /// Up to `limit` credentials from `anchor` on, in display order.
    #[allow(clippy::too_many_arguments)]
    pub fn page(
        conn: &mut DbConn,
        workspace: &WorkspaceId,
        filter: Option<&str>,
        within: Option<&[String]>,
        sort: SortKey,
        dir: Direction,
        anchor: &Anchor,
        limit: i64,
    ) -> QueryResult<Vec<SmtpCredential>> {
        let base = Self::filtered(workspace, filter, within);
        let mut rows: Vec<SmtpCredential> = match sort {
            SortKey::CreatedAt => keyset!(base, smtp_credentials::created_at, dir, anchor, limit)
                .select(SmtpCredential::as_select())
                .load(conn)?,
            SortKey::LastUsedAt => keyset!(
                base,
                coalesce(smtp_credentials::last_used_at, never_literal()),
                dir,
                anchor,
                limit
            )
            .select(SmtpCredential::as_select())
            .load(conn)?,
        };
        if matches!(anchor, Anchor::Before(_)) {
            rows.reverse();
        }
        Ok(rows)
    }

    /// The value this credential has for `sort` (for cursors).
    pub fn sort_value(&self, sort: SortKey) -> NaiveDateTime {
        match sort {
            SortKey::CreatedAt => self.created_at,
            SortKey::LastUsedAt => self.last_used_at.unwrap_or(NEVER),
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
