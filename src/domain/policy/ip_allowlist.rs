//! The addresses a credential may authenticate from.

use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;

use super::{entries, too_many};

/// Up to [`super::MAX_ENTRIES`] IPv4/IPv6 addresses and CIDR ranges, each
/// reduced to its network (`10.0.0.7/24` is `10.0.0.0/24`), IPv4-mapped
/// IPv6 written as IPv4, without duplicates. Empty: any address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IpAllowlist(Vec<IpNet>);

impl IpAllowlist {
    /// Entries one per line (or comma-separated); blank lines are skipped.
    pub fn parse(text: &str) -> Result<Self, Vec<String>> {
        Self::from_entries(entries(text))
    }

    /// Entries as a list (the API's array); blank entries are skipped.
    pub fn from_entries<S: AsRef<str>>(
        given: impl IntoIterator<Item = S>,
    ) -> Result<Self, Vec<String>> {
        let mut problems = Vec::new();
        let mut nets: Vec<IpNet> = Vec::new();
        let mut count = 0;
        for entry in given {
            let entry = entry.as_ref().trim();
            if entry.is_empty() {
                continue;
            }
            count += 1;
            match parse_entry(entry) {
                Ok(net) if !nets.contains(&net) => nets.push(net),
                Ok(_) => {}
                Err(message) => problems.push(message),
            }
        }
        problems.extend(too_many(count, "addresses or ranges"));
        if problems.is_empty() {
            Ok(Self(nets))
        } else {
            Err(problems)
        }
    }

    /// Whether `peer` may authenticate: always when the list is empty. An
    /// IPv4-mapped IPv6 peer (`::ffff:10.0.0.1`) matches IPv4 entries.
    pub fn contains(&self, peer: IpAddr) -> bool {
        let peer = peer.to_canonical();
        self.0.is_empty() || self.0.iter().any(|net| net.contains(&peer))
    }

    /// Whether the list restricts anything.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The entries, in the order given.
    pub fn entries(&self) -> &[IpNet] {
        &self.0
    }

    /// Each entry as text: a single address without its `/32` or `/128`.
    pub fn to_strings(&self) -> Vec<String> {
        self.0.iter().map(|net| show(*net)).collect()
    }

    /// Whether `peer` can be added (it is not already covered and the list
    /// has room): for the form's "add the last address" offer.
    pub fn with(&self, peer: IpAddr) -> Option<Self> {
        let net = IpNet::from(peer.to_canonical());
        if self.contains_entry(net) || self.0.len() >= super::MAX_ENTRIES {
            return None;
        }
        let mut nets = self.0.clone();
        nets.push(net);
        Some(Self(nets))
    }

    fn contains_entry(&self, net: IpNet) -> bool {
        !self.0.is_empty() && self.contains(net.addr())
    }
}

/// One per line, as stored and as the form's textarea shows it.
impl fmt::Display for IpAllowlist {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_strings().join("\n"))
    }
}

fn parse_entry(entry: &str) -> Result<IpNet, String> {
    let net = entry
        .parse::<IpNet>()
        .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| {
            format!(
                "{entry:?} is not an IP address or CIDR range (like 192.0.2.10 or 2001:db8::/48)."
            )
        })?;
    let net = canonical(net.trunc());
    if net.prefix_len() == 0 {
        return Err(format!(
            "{entry:?} allows every address; list the addresses your application sends from."
        ));
    }
    Ok(net)
}

/// `::ffff:a.b.c.d/p` (p ≥ 96) as the IPv4 range it covers.
fn canonical(net: IpNet) -> IpNet {
    match net {
        IpNet::V6(v6) if v6.prefix_len() >= 96 => match v6.addr().to_ipv4_mapped() {
            Some(v4) => IpNet::new(v4.into(), v6.prefix_len() - 96).unwrap_or(net),
            None => net,
        },
        other => other,
    }
}

fn show(net: IpNet) -> String {
    if net.prefix_len() == net.max_prefix_len() {
        net.addr().to_string()
    } else {
        net.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn entries_are_normalised_and_deduplicated() {
        let list = IpAllowlist::parse(
            " 192.0.2.10 \n\n10.1.2.3/8, 2001:DB8::1/48\n192.0.2.10/32\n::ffff:198.51.100.0/120",
        )
        .unwrap();
        assert_eq!(
            list.to_string(),
            "192.0.2.10\n10.0.0.0/8\n2001:db8::/48\n198.51.100.0/24"
        );
        assert_eq!(IpAllowlist::parse(&list.to_string()), Ok(list));
    }

    #[test]
    fn an_empty_list_allows_everyone_and_a_list_only_its_entries() {
        assert!(
            IpAllowlist::parse("  \n")
                .unwrap()
                .contains(ip("203.0.113.9"))
        );
        let list = IpAllowlist::from_entries(["127.0.0.1", "2001:db8::/32"]).unwrap();
        assert!(list.contains(ip("127.0.0.1")));
        assert!(!list.contains(ip("127.0.0.2")));
        assert!(list.contains(ip("2001:db8:ffff::1")));
        assert!(!list.contains(ip("2001:db9::1")));
    }

    #[test]
    fn an_ipv4_mapped_peer_matches_ipv4_entries() {
        let list = IpAllowlist::parse("10.0.0.0/8").unwrap();
        assert!(list.contains(ip("::ffff:10.9.8.7")));
        assert!(!list.contains(ip("::ffff:11.0.0.1")));
    }

    #[test]
    fn every_bad_entry_is_named() {
        let problems =
            IpAllowlist::parse("10.0.0.300\n0.0.0.0/0\nexample.com\n::/0\n1.2.3.4/0").unwrap_err();
        assert_eq!(problems.len(), 5, "{problems:?}");
        assert!(problems[0].contains("\"10.0.0.300\" is not an IP address"));
        assert!(problems[1].contains("\"0.0.0.0/0\" allows every address"));
        assert!(problems[3].contains("\"::/0\" allows every address"));
    }

    #[test]
    fn at_most_a_hundred_entries() {
        let hundred: Vec<String> = (0..100).map(|i| format!("10.0.0.{i}")).collect();
        assert!(IpAllowlist::from_entries(&hundred).is_ok());
        let mut more = hundred;
        more.push("10.0.1.1".into());
        assert_eq!(
            IpAllowlist::from_entries(&more),
            Err(vec![
                "Enter at most 100 addresses or ranges (101 given).".into()
            ])
        );
    }

    #[test]
    fn an_address_is_offered_only_when_it_is_not_yet_allowed() {
        let list = IpAllowlist::parse("10.0.0.0/8").unwrap();
        assert_eq!(list.with(ip("10.1.1.1")), None);
        let grown = list.with(ip("::ffff:192.0.2.1")).unwrap();
        assert_eq!(grown.to_string(), "10.0.0.0/8\n192.0.2.1");
        assert_eq!(
            IpAllowlist::default()
                .with(ip("192.0.2.1"))
                .unwrap()
                .to_string(),
            "192.0.2.1"
        );
    }
}
