//! The Redis connection pool and the helpers every user of Redis shares
//! (sessions, API rate limits, sign-in throttles): a deadline on each call,
//! and warnings of an outage at most once a minute.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// How long one Redis call may take (the dashboard answers 503 after it
/// when the sessions are in Redis).
pub const DEADLINE: Duration = Duration::from_secs(1);

/// A pool of Redis connections at `url` whose every wait, connect and
/// health check gives up after [`DEADLINE`]. Connects lazily.
pub fn pool(url: &str) -> Result<deadpool_redis::Pool, String> {
    deadpool_redis::Config::from_url(url)
        .builder()
        .map_err(|e| e.to_string())?
        .max_size(32)
        .wait_timeout(Some(DEADLINE))
        .create_timeout(Some(DEADLINE))
        .recycle_timeout(Some(DEADLINE))
        .runtime(deadpool_redis::Runtime::Tokio1)
        .build()
        .map_err(|e| e.to_string())
}

/// One Redis call (through the pool), given up after `deadline`.
pub async fn within<T>(
    deadline: Duration,
    call: impl Future<Output = Result<T, String>>,
) -> Result<T, String> {
    tokio::time::timeout(deadline, call)
        .await
        .unwrap_or_else(|_| Err(format!("no answer within {deadline:?}")))
}

/// Warns of Redis failures at most once a minute, not once per request.
pub struct OutageLog {
    /// What falls back, e.g. "API rate limits".
    what: &'static str,
    /// Unix seconds of the last warning.
    warned_at: AtomicI64,
}

impl OutageLog {
    pub const fn new(what: &'static str) -> Self {
        Self {
            what,
            warned_at: AtomicI64::new(0),
        }
    }

    pub fn warn(&self, error: &str) {
        let now = chrono::Utc::now().timestamp();
        let last = self.warned_at.load(Ordering::Relaxed);
        if now - last >= 60
            && self
                .warned_at
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            tracing::warn!(
                %error,
                "{}: Redis failed; counting on this instance until it is back",
                self.what
            );
        }
    }
}

/// For unit tests: a pool on `POSTERN_TEST_REDIS_URL`, when it is set.
#[cfg(test)]
pub fn test_pool() -> Option<deadpool_redis::Pool> {
    let url = std::env::var("POSTERN_TEST_REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty())?;
    Some(pool(&url).expect("POSTERN_TEST_REDIS_URL is a redis:// URL"))
}

/// Checks that Redis answers (at start-up: a wrong URL stops the server
/// with one line).
pub async fn ping(pool: &deadpool_redis::Pool) -> Result<(), String> {
    let mut connection = pool.get().await.map_err(|e| e.to_string())?;
    ::redis::cmd("PING")
        .query_async::<()>(&mut connection)
        .await
        .map_err(|e| e.to_string())
}
