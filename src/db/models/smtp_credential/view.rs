//! A credential as the dashboard and the API show it: the row (which holds
//! no password hash) with its sending domains.

use diesel::QueryResult;

use super::SmtpCredential;
use crate::db::DbConn;
use crate::domain::{CredentialId, DomainId, SendingScope};

/// A sending domain of a scoped credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialDomain {
    pub id: DomainId,
    pub name: String,
}

/// A credential with its domains (none when global).
#[derive(Debug, Clone)]
pub struct CredentialView {
    pub credential: SmtpCredential,
    /// By name.
    pub domains: Vec<CredentialDomain>,
}

/// A view reads as its row: `view.name`, `view.username`.
impl std::ops::Deref for CredentialView {
    type Target = SmtpCredential;

    fn deref(&self) -> &SmtpCredential {
        &self.credential
    }
}

impl CredentialView {
    /// Whether it may send from its own domains only.
    pub fn is_scoped(&self) -> bool {
        self.credential.scope == SendingScope::Scoped
    }

    /// Its domains' names, in order.
    pub fn domain_names(&self) -> Vec<String> {
        self.domains.iter().map(|d| d.name.clone()).collect()
    }

    /// The views of `rows`, in the same order, with one query for the
    /// domains of them all.
    pub fn load(conn: &mut DbConn, rows: Vec<SmtpCredential>) -> QueryResult<Vec<Self>> {
        let scoped: Vec<CredentialId> = rows
            .iter()
            .filter(|c| c.scope == SendingScope::Scoped)
            .map(|c| c.id.clone())
            .collect();
        let links = if scoped.is_empty() {
            Vec::new()
        } else {
            SmtpCredential::domains_of(conn, &scoped)?
        };
        Ok(rows
            .into_iter()
            .map(|credential| {
                let domains = links
                    .iter()
                    .filter(|(of, _, _)| *of == credential.id)
                    .map(|(_, id, name)| CredentialDomain {
                        id: id.clone(),
                        name: name.clone(),
                    })
                    .collect();
                Self {
                    credential,
                    domains,
                }
            })
            .collect())
    }

    /// The view of one row.
    pub fn load_one(conn: &mut DbConn, row: SmtpCredential) -> QueryResult<Self> {
        Ok(Self::load(conn, vec![row])?.remove(0))
    }
}
