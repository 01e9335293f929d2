//! Workspaces: creation with a free slug, owned by their creator.

use chrono::Utc;

pub use crate::db::models::{CredentialRules, WorkspaceWithRole};
use crate::db::models::{Membership, Workspace};
use crate::db::{Db, DbConn, DbError, GlobalLock, lock_global, lock_workspace, write_transaction};
use crate::domain::policy::SendLimits;
use crate::domain::{Role, Slug, UserId, WorkspaceId};
use crate::service::audit::{self, Actor};

/// The longest workspace name accepted.
pub const NAME_MAX: usize = 80;

/// Creates a workspace named `name` with `owner` as its owner, under the
/// first free slug (two creations with one name at once get two slugs).
pub async fn create(db: &Db, owner: &UserId, name: &str) -> Result<Workspace, DbError> {
    let (owner, name) = (owner.clone(), name.to_owned());
    db.query(move |conn| insert(conn, &owner, &name)).await
}

/// [`create`] inside a transaction of the caller's.
pub(crate) fn insert(
    conn: &mut DbConn,
    owner: &UserId,
    name: &str,
) -> diesel::QueryResult<Workspace> {
    write_transaction(conn, |conn| {
        lock_global(conn, GlobalLock::WorkspaceSlugs)?;
        let now = Utc::now().naive_utc();
        let workspace = Workspace::insert_with_free_slug(conn, name, &Slug::from_name(name), now)?;
        Membership::insert(conn, &workspace.id, owner, Role::Owner, now)?;
        Ok(workspace)
    })
}

/// Every workspace `user` belongs to, by name, with their role in it.
pub async fn of_user(db: &Db, user: &UserId) -> Result<Vec<WorkspaceWithRole>, DbError> {
    let user = user.clone();
    db.read(move |conn| Membership::workspaces_of(conn, &user))
        .await
}

/// `user`'s role in the workspace with this slug; `None` when it does not
/// exist or they are not a member (answer both alike, so existence does not
/// leak).
pub async fn membership(
    db: &Db,
    user: &UserId,
    slug: &Slug,
) -> Result<Option<WorkspaceWithRole>, DbError> {
    let (user, slug) = (user.clone(), slug.as_str().to_owned());
    db.read(move |conn| Membership::find_by_slug(conn, &user, &slug))
        .await
}

/// The slug of the workspace to open for `user`: the `last` one they used
/// while they still belong to it, else their first by name; `None` when
/// they belong to none.
pub async fn landing(
    db: &Db,
    user: &UserId,
    last: Option<String>,
) -> Result<Option<String>, DbError> {
    let user = user.clone();
    db.query(move |conn| {
        if let Some(slug) = last
            && let Some(found) = Membership::find_by_slug(conn, &user, &slug)?
        {
            return Ok(Some(found.workspace.slug));
        }
        Ok(Membership::workspaces_of(conn, &user)?
            .into_iter()
            .next()
            .map(|w| w.workspace.slug))
    })
    .await
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

/// The workspace's rules for its credentials (maximum lifetime, default
/// limits).
pub async fn credential_rules(
    db: &Db,
    workspace: &WorkspaceId,
) -> Result<CredentialRules, DbError> {
    let id = workspace.clone();
    db.query(move |conn| CredentialRules::of(conn, &id)).await
}

/// Sets the send limits a new credential takes for every limit it does not
/// set itself; credentials already made keep theirs.
pub async fn set_default_limits(
    db: &Db,
    workspace: &WorkspaceId,
    limits: SendLimits,
    actor: Actor,
) -> Result<(), DbError> {
    let id = workspace.clone();
    db.query(move |conn| {
        write_transaction(conn, |conn| {
            lock_workspace(conn, &id)?;
            let [minute, hour, day, recipients] = limits.to_columns();
            let rules = CredentialRules {
                default_max_per_minute: minute,
                default_max_per_hour: hour,
                default_max_per_day: day,
                default_max_recipients: recipients,
                ..CredentialRules::of(conn, &id)?
            };
            CredentialRules::set(conn, &id, &rules)?;
            audit::record(
                conn,
                &id,
                &actor,
                "workspace.default_limits_changed",
                "default send limits",
                &limits.to_string(),
            )
        })
    })
    .await
}

/// Sets the longest a new or renewed credential may live, in days (`None`
/// for no limit); credentials already made keep their expiry.
pub async fn set_credential_lifetime(
    db: &Db,
    workspace: &WorkspaceId,
    days: Option<i32>,
    actor: Actor,
) -> Result<(), DbError> {
    let id = workspace.clone();
    db.query(move |conn| {
        write_transaction(conn, |conn| {
            lock_workspace(conn, &id)?;
            let rules = CredentialRules {
                max_credential_lifetime_days: days,
                ..CredentialRules::of(conn, &id)?
            };
            CredentialRules::set(conn, &id, &rules)?;
            let details = match days {
                Some(days) => format!("{days} days"),
                None => "no limit".to_owned(),
            };
            audit::record(
                conn,
                &id,
                &actor,
                "workspace.credential_lifetime_changed",
                "maximum credential lifetime",
                &details,
            )
        })
    })
    .await
}
