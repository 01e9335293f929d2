//! Requests per second per API key (and per address for requests without a
//! valid key), GCRA with a burst of twice the rate. In memory, per instance.

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use crate::domain::ApiKeyId;

/// Who a request is counted against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Caller {
    Key(ApiKeyId),
    /// No valid key: counted per client address.
    Address(Option<IpAddr>),
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
    limiter: Limiter,
    clock: DefaultClock,
    per_second: u32,
}

/// Forget idle callers once this many are tracked.
const TRACKED_CALLERS: usize = 10_000;

impl ApiRateLimiter {
    pub fn new(per_second: u32) -> Self {
        let rate = NonZeroU32::new(per_second.max(1)).expect("at least 1");
        let burst = rate.saturating_mul(NonZeroU32::new(2).expect("2 is not zero"));
        Self {
            limiter: RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst))
                .with_middleware::<StateInformationMiddleware>(),
            clock: DefaultClock::default(),
            per_second: rate.get(),
        }
    }

    pub fn check(&self, caller: &Caller) -> Decision {
        if self.limiter.len() > TRACKED_CALLERS {
            self.limiter.retain_recent();
        }
        match self.limiter.check_key(caller) {
            Ok(snapshot) => Decision {
                limit: self.per_second,
                remaining: snapshot.remaining_burst_capacity(),
                retry_after_secs: None,
            },
            Err(not_until) => {
                let wait = not_until.wait_time_from(self.clock.now());
                Decision {
                    limit: self.per_second,
                    remaining: 0,
                    // Retry-After counts whole seconds: round up, at least 1.
                    retry_after_secs: Some(wait.as_secs() + 1),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_gets_its_burst_then_is_refused_while_others_are_not() {
        let limiter = ApiRateLimiter::new(5);
        let key = Caller::Key(ApiKeyId::generate());
        let allowed = (0..30)
            .filter(|_| limiter.check(&key).retry_after_secs.is_none())
            .count();
        assert!((10..=11).contains(&allowed), "allowed {allowed}");
        let refused = limiter.check(&key);
        assert_eq!(refused.remaining, 0);
        assert_eq!(refused.retry_after_secs, Some(1));
        let other = limiter.check(&Caller::Key(ApiKeyId::generate()));
        assert_eq!((other.limit, other.remaining), (5, 9));
    }
}
