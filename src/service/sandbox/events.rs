//! "New sandbox mail" for whoever waits on a workspace: the API's long-poll
//! and the Sandbox page's live list. The news comes from the database, so
//! it reaches every instance sharing it, whichever one captured the mail:
//! while anyone waits on a workspace, a poller reads that workspace's
//! newest (time, id) every [`POLL_EVERY`] (one index lookup each, none at
//! all while nobody waits) and wakes its waiters when it changed. Waiters
//! then ask the database what they want to know, with their own filter.
//!
//! How many may wait at once is bounded by [`Slots`]: per workspace for
//! the API, per session for the page.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::NaiveDateTime;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::db::Db;
use crate::db::models::SandboxMessage;
use crate::domain::{MessageId, WorkspaceId};

/// How often the database is asked while someone waits.
pub const POLL_EVERY: Duration = Duration::from_millis(250);

/// The newest message a workspace holds, as last read.
type Newest = Option<(NaiveDateTime, MessageId)>;

/// The waiters of the process, per workspace; cheap to clone.
#[derive(Clone, Default)]
pub struct SandboxEvents {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    watched: Mutex<HashMap<WorkspaceId, Watched>>,
    /// Set at shutdown: every wait ends.
    closed: AtomicBool,
}

struct Watched {
    /// Bumped whenever the workspace's newest message changes.
    news: watch::Sender<u64>,
    newest: Option<Newest>,
    waiters: usize,
}

/// One waiter on one workspace; dropping it stops the watch.
pub struct Subscription {
    events: SandboxEvents,
    workspace: WorkspaceId,
    news: watch::Receiver<u64>,
}

/// The process is shutting down: waits end now.
#[derive(Debug)]
pub struct Closed;

impl Subscription {
    /// Waits until the workspace may have new mail, or shutdown.
    pub async fn changed(&mut self) -> Result<(), Closed> {
        if self.events.is_closed() || self.news.changed().await.is_err() {
            return Err(Closed);
        }
        if self.events.is_closed() {
            Err(Closed)
        } else {
            Ok(())
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut watched = self.events.lock();
        if let Some(entry) = watched.get_mut(&self.workspace) {
            entry.waiters -= 1;
            if entry.waiters == 0 {
                watched.remove(&self.workspace);
            }
        }
    }
}

impl SandboxEvents {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<WorkspaceId, Watched>> {
        self.inner
            .watched
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn is_closed(&self) -> bool {
        self.inner.closed.load(Ordering::Relaxed)
    }

    /// Starts watching `workspace`; ask the database after this, so mail
    /// stored in between is not missed.
    pub fn subscribe(&self, workspace: &WorkspaceId) -> Subscription {
        let mut watched = self.lock();
        let entry = watched.entry(workspace.clone()).or_insert_with(|| Watched {
            news: watch::channel(0).0,
            newest: None,
            waiters: 0,
        });
        entry.waiters += 1;
        Subscription {
            events: self.clone(),
            workspace: workspace.clone(),
            news: entry.news.subscribe(),
        }
    }

    /// How many wait on `workspace` in this process.
    pub fn waiting_on(&self, workspace: &WorkspaceId) -> usize {
        self.lock().get(workspace).map_or(0, |w| w.waiters)
    }

    /// Reads the newest message of every watched workspace and wakes the
    /// waiters of those whose newest changed since the last read.
    pub async fn poll(&self, db: &Db) -> Result<(), crate::db::DbError> {
        let workspaces: Vec<WorkspaceId> = self.lock().keys().cloned().collect();
        if workspaces.is_empty() {
            return Ok(());
        }
        let asked = workspaces.clone();
        let found = db
            .query(move |conn| SandboxMessage::newest_of(conn, &asked))
            .await?;
        let mut newest: HashMap<WorkspaceId, Newest> =
            workspaces.into_iter().map(|w| (w, None)).collect();
        for (workspace, at, id) in found {
            newest.insert(workspace, Some((at, id)));
        }
        let mut watched = self.lock();
        for (workspace, now) in newest {
            let Some(entry) = watched.get_mut(&workspace) else {
                continue;
            };
            // The first read wakes too: mail may have come between a
            // waiter's own look and this read.
            if entry.newest.as_ref() != Some(&now) {
                entry.news.send_modify(|n| *n += 1);
            }
            entry.newest = Some(now);
        }
        Ok(())
    }

    /// Polls until `shutdown`, then ends every wait.
    pub async fn run(self, db: Db, shutdown: CancellationToken) {
        let mut ticks = tokio::time::interval(POLL_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = ticks.tick() => {
                    if let Err(error) = self.poll(&db).await {
                        tracing::warn!(%error, "sandbox events: cannot read new mail");
                    }
                }
            }
        }
        self.inner.closed.store(true, Ordering::Relaxed);
        for entry in self.lock().values() {
            entry.news.send_modify(|n| *n += 1);
        }
    }
}

/// At most `max` holders per key at once (a workspace's API waits, a
/// session's live lists); a slot is given back when its guard drops.
#[derive(Clone)]
pub struct Slots {
    max: usize,
    held: Arc<Mutex<HashMap<String, usize>>>,
}

/// A slot taken from [`Slots`].
pub struct Slot {
    slots: Slots,
    key: String,
}

impl Slots {
    pub fn new(max: usize) -> Self {
        Self {
            max,
            held: Arc::default(),
        }
    }

    pub fn max(&self) -> usize {
        self.max
    }

    /// A slot for `key`, or `None` when `max` are held.
    pub fn take(&self, key: &str) -> Option<Slot> {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        let count = held.entry(key.to_owned()).or_insert(0);
        if *count >= self.max {
            return None;
        }
        *count += 1;
        Some(Slot {
            slots: self.clone(),
            key: key.to_owned(),
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut held = self.slots.held.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = held.get_mut(&self.key) {
            *count -= 1;
            if *count == 0 {
                held.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_bounded_per_key_and_given_back_on_drop() {
        let slots = Slots::new(2);
        let a1 = slots.take("a").unwrap();
        let _a2 = slots.take("a").unwrap();
        assert!(slots.take("a").is_none());
        assert!(slots.take("b").is_some(), "another key has its own");
        drop(a1);
        assert!(slots.take("a").is_some());
    }

    #[test]
    fn a_workspace_is_watched_while_someone_waits() {
        let events = SandboxEvents::default();
        let workspace = WorkspaceId::generate();
        let first = events.subscribe(&workspace);
        let second = events.subscribe(&workspace);
        assert_eq!(events.waiting_on(&workspace), 2);
        drop(first);
        drop(second);
        assert_eq!(events.waiting_on(&workspace), 0);
        assert!(events.lock().is_empty());
    }
}
