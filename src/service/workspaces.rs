//! Workspaces: creation with a free slug, owned by their creator.

use chrono::Utc;

use crate::db::models::{Membership, Workspace};
use crate::db::{Db, DbConn, DbError, GlobalLock, lock_global, lock_workspace, write_transaction};
use crate::domain::{Role, Slug, UserId, WorkspaceId};
use crate::service::audit::{self, Actor};

/// The longest workspace name accepted.
pub const NAME_MAX: usize = 80;

/// Creates a workspace named `name` with `owner` as its owner, under the
/// first free slug (two creations with one name at once get two slugs).
pub fn create(conn: &mut DbConn, owner: &UserId, name: &str) -> diesel::QueryResult<Workspace> {
    write_transaction(conn, |conn| {
        lock_global(conn, GlobalLock::WorkspaceSlugs)?;
        let now = Utc::now().naive_utc();
        let workspace = Workspace::insert_with_free_slug(conn, name, &Slug::from_name(name), now)?;
        Membership::insert(conn, &workspace.id, owner, Role::Owner, now)?;
        Ok(workspace)
    })
}

/// Renames the workspace (its slug, and so its URLs, stay); `NotFound` when
/// it was deleted meanwhile.
pub async fn rename(
    db: &Db,
    workspace: &Workspace,
    name: String,
    actor: Actor,
) -> Result<(), DbError> {
    let (id, old) = (workspace.id.clone(), workspace.name.clone());
    db.query(move |conn| {
        write_transaction(conn, |conn| {
            lock_workspace(conn, &id)?;
            Workspace::rename(conn, &id, &name)?;
            audit::record(
                conn,
                &id,
                &actor,
                "workspace.renamed",
                &name,
                &format!("was {old}"),
            )
        })
    })
    .await
}

/// Deletes the workspace with everything in it: its credentials fail SMTP
/// AUTH from the next attempt on, its API keys get 401.
pub async fn delete(db: &Db, workspace: &WorkspaceId) -> Result<(), DbError> {
    let id = workspace.clone();
    tracing::info!(workspace = %id, "deleting workspace");
    db.query(move |conn| Workspace::delete(conn, &id).map(|_| ()))
        .await
}
