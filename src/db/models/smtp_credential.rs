//! The `smtp_credentials` table: the row, its insert and change forms, and
//! its queries. The passwords live in `credential_secrets`
//! ([`super::credential_secret`]) as argon2id hashes.

mod listing;
mod rarity;
mod view;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::credential_secret::CredentialSecret;
use crate::db::DbConn;
use crate::db::schema::{
    credential_secrets, domains, lower, smtp_credential_domains, smtp_credentials,
};
use crate::db::timestamps::{MaybeStamp, Stamp};
use crate::domain::{CredentialId, DomainId, SendingScope, UserId, WorkspaceId, now};

pub use listing::{COUNT_CAP, Count, Filter, NEVER, SortKey, TRIGRAM};
pub use rarity::{Probes, Rarity};
pub use view::{CredentialDomain, CredentialView};

/// An SMTP username/password pair, as the dashboard and the API show it.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = smtp_credentials)]
pub struct SmtpCredential {
    pub id: CredentialId,
    pub workspace_id: WorkspaceId,
    pub name: String,
    pub username: String,
    pub description: String,
    /// Sandbox mail is captured and shown in the dashboard, never relayed.
    pub sandbox: bool,
    pub scope: SendingScope,
    pub active: bool,
    #[diesel(deserialize_as = Stamp)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = Stamp)]
    pub updated_at: NaiveDateTime,
    #[diesel(deserialize_as = MaybeStamp)]
    pub last_used_at: Option<NaiveDateTime>,
    pub last_used_ip: Option<String>,
    pub created_by: Option<UserId>,
    #[diesel(embed)]
    pub policies: Policies,
}

/// What a credential may do, as stored: checked on every AUTH and MAIL FROM.
#[derive(Debug, Clone, Default, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = smtp_credentials, treat_none_as_null = true)]
pub struct Policies {
    /// AUTH fails from this time on.
    #[diesel(deserialize_as = MaybeStamp)]
    pub expires_at: Option<NaiveDateTime>,
    /// Normalised CIDRs, one per line; empty for any address.
    pub allowed_ips: String,
    /// Lower-cased sender patterns, one per line; empty for any sender.
    pub allowed_senders: String,
    pub max_per_minute: Option<i32>,
    pub max_per_hour: Option<i32>,
    pub max_per_day: Option<i32>,
    pub max_recipients: Option<i32>,
}

impl Policies {
    /// Whether the credential no longer authenticates at `now`.
    pub fn is_expired_at(&self, now: NaiveDateTime) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
    }
}

/// A credential to insert. [`NewSmtpCredential::new`] fills in what a new
/// credential starts with; change the rest with struct update syntax.
#[derive(Clone, Insertable)]
#[diesel(table_name = smtp_credentials)]
pub struct NewSmtpCredential {
    pub id: CredentialId,
    pub workspace_id: WorkspaceId,
    pub name: String,
    pub username: String,
    pub description: String,
    pub sandbox: bool,
    pub scope: SendingScope,
    pub active: bool,
    /// Stored as the credential's first secret.
    #[diesel(skip_insertion)]
    pub password_hash: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub last_used_ip: Option<String>,
    pub created_by: Option<UserId>,
    #[diesel(embed)]
    pub policies: Policies,
}

impl NewSmtpCredential {
    /// An active, global production credential created now, never used.
    pub fn new(workspace_id: WorkspaceId, name: &str, username: &str, password_hash: &str) -> Self {
        let at = now();
        Self {
            id: CredentialId::generate(),
            workspace_id,
            name: name.to_owned(),
            username: username.to_owned(),
            description: String::new(),
            sandbox: false,
            scope: SendingScope::Global,
            active: true,
            password_hash: password_hash.to_owned(),
            created_at: at,
            updated_at: at,
            last_used_at: None,
            last_used_ip: None,
            created_by: None,
            policies: Policies::default(),
        }
    }
}

/// The editable fields of a credential.
#[derive(Debug, AsChangeset)]
#[diesel(table_name = smtp_credentials)]
pub struct CredentialChanges<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub sandbox: bool,
    pub scope: SendingScope,
    pub updated_at: NaiveDateTime,
}

/// What SMTP AUTH needs of a credential: no more columns than that, since
/// it is read on every login (its secrets are read beside it).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = smtp_credentials)]
pub struct CredentialForAuth {
    pub id: CredentialId,
    pub workspace_id: WorkspaceId,
    pub username: String,
    pub sandbox: bool,
    pub scope: SendingScope,
    pub active: bool,
    #[diesel(embed)]
    pub policies: Policies,
    /// Bumped (by triggers) by every write that changes what AUTH decides:
    /// this row's fields but its last use, its secrets, its scope domains.
    pub auth_version: i64,
}

