//! Failed sign-ins (and wrong current passwords on the Account page), counted
//! per 15 minutes against three limits at once:
//!
//! - [`PAIR_LIMIT`] per email *and* address: a guesser gets 5 tries;
//! - [`EMAIL_LIMIT`] per email from anywhere: high enough that strangers
//!   cannot lock a person out with a handful of requests, low enough to stop
//!   a guesser who spreads over many addresses;
//! - [`ADDRESS_LIMIT`] per address across emails: one address cannot spray
//!   many accounts. IPv6 addresses count per /64, what one host usually has.
//!
//! An attempt is counted *before* its password is checked ([`LoginThrottle::reserve`])
//! and uncounted when it succeeds ([`LoginThrottle::release`]), so however
//! many attempts arrive at once, at most the limit get an argon2 verify. An
//! attempt whose client goes away before the answer stays counted.
//!
//! With `POSTERN_REDIS_URL` set the counts live in Redis, the same for every
//! instance behind the balancer; without it, or while Redis is away, each
//! instance counts on its own.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::domain::EmailAddress;
use crate::redis::{DEADLINE, within};
use shared::Shared;

mod shared;

/// Failures allowed per (email, address) within [`WINDOW`].
pub const PAIR_LIMIT: usize = 5;
/// Failures allowed per email, from all addresses together, within [`WINDOW`].
pub const EMAIL_LIMIT: usize = 50;
/// Failures allowed per address, for all emails together, within [`WINDOW`].
pub const ADDRESS_LIMIT: usize = 20;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

/// The counters one attempt counts against, each with its limit.
#[derive(Debug, Clone)]
pub struct SignInKeys {
    counters: Vec<(String, usize)>,
}

impl SignInKeys {
    /// The counters of signing in as `email` from `address`. Whatever is
    /// not an email address counts as one, "(invalid)": no account has it,
    /// and a counter's key stays short.
    pub fn new(email: &str, address: Option<IpAddr>) -> Self {
        let email = EmailAddress::parse(email)
            .map(|e| e.as_str().to_owned())
            .unwrap_or_else(|_| "(invalid)".to_owned());
        let address = address_part(address);
        Self {
            counters: vec![
                (format!("pair:{address}:{email}"), PAIR_LIMIT),
                (format!("email:{email}"), EMAIL_LIMIT),
                (format!("ip:{address}"), ADDRESS_LIMIT),
            ],
        }
    }

    fn keys(&self) -> impl Iterator<Item = &str> {
        self.counters.iter().map(|(key, _)| key.as_str())
    }

    /// The (email, address) counter, forgiven after a success.
    fn pair(&self) -> &str {
        &self.counters[0].0
    }
}

