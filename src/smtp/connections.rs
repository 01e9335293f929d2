//! Who may open another SMTP connection: at most `max_total` at once, and at
//! most `max_per_address` from one client address, so one client cannot
//! take every slot. An IPv6 client counts by its /64, which it usually
//! holds whole.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

type Counts = Arc<Mutex<HashMap<IpAddr, usize>>>;

pub struct ConnectionLimits {
    total: Arc<Semaphore>,
    per_address: Counts,
    max_per_address: usize,
}

/// Why a connection was turned away.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// Every slot is taken.
    Busy,
    /// This address holds its share already.
    BusyFromAddress,
}

/// A connection's slot, given back when dropped.
pub struct Admitted {
    _total: OwnedSemaphorePermit,
    per_address: Counts,
    client: IpAddr,
}

impl ConnectionLimits {
    pub fn new(max_total: usize, max_per_address: usize) -> Self {
        Self {
            total: Arc::new(Semaphore::new(max_total)),
            per_address: Arc::default(),
            max_per_address,
        }
    }

    /// Takes a slot for a connection from `peer`, or says why not.
    pub fn admit(&self, peer: IpAddr) -> Result<Admitted, Refused> {
        let client = client_of(peer);
        let mut counts = self
            .per_address
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let held = counts.get(&client).copied().unwrap_or(0);
        if held >= self.max_per_address {
            return Err(Refused::BusyFromAddress);
        }
        let permit = self
            .total
            .clone()
            .try_acquire_owned()
            .map_err(|_| Refused::Busy)?;
        counts.insert(client, held + 1);
        Ok(Admitted {
            _total: permit,
            per_address: self.per_address.clone(),
            client,
        })
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut counts = self
            .per_address
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(held) = counts.get_mut(&self.client) {
            *held -= 1;
            if *held == 0 {
                counts.remove(&self.client);
            }
        }
    }
}

/// The address a client is counted by: IPv4 as is (also when mapped into
/// IPv6), IPv6 by its /64.
fn client_of(peer: IpAddr) -> IpAddr {
    match peer.to_canonical() {
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & !(u128::from(u64::MAX));
            IpAddr::V6(Ipv6Addr::from(prefix))
        }
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn one_address_gets_its_share_and_others_are_unaffected() {
        let limits = ConnectionLimits::new(100, 2);
        let first = limits.admit(ip("192.0.2.1")).unwrap();
        let _second = limits.admit(ip("192.0.2.1")).unwrap();
        assert_eq!(
            limits.admit(ip("192.0.2.1")).err(),
            Some(Refused::BusyFromAddress)
        );
        assert!(limits.admit(ip("192.0.2.2")).is_ok());
        drop(first);
        assert!(
            limits.admit(ip("192.0.2.1")).is_ok(),
            "a closed slot is free"
        );
    }

    #[test]
    fn the_total_limit_holds_across_addresses_and_slots_come_back() {
        let limits = ConnectionLimits::new(2, 10);
        let first = limits.admit(ip("192.0.2.1")).unwrap();
        let _second = limits.admit(ip("192.0.2.2")).unwrap();
        assert_eq!(limits.admit(ip("192.0.2.3")).err(), Some(Refused::Busy));
        drop(first);
        assert!(limits.admit(ip("192.0.2.3")).is_ok());
        assert!(
            limits.per_address.lock().unwrap().len() <= 2,
            "refused and closed addresses leave no entry"
        );
    }

    #[test]
    fn an_ipv6_client_counts_by_its_slash_64_and_a_mapped_ipv4_as_ipv4() {
        let limits = ConnectionLimits::new(100, 1);
        let _held = limits.admit(ip("2001:db8:1:2::1")).unwrap();
        assert!(limits.admit(ip("2001:db8:1:2::ffff")).is_err());
        assert!(limits.admit(ip("2001:db8:1:3::1")).is_ok());
        let _v4 = limits.admit(ip("192.0.2.9")).unwrap();
        assert!(limits.admit(ip("::ffff:192.0.2.9")).is_err());
    }

    #[test]
    fn twenty_connections_at_once_from_one_address_get_exactly_its_share() {
        let limits = Arc::new(ConnectionLimits::new(100, 5));
        let admitted: Vec<_> = (0..20)
            .map(|_| {
                let limits = limits.clone();
                std::thread::spawn(move || limits.admit(ip("192.0.2.1")).ok())
            })
            .collect::<Vec<_>>()
            .into_iter()
            .filter_map(|t| t.join().unwrap())
            .collect();
        assert_eq!(admitted.len(), 5);
    }
}