impl SmtpCredential {
    /// Inserts `new` with its password as the current secret, and reads
    /// the row back.
    pub fn insert(conn: &mut DbConn, new: &NewSmtpCredential) -> QueryResult<SmtpCredential> {
        diesel::insert_into(smtp_credentials::table)
            .values(new)
            .execute(conn)?;
        CredentialSecret::insert(
            conn,
            &CredentialSecret::new(&new.id, &new.password_hash, new.updated_at),
        )?;
        smtp_credentials::table
            .find(&new.id)
            .select(SmtpCredential::as_select())
            .first(conn)
    }

    /// The credential with this id, if it belongs to `workspace`.
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

    /// The id and [`CredentialForAuth::auth_version`] of the credential
    /// with this username (any case): what a login reads to know whether
    /// what it remembers of the credential is still what is stored.
    pub fn auth_version_by_username(
        conn: &mut DbConn,
        username: &str,
    ) -> QueryResult<Option<(CredentialId, i64)>> {
        smtp_credentials::table
            .filter(lower(smtp_credentials::username).eq(username.to_lowercase()))
            .select((smtp_credentials::id, smtp_credentials::auth_version))
            // No LIMIT (the username is unique): diesel prepares a query
            // with a LIMIT anew each time on SQLite.
            .load(conn)
            .map(|rows| rows.into_iter().next())
    }

    /// Like [`Self::auth_version_by_username`], by id.
    pub fn auth_version_of(conn: &mut DbConn, id: &CredentialId) -> QueryResult<Option<i64>> {
        smtp_credentials::table
            .find(id)
            .select(smtp_credentials::auth_version)
            .load(conn)
            .map(|rows| rows.into_iter().next())
    }

    /// The AUTH view of the credential with this username (any case), with
    /// all its secrets, current first (whether each is still valid depends
    /// on the time it is asked at): one statement, its text fixed so the
    /// prepared statement is reused.
    pub fn for_auth_by_username(
        conn: &mut DbConn,
        username: &str,
    ) -> QueryResult<Option<(CredentialForAuth, Vec<CredentialSecret>)>> {
        let rows = smtp_credentials::table
            .left_join(credential_secrets::table)
            .filter(lower(smtp_credentials::username).eq(username.to_lowercase()))
            .select((
                CredentialForAuth::as_select(),
                Option::<CredentialSecret>::as_select(),
            ))
            .load(conn)?;
        Ok(with_secrets(rows))
    }

    /// The AUTH view of a credential by id, like
    /// [`Self::for_auth_by_username`].
    pub fn for_auth_by_id(
        conn: &mut DbConn,
        id: &CredentialId,
    ) -> QueryResult<Option<(CredentialForAuth, Vec<CredentialSecret>)>> {
        let rows = smtp_credentials::table
            .left_join(credential_secrets::table)
            .filter(smtp_credentials::id.eq(id))
            .select((
                CredentialForAuth::as_select(),
                Option::<CredentialSecret>::as_select(),
            ))
            .load(conn)?;
        Ok(with_secrets(rows))
    }

    /// Writes the editable fields.
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

    /// Activates or deactivates the credential.
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

    /// Writes the policies.
    pub fn set_policies(
        conn: &mut DbConn,
        id: &CredentialId,
        policies: &Policies,
        now: NaiveDateTime,
    ) -> QueryResult<()> {
        diesel::update(smtp_credentials::table.find(id))
            .set((policies, smtp_credentials::updated_at.eq(now)))
            .execute(conn)
            .map(|_| ())
    }

    /// Marks the credential changed (its secrets changed).
    pub fn touch(conn: &mut DbConn, id: &CredentialId, now: NaiveDateTime) -> QueryResult<()> {
        diesel::update(smtp_credentials::table.find(id))
            .set(smtp_credentials::updated_at.eq(now))
            .execute(conn)
            .map(|_| ())
    }

    /// Deletes the credential (its domains go with it); how many rows went.
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

    /// (credential id, domain id, domain name) for each domain of the given
    /// credentials, by domain name.
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
}

/// One credential's rows of a join with its secrets, as the credential and
/// its secrets, the current one first.
fn with_secrets(
    rows: Vec<(CredentialForAuth, Option<CredentialSecret>)>,
) -> Option<(CredentialForAuth, Vec<CredentialSecret>)> {
    let mut secrets: Vec<CredentialSecret> = Vec::with_capacity(rows.len());
    let mut credential = None;
    for (row, secret) in rows {
        let credential = credential.get_or_insert(row);
        secrets.extend(secret.filter(|s| s.credential_id == credential.id));
    }
    CredentialSecret::current_first(&mut secrets);
    credential.map(|c| (c, secrets))
}
