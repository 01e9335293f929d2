//! What the sandbox holds, as far as this instance knows, without asking
//! the database on the reply path: the instance-wide total (against
//! `POSTERN_SANDBOX_MAX_BYTES`) and, per workspace, what arrived since its
//! limits were last enforced. The retention job sets the total from the
//! database every round, so what other instances stored or deleted is
//! counted within one interval.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use crate::domain::{SandboxLimits, WorkspaceId};

/// Shared by the SMTP listener, the dashboard and the retention job.
#[derive(Clone, Default)]
pub struct SandboxUsage(Arc<Inner>);

impl std::fmt::Debug for SandboxUsage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxUsage")
            .field("ceiling", &self.0.ceiling)
            .field("total", &self.total_bytes())
            .finish_non_exhaustive()
    }
}

#[derive(Default)]
struct Inner {
    ceiling: Option<u64>,
    total: AtomicI64,
    workspaces: Mutex<HashMap<WorkspaceId, SincePrune>>,
    /// Messages waiting to be written (group commit).
    writes: super::writer::Queue,
}

/// A workspace's arrivals since its limits were last enforced.
#[derive(Default)]
struct SincePrune {
    messages: u64,
    bytes: u64,
    /// The limits read by that enforcement (none yet: enforce at once).
    limits: Option<SandboxLimits>,
    /// An enforcement is under way.
    running: bool,
}

/// Enforcement is due after a tenth of a limit has arrived, and at the
/// latest after this many messages, so a workspace passes its limits by
/// little between two rounds of the job.
const MAX_MESSAGES_BETWEEN: u64 = 100;
const MAX_BYTES_BETWEEN: u64 = 10_000_000;

impl SandboxUsage {
    /// `ceiling`: the most bytes of sandbox mail the instance keeps.
    pub fn new(ceiling: Option<u64>) -> Self {
        Self(Arc::new(Inner {
            ceiling,
            ..Inner::default()
        }))
    }

    /// Whether a message of `size` bytes fits under the ceiling.
    pub fn has_room_for(&self, size: usize) -> bool {
        match self.0.ceiling {
            None => true,
            Some(ceiling) => {
                let total = self.0.total.load(Ordering::Relaxed).max(0) as u64;
                total.saturating_add(size as u64) <= ceiling
            }
        }
    }

    pub(super) fn writes(&self) -> &super::writer::Queue {
        &self.0.writes
    }

    /// `POSTERN_SANDBOX_MAX_BYTES`.
    pub fn ceiling(&self) -> Option<u64> {
        self.0.ceiling
    }

    /// The instance's sandbox mail in bytes, as last counted.
    pub fn total_bytes(&self) -> i64 {
        self.0.total.load(Ordering::Relaxed)
    }

    pub(super) fn set_total(&self, bytes: i64) {
        self.0.total.store(bytes, Ordering::Relaxed);
    }

    pub(super) fn removed(&self, bytes: i64) {
        self.0.total.fetch_sub(bytes, Ordering::Relaxed);
    }

    /// Counts a stored message; true when the workspace's limits are due
    /// to be enforced (the caller then does, and calls [`Self::enforced`]).
    pub(super) fn added(&self, workspace: &WorkspaceId, size: usize) -> bool {
        self.0.total.fetch_add(size as i64, Ordering::Relaxed);
        let mut map = self.0.workspaces.lock().unwrap_or_else(|e| e.into_inner());
        let entry = map.entry(workspace.clone()).or_default();
        entry.messages += 1;
        entry.bytes += size as u64;
        entry.start_if_due()
    }

    /// The workspace's limits were just enforced (or failed to be:
    /// `None`); true when what arrived meanwhile makes them due again.
    pub(super) fn enforced(&self, workspace: &WorkspaceId, limits: Option<SandboxLimits>) -> bool {
        let mut map = self.0.workspaces.lock().unwrap_or_else(|e| e.into_inner());
        let entry = map.entry(workspace.clone()).or_default();
        entry.limits = limits.or(entry.limits);
        entry.running = false;
        limits.is_some() && entry.start_if_due()
    }
}

impl SincePrune {
    /// Whether enforcement is due and none is running; if so it counts as
    /// started, and arrivals are counted afresh from here.
    fn start_if_due(&mut self) -> bool {
        let due = match self.limits {
            None => true,
            Some(limits) => {
                self.messages >= (limits.max_messages() / 10).clamp(1, MAX_MESSAGES_BETWEEN)
                    || self.bytes >= (limits.max_bytes() / 10).min(MAX_BYTES_BETWEEN)
            }
        };
        if !due || self.running {
            return false;
        }
        *self = SincePrune {
            running: true,
            limits: self.limits,
            ..SincePrune::default()
        };
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ceiling_counts_what_was_added_and_removed() {
        let usage = SandboxUsage::new(Some(1_000));
        let workspace = WorkspaceId::generate();
        assert!(usage.has_room_for(1_000));
        usage.added(&workspace, 900);
        assert!(usage.has_room_for(100));
        assert!(!usage.has_room_for(101));
        usage.removed(500);
        assert!(usage.has_room_for(600));
        assert!(SandboxUsage::new(None).has_room_for(usize::MAX));
    }

    #[test]
    fn enforcement_is_due_at_first_then_after_a_tenth_of_the_limit() {
        let usage = SandboxUsage::new(None);
        let workspace = WorkspaceId::generate();
        assert!(usage.added(&workspace, 10), "limits not yet read");
        assert!(!usage.added(&workspace, 10), "one enforcement at a time");
        let limits = SandboxLimits::parse("50", "30", "500").unwrap();
        // The one that arrived during that run counts towards the next.
        assert!(
            !usage.enforced(&workspace, Some(limits)),
            "one arrival only"
        );
        let due: Vec<bool> = (0..4).map(|_| usage.added(&workspace, 10)).collect();
        assert_eq!(due, [false, false, false, true]);
        // Five more arrive while that runs: due again as soon as it ends.
        let during: Vec<bool> = (0..5).map(|_| usage.added(&workspace, 10)).collect();
        assert_eq!(during, [false; 5]);
        assert!(usage.enforced(&workspace, Some(limits)));
    }
}
