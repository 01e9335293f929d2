//! The `credential_secrets` table: a credential's passwords, as argon2id
//! hashes. The current one has no `valid_until`; after a rotation with an
//! overlap the previous one keeps working until its `valid_until`. Every
//! change of them runs under the workspace's lock (see the credentials
//! service), so a credential never holds more than one of each.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::credential_secrets;
use crate::domain::{CredentialId, SecretId};

/// One password of a credential. `Debug` leaves the hash out.
#[derive(Clone, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = credential_secrets)]
pub struct CredentialSecret {
    pub id: SecretId,
    pub credential_id: CredentialId,
    pub password_hash: String,
    pub created_at: NaiveDateTime,
    /// `None` for the current password.
    pub valid_until: Option<NaiveDateTime>,
    pub last_used_at: Option<NaiveDateTime>,
    pub last_used_ip: Option<String>,
}

impl std::fmt::Debug for CredentialSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialSecret")
            .field("id", &self.id)
            .field("credential_id", &self.credential_id)
            .field("valid_until", &self.valid_until)
            .finish_non_exhaustive()
    }
}

impl CredentialSecret {
    /// A new current secret of `credential`, created `at`.
    pub fn new(credential_id: &CredentialId, password_hash: &str, at: NaiveDateTime) -> Self {
        Self {
            id: SecretId::generate(),
            credential_id: credential_id.clone(),
            password_hash: password_hash.to_owned(),
            created_at: at,
            valid_until: None,
            last_used_at: None,
            last_used_ip: None,
        }
    }

    /// Whether it authenticates at `now`.
    pub fn is_valid_at(&self, now: NaiveDateTime) -> bool {
        self.valid_until.is_none_or(|until| until > now)
    }

    pub fn insert(conn: &mut DbConn, secret: &CredentialSecret) -> QueryResult<()> {
        diesel::insert_into(credential_secrets::table)
            .values(secret)
            .execute(conn)
            .map(|_| ())
    }

    /// The credential's secrets that authenticate at `now`: the current one
    /// first, then the previous one while its overlap lasts.
    pub fn valid_of(
        conn: &mut DbConn,
        credential: &CredentialId,
        now: NaiveDateTime,
    ) -> QueryResult<Vec<CredentialSecret>> {
        let mut secrets: Vec<CredentialSecret> = credential_secrets::table
            .filter(credential_secrets::credential_id.eq(credential))
            .filter(
                credential_secrets::valid_until
                    .is_null()
                    .or(credential_secrets::valid_until.gt(now)),
            )
            .select(CredentialSecret::as_select())
            .load(conn)?;
        Self::current_first(&mut secrets);
        Ok(secrets)
    }

    /// Orders a credential's secrets with the current one first.
    pub fn current_first(secrets: &mut [CredentialSecret]) {
        secrets.sort_by_key(|s| std::cmp::Reverse(s.valid_until.is_none()));
    }

    /// Makes `new` the credential's current secret. The current one stays
    /// valid until `overlap_until` (and any older one goes), or goes too
    /// when there is no overlap.
    pub fn rotate(
        conn: &mut DbConn,
        new: &CredentialSecret,
        overlap_until: Option<NaiveDateTime>,
    ) -> QueryResult<()> {
        let of_credential = credential_secrets::credential_id.eq(&new.credential_id);
        diesel::delete(
            credential_secrets::table
                .filter(of_credential)
                .filter(credential_secrets::valid_until.is_not_null()),
        )
        .execute(conn)?;
        match overlap_until {
            Some(until) => diesel::update(
                credential_secrets::table
                    .filter(of_credential)
                    .filter(credential_secrets::valid_until.is_null()),
            )
            .set(credential_secrets::valid_until.eq(until))
            .execute(conn)?,
            None => {
                diesel::delete(credential_secrets::table.filter(of_credential)).execute(conn)?
            }
        };
        Self::insert(conn, new)
    }

    /// Ends the previous secret's overlap now; how many went (0 or 1).
    pub fn revoke_previous(conn: &mut DbConn, credential: &CredentialId) -> QueryResult<usize> {
        diesel::delete(
            credential_secrets::table
                .filter(credential_secrets::credential_id.eq(credential))
                .filter(credential_secrets::valid_until.is_not_null()),
        )
        .execute(conn)
    }

    /// Records that this secret authenticated at `at` from `ip`, unless it
    /// was recorded after `stale` already.
    pub fn record_use(
        conn: &mut DbConn,
        id: &SecretId,
        ip: &str,
        at: NaiveDateTime,
        stale: NaiveDateTime,
    ) -> QueryResult<usize> {
        diesel::update(
            credential_secrets::table.find(id).filter(
                credential_secrets::last_used_at
                    .is_null()
                    .or(credential_secrets::last_used_at.lt(stale)),
            ),
        )
        .set((
            credential_secrets::last_used_at.eq(at),
            credential_secrets::last_used_ip.eq(ip),
        ))
        .execute(conn)
    }
}
