//! Messages sent per credential against its [`SendLimits`], in fixed UTC
//! windows (the current minute, hour and day), and what the dashboard shows
//! of them ("312 / 1,000 today").
//!
//! A message is counted when it is *reserved*, at MAIL FROM: the check and
//! the count are one atomic step (one Lua script in Redis, one lock in
//! memory), so twenty sessions at once cannot all pass a limit with one
//! message left. A transaction that ends without the message being accepted
//! (RSET, a refused message, a dropped connection) gives its reservation
//! back. Only windows with a limit are counted, so an unlimited credential
//! costs nothing, and a limit set mid-day counts from then.
//!
//! With `POSTERN_REDIS_URL` every instance counts in Redis, so a limit holds
//! across the cluster; should Redis fail, the instance counts on its own
//! until it is back. Without Redis each instance counts in memory, bounded
//! by the credentials with a limit that sent in the current day.

mod local;
mod shared;

use chrono::{DateTime, TimeZone, Utc};

use crate::domain::CredentialId;
use crate::domain::policy::{SendLimits, Window, group_digits};
use crate::redis::{OutageLog, within};

use self::local::LocalCounts;
use self::shared::SharedCounts;

/// How long a count waits for Redis before it is counted locally.
const REDIS_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(250);

/// One window's count: which credential, which window, which period.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Slot {
    credential: CredentialId,
    window: Window,
    /// Unix seconds the period started at.
    start: i64,
}

impl Slot {
    fn new(credential: &CredentialId, window: Window, at: DateTime<Utc>) -> Self {
        let length = window.seconds() as i64;
        Self {
            credential: credential.clone(),
            window,
            start: at.timestamp().div_euclid(length) * length,
        }
    }

    fn ends_at(&self) -> DateTime<Utc> {
        Utc.timestamp_opt(self.start + self.window.seconds() as i64, 0)
            .single()
            .unwrap_or_else(Utc::now)
    }
}

/// A limit that is reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exceeded {
    pub window: Window,
    pub limit: u32,
    /// When the window ends and sending may resume.
    pub retry_at: DateTime<Utc>,
}

/// A message counted at MAIL FROM; give it back with
/// [`SendCounter::release`] if the message is not accepted.
#[derive(Debug)]
pub struct Reservation {
    slots: Vec<Slot>,
    /// Counted in Redis (else in this instance's memory).
    shared: bool,
}

/// One window's usage against its limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Usage {
    pub window: Window,
    pub used: u32,
    pub limit: u32,
    pub resets_at: DateTime<Utc>,
}

/// `312 / 1,000 today`, `4 / 10 this minute`, `40 / 100 this hour`.
impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let period = match self.window {
            Window::Minute => "this minute",
            Window::Hour => "this hour",
            Window::Day => "today",
        };
        write!(
            f,
            "{} / {} {period}",
            group_digits(self.used.into()),
            group_digits(self.limit.into())
        )
    }
}

/// The counts of every credential, shared by the SMTP listener and the
/// dashboard of one instance.
pub struct SendCounter {
    local: LocalCounts,
    shared: Option<SharedCounts>,
    outage: OutageLog,
}

impl SendCounter {
    /// Counts in this instance's memory only.
    pub fn new() -> Self {
        Self {
            local: LocalCounts::default(),
            shared: None,
            outage: OutageLog::new("send limits"),
        }
    }

    /// Counts in Redis (keys starting with `prefix`), shared by every
    /// instance using it.
    pub fn shared(pool: deadpool_redis::Pool, prefix: &str) -> Self {
        Self {
            shared: Some(SharedCounts::new(pool, prefix)),
            ..Self::new()
        }
    }

    /// Counts one message against every rate limit in `limits`, or says
    /// which one is reached (the first of minute, hour, day), counting
    /// nothing. `Ok(None)` when no rate limit is set.
    pub async fn reserve(
        &self,
        credential: &CredentialId,
        limits: SendLimits,
        at: DateTime<Utc>,
    ) -> Result<Option<Reservation>, Exceeded> {
        let wanted: Vec<(Slot, u32)> = limits
            .rates()
            .map(|(window, limit)| (Slot::new(credential, window, at), limit))
            .collect();
        if wanted.is_empty() {
            return Ok(None);
        }
        let refused = |index: usize| {
            let (slot, limit) = &wanted[index];
            Exceeded {
                window: slot.window,
                limit: *limit,
                retry_at: slot.ends_at(),
            }
        };
        if let Some(shared) = &self.shared {
            match within(REDIS_TIMEOUT, shared.reserve(&wanted)).await {
                Ok(None) => return Ok(Some(reservation(wanted, true))),
                Ok(Some(index)) => return Err(refused(index)),
                Err(error) => self.outage.warn(&error),
            }
        }
        match self.local.reserve(&wanted) {
            None => Ok(Some(reservation(wanted, false))),
            Some(index) => Err(refused(index)),
        }
    }

    /// Gives back a message that was not accepted.
    pub async fn release(&self, reservation: Reservation) {
        if reservation.shared {
            if let Some(shared) = &self.shared {
                match within(REDIS_TIMEOUT, shared.release(&reservation.slots)).await {
                    Ok(()) => return,
                    Err(error) => self.outage.warn(&error),
                }
            }
            return;
        }
        self.local.release(&reservation.slots);
    }

    /// The usage of each rate limit set in `limits`, in window order.
    pub async fn usage(
        &self,
        credential: &CredentialId,
        limits: SendLimits,
        at: DateTime<Utc>,
    ) -> Vec<Usage> {
        let slots: Vec<(Slot, u32)> = limits
            .rates()
            .map(|(window, limit)| (Slot::new(credential, window, at), limit))
            .collect();
        let keys: Vec<Slot> = slots.iter().map(|(s, _)| s.clone()).collect();
        let mut counts = None;
        if let Some(shared) = &self.shared {
            match within(REDIS_TIMEOUT, shared.counts(&keys)).await {
                Ok(found) => counts = Some(found),
                Err(error) => self.outage.warn(&error),
            }
        }
        let counts = counts.unwrap_or_else(|| self.local.counts(&keys));
        slots
            .into_iter()
            .zip(counts)
            .map(|((slot, limit), used)| Usage {
                window: slot.window,
                used,
                limit,
                resets_at: slot.ends_at(),
            })
            .collect()
    }
}

/// The usage of each rate limit a credential has, as stored with it.
pub async fn of_credential(
    counter: &SendCounter,
    credential: &CredentialId,
    stored: &crate::db::models::smtp_credential::Policies,
) -> Vec<Usage> {
    let limits = SendLimits::from_columns([
        stored.max_per_minute,
        stored.max_per_hour,
        stored.max_per_day,
        stored.max_recipients,
    ]);
    counter.usage(credential, limits, Utc::now()).await
}

impl Default for SendCounter {
    fn default() -> Self {
        Self::new()
    }
}

fn reservation(wanted: Vec<(Slot, u32)>, shared: bool) -> Reservation {
    Reservation {
        slots: wanted.into_iter().map(|(slot, _)| slot).collect(),
        shared,
    }
}

#[cfg(test)]
mod tests;
