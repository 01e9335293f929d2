//! Checking an SMTP username and password, fast and revocable at once.
//!
//! Every AUTH asks the database for the credential's `auth_version`, a
//! number that triggers bump in the same statement as every write changing
//! what AUTH decides (the row but its last use, its secrets, its scope
//! domains) — from any instance or tool. What was read of a credential at a
//! version (row, secrets, parsed policies, scope domains) is remembered and
//! used while the stored version is the same, and read again otherwise; so
//! a deactivated, expired, rotated or deleted credential — or a previous
//! password past its overlap, compared with the clock at each login — fails
//! the very next attempt on every instance, as if all were read each time.
//!
//! argon2id costs tens of milliseconds, so a verified login is remembered
//! under a keyed hash (HMAC-SHA256 with the server secret) of the credential
//! id, the secret's id and stored hash, and the presented password: a repeat
//! login skips argon2 only for a secret the database still calls valid.
//! argon2 runs in the process's shared [`Argon2Slots`] (one verify per core
//! at a time, with the dashboard's), so a burst of new logins never delays
//! other connections' replies nor grows memory.

use std::net::IpAddr;
use std::sync::Arc;

use crate::auth::password::Argon2Slots;
use crate::auth::stored_policies;
use crate::db::models::smtp_credential::CredentialForAuth;
use crate::db::models::{CredentialSecret, SmtpCredential};
use crate::db::{Db, DbConn, DbError};
use crate::domain::policy::Policies;
use crate::domain::{CredentialId, SecretId, SendingScope, Username, WorkspaceId, now};
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
    /// The password it authenticated with, to notice mid-session that it
    /// was rotated away or revoked.
    pub secret_id: SecretId,
    /// Read with the credential on every AUTH and MAIL, never cached.
    pub policies: Arc<Policies>,
}

/// Why an AUTH was refused: logged, never told (the client gets the same
/// `535 5.7.8` for each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    UnknownUser,
    WrongPassword,
    Inactive,
    Expired,
    /// The client's address is outside the credential's allowlist.
    AddressNotAllowed,
    /// The stored policies cannot be read (see `stored_policies`).
    UnreadablePolicy,
}

impl Refusal {
    /// The reason as the log writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UnknownUser => "unknown user",
            Self::WrongPassword => "wrong password",
            Self::Inactive => "inactive",
            Self::Expired => "expired",
            Self::AddressNotAllowed => "address not allowed",
            Self::UnreadablePolicy => "unreadable policy",
        }
    }
}

/// The credential's policies, or `None` (logged) when they cannot be read.
fn readable_policies(credential: &CredentialForAuth) -> Option<Policies> {
    stored_policies::parse(&credential.policies)
        .inspect_err(|error| {
            tracing::error!(username = %credential.username, %error, "credential policies unreadable");
        })
        .ok()
}

/// What AUTH read of a credential at one `auth_version`.
struct Known {
    credential: CredentialForAuth,
    /// All its secrets, the current one first; each still has to be valid
    /// at the time of the login.
    secrets: Vec<CredentialSecret>,
    /// `None` when they cannot be read (logged once per version).
    policies: Option<Arc<Policies>>,
    /// `None` for a global credential; else the domains it may send from.
    domains: Option<Vec<String>>,
}

impl Known {
    /// Reads it all: the row and secrets in one statement (which gives the
    /// version), then the scope domains, which are thus at least as new.
    fn read(conn: &mut DbConn, id: &CredentialId) -> diesel::QueryResult<Option<Self>> {
        let Some((credential, secrets)) = SmtpCredential::for_auth_by_id(conn, id)? else {
            return Ok(None);
        };
        let domains = match credential.scope {
            SendingScope::Scoped => Some(
                SmtpCredential::domains_of(conn, std::slice::from_ref(id))?
                    .into_iter()
                    .map(|(_, _, name)| name)
                    .collect(),
            ),
            _ => None,
        };
        let policies = readable_policies(&credential).map(Arc::new);
        Ok(Some(Self {
            credential,
            secrets,
            policies,
            domains,
        }))
    }

    fn valid_secrets(&self, now: chrono::NaiveDateTime) -> impl Iterator<Item = &CredentialSecret> {
        self.secrets.iter().filter(move |s| s.is_valid_at(now))
    }

    fn expired(&self) -> bool {
        self.credential.policies.is_expired_at(now())
    }
}

/// Credentials read by AUTH, by id, each with the version it was read at.
type KnownCredentials = quick_cache::sync::Cache<CredentialId, Arc<Known>>;

/// How a login names its credential.
enum Name {
    Username(String),
    Id(CredentialId),
}

/// The credential as stored now: from `known` when its version is still
/// the stored one (one small read), else read whole and remembered.
fn current(
    conn: &mut DbConn,
    known: &KnownCredentials,
    name: &Name,
) -> diesel::QueryResult<Option<Arc<Known>>> {
    let stored = match name {
        Name::Username(username) => SmtpCredential::auth_version_by_username(conn, username)?,
        Name::Id(id) => SmtpCredential::auth_version_of(conn, id)?.map(|v| (id.clone(), v)),
    };
    let Some((id, version)) = stored else {
        return Ok(None);
    };
    if let Some(hit) = known.get(&id)
        && hit.credential.auth_version == version
    {
        return Ok(Some(hit));
    }
    let Some(read) = Known::read(conn, &id)? else {
        return Ok(None);
    };
    let read = Arc::new(read);
    known.insert(id, read.clone());
    Ok(Some(read))
}

