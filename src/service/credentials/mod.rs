//! SMTP credentials: create, list, edit, regenerate, (de)activate, delete.
//! The dashboard and the REST API both call these, and both read their
//! input with [`parse`]; every change is written to the activity log in the
//! same transaction.
//!
//! Every change first locks the workspace's row
//! ([`crate::db::lock_workspace`]), so a workspace deleted at the same
//! moment either takes the change with it or is already gone (`NotFound`,
//! a 404), never a foreign-key failure. New passwords are hashed in the
//! process's [`crate::auth::password::Argon2Slots`]: when none comes free
//! in time the change is refused as [`Busy`] and nothing is written.

mod changes;
mod input;
mod policies;
mod queries;
mod secrets;

use crate::auth::password::Busy;
use crate::db::DbError;
use crate::domain::{DomainId, Mode, SendingScope};

pub use crate::db::keyset::{Anchor, Cursor, Direction};
pub use crate::db::models::smtp_credential::{
    COUNT_CAP, Count, CredentialDomain, CredentialView, Policies, SortKey,
};
pub use changes::{create, delete, renew, set_active, update};
pub use input::{CredentialInput, Domains, InputErrors, Parsed, Problem, check, parse};
pub use policies::{rules_of, set_policies};
pub use queries::{CredentialPage, EXPIRING_SOON_DAYS, ListRequest, PAGE_SIZE, get, list};
pub use secrets::{SecretState, Secrets, regenerate, revoke_previous, secrets};

/// Which sending domains a credential may use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Global,
    /// Only these domains of the workspace (at least one).
    Scoped(Vec<DomainId>),
}

impl Scope {
    /// The domains to store, each once: a form or an API body may name one
    /// twice, and the table holds a (credential, domain) pair only once.
    fn domain_ids(&self) -> Vec<DomainId> {
        let mut unique: Vec<DomainId> = Vec::new();
        if let Self::Scoped(ids) = self {
            for id in ids {
                if !unique.contains(id) {
                    unique.push(id.clone());
                }
            }
        }
        unique
    }

    fn kind(&self) -> SendingScope {
        match self {
            Self::Global => SendingScope::Global,
            Self::Scoped(_) => SendingScope::Scoped,
        }
    }
}

/// The fields a user chooses, when creating or editing.
#[derive(Debug, Clone)]
pub struct CredentialFields {
    pub name: String,
    pub description: String,
    pub sandbox: bool,
    pub scope: Scope,
}

impl CredentialFields {
    /// What the activity log notes of a create or an edit.
    fn details(&self) -> String {
        let mode = Mode::from_sandbox(self.sandbox).as_str();
        format!("{mode}, {}", self.scope.kind().as_str())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("no such credential")]
    NotFound,
    #[error("this username is already taken")]
    UsernameTaken,
    #[error("a chosen domain does not belong to this workspace")]
    UnknownDomain,
    /// The expiry is beyond the workspace's maximum lifetime (the message
    /// says by how much may be chosen).
    #[error("{0}")]
    Lifetime(String),
    /// No password hashing slot came free in time; nothing was written.
    #[error(transparent)]
    Busy(#[from] Busy),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for CredentialError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Db(DbError::Query(e))
    }
}

/// A credential with its one-time password (after create or regenerate).
pub struct WithPassword {
    pub credential: CredentialView,
    pub password: String,
}

/// A new password: 24 bytes (192 bits) from the OS CSPRNG, URL-safe.
pub fn generate_password() -> String {
    crate::secrets::random_token(24)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_carry_at_least_128_bits() {
        let password = generate_password();
        assert_eq!(password.len(), 32, "24 random bytes in base64url");
        assert_ne!(password, generate_password());
    }
}
