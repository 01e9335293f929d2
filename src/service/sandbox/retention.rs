//! Retention: each workspace keeps at most its limits' worth of sandbox
//! mail, oldest first out. Enforced by a job every interval (every
//! workspace with mail, then the free space handed back to the
//! filesystem) and, between rounds, for a workspace that has received a
//! tenth of a limit since (see `usage`), off the SMTP reply path.
//!
//! Deletion goes in small batches, each its own statement, so the SMTP
//! listener's inserts are never held up behind one long delete. Two
//! instances pruning the same workspace delete the same rows: harmless.

use std::time::Duration;

use chrono::NaiveDateTime;
use tokio_util::sync::CancellationToken;

use super::SandboxUsage;
use crate::db::models::{SandboxMessage, SandboxRetention};
use crate::db::{Db, DbConn, DbError, lock_workspace, storage, write_transaction};
use crate::domain::{MessageId, SandboxLimits, WorkspaceId, now};
use crate::service::audit::{self, Actor};

/// Rows deleted per statement.
const BATCH: i64 = 500;
/// Rows read per step of the walk for the size limit.
const WALK: i64 = 5_000;

/// The workspace's limits (the defaults when its admins never set them).
pub async fn limits(db: &Db, workspace: &WorkspaceId) -> Result<SandboxLimits, DbError> {
    let workspace = workspace.clone();
    db.query(move |conn| read_limits(conn, &workspace)).await
}

fn read_limits(conn: &mut DbConn, workspace: &WorkspaceId) -> diesel::QueryResult<SandboxLimits> {
    Ok(SandboxRetention::find(conn, workspace)?
        .map(|row| SandboxLimits::from_stored(row.max_messages, row.max_age_days, row.max_bytes))
        .unwrap_or_default())
}

/// Sets the workspace's limits (recorded in the activity log), then
/// enforces them at once; returns how many messages that removed.
pub async fn set_limits(
    db: &Db,
    usage: &SandboxUsage,
    workspace: &WorkspaceId,
    limits: SandboxLimits,
    actor: Actor,
) -> Result<u64, DbError> {
    let id = workspace.clone();
    db.run(move |conn| {
        write_transaction(conn, |conn| {
            lock_workspace(conn, &id)?;
            SandboxRetention::save(
                conn,
                &SandboxRetention {
                    workspace_id: id.clone(),
                    max_messages: limits.max_messages() as i64,
                    max_age_days: limits.max_age_days() as i64,
                    max_bytes: limits.max_bytes() as i64,
                    updated_at: now(),
                },
            )?;
            audit::record(
                conn,
                &id,
                &actor,
                "sandbox.retention_changed",
                &limits.describe(),
                "",
            )
        })
        .map_err(DbError::Query)
    })
    .await?;
    enforce(db, usage, workspace).await
}

/// Enforces the workspace's limits now; returns how many messages went.
pub async fn enforce(
    db: &Db,
    usage: &SandboxUsage,
    workspace: &WorkspaceId,
) -> Result<u64, DbError> {
    let (removed, again) = enforce_once(db, usage, workspace).await?;
    if again {
        enforce_soon(db, usage, workspace);
    }
    Ok(removed)
}

/// Enforces the limits once; returns how many messages went and whether
/// what arrived meanwhile makes them due again.
async fn enforce_once(
    db: &Db,
    usage: &SandboxUsage,
    workspace: &WorkspaceId,
) -> Result<(u64, bool), DbError> {
    let id = workspace.clone();
    let outcome = db
        .query(move |conn| {
            let limits = read_limits(conn, &id)?;
            let removed = prune(conn, &id, &limits, now())?;
            Ok((limits, removed))
        })
        .await;
    match outcome {
        Ok((limits, (messages, bytes))) => {
            usage.removed(bytes);
            let again = usage.enforced(workspace, Some(limits));
            if messages > 0 {
                tracing::info!(workspace = %workspace, messages, bytes, "sandbox retention removed old mail");
            }
            Ok((messages, again))
        }
        Err(error) => {
            usage.enforced(workspace, None);
            Err(error)
        }
    }
}

/// Starts enforcing the workspace's limits off the caller's path (once
/// `usage` has said they are due), and again while mail arriving meanwhile
/// makes them due.
pub(super) fn enforce_soon(db: &Db, usage: &SandboxUsage, workspace: &WorkspaceId) {
    let (db, usage, workspace) = (db.clone(), usage.clone(), workspace.clone());
    tokio::spawn(async move {
        loop {
            match enforce_once(&db, &usage, &workspace).await {
                Ok((_, true)) => continue,
                Ok((_, false)) => return,
                Err(error) => {
                    tracing::warn!(%error, "sandbox retention failed");
                    return;
                }
            }
        }
    });
}

