//! Failures per key (an address, an email) in a sliding window.
//!
//! Rule for concurrent attempts: take a [`Reservation`] *before* the slow
//! check (argon2) and settle it after, so N attempts started together are
//! counted as they start and at most `limit` of them are ever checked.
//! [`FailureThrottle::reserve`] waits while attempts still being checked
//! fill the limit (they may yet succeed and give their places back), so a
//! burst of right passwords queues instead of being refused; only settled
//! failures refuse.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

/// Counts failures per key in a sliding window and says when a key has had
/// too many.
pub struct FailureThrottle {
    limit: usize,
    window: Duration,
    failures: Mutex<HashMap<String, VecDeque<Attempt>>>,
    next_ticket: AtomicU64,
    /// Woken whenever an attempt is settled.
    settled: Notify,
}

/// A failure, or an attempt still being checked (counted as one meanwhile).
#[derive(Clone, Copy)]
struct Attempt {
    at: Instant,
    ticket: u64,
    /// Still being checked: not yet known to be a failure.
    pending: bool,
}

/// One attempt counted against its key until it is settled: [`release`]d
/// when it succeeded, kept as a failure otherwise (also when dropped).
///
/// [`release`]: Reservation::release
#[must_use = "an attempt is settled by release() or failed()"]
pub struct Reservation<'a> {
    throttle: &'a FailureThrottle,
    key: String,
    ticket: u64,
    released: bool,
}

impl Reservation<'_> {
    /// The attempt succeeded (or was never checked): it no longer counts.
    pub fn release(mut self) {
        self.released = true;
    }

    /// The attempt failed: it stays counted for the window. A reservation
    /// dropped without either is settled the same way.
    pub fn failed(self) {}
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        let mut failures = self.throttle.lock();
        if let Some(times) = failures.get_mut(&self.key) {
            if self.released {
                times.retain(|attempt| attempt.ticket != self.ticket);
            } else if let Some(attempt) = times.iter_mut().find(|a| a.ticket == self.ticket) {
                attempt.pending = false;
            }
            if times.is_empty() {
                failures.remove(&self.key);
            }
        }
        drop(failures);
        self.throttle.settled.notify_waiters();
    }
}

/// Why no reservation was given.
enum Refusal {
    /// Settled failures fill the limit: wait this long.
    Blocked(Duration),
    /// Attempts still being checked fill it: wait for one to settle.
    Busy,
}

/// How long [`FailureThrottle::reserve`] waits for attempts in progress.
const BUSY_WAIT: Duration = Duration::from_secs(30);

const SWEEP_ABOVE: usize = 10_000;

impl FailureThrottle {
    pub fn new(limit: usize, window: Duration) -> Self {
        Self {
            limit,
            window,
            failures: Mutex::new(HashMap::new()),
            next_ticket: AtomicU64::new(0),
            settled: Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, VecDeque<Attempt>>> {
        self.failures.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Drops the attempts of `key` older than the window; `Some(wait)` when
    /// `limit` remain.
    /// Drops expired attempts; `Some(wait)` when the settled failures
    /// alone fill the limit.
    fn wait_for(&self, times: &mut VecDeque<Attempt>, now: Instant) -> Option<Duration> {
        times.retain(|a| a.pending || now.duration_since(a.at) < self.window);
        let mut failed = times.iter().filter(|a| !a.pending);
        if failed.clone().count() >= self.limit {
            let oldest = failed.next()?.at;
            Some(self.window.saturating_sub(now.duration_since(oldest)))
        } else {
            None
        }
    }

    fn sweep(&self, failures: &mut HashMap<String, VecDeque<Attempt>>, now: Instant) {
        if failures.len() > SWEEP_ABOVE {
            failures.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|a| now.duration_since(a.at) < self.window)
            });
        }
    }