pub struct SmtpLoginVerifier {
    db: Db,
    key: [u8; 32],
    verified: quick_cache::sync::Cache<[u8; 32], ()>,
    known: Arc<KnownCredentials>,
    argon2: Argon2Slots,
}

/// Verified logins remembered at most (about 100 bytes each).
const CACHE_ENTRIES: usize = 100_000;

/// Credentials remembered at most (about 1 KB each).
const KNOWN_ENTRIES: usize = 20_000;

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
            known: Arc::new(quick_cache::sync::Cache::new(KNOWN_ENTRIES)),
            argon2,
        }
    }

    fn cache_key(&self, secret: &CredentialSecret, password: &str) -> [u8; 32] {
        let mut mac =
            <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(&self.key).expect("32-byte key");
        for part in [
            secret.credential_id.as_str().as_bytes(),
            secret.id.as_str().as_bytes(),
            secret.password_hash.as_bytes(),
            password.as_bytes(),
        ] {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }

    /// The credential as stored now (see [`current`]).
    async fn current(&self, name: Name) -> Result<Option<Arc<Known>>, DbError> {
        let known = self.known.clone();
        self.db.read(move |conn| current(conn, &known, &name)).await
    }

    /// `Ok(Err(_))` for an unknown username, a wrong password, an inactive
    /// or expired credential alike (the reason is for the log only); `Err`
    /// only when the database cannot be reached. A username no credential
    /// can have (see [`Username`]: a NUL, a line break, the wrong length) is
    /// unknown without a database read, which PostgreSQL would refuse; it
    /// still costs one argon2 verify, so the time taken does not tell it
    /// apart. During a rotation's overlap either secret is accepted.
    pub async fn verify(
        &self,
        username: &str,
        password: &str,
        client: IpAddr,
    ) -> Result<Result<AuthenticatedCredential, Refusal>, DbError> {
        if Username::parse(username).is_err() {
            self.argon2(password.to_owned(), None).await;
            return Ok(Err(Refusal::UnknownUser));
        }
        let stored = self.current(Name::Username(username.to_owned())).await?;
        // Renamed between the two reads: as if it had not been found.
        let Some(known) = stored.filter(|k| k.credential.username.eq_ignore_ascii_case(username))
        else {
            self.argon2(password.to_owned(), None).await;
            return Ok(Err(Refusal::UnknownUser));
        };
        let secrets: Vec<&CredentialSecret> = known.valid_secrets(now()).collect();
        let Some(secret) = self.matching_secret(&secrets, password).await else {
            return Ok(Err(Refusal::WrongPassword));
        };
        let credential = &known.credential;
        if !credential.active {
            return Ok(Err(Refusal::Inactive));
        }
        if known.expired() {
            return Ok(Err(Refusal::Expired));
        }
        let Some(policies) = known.policies.clone() else {
            return Ok(Err(Refusal::UnreadablePolicy));
        };
        if !policies.allowed_ips.contains(client) {
            return Ok(Err(Refusal::AddressNotAllowed));
        }
        Ok(Ok(AuthenticatedCredential {
            id: credential.id.clone(),
            workspace_id: credential.workspace_id.clone(),
            username: credential.username.clone(),
            sandbox: credential.sandbox,
            domains: known.domains.clone(),
            secret_id: secret,
            policies,
        }))
    }

    /// The secret `password` belongs to: from the cache, else by argon2
    /// (current secret first). A credential without secrets still costs
    /// one verify.
    async fn matching_secret(
        &self,
        secrets: &[&CredentialSecret],
        password: &str,
    ) -> Option<SecretId> {
        let keys: Vec<[u8; 32]> = secrets
            .iter()
            .map(|s| self.cache_key(s, password))
            .collect();
        if let Some(i) = keys.iter().position(|k| self.verified.get(k).is_some()) {
            return Some(secrets[i].id.clone());
        }
        if secrets.is_empty() {
            self.argon2(password.to_owned(), None).await;
        }
        for (secret, key) in secrets.iter().zip(keys) {
            if self
                .argon2(password.to_owned(), Some(secret.password_hash.clone()))
                .await
            {
                self.verified.insert(key, ());
                return Some(secret.id.clone());
            }
        }
        None
    }

    /// Re-reads a credential mid-session, with its policies as they are
    /// now: `None` once it has been deleted, deactivated or has expired,
    /// its password was rotated away, or `client` left its allowlist.
    pub async fn recheck(
        &self,
        login: &AuthenticatedCredential,
        client: IpAddr,
    ) -> Result<Option<AuthenticatedCredential>, DbError> {
        let stored = self.current(Name::Id(login.id.clone())).await?;
        let Some(known) = stored.filter(|k| {
            k.credential.active
                && !k.expired()
                && k.valid_secrets(now()).any(|s| s.id == login.secret_id)
                && k.credential.workspace_id == login.workspace_id
        }) else {
            return Ok(None);
        };
        let Some(policies) = known.policies.clone() else {
            return Ok(None);
        };
        if !policies.allowed_ips.contains(client) {
            tracing::info!(username = %login.username, %client, "address no longer allowed");
            return Ok(None);
        }
        Ok(Some(AuthenticatedCredential {
            sandbox: known.credential.sandbox,
            domains: known.domains.clone(),
            policies,
            ..login.clone()
        }))
    }

    /// One argon2 verify, waiting for a slot as long as it takes.
    async fn argon2(&self, password: String, phc: Option<String>) -> bool {
        self.argon2.verify_or_dummy_queued(password, phc).await
    }
}
