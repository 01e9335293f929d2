//! A workspace's sending domains.

use crate::db::models::DomainUsage;
use crate::db::{Db, DbError, lock_workspace, write_transaction};
use crate::domain::{DomainId, DomainName, WorkspaceId, now};
use crate::service::audit::{self, Actor};
use crate::service::is_unique_violation;

pub use crate::db::models::Domain;

#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    #[error("this domain is already added")]
    Duplicate,
    #[error("no such domain")]
    NotFound,
    #[error("the domain is used by {0} credential(s)")]
    InUse(i64),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for DomainError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Db(DbError::Query(e))
    }
}

pub async fn list(db: &Db, workspace: &WorkspaceId) -> Result<Vec<DomainUsage>, DbError> {
    let workspace = workspace.clone();
    db.query(move |conn| Domain::usage(conn, &workspace)).await
}

/// The workspace's domains by name.
pub async fn of_workspace(db: &Db, workspace: &WorkspaceId) -> Result<Vec<Domain>, DbError> {
    let workspace = workspace.clone();
    db.query(move |conn| Domain::of_workspace(conn, &workspace))
        .await
}

pub async fn add(
    db: &Db,
    workspace: &WorkspaceId,
    name: DomainName,
    actor: Actor,
) -> Result<Domain, DomainError> {
    let workspace = workspace.clone();
    db.run(move |conn| {
        write_transaction(conn, |conn| {
            let domain = Domain {
                id: DomainId::generate(),
                workspace_id: workspace.clone(),
                name: name.as_str().to_owned(),
                created_at: now(),
            };
            Domain::insert(conn, &domain).map_err(|e| {
                if is_unique_violation(&e) {
                    DomainError::Duplicate
                } else {
                    e.into()
                }
            })?;
            audit::record(conn, &workspace, &actor, "domain.added", &domain.name, "")?;
            Ok(domain)
        })
    })
    .await
}

/// Removes a domain no credential is scoped to (a scoped credential must
/// never silently lose its last domain). The workspace is locked, as it is
/// by a credential being scoped (`credentials::check_domains`), so the two
/// never pass each other.
pub async fn remove(
    db: &Db,
    workspace: &WorkspaceId,
    id: DomainId,
    actor: Actor,
) -> Result<Domain, DomainError> {
    let workspace = workspace.clone();
    db.run(move |conn| {
        write_transaction(conn, |conn| {
            lock_workspace(conn, &workspace)?;
            let usage = Domain::usage(conn, &workspace)?;
            let entry = usage
                .into_iter()
                .find(|u| u.domain.id == id)
                .ok_or(DomainError::NotFound)?;
            if entry.credentials > 0 {
                return Err(DomainError::InUse(entry.credentials));
            }
            Domain::delete(conn, &id)?;
            audit::record(
                conn,
                &workspace,
                &actor,
                "domain.removed",
                &entry.domain.name,
                "",
            )?;
            Ok(entry.domain)
        })
    })
    .await
}

pub async fn find(db: &Db, workspace: &WorkspaceId, id: DomainId) -> Result<Domain, DomainError> {
    let workspace = workspace.clone();
    db.run(move |conn| {
        Domain::find_in_workspace(conn, &workspace, &id)?.ok_or(DomainError::NotFound)
    })
    .await
}
