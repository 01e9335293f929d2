//! A credential's policies as stored, parsed with the same rules the forms
//! and the API write them with. A value those rules refuse (written by
//! hand into the database, say) makes the credential refuse AUTH rather
//! than lose its restriction.

use crate::db::models::smtp_credential::Policies as Stored;
use crate::domain::policy::{IpAllowlist, Policies, SendLimits, SenderPatterns};

/// The policies, or what about them cannot be read.
pub fn parse(stored: &Stored) -> Result<Policies, String> {
    let allowed_ips = IpAllowlist::parse(&stored.allowed_ips)
        .map_err(|problems| format!("allowed_ips: {}", problems.join(" ")))?;
    let allowed_senders = SenderPatterns::parse(&stored.allowed_senders)
        .map_err(|problems| format!("allowed_senders: {}", problems.join(" ")))?;
    let limits = SendLimits::from_columns([
        stored.max_per_minute,
        stored.max_per_hour,
        stored.max_per_day,
        stored.max_recipients,
    ]);
    Ok(Policies {
        allowed_ips,
        allowed_senders,
        limits,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_policies_read_back_and_a_bad_value_is_named() {
        let stored = Stored {
            allowed_ips: "192.0.2.0/24\n2001:db8::1".into(),
            allowed_senders: "*@a.example".into(),
            max_per_hour: Some(100),
            ..Stored::default()
        };
        let policies = parse(&stored).unwrap();
        assert!(policies.allowed_ips.contains("192.0.2.9".parse().unwrap()));
        assert!(policies.allowed_senders.allows("x@a.example"));
        assert_eq!(policies.limits.to_columns(), [None, Some(100), None, None]);
        let broken = Stored {
            allowed_ips: "0.0.0.0/0".into(),
            ..Stored::default()
        };
        assert!(parse(&broken).unwrap_err().starts_with("allowed_ips:"));
    }
}
