//! When and from where each SMTP credential, and each of its passwords,
//! last authenticated.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::models::CredentialSecret;
use crate::db::schema::smtp_credentials;
use crate::db::{Db, DbError};
use crate::domain::{CredentialId, SecretId};

/// Records that the credential authenticated with `secret` at `at` from
/// `ip`, unless it was recorded after `stale` already: other instances
/// write too, and the condition keeps it to one write per interval overall.
pub async fn record(
    db: &Db,
    id: &CredentialId,
    secret: &SecretId,
    ip: String,
    at: NaiveDateTime,
    stale: NaiveDateTime,
) -> Result<(), DbError> {
    let (id, secret) = (id.clone(), secret.clone());
    db.query(move |conn| {
        CredentialSecret::record_use(conn, &secret, &ip, at, stale)?;
        diesel::update(
            smtp_credentials::table.find(&id).filter(
                smtp_credentials::last_used_at
                    .is_null()
                    .or(smtp_credentials::last_used_at.lt(stale)),
            ),
        )
        .set((
            smtp_credentials::last_used_at.eq(at),
            smtp_credentials::last_used_ip.eq(ip),
        ))
        .execute(conn)
    })
    .await
    .map(|_| ())
}
