//! Checking an SMTP username and password, fast and revocable at once.
//!
//! The credential row is read on every AUTH, so a deactivated, regenerated
//! or deleted credential fails the very next attempt on every instance.
//! argon2id costs tens of milliseconds, so a verified login is remembered
//! under a keyed hash (HMAC-SHA256 with the server secret) of the credential
//! id, its stored password hash and the presented password: a repeat login
//! skips argon2 only while all three are unchanged. argon2 runs in the
//! process's shared [`Argon2Slots`] (one verify per core at a time, with the
//! dashboard's), so a burst of new logins never delays other connections'
//! replies nor grows memory.

use crate::auth::password::Argon2Slots;
use crate::db::models::SmtpCredential;
use crate::db::models::smtp_credential::CredentialForAuth;
use crate::db::{Db, DbError};
use crate::domain::policy::Policies;
use crate::domain::{CredentialId, SendingScope, Username, WorkspaceId};
use hmac::{KeyInit, Mac};
use sha2::Sha256;

/// A credential that passed AUTH, with what MAIL FROM and DATA need.
#[derive(Debug, Clone)]
pub struct AuthenticatedCredential {
    pub id: CredentialId,
    pub workspace_id: WorkspaceId,
    pub username: String,
    pub sandbox: bool,
    /// `None` for a global credential; else the domains it may send from.
    pub domains: Option<Vec<String>>,
    /// To notice a regeneration during a session.
    pub password_hash: String,
    /// Read with the credential on every AUTH and MAIL, never cached.
    pub policies: std::sync::Arc<Policies>,
}

pub struct SmtpLoginVerifier {
    db: Db,
    key: [u8; 32],
    verified: quick_cache::sync::Cache<[u8; 32], ()>,
    argon2: Argon2Slots,
}

/// Verified logins remembered at most (about 100 bytes each).
const CACHE_ENTRIES: usize = 100_000;

impl SmtpLoginVerifier {
    /// `secret` is the server secret; the cache key is derived from it.
    pub fn new(db: Db, secret: &[u8], argon2: Argon2Slots) -> Self {
        let mut mac = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(secret)
            .expect("HMAC takes any key length");
        mac.update(b"postern smtp login cache v1");
        Self {
            db,
            key: mac.finalize().into_bytes().into(),
            verified: quick_cache::sync::Cache::new(CACHE_ENTRIES),
            argon2,
        }
    }

    fn cache_key(&self, credential: &CredentialForAuth, password: &str) -> [u8; 32] {
        let mut mac =
            <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(&self.key).expect("32-byte key");
        for part in [
            credential.id.as_str().as_bytes(),
            credential.password_hash.as_bytes(),
            password.as_bytes(),
        ] {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }

    /// `Ok(None)` for an unknown username, a wrong password or an inactive
    /// credential alike; `Err` only when the database cannot be reached.
    /// A username no credential can have (see [`Username`]: a NUL, a line
    /// break, the wrong length) is unknown without a database read, which
    /// PostgreSQL would refuse; it still costs one argon2 verify, so the
    /// time taken does not tell it apart.
    pub async fn verify(
        &self,
        username: &str,
        password: &str,
    ) -> Result<Option<AuthenticatedCredential>, DbError> {
        if Username::parse(username).is_err() {
            self.argon2(password.to_owned(), None).await;
            return Ok(None);
        }
        let name = username.to_owned();
        let row = self
            .db
            .read(move |conn| SmtpCredential::for_auth_by_username(conn, &name))
            .await?;
        let Some(credential) = row else {
            self.argon2(password.to_owned(), None).await;
            return Ok(None);
        };
        let key = self.cache_key(&credential, password);
        let cached = self.verified.get(&key).is_some();
        let matches = cached
            || self
                .argon2(password.to_owned(), Some(credential.password_hash.clone()))
                .await;
        if !matches || !credential.active {
            return Ok(None);
        }
        if !cached {
            self.verified.insert(key, ());
        }
        let domains = self.scope_domains(&credential).await?;
        Ok(Some(AuthenticatedCredential {
            id: credential.id,
            workspace_id: credential.workspace_id,
            username: credential.username,
            sandbox: credential.sandbox,
            domains,
            password_hash: credential.password_hash,
            policies: Default::default(),
        }))
    }

    /// Re-reads a credential mid-session: `None` once it has been deleted,
    /// deactivated or regenerated since it authenticated.
    pub async fn recheck(
        &self,
        login: &AuthenticatedCredential,
    ) -> Result<Option<AuthenticatedCredential>, DbError> {
        let id = login.id.clone();
        let row = self
            .db
            .read(move |conn| SmtpCredential::for_auth_by_id(conn, &id))
            .await?;
        let Some(credential) = row.filter(|c| {
            c.active
                && c.password_hash == login.password_hash
                && c.workspace_id == login.workspace_id
        }) else {
            return Ok(None);
        };
        let domains = self.scope_domains(&credential).await?;
        Ok(Some(AuthenticatedCredential {
            sandbox: credential.sandbox,
            domains,
            ..login.clone()
        }))
    }

    /// The domains a scoped credential may send from; `None` when global.
    async fn scope_domains(
        &self,
        credential: &CredentialForAuth,
    ) -> Result<Option<Vec<String>>, DbError> {
        if credential.scope != SendingScope::Scoped {
            return Ok(None);
        }
        let id = credential.id.clone();
        let links = self
            .db
            .read(move |conn| SmtpCredential::domains_of(conn, &[id]))
            .await?;
        Ok(Some(links.into_iter().map(|(_, _, name)| name).collect()))
    }

    /// One argon2 verify, waiting for a slot as long as it takes.
    async fn argon2(&self, password: String, phc: Option<String>) -> bool {
        self.argon2.verify_or_dummy_queued(password, phc).await
    }
}
