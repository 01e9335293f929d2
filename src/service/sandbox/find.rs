//! Waiting for sandbox mail: the first message to arrive that a
//! [`MessageFilter`] lets through (the REST API's long-poll), told of new
//! mail by [`SandboxEvents`]; and what a live list has not shown yet.

use std::time::Duration;

use chrono::NaiveDateTime;
use tokio::time::Instant;

use super::events::SandboxEvents;
pub use crate::db::keyset::{Anchor, Cursor, Page};
use crate::db::models::{EnvelopeFilter, MessageFilter, SandboxMessage, SandboxSummary, Search};
use crate::db::{Db, DbError};
use crate::domain::{MessageId, WorkspaceId};

/// Where a message stands in the newest-first order.
pub fn cursor_of(message: &SandboxSummary) -> Cursor<MessageId> {
    Cursor {
        at: message.received_at,
        id: message.id.clone(),
    }
}

/// Up to `limit` matching messages newer than `after`, oldest first: what
/// a live list has not shown yet.
pub async fn newer_than(
    db: &Db,
    workspace: &WorkspaceId,
    filter: EnvelopeFilter,
    after: Cursor<MessageId>,
    limit: i64,
) -> Result<Vec<SandboxSummary>, DbError> {
    let workspace = workspace.clone();
    db.query(move |conn| {
        // Newest first reading "before" the cursor is oldest first after it.
        let anchor = Anchor::Before(after);
        SandboxMessage::search(conn, &workspace, &filter, &anchor, limit)
    })
    .await
}

/// The first matching message received at or after `since`.
pub async fn first_since(
    db: &Db,
    workspace: &WorkspaceId,
    filter: MessageFilter,
    since: NaiveDateTime,
) -> Result<Option<SandboxSummary>, DbError> {
    let workspace = workspace.clone();
    db.query(move |conn| Search::first_since(conn, &workspace, &filter, since))
        .await
}

/// How often a waiter looks again even when not woken (a message whose
/// commit lagged behind a newer one's does not move the newest mark).
const RECHECK_EVERY: Duration = Duration::from_secs(2);

/// The first matching message received at or after `since`, as soon as
/// one is stored (on any instance sharing the database); `None` when none
/// came by `deadline` or the process is shutting down.
pub async fn wait_for(
    db: &Db,
    events: &SandboxEvents,
    workspace: &WorkspaceId,
    filter: MessageFilter,
    since: NaiveDateTime,
    deadline: Instant,
) -> Result<Option<SandboxSummary>, DbError> {
    let mut news = events.subscribe(workspace);
    loop {
        if let Some(found) = first_since(db, workspace, filter.clone(), since).await? {
            return Ok(Some(found));
        }
        let recheck = (Instant::now() + RECHECK_EVERY).min(deadline);
        tokio::select! {
            woken = news.changed() => {
                if woken.is_err() {
                    return Ok(None);
                }
            }
            _ = tokio::time::sleep_until(recheck) => {
                if recheck >= deadline {
                    return Ok(None);
                }
            }
        }
    }
}
