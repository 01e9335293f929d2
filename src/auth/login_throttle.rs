//! Failed sign-ins (and wrong current passwords on the Account page) per
//! address and per account. With `POSTERN_REDIS_URL` set they are counted
//! in Redis, so a guesser gets the same 5 tries per 15 minutes however many
//! instances stand behind the balancer; without it, or while Redis is away,
//! each instance counts on its own ([`FailureThrottle`]).

use std::time::Duration;

use super::FailureThrottle;
use crate::web::session_store::{OutageLog, STORE_DEADLINE, within};

/// Failures allowed per key within [`WINDOW`].
pub const FAILURES_ALLOWED: usize = 5;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

/// KEYS[1]: the key; ARGV: window (ms), limit. Drops failures older than
/// the window; returns 0, or the milliseconds until the oldest of `limit`
/// failures leaves it.
const BLOCKED: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then return 0 end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)
";

/// KEYS[1]: the key; ARGV: window (ms), limit, a unique member. Keeps the
/// last `limit` failures, for the window.
const RECORD: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[2]) + 1))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
";

pub struct LoginThrottle {
    local: FailureThrottle,
    shared: Option<Shared>,
}

struct Shared {
    redis: deadpool_redis::Pool,
    blocked: redis::Script,
    record: redis::Script,
    outage: OutageLog,
    prefix: String,
}

/// The throttle key of an account (sign-in and the Account page share it).
pub fn account_key(email: &str) -> String {
    format!("email:{}", email.trim().to_lowercase())
}

/// Whole minutes until `wait` is over, at least 1.
pub fn minutes(wait: Duration) -> u64 {
    wait.as_secs().div_ceil(60).max(1)
}

/// `prefix` is `POSTERN_REDIS_PREFIX`.
fn redis_key(prefix: &str, key: &str) -> String {
    format!("{prefix}login-failures:{key}")
}

impl LoginThrottle {
    pub fn new() -> Self {
        Self {
            local: FailureThrottle::new(FAILURES_ALLOWED, WINDOW),
            shared: None,
        }
    }

    /// Counts in Redis (through `pool`, under keys starting with `prefix`),
    /// shared by every instance.
    pub fn shared(pool: deadpool_redis::Pool, prefix: &str) -> Self {
        Self {
            shared: Some(Shared {
                redis: pool,
                blocked: redis::Script::new(BLOCKED),
                record: redis::Script::new(RECORD),
                outage: OutageLog::new("sign-in throttle"),
                prefix: prefix.to_owned(),
            }),
            ..Self::new()
        }
    }

    /// `Some(wait)` when `key` already has too many failures.
    pub async fn blocked_for(&self, key: &str) -> Option<Duration> {
        if let Some(shared) = &self.shared {
            match within(STORE_DEADLINE, shared.blocked_for(key)).await {
                Ok(wait) => return wait,
                Err(error) => shared.outage.warn(&error),
            }
        }
        self.local.blocked_for(key)
    }

    pub async fn record_failure(&self, key: &str) {
        if let Some(shared) = &self.shared {
            match within(STORE_DEADLINE, shared.record_failure(key)).await {
                Ok(()) => return,
                Err(error) => shared.outage.warn(&error),
            }
        }
        self.local.record_failure(key);
    }

    pub async fn clear(&self, key: &str) {
        if let Some(shared) = &self.shared
            && let Err(error) = within(STORE_DEADLINE, shared.clear(key)).await
        {
            shared.outage.warn(&error);
        }
        self.local.clear(key);
    }
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self::new()
    }
}

impl Shared {
    async fn connection(&self) -> Result<deadpool_redis::Connection, String> {
        self.redis.get().await.map_err(|e| e.to_string())
    }

    async fn blocked_for(&self, key: &str) -> Result<Option<Duration>, String> {
        let wait_ms: u64 = self
            .blocked
            .key(redis_key(&self.prefix, key))
            .arg(WINDOW.as_millis() as u64)
            .arg(FAILURES_ALLOWED)
            .invoke_async(&mut self.connection().await?)
            .await
            .map_err(|e| e.to_string())?;
        Ok((wait_ms > 0).then(|| Duration::from_millis(wait_ms)))
    }

    async fn record_failure(&self, key: &str) -> Result<(), String> {
        let () = self
            .record
            .key(redis_key(&self.prefix, key))
            .arg(WINDOW.as_millis() as u64)
            .arg(FAILURES_ALLOWED)
            .arg(crate::secrets::random_token(9))
            .invoke_async(&mut self.connection().await?)
            .await
            .map_err(|e| e.to_string())?;
        Ok(())
    }

    async fn clear(&self, key: &str) -> Result<(), String> {
        redis::cmd("DEL")
            .arg(redis_key(&self.prefix, key))
            .query_async::<()>(&mut self.connection().await?)
            .await
            .map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Straight to Redis: falling back to memory must not pass this test.
    #[tokio::test]
    async fn redis_blocks_after_the_limit_and_forgets_on_clear() {
        let Some(pool) = crate::web::session_store::test_pool() else {
            return;
        };
        let throttle = LoginThrottle::shared(pool, "postern-test:");
        let shared = throttle.shared.as_ref().unwrap();
        let key = format!("email:{}@example.com", crate::secrets::random_token(9));
        for _ in 0..FAILURES_ALLOWED - 1 {
            shared.record_failure(&key).await.unwrap();
        }
        assert_eq!(shared.blocked_for(&key).await.unwrap(), None);
        shared.record_failure(&key).await.unwrap();
        let wait = shared.blocked_for(&key).await.unwrap().expect("blocked");
        assert!(
            wait <= WINDOW && wait > WINDOW - Duration::from_secs(10),
            "{wait:?}"
        );
        let other = format!("email:{}@example.com", crate::secrets::random_token(9));
        assert_eq!(shared.blocked_for(&other).await.unwrap(), None);
        shared.clear(&key).await.unwrap();
        assert_eq!(shared.blocked_for(&key).await.unwrap(), None);
    }
}
