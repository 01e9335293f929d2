//! Deleting sandbox mail by hand: one message, a selection, all of it, or
//! all matching a filter (the REST API).
//! Each is recorded in the activity log.

use super::SandboxUsage;
use super::retention::delete_upto;
use crate::db::models::{EnvelopeFilter, SandboxMessage};
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

/// Deletes the messages matching `filter` that the workspace had received
/// when asked, in batches; returns how many. Recorded once in the
/// activity log, with the filter.
pub async fn delete_by_envelope(
    db: &Db,
    usage: &SandboxUsage,
    workspace: &WorkspaceId,
    filter: EnvelopeFilter,
    actor: Actor,
) -> Result<u64, DbError> {
    if filter == EnvelopeFilter::default() {
        return delete_all(db, usage, workspace, actor).await;
    }
    let workspace = workspace.clone();
    let (count, bytes) = db
        .query(move |conn| {
            let upto = now();
            let (mut count, mut bytes) = (0u64, 0i64);
            loop {
                let batch = SandboxMessage::matching_upto(conn, &workspace, &filter, upto, 500)?;
                if batch.is_empty() {
                    break;
                }
                let ids: Vec<MessageId> = batch.iter().map(|(id, _)| id.clone()).collect();
                count += SandboxMessage::delete_ids(conn, &workspace, &ids)? as u64;
                bytes += batch.iter().map(|(_, size)| size).sum::<i64>();
            }
            if count > 0 {
                let target = format!("{count} message{}", if count == 1 { "" } else { "s" });
                audit::record(
                    conn,
                    &workspace,
                    &actor,
                    "sandbox.deleted",
                    &target,
                    &describe(&filter),
                )?;
            }
            Ok((count, bytes))
        })
        .await?;
    usage.removed(bytes);
    Ok(count)
}

/// A filter as the activity log's details show it.
fn describe(filter: &EnvelopeFilter) -> String {
    let mut parts = Vec::new();
    if let Some(to) = &filter.to {
        parts.push(format!("to {to}"));
    }
    if let Some(text) = &filter.subject_contains {
        parts.push(format!("subject contains \"{text}\""));
    }
    format!("matching {}", parts.join(" and "))
}