/// The address as counted: IPv4 as is, IPv6 by its /64.
fn address_part(address: Option<IpAddr>) -> String {
    match address.map(|a| a.to_canonical()) {
        Some(IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Some(v4) => v4.to_string(),
        None => "unknown".to_owned(),
    }
}

/// An attempt counted as a failure until [`LoginThrottle::release`]d.
#[must_use = "a reservation is a counted failure until it is released"]
pub struct Reservation {
    keys: SignInKeys,
    member: String,
    in_redis: bool,
}

impl Reservation {
    /// The attempt failed: it stays counted, for the window.
    pub fn keep(self) {}
}

/// Whole minutes until `wait` is over, at least 1.
pub fn minutes(wait: Duration) -> u64 {
    wait.as_secs().div_ceil(60).max(1)
}

pub struct LoginThrottle {
    local: Local,
    shared: Option<Shared>,
}

impl LoginThrottle {
    pub fn new() -> Self {
        Self {
            local: Local::default(),
            shared: None,
        }
    }

    /// Counts in Redis (through `pool`, under keys starting with `prefix`),
    /// shared by every instance.
    pub fn shared(pool: deadpool_redis::Pool, prefix: &str) -> Self {
        Self {
            shared: Some(Shared::new(pool, prefix)),
            ..Self::new()
        }
    }

    /// Counts an attempt as a failure before its password is checked, or
    /// `Err(wait)` when one of its counters is full (nothing is counted then).
    pub async fn reserve(&self, keys: &SignInKeys) -> Result<Reservation, Duration> {
        let member = crate::secrets::random_token(9);
        if let Some(shared) = &self.shared {
            match within(DEADLINE, shared.reserve(keys, &member)).await {
                Ok(None) => {
                    return Ok(Reservation {
                        keys: keys.clone(),
                        member,
                        in_redis: true,
                    });
                }
                Ok(Some(wait)) => return Err(wait),
                Err(error) => shared.outage.warn(&error),
            }
        }
        self.local.reserve(keys, &member, Instant::now())?;
        Ok(Reservation {
            keys: keys.clone(),
            member,
            in_redis: false,
        })
    }

    /// Uncounts an attempt that was not a failure after all (the password
    /// was right, or could not be checked).
    pub async fn release(&self, reservation: Reservation) {
        match &self.shared {
            Some(shared) if reservation.in_redis => {
                let release = shared.release(&reservation.keys, &reservation.member);
                if let Err(error) = within(DEADLINE, release).await {
                    shared.outage.warn(&error);
                }
            }
            _ => self.local.release(&reservation.keys, &reservation.member),
        }
    }

    /// After a success: forgets the failures of this email from this address
    /// (the per-email and per-address counts stay, strangers' included).
    pub async fn forgive(&self, keys: &SignInKeys) {
        if let Some(shared) = &self.shared
            && let Err(error) = within(DEADLINE, shared.clear(keys.pair())).await
        {
            shared.outage.warn(&error);
        }
        self.local.clear(keys.pair());
    }
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self::new()
    }
}

/// The counters of this instance alone: sliding windows of (time, member).
#[derive(Default)]
struct Local {
    counters: Mutex<HashMap<String, VecDeque<(Instant, String)>>>,
}

/// Beyond this many counters, expired ones are swept on the next reserve.
const SWEEP_ABOVE: usize = 10_000;

impl Local {
    fn reserve(&self, keys: &SignInKeys, member: &str, now: Instant) -> Result<(), Duration> {
        let mut counters = self.counters.lock().unwrap_or_else(PoisonError::into_inner);
        if counters.len() > SWEEP_ABOVE {
            counters.retain(|_, times| times.back().is_some_and(|(t, _)| now - *t < WINDOW));
        }
        let mut wait = Duration::ZERO;
        for (key, limit) in &keys.counters {
            let Some(times) = counters.get_mut(key) else {
                continue;
            };
            while times.front().is_some_and(|(t, _)| now - *t >= WINDOW) {
                times.pop_front();
            }
            if let Some(index) = times.len().checked_sub(*limit) {
                let until = WINDOW.saturating_sub(now - times[index].0);
                wait = wait.max(until).max(Duration::from_millis(1));
            }
        }
        if !wait.is_zero() {
            return Err(wait);
        }
        for key in keys.keys() {
            let times = counters.entry(key.to_owned()).or_default();
            times.push_back((now, member.to_owned()));
        }
        Ok(())
    }

    fn release(&self, keys: &SignInKeys, member: &str) {
        let mut counters = self.counters.lock().unwrap_or_else(PoisonError::into_inner);
        for key in keys.keys() {
            if let Some(times) = counters.get_mut(key) {
                times.retain(|(_, m)| m != member);
            }
        }
    }