    /// Counts an attempt for `key` before it is checked, or `Err(wait)` when
    /// `limit` failures and attempts in progress already fill the window
    /// (never waits).
    pub fn try_reserve(&self, key: &str) -> Result<Reservation<'_>, Duration> {
        self.reserve_now(key).map_err(|refusal| match refusal {
            Refusal::Blocked(wait) => wait,
            Refusal::Busy => self.window,
        })
    }

    /// Like [`Self::try_reserve`], but while attempts still being checked
    /// fill the limit it waits (up to 30 s) for them to settle: those that
    /// succeed give their places back. `Err(wait)` once failures fill it.
    pub async fn reserve(&self, key: &str) -> Result<Reservation<'_>, Duration> {
        let deadline = tokio::time::Instant::now() + BUSY_WAIT;
        loop {
            let settled = self.settled.notified();
            tokio::pin!(settled);
            settled.as_mut().enable();
            match self.reserve_now(key) {
                Ok(reservation) => return Ok(reservation),
                Err(Refusal::Blocked(wait)) => return Err(wait),
                Err(Refusal::Busy) => {
                    if tokio::time::timeout_at(deadline, settled).await.is_err() {
                        return Err(self.window);
                    }
                }
            }
        }
    }

    fn reserve_now(&self, key: &str) -> Result<Reservation<'_>, Refusal> {
        let now = Instant::now();
        let mut failures = self.lock();
        self.sweep(&mut failures, now);
        let times = failures.entry(key.to_owned()).or_default();
        if let Some(wait) = self.wait_for(times, now) {
            return Err(Refusal::Blocked(wait));
        }
        if times.len() >= self.limit {
            return Err(Refusal::Busy);
        }
        let ticket = self.next_ticket.fetch_add(1, Ordering::Relaxed);
        times.push_back(Attempt {
            at: now,
            ticket,
            pending: true,
        });
        Ok(Reservation {
            throttle: self,
            key: key.to_owned(),
            ticket,
            released: false,
        })
    }

    pub fn blocked_for(&self, key: &str) -> Option<Duration> {
        let now = Instant::now();
        let mut failures = self.lock();
        let times = failures.get_mut(key)?;
        self.wait_for(times, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One attempt that failed.
    fn fail(throttle: &FailureThrottle, key: &str) {
        throttle
            .try_reserve(key)
            .expect("room for an attempt")
            .failed();
    }

    #[test]
    fn a_key_is_blocked_after_the_limit_and_others_are_not() {
        let throttle = FailureThrottle::new(3, Duration::from_secs(60));
        for _ in 0..2 {
            fail(&throttle, "a");
        }
        assert!(throttle.blocked_for("a").is_none());
        fail(&throttle, "a");
        let wait = throttle.blocked_for("a").expect("blocked after 3 failures");
        assert!(wait <= Duration::from_secs(60) && wait > Duration::from_secs(50));
        assert!(throttle.blocked_for("b").is_none());
    }

    #[test]
    fn failures_expire_after_the_window() {
        let throttle = FailureThrottle::new(1, Duration::from_millis(20));
        fail(&throttle, "a");
        assert!(throttle.blocked_for("a").is_some());
        std::thread::sleep(Duration::from_millis(30));
        assert!(throttle.blocked_for("a").is_none());
    }

    #[test]
    fn parallel_reservations_stop_at_the_limit() {
        let throttle = std::sync::Arc::new(FailureThrottle::new(10, Duration::from_secs(60)));
        let granted: usize = (0..30)
            .map(|_| {
                let throttle = throttle.clone();
                std::thread::spawn(move || match throttle.try_reserve("a") {
                    Ok(reservation) => {
                        reservation.failed();
                        1
                    }
                    Err(_) => 0,
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|t| t.join().unwrap())
            .sum();
        assert_eq!(granted, 10);
        assert!(throttle.blocked_for("a").is_some());
    }

    #[test]
    fn a_released_reservation_no_longer_counts() {
        let throttle = FailureThrottle::new(2, Duration::from_secs(60));
        let first = throttle.try_reserve("a").unwrap();
        let second = throttle.try_reserve("a").unwrap();
        assert!(
            throttle.try_reserve("a").is_err(),
            "two in progress fill it"
        );
        first.release();
        second.failed();
        let third = throttle.try_reserve("a").expect("a released slot is free");
        drop(third);
        let wait = throttle.try_reserve("a").map(|_| ()).unwrap_err();
        assert!(
            wait > Duration::from_secs(50),
            "a dropped reservation counts"
        );
    }

    #[tokio::test]
    async fn a_burst_waits_for_attempts_in_progress_and_only_failures_refuse() {
        let throttle = std::sync::Arc::new(FailureThrottle::new(2, Duration::from_secs(60)));
        let first = throttle.reserve("a").await.unwrap();
        let second = throttle.reserve("a").await.unwrap();
        // A third waits while two are being checked...
        let waiting = {
            let throttle = throttle.clone();
            tokio::spawn(async move { throttle.reserve("a").await.map(Reservation::release) })
        };
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished());
        // ...and gets the place a success gives back.
        first.release();
        waiting.await.unwrap().expect("a released place is taken");
        // Two settled failures refuse at once, without waiting.
        second.failed();
        throttle.reserve("a").await.unwrap().failed();
        let started = std::time::Instant::now();
        assert!(throttle.reserve("a").await.is_err());
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
