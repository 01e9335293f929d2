//! Deleting sandbox mail by hand: one message, a selection, or all of it
//! (all matching a filter is [`super::delete_matching`]).
//! Each is recorded in the activity log.

use super::SandboxUsage;
use super::retention::delete_upto;
use crate::db::models::SandboxMessage;
use crate::db::{Db, DbError, write_transaction};
use crate::domain::{MessageId, WorkspaceId, now};
use crate::service::audit::{self, Actor};

/// Most messages one selection may name.
pub const MAX_SELECTED: usize = 500;

/// Deletes those of `ids` that are in the workspace; returns how many.
pub async fn delete(
    db: &Db,
    usage: &SandboxUsage,
    workspace: &WorkspaceId,
    ids: Vec<MessageId>,
    actor: Actor,
) -> Result<usize, DbError> {
    let workspace = workspace.clone();
    let (count, bytes) = db
        .run(move |conn| {
            write_transaction(conn, |conn| {
                let found = SandboxMessage::sizes_of(conn, &workspace, &ids)?;
                if found.is_empty() {
                    return Ok((0, 0));
                }
                let ids: Vec<MessageId> = found.iter().map(|(id, _)| id.clone()).collect();
                // What this transaction deleted: on PostgreSQL a concurrent
                // delete may have taken some of what it read.
                let count = SandboxMessage::delete_ids(conn, &workspace, &ids)?;
                if count == 0 {
                    return Ok((0, 0));
                }
                let target = match ids.as_slice() {
                    [one] if count == 1 => one.to_string(),
                    _ => format!("{count} messages"),
                };
                audit::record(conn, &workspace, &actor, "sandbox.deleted", &target, "")?;
                Ok((count, found.iter().map(|(_, size)| size).sum::<i64>()))
            })
            .map_err(DbError::Query)
        })
        .await?;
    usage.removed(bytes);
    Ok(count)
}

/// Deletes every message the workspace had received when asked (mail
/// arriving meanwhile stays), in batches; returns how many.
pub async fn delete_all(
    db: &Db,
    usage: &SandboxUsage,
    workspace: &WorkspaceId,
    actor: Actor,
) -> Result<u64, DbError> {
    let workspace = workspace.clone();
    let (count, bytes) = db
        .query(move |conn| {
            let (count, bytes) = delete_upto(conn, &workspace, &(now(), None))?;
            let target = format!("{count} message{}", if count == 1 { "" } else { "s" });
            audit::record(conn, &workspace, &actor, "sandbox.emptied", &target, "")?;
            Ok((count, bytes))
        })
        .await?;
    usage.removed(bytes);
    Ok(count)
}