/// One round of the job: every workspace's limits, the free space back to
/// the filesystem, the instance's total counted afresh.
pub async fn run_once(db: &Db, usage: &SandboxUsage) -> Result<u64, DbError> {
    let workspaces = db.query(SandboxMessage::workspaces_with_mail).await?;
    let mut removed = 0;
    for workspace in &workspaces {
        removed += enforce(db, usage, workspace).await?;
    }
    let total = db
        .query(|conn| {
            storage::reclaim_free_space(conn)?;
            SandboxMessage::total_bytes(conn)
        })
        .await?;
    usage.set_total(total);
    Ok(removed)
}

/// Runs [`run_once`] every `interval` (the first at once) until `stop`.
pub async fn run(db: Db, usage: SandboxUsage, interval: Duration, stop: CancellationToken) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = ticks.tick() => {}
        }
        if let Err(error) = run_once(&db, &usage).await {
            tracing::warn!(%error, "sandbox retention round failed");
        }
    }
}

/// Where deletion stops: everything received before `.0`, or at `.0`
/// with an id up to `.1` (all of that instant when `None`).
type Boundary = (NaiveDateTime, Option<MessageId>);

/// The newer of two boundaries (the one that deletes more).
fn newer(a: Option<Boundary>, b: Option<Boundary>) -> Option<Boundary> {
    match (a, b) {
        (Some(a), Some(b)) => {
            let key = |x: &Boundary| (x.0, x.1.is_none(), x.1.as_ref().map(|id| id.to_string()));
            Some(if key(&a) >= key(&b) { a } else { b })
        }
        (a, b) => a.or(b),
    }
}

/// Deletes what passes the limits; returns (messages, bytes) removed.
pub(super) fn prune(
    conn: &mut DbConn,
    workspace: &WorkspaceId,
    limits: &SandboxLimits,
    now: NaiveDateTime,
) -> diesel::QueryResult<(u64, i64)> {
    let by_age = now - chrono::Duration::days(limits.max_age_days() as i64);
    let mut boundary = Some((by_age, None));
    let by_count = SandboxMessage::nth_newest(conn, workspace, limits.max_messages() as i64)?
        .map(|(at, id)| (at, Some(id)));
    boundary = newer(boundary, by_count);
    let (_, bytes) = SandboxMessage::usage(conn, workspace)?;
    if bytes > limits.max_bytes() as i64 {
        boundary = newer(
            boundary,
            first_over_size(conn, workspace, limits.max_bytes())?,
        );
    }
    let Some(boundary) = boundary else {
        return Ok((0, 0));
    };
    delete_upto(conn, workspace, &boundary)
}

/// The newest message that, counting from the newest, takes the total
/// past `max` bytes.
fn first_over_size(
    conn: &mut DbConn,
    workspace: &WorkspaceId,
    max: u64,
) -> diesel::QueryResult<Option<Boundary>> {
    let mut total = 0u64;
    let mut after = None;
    loop {
        let rows = SandboxMessage::sizes_newest_first(conn, workspace, after.as_ref(), WALK)?;
        let Some(last) = rows.last() else {
            return Ok(None);
        };
        let last = (last.0, last.1.clone());
        for (at, id, size) in rows {
            total += size.max(0) as u64;
            if total > max {
                return Ok(Some((at, Some(id))));
            }
        }
        after = Some(last);
    }
}

/// Deletes the workspace's messages up to `boundary`, oldest first, in
/// batches; returns (messages, bytes) removed.
pub(super) fn delete_upto(
    conn: &mut DbConn,
    workspace: &WorkspaceId,
    boundary: &Boundary,
) -> diesel::QueryResult<(u64, i64)> {
    let (mut messages, mut bytes) = (0u64, 0i64);
    loop {
        let batch = SandboxMessage::oldest_upto(conn, workspace, boundary, BATCH)?;
        if batch.is_empty() {
            return Ok((messages, bytes));
        }
        let ids: Vec<MessageId> = batch.iter().map(|(id, _)| id.clone()).collect();
        messages += SandboxMessage::delete_ids(conn, workspace, &ids)? as u64;
        bytes += batch.iter().map(|(_, size)| size).sum::<i64>();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_boundary_that_deletes_more_wins() {
        let t = |s: i64| chrono::DateTime::from_timestamp(s, 0).unwrap().naive_utc();
        let id = MessageId::generate();
        assert_eq!(
            newer(Some((t(5), None)), Some((t(9), Some(id.clone())))),
            Some((t(9), Some(id.clone())))
        );
        assert_eq!(
            newer(Some((t(9), None)), Some((t(9), Some(id)))),
            Some((t(9), None))
        );
        assert_eq!(newer(None, None), None);
    }
}
