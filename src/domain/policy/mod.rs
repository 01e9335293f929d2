//! A credential's policies, as typed in a form or sent to the API and as
//! stored: the source addresses it may authenticate from
//! ([`IpAllowlist`]), the senders it may use ([`SenderPatterns`]) and how
//! much it may send ([`SendLimits`]). Each `parse` reports every refused
//! entry with a message naming it, so a form can show them all at once.
//! An empty list or an unset limit means "no restriction".

mod ip_allowlist;
mod send_limits;
mod sender_patterns;

pub use ip_allowlist::IpAllowlist;
pub use send_limits::{Limit, LimitProblem, SendLimits, Window, group_digits};
pub use sender_patterns::SenderPatterns;

/// The most entries a list policy holds.
pub const MAX_ENTRIES: usize = 100;

/// The non-blank entries of `text`, one per line (commas also separate, so
/// a pasted `a, b` works), trimmed.
fn entries(text: &str) -> impl Iterator<Item = &str> {
    text.split(['\n', ','])
        .map(str::trim)
        .filter(|e| !e.is_empty())
}

/// Why a list of `count` entries is too long, if it is.
fn too_many(count: usize, what: &str) -> Option<String> {
    (count > MAX_ENTRIES).then(|| format!("Enter at most {MAX_ENTRIES} {what} ({count} given)."))
}

/// Every policy of one credential, as read with it on each AUTH and MAIL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policies {
    pub allowed_ips: IpAllowlist,
    pub allowed_senders: SenderPatterns,
    pub limits: SendLimits,
}
