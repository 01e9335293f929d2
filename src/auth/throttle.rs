//! Failures per key (an address, an email) in a sliding window.
//!
//! Rule for concurrent attempts: take a [`Reservation`] *before* the slow
//! check (argon2) and settle it after, so N attempts started together are
//! counted as they start and at most `limit` of them are ever checked.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Counts failures per key in a sliding window and says when a key has had
/// too many.
pub struct FailureThrottle {
    limit: usize,
    window: Duration,
    failures: Mutex<HashMap<String, VecDeque<Attempt>>>,
    next_ticket: AtomicU64,
}

/// A failure, or an attempt still being checked (counted as one meanwhile).
#[derive(Clone, Copy)]
struct Attempt {
    at: Instant,
    ticket: u64,
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
}

impl Reservation<'_> {
    /// The attempt succeeded (or could not be checked): it no longer counts.
    pub fn release(self) {
        let mut failures = self.throttle.lock();
        if let Some(times) = failures.get_mut(&self.key) {
            times.retain(|attempt| attempt.ticket != self.ticket);
            if times.is_empty() {
                failures.remove(&self.key);
            }
        }
    }

    /// The attempt failed: it stays counted for the window.
    pub fn failed(self) {}
}

/// Beyond this many keys, expired entries are swept on the next failure.
const SWEEP_ABOVE: usize = 10_000;

impl FailureThrottle {
    pub fn new(limit: usize, window: Duration) -> Self {
        Self {
            limit,
            window,
            failures: Mutex::new(HashMap::new()),
            next_ticket: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, VecDeque<Attempt>>> {
        self.failures.lock().expect("throttle lock poisoned")
    }

    /// Drops the attempts of `key` older than the window; `Some(wait)` when
    /// `limit` remain.
    fn wait_for(&self, times: &mut VecDeque<Attempt>, now: Instant) -> Option<Duration> {
        while times
            .front()
            .is_some_and(|a| now.duration_since(a.at) >= self.window)
        {
            times.pop_front();
        }
        if times.len() >= self.limit {
            let oldest = times.front()?.at;
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
    /// `limit` failures and attempts in progress already fill the window.
    pub fn try_reserve(&self, key: &str) -> Result<Reservation<'_>, Duration> {
        let now = Instant::now();
        let mut failures = self.lock();
        self.sweep(&mut failures, now);
        let times = failures.entry(key.to_owned()).or_default();
        if let Some(wait) = self.wait_for(times, now) {
            return Err(wait);
        }
        let ticket = self.next_ticket.fetch_add(1, Ordering::Relaxed);
        times.push_back(Attempt { at: now, ticket });
        Ok(Reservation {
            throttle: self,
            key: key.to_owned(),
            ticket,
        })
    }

    /// `Some(wait)` when `key` already has `limit` failures (or attempts in
    /// progress) in the window.
    pub fn blocked_for(&self, key: &str) -> Option<Duration> {
        let now = Instant::now();
        let mut failures = self.lock();
        let times = failures.get_mut(key)?;
        self.wait_for(times, now)
    }

    pub fn record_failure(&self, key: &str) {
        let now = Instant::now();
        let mut failures = self.lock();
        self.sweep(&mut failures, now);
        let ticket = self.next_ticket.fetch_add(1, Ordering::Relaxed);
        let times = failures.entry(key.to_owned()).or_default();
        times.push_back(Attempt { at: now, ticket });
        while times.len() > self.limit {
            times.pop_front();
        }
    }

    pub fn clear(&self, key: &str) {
        self.lock().remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_blocked_after_the_limit_and_others_are_not() {
        let throttle = FailureThrottle::new(3, Duration::from_secs(60));
        for _ in 0..2 {
            throttle.record_failure("a");
        }
        assert!(throttle.blocked_for("a").is_none());
        throttle.record_failure("a");
        let wait = throttle.blocked_for("a").expect("blocked after 3 failures");
        assert!(wait <= Duration::from_secs(60) && wait > Duration::from_secs(50));
        assert!(throttle.blocked_for("b").is_none());
    }

    #[test]
    fn failures_expire_after_the_window() {
        let throttle = FailureThrottle::new(1, Duration::from_millis(20));
        throttle.record_failure("a");
        assert!(throttle.blocked_for("a").is_some());
        std::thread::sleep(Duration::from_millis(30));
        assert!(throttle.blocked_for("a").is_none());
    }

    #[test]
    fn clearing_a_key_forgives_it() {
        let throttle = FailureThrottle::new(1, Duration::from_secs(60));
        throttle.record_failure("a");
        throttle.clear("a");
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
}
