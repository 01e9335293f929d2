use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Counts failures per key (an address, an email) in a sliding window and
/// says when a key has had too many.
pub struct FailureThrottle {
    limit: usize,
    window: Duration,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

/// Beyond this many keys, expired entries are swept on the next failure.
const SWEEP_ABOVE: usize = 10_000;

impl FailureThrottle {
    pub fn new(limit: usize, window: Duration) -> Self {
        Self {
            limit,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// `Some(wait)` when `key` already has `limit` failures in the window.
    pub fn blocked_for(&self, key: &str) -> Option<Duration> {
        let now = Instant::now();
        let mut failures = self.failures.lock().expect("throttle lock poisoned");
        let times = failures.get_mut(key)?;
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            times.pop_front();
        }
        if times.len() >= self.limit {
            let oldest = *times.front()?;
            Some(self.window.saturating_sub(now.duration_since(oldest)))
        } else {
            None
        }
    }

    pub fn record_failure(&self, key: &str) {
        let now = Instant::now();
        let mut failures = self.failures.lock().expect("throttle lock poisoned");
        if failures.len() > SWEEP_ABOVE {
            failures.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < self.window)
            });
        }
        let times = failures.entry(key.to_owned()).or_default();
        times.push_back(now);
        while times.len() > self.limit {
            times.pop_front();
        }
    }

    pub fn clear(&self, key: &str) {
        self.failures
            .lock()
            .expect("throttle lock poisoned")
            .remove(key);
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
}