    fn clear(&self, key: &str) {
        self.counters
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(email: &str, address: [u8; 4]) -> SignInKeys {
        SignInKeys::new(email, Some(IpAddr::from(address)))
    }

    #[test]
    fn a_pair_is_full_after_its_limit_and_a_release_makes_room() {
        let local = Local::default();
        let now = Instant::now();
        let ada = keys("ada@example.com", [10, 0, 0, 1]);
        for i in 0..PAIR_LIMIT {
            local.reserve(&ada, &format!("m{i}"), now).unwrap();
        }
        let wait = local.reserve(&ada, "next", now).unwrap_err();
        assert_eq!(wait, WINDOW);
        local.release(&ada, "m0");
        local.reserve(&ada, "next", now).unwrap();
        // The same email from elsewhere, and another email from here, go on.
        local
            .reserve(&keys("ada@example.com", [10, 0, 0, 2]), "x", now)
            .unwrap();
        local
            .reserve(&keys("bob@example.com", [10, 0, 0, 1]), "y", now)
            .unwrap();
    }

    #[test]
    fn failures_leave_the_window() {
        let local = Local::default();
        let start = Instant::now();
        let ada = keys("ada@example.com", [10, 0, 0, 1]);
        for i in 0..PAIR_LIMIT {
            local.reserve(&ada, &format!("m{i}"), start).unwrap();
        }
        let later = start + Duration::from_secs(60);
        assert_eq!(
            local.reserve(&ada, "next", later).unwrap_err(),
            WINDOW - Duration::from_secs(60)
        );
        local.reserve(&ada, "next", start + WINDOW).unwrap();
    }

    #[test]
    fn the_email_and_address_limits_span_pairs() {
        let local = Local::default();
        let now = Instant::now();
        for i in 0..EMAIL_LIMIT {
            let from = keys("ada@example.com", [10, 1, (i / 200) as u8, (i % 200) as u8]);
            local.reserve(&from, &format!("e{i}"), now).unwrap();
        }
        let fresh = keys("ada@example.com", [10, 2, 0, 1]);
        assert!(local.reserve(&fresh, "e", now).is_err());
        for i in 0..ADDRESS_LIMIT {
            let email = format!("user{i}@example.com");
            local
                .reserve(&keys(&email, [10, 3, 0, 1]), &format!("a{i}"), now)
                .unwrap();
        }
        let another = keys("zed@example.com", [10, 3, 0, 1]);
        assert!(local.reserve(&another, "a", now).is_err());
    }

    #[test]
    fn emails_count_lower_cased_and_anything_else_as_one() {
        let ada = keys(" Ada@Example.com", [10, 0, 0, 1]);
        assert_eq!(ada.pair(), "pair:10.0.0.1:ada@example.com");
        let long = "x".repeat(10_000);
        assert_eq!(keys(&long, [10, 0, 0, 1]).pair(), "pair:10.0.0.1:(invalid)");
    }

    #[test]
    fn ipv6_addresses_count_per_64() {
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().unwrap();
        assert_eq!(address_part(Some(a)), address_part(Some(b)));
        assert_eq!(address_part(Some(a)), "2001:db8:1:2::/64");
        assert_eq!(address_part(Some(mapped)), "10.0.0.1");
    }

    /// Straight to Redis: falling back to memory must not pass this test.
    #[tokio::test]
    async fn redis_reserves_up_to_the_limit_and_releases() {
        let Some(pool) = crate::redis::test_pool() else {
            return;
        };
        let throttle = LoginThrottle::shared(pool, "postern-test:");
        let shared = throttle.shared.as_ref().unwrap();
        // Redis outlives the test: an email and addresses of this run only.
        let email = format!("{}@example.com", crate::secrets::random_token(9));
        let [a, b, c] = uuid::Uuid::new_v4().as_bytes()[..3] else {
            unreachable!()
        };
        let ada = keys(&email, [10, a, b, c]);
        for i in 0..PAIR_LIMIT {
            assert_eq!(shared.reserve(&ada, &format!("m{i}")).await.unwrap(), None);
        }
        let wait = shared.reserve(&ada, "next").await.unwrap().expect("full");
        assert!(
            wait <= WINDOW && wait > WINDOW - Duration::from_secs(10),
            "{wait:?}"
        );
        shared.release(&ada, "m0").await.unwrap();
        assert_eq!(shared.reserve(&ada, "next").await.unwrap(), None);
        shared.clear(ada.pair()).await.unwrap();
        let elsewhere = keys(&email, [11, a, b, c]);
        assert_eq!(shared.reserve(&elsewhere, "x").await.unwrap(), None);
        assert_eq!(shared.reserve(&ada, "y").await.unwrap(), None);
    }
}
