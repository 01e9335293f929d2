//! The `smtp_credentials` table: the row, its insert and change forms, and
//! its queries. The password exists only as an argon2id hash, which the row
//! leaves out: only [`CredentialForAuth`] (SMTP AUTH) reads it.

mod listing;
mod view;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{domains, lower, smtp_credential_domains, smtp_credentials};
use crate::domain::{CredentialId, DomainId, SendingScope, UserId, WorkspaceId, now};

pub use listing::{COUNT_CAP, Count, NEVER, SortKey, TRIGRAM};
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
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub last_used_ip: Option<String>,
    pub created_by: Option<UserId>,
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
    pub password_hash: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub last_used_ip: Option<String>,
    pub created_by: Option<UserId>,
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
/// it is read on every login. `Debug` leaves the hash out.
#[derive(Clone, Queryable, Selectable)]
#[diesel(table_name = smtp_credentials)]
pub struct CredentialForAuth {
    pub id: CredentialId,
    pub workspace_id: WorkspaceId,
    pub username: String,
    pub sandbox: bool,
    pub scope: SendingScope,
    pub active: bool,
    pub password_hash: String,
}

impl SmtpCredential {
    /// Inserts `new` and reads the row back.
    pub fn insert(conn: &mut DbConn, new: &NewSmtpCredential) -> QueryResult<SmtpCredential> {
        diesel::insert_into(smtp_credentials::table)
            .values(new)
            .execute(conn)?;
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

    /// The AUTH view of the credential with this username (any case). The
    /// query is not boxed, so its prepared statement is reused.
    pub fn for_auth_by_username(
        conn: &mut DbConn,
        username: &str,
    ) -> QueryResult<Option<CredentialForAuth>> {
        smtp_credentials::table
            .filter(lower(smtp_credentials::username).eq(username.to_lowercase()))
            .select(CredentialForAuth::as_select())
            .first(conn)
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

    /// Replaces the password's hash.
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
