//! Counts in this instance's memory.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use super::Slot;

/// Periods counted at most before finished ones are dropped.
const TRACKED: usize = 100_000;

#[derive(Default)]
pub(super) struct LocalCounts {
    counts: Mutex<HashMap<Slot, u32>>,
}

impl LocalCounts {
    /// Counts every slot, or none and returns the index of the first full one.
    pub(super) fn reserve(&self, wanted: &[(Slot, u32)]) -> Option<usize> {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if counts.len() >= TRACKED {
            let now = chrono::Utc::now();
            counts.retain(|slot, _| slot.ends_at() > now);
        }
        if let Some(full) = wanted
            .iter()
            .position(|(slot, limit)| counts.get(slot).copied().unwrap_or(0) >= *limit)
        {
            return Some(full);
        }
        for (slot, _) in wanted {
            *counts.entry(slot.clone()).or_insert(0) += 1;
        }
        None
    }

    pub(super) fn release(&self, slots: &[Slot]) {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        for slot in slots {
            if let Some(count) = counts.get_mut(slot) {
                *count = count.saturating_sub(1);
            }
        }
    }

    pub(super) fn counts(&self, slots: &[Slot]) -> Vec<u32> {
        let counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        slots
            .iter()
            .map(|slot| counts.get(slot).copied().unwrap_or(0))
            .collect()
    }
}
