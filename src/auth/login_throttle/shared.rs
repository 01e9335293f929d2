//! The throttle's counters in Redis: one sorted set of attempt times per
//! counter, reserved for all counters at once by a script.

use std::time::Duration;

use super::{SignInKeys, WINDOW};
use crate::redis::OutageLog;

/// KEYS: the counters; ARGV: window (ms), a unique member, then each key's
/// limit. Drops entries older than the window; when every counter is below
/// its limit, adds the member to each and returns 0, else adds nothing and
/// returns the milliseconds until every full counter has room again.
const RESERVE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local wait = 0
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local limit = tonumber(ARGV[i + 2])
  local count = redis.call('ZCARD', key)
  if count >= limit then
    local entry = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
    wait = math.max(wait, tonumber(entry[2]) + window - now, 1)
  end
end
if wait > 0 then return wait end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[2])
  redis.call('PEXPIRE', key, window)
end
return 0
";

/// Every Redis key of the throttle is made here; `prefix` is
/// `POSTERN_REDIS_PREFIX`.
fn redis_key(prefix: &str, key: &str) -> String {
    format!("{prefix}login-failures:{key}")
}

/// The counters in Redis, shared by every instance.
pub(super) struct Shared {
    pub(super) outage: OutageLog,
    redis: deadpool_redis::Pool,
    reserve: ::redis::Script,
    prefix: String,
}

impl Shared {
    pub(super) fn new(pool: deadpool_redis::Pool, prefix: &str) -> Self {
        Self {
            redis: pool,
            reserve: ::redis::Script::new(RESERVE),
            outage: OutageLog::new("sign-in throttle"),
            prefix: prefix.to_owned(),
        }
    }

    async fn connection(&self) -> Result<deadpool_redis::Connection, String> {
        self.redis.get().await.map_err(|e| e.to_string())
    }

    /// `Some(wait)` when a counter is full, `None` once the member is counted.
    pub(super) async fn reserve(
        &self,
        keys: &SignInKeys,
        member: &str,
    ) -> Result<Option<Duration>, String> {
        let mut invocation = self.reserve.prepare_invoke();
        for key in keys.keys() {
            invocation.key(redis_key(&self.prefix, key));
        }
        invocation.arg(WINDOW.as_millis() as u64).arg(member);
        for (_, limit) in &keys.counters {
            invocation.arg(*limit);
        }
        let wait_ms: u64 = invocation
            .invoke_async(&mut self.connection().await?)
            .await
            .map_err(|e| e.to_string())?;
        Ok((wait_ms > 0).then(|| Duration::from_millis(wait_ms)))
    }

    pub(super) async fn release(&self, keys: &SignInKeys, member: &str) -> Result<(), String> {
        let mut pipe = ::redis::pipe();
        for key in keys.keys() {
            pipe.cmd("ZREM")
                .arg(redis_key(&self.prefix, key))
                .arg(member)
                .ignore();
        }
        pipe.query_async::<()>(&mut self.connection().await?)
            .await
            .map_err(|e| e.to_string())
    }

    pub(super) async fn clear(&self, key: &str) -> Result<(), String> {
        ::redis::cmd("DEL")
            .arg(redis_key(&self.prefix, key))
            .query_async::<()>(&mut self.connection().await?)
            .await
            .map_err(|e| e.to_string())
    }
}
