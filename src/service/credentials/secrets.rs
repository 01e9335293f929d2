//! A credential's passwords: rotation with an overlap window, and ending
//! the overlap early. Both run under the workspace's lock (see [`change`]),
//! so concurrent rotations leave one current and at most one previous
//! password on either backend.

use crate::auth::password::Argon2Slots;
use crate::db::Db;
use crate::db::models::{CredentialSecret, SmtpCredential};
use crate::domain::{CredentialId, Overlap, WorkspaceId, now};
use crate::service::audit::Actor;

use super::changes::{change, record};
use super::queries::load;
use super::{CredentialError, CredentialView, WithPassword, generate_password};

/// A credential's passwords valid now: the current one and, during an
/// overlap, the previous one. Neither carries its hash out of the service.
#[derive(Debug, Clone, Default)]
pub struct Secrets {
    pub current: Option<SecretState>,
    pub previous: Option<SecretState>,
}

/// When a password was made, until when it works, and its last use.
#[derive(Debug, Clone)]
pub struct SecretState {
    pub created_at: chrono::NaiveDateTime,
    pub valid_until: Option<chrono::NaiveDateTime>,
    pub last_used_at: Option<chrono::NaiveDateTime>,
    pub last_used_ip: Option<String>,
}

impl From<CredentialSecret> for SecretState {
    fn from(s: CredentialSecret) -> Self {
        Self {
            created_at: s.created_at,
            valid_until: s.valid_until,
            last_used_at: s.last_used_at,
            last_used_ip: s.last_used_ip,
        }
    }
}

/// The passwords of a credential of the workspace, or `NotFound`.
pub async fn secrets(
    db: &Db,
    workspace: &WorkspaceId,
    id: CredentialId,
) -> Result<Secrets, CredentialError> {
    let workspace = workspace.clone();
    db.run(move |conn| {
        load(conn, &workspace, &id)?;
        let mut secrets = Secrets::default();
        for secret in CredentialSecret::valid_of(conn, &id, now())? {
            match secret.valid_until {
                None => secrets.current = Some(secret.into()),
                Some(_) => secrets.previous = Some(secret.into()),
            }
        }
        Ok::<_, CredentialError>(secrets)
    })
    .await
}

/// Gives the credential a new password. With an overlap the old one keeps
/// working until it ends (a password older than that stops now); without,
/// the old one stops at once. The new one is hashed in one of `argon2`'s
/// slots, or the rotation is refused as busy.
pub async fn regenerate(
    db: &Db,
    argon2: &Argon2Slots,
    workspace: &WorkspaceId,
    id: CredentialId,
    overlap: Overlap,
    actor: Actor,
) -> Result<WithPassword, CredentialError> {
    let password = generate_password();
    let hash = argon2.hash(password.clone()).await?;
    let view = change(db, workspace, id, move |conn, credential| {
        let at = now();
        let new = CredentialSecret::new(&credential.id, &hash, at);
        CredentialSecret::rotate(conn, &new, overlap.until(at))?;
        SmtpCredential::touch(conn, &credential.id, at)?;
        let details = match overlap {
            Overlap::NONE => "old password revoked".to_owned(),
            _ => format!("old password valid for {}", overlap.label()),
        };
        record(
            conn,
            credential,
            &actor,
            "smtp_credential.regenerated",
            &details,
        )?;
        Ok(())
    })
    .await?;
    Ok(WithPassword {
        credential: view,
        password,
    })
}

/// Ends the previous password's overlap now (logged when there was one).
pub async fn revoke_previous(
    db: &Db,
    workspace: &WorkspaceId,
    id: CredentialId,
    actor: Actor,
) -> Result<CredentialView, CredentialError> {
    change(db, workspace, id, move |conn, credential| {
        if CredentialSecret::revoke_previous(conn, &credential.id)? > 0 {
            SmtpCredential::touch(conn, &credential.id, now())?;
            record(
                conn,
                credential,
                &actor,
                "smtp_credential.previous_password_revoked",
                "",
            )?;
        }
        Ok(())
    })
    .await
}
