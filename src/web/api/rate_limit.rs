//! Requests per second per API key (and per address for requests without a
//! valid key), GCRA with a burst of twice the rate.
//!
//! With `POSTERN_REDIS_URL` set, every instance counts in Redis (one atomic
//! script per request), so a key gets its rate across the whole cluster, not
//! per instance. Should Redis fail or be slow to answer, the instance counts
//! on its own in memory until Redis is back: the API keeps serving.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use crate::domain::ApiKeyId;
use crate::redis::{OutageLog, within};

/// Who a request is counted against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Caller {
    Key(ApiKeyId),
    /// No valid key: counted per client address.
    Address(Option<IpAddr>),
}

impl Caller {
    /// `prefix` is `POSTERN_REDIS_PREFIX`.
    fn redis_key(&self, prefix: &str) -> String {
        match self {
            Self::Key(id) => format!("{prefix}api-rate:key:{id}"),
            Self::Address(Some(ip)) => format!("{prefix}api-rate:ip:{ip}"),
            Self::Address(None) => format!("{prefix}api-rate:ip:unknown"),
        }
    }
}

/// The outcome of one request against the limit.
#[derive(Debug, Clone, Copy)]
pub struct Decision {
    pub limit: u32,
    pub remaining: u32,
    /// `Some(seconds)` when the request is refused.
    pub retry_after_secs: Option<u64>,
}

type Limiter =
    RateLimiter<Caller, DefaultKeyedStateStore<Caller>, DefaultClock, StateInformationMiddleware>;

pub struct ApiRateLimiter {
    local: Limiter,
    clock: DefaultClock,
    per_second: u32,
    burst: u32,
    shared: Option<Shared>,
}

/// Forget idle callers once this many are tracked.
const TRACKED_CALLERS: usize = 10_000;
/// How long a request waits for Redis before it is counted locally.
const REDIS_TIMEOUT: Duration = Duration::from_millis(250);

/// GCRA in one atomic step. KEYS[1]: the caller; ARGV: the emission
/// interval and the burst, in microseconds and requests. The key holds the
/// theoretical arrival time and expires once it is in the past. Returns
/// `{1, remaining}` or `{0, microseconds to wait}`.
const GCRA: &str = r"
if redis.replicate_commands then pcall(redis.replicate_commands) end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = interval * tonumber(ARGV[2])
local stored = redis.call('GET', KEYS[1])
local tat = stored and tonumber(stored) or now
if tat < now then tat = now end
local new_tat = tat + interval
local wait = new_tat - tolerance - now
if wait > 0 then return {0, math.ceil(wait)} end
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', math.ceil((new_tat - now) / 1000) + 1)
return {1, math.floor((tolerance - (new_tat - now)) / interval)}
";

struct Shared {
    redis: deadpool_redis::Pool,
    script: redis::Script,
    outage: OutageLog,
    /// `POSTERN_REDIS_PREFIX`.
    prefix: String,
}

impl ApiRateLimiter {
    /// Counts in this instance's memory only.
    pub fn new(per_second: u32) -> Self {
        let rate = NonZeroU32::new(per_second.max(1)).expect("at least 1");
        let burst = rate.saturating_mul(NonZeroU32::new(2).expect("2 is not zero"));
        Self {
            local: RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst))
                .with_middleware::<StateInformationMiddleware>(),
            clock: DefaultClock::default(),
            per_second: rate.get(),
            burst: burst.get(),
            shared: None,
        }
    }

    /// Counts in Redis (through `pool`, under keys starting with `prefix`),
    /// shared by every instance using it.
    pub fn shared(per_second: u32, pool: deadpool_redis::Pool, prefix: &str) -> Self {
        Self {
            shared: Some(Shared {
                redis: pool,
                script: redis::Script::new(GCRA),
                outage: OutageLog::new("API rate limits"),
                prefix: prefix.to_owned(),
            }),
            ..Self::new(per_second)
        }
    }

    pub async fn check(&self, caller: &Caller) -> Decision {
        if let Some(shared) = &self.shared {
            match within(REDIS_TIMEOUT, self.check_shared(shared, caller)).await {
                Ok(decision) => return decision,
                Err(error) => shared.outage.warn(&error),
            }
        }
        self.check_local(caller)
    }

    async fn check_shared(&self, shared: &Shared, caller: &Caller) -> Result<Decision, String> {
        let interval_us = (1_000_000 / u64::from(self.per_second)).max(1);
        let mut connection = shared.redis.get().await.map_err(|e| e.to_string())?;
        let (allowed, value): (u8, u64) = shared
            .script
            .key(caller.redis_key(&shared.prefix))
            .arg(interval_us)
            .arg(self.burst)
            .invoke_async(&mut connection)
            .await
            .map_err(|e| e.to_string())?;
        Ok(match allowed {
            1 => Decision {
                limit: self.per_second,
                remaining: u32::try_from(value).unwrap_or(u32::MAX),
                retry_after_secs: None,
            },
            _ => self.refused(Duration::from_micros(value)),
        })
    }

    fn check_local(&self, caller: &Caller) -> Decision {
        if self.local.len() > TRACKED_CALLERS {
            self.local.retain_recent();
        }
        match self.local.check_key(caller) {
            Ok(snapshot) => Decision {
                limit: self.per_second,
                remaining: snapshot.remaining_burst_capacity(),
                retry_after_secs: None,
            },
            Err(not_until) => self.refused(not_until.wait_time_from(self.clock.now())),
        }
    }

    fn refused(&self, wait: Duration) -> Decision {
        Decision {
            limit: self.per_second,
            remaining: 0,
            // Retry-After counts whole seconds: round up, at least 1.
            retry_after_secs: Some(wait.as_secs() + 1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_key_gets_its_burst_then_is_refused_while_others_are_not() {
        let limiter = ApiRateLimiter::new(5);
        let key = Caller::Key(ApiKeyId::generate());
        let mut allowed = 0;
        for _ in 0..30 {
            if limiter.check(&key).await.retry_after_secs.is_none() {
                allowed += 1;
            }
        }
        assert!((10..=11).contains(&allowed), "allowed {allowed}");
        let refused = limiter.check(&key).await;
        assert_eq!(refused.remaining, 0);
        assert_eq!(refused.retry_after_secs, Some(1));
        let other = limiter.check(&Caller::Key(ApiKeyId::generate())).await;
        assert_eq!((other.limit, other.remaining), (5, 9));
    }

    /// The Redis script counts like the in-memory limiter.
    #[tokio::test]
    async fn redis_counts_the_same_burst_and_remaining() {
        let Some(pool) = crate::redis::test_pool() else {
            return;
        };
        let limiter = ApiRateLimiter::shared(5, pool, "postern-test:");
        let shared = limiter.shared.as_ref().unwrap();
        let key = Caller::Key(ApiKeyId::generate());
        // Straight to Redis: a fallback to memory must not pass this test.
        let check = || async { limiter.check_shared(shared, &key).await.unwrap() };
        let first = check().await;
        assert_eq!((first.limit, first.remaining), (5, 9));
        let mut allowed = 1;
        for _ in 0..30 {
            if check().await.retry_after_secs.is_none() {
                allowed += 1;
            }
        }
        assert!((10..=11).contains(&allowed), "allowed {allowed}");
        let refused = check().await;
        assert_eq!(refused.remaining, 0);
        assert_eq!(refused.retry_after_secs, Some(1));
    }
}
