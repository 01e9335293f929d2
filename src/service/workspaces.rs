//! Workspaces: creation with a free slug, owned by their creator.

use chrono::Utc;

use crate::db::models::{Membership, Workspace};
use crate::db::{DbConn, write_transaction};
use crate::domain::{Role, Slug, UserId};

/// The longest workspace name accepted.
pub const NAME_MAX: usize = 80;

/// Creates a workspace named `name` with `owner` as its owner.
pub fn create(conn: &mut DbConn, owner: &UserId, name: &str) -> diesel::QueryResult<Workspace> {
    write_transaction(conn, |conn| {
        let now = Utc::now().naive_utc();
        let workspace = Workspace::insert_with_free_slug(conn, name, &Slug::from_name(name), now)?;
        Membership::insert(conn, &workspace.id, owner, Role::Owner, now)?;
        Ok(workspace)
    })
}
