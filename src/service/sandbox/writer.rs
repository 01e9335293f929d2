//! Group commit for sandbox ingest. Messages that arrive while one is being
//! written wait in a queue, and the next write takes all of them in one
//! transaction, each in its own savepoint: one commit (one FTS5 segment
//! flush and WAL commit on SQLite, one WAL flush on PostgreSQL) for many
//! messages, and writers no longer queue on SQLite's write lock. Nothing
//! changes for the sender: each is answered after the commit that holds its
//! message, and a message that fails (its credential deleted meanwhile)
//! fails alone, rolled back to its savepoint. Should the batch's transaction
//! itself fail, each of its messages is written again in a transaction of
//! its own, as before batching, and answered from that.

use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use crate::db::models::{MessageText, SandboxMessage, Search};
use crate::db::{Db, DbConn, DbError, Unavailable, write_transaction};
use crate::domain::Tags;

/// Most messages written in one transaction.
const MAX_BATCH: usize = 64;

/// A message ready to be written, and whom to tell how it went.
struct Pending {
    message: SandboxMessage,
    text: MessageText,
    tags: Tags,
    done: oneshot::Sender<Result<(), DbError>>,
}

/// The queue of messages waiting, shared by every SMTP connection of the
/// instance (held by [`super::SandboxUsage`]).
#[derive(Default)]
pub(super) struct Writes {
    pending: Vec<Pending>,
    /// A writer is running: it will take what is queued.
    writing: bool,
}

pub(super) type Queue = Arc<Mutex<Writes>>;

/// Queues the message and waits until it is committed (or failed).
pub(super) async fn write(
    db: &Db,
    queue: &Queue,
    message: SandboxMessage,
    text: MessageText,
    tags: Tags,
) -> Result<(), DbError> {
    let (done, answer) = oneshot::channel();
    let start = {
        let mut writes = queue.lock().unwrap_or_else(|e| e.into_inner());
        writes.pending.push(Pending {
            message,
            text,
            tags,
            done,
        });
        !std::mem::replace(&mut writes.writing, true)
    };
    if start {
        tokio::spawn(run(db.clone(), queue.clone()));
    }
    answer
        .await
        .unwrap_or_else(|_| Err(Unavailable::new("the sandbox writer stopped").into()))
}

/// Writes batches until the queue is empty.
async fn run(db: Db, queue: Queue) {
    let stopped = Stopped(Some(queue.clone()));
    let _ = db
        .run(move |conn| {
            let mut stopped = stopped;
            loop {
                let batch = next_batch(&queue);
                if batch.is_empty() {
                    // Stopped in the queue's lock: nothing left to clear.
                    stopped.disarm();
                    return Ok::<_, DbError>(());
                }
                write_batch(conn, batch);
            }
        })
        .await;
}

/// Takes up to [`MAX_BATCH`] messages; when none wait, marks the writer
/// stopped in the same lock, so a message queued after this starts another.
fn next_batch(queue: &Queue) -> Vec<Pending> {
    let mut writes = queue.lock().unwrap_or_else(|e| e.into_inner());
    if writes.pending.is_empty() {
        writes.writing = false;
        return Vec::new();
    }
    let take = writes.pending.len().min(MAX_BATCH);
    writes.pending.drain(..take).collect()
}

/// A writer that ends otherwise than with the queue empty (no connection
/// from the pool, a panic) leaves no message waiting on it: those queued
/// are failed (their senders dropped) and the next message starts a writer.
struct Stopped(Option<Queue>);

impl Stopped {
    fn disarm(&mut self) {
        self.0 = None;
    }
}

impl Drop for Stopped {
    fn drop(&mut self) {
        if let Some(queue) = self.0.take() {
            let mut writes = queue.lock().unwrap_or_else(|e| e.into_inner());
            writes.writing = false;
            writes.pending.clear();
        }
    }
}

fn insert(conn: &mut DbConn, pending: &Pending) -> diesel::QueryResult<()> {
    write_transaction(conn, |conn| {
        SandboxMessage::insert(conn, &pending.message)?;
        MessageText::insert(conn, &pending.text)?;
        Search::add_tags(
            conn,
            &pending.message.workspace_id,
            &pending.message.id,
            &pending.tags,
        )
    })
}

fn write_batch(conn: &mut DbConn, batch: Vec<Pending>) {
    let together = write_transaction(conn, |conn| {
        // Nested: each message in a savepoint of its own.
        Ok::<_, diesel::result::Error>(
            batch
                .iter()
                .map(|pending| insert(conn, pending))
                .collect::<Vec<_>>(),
        )
    });
    match together {
        Ok(results) => {
            for (pending, result) in batch.into_iter().zip(results) {
                let _ = pending.done.send(result.map_err(DbError::Query));
            }
        }
        Err(_) => {
            for pending in batch {
                let result = insert(conn, &pending).map_err(DbError::Query);
                let _ = pending.done.send(result);
            }
        }
    }
}
