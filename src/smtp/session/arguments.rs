//! Checks on command arguments that smtp-proto lets through: the EHLO/HELO
//! name, MAIL's SIZE past `usize`, and MAIL/RCPT parameters Postern does not
//! advertise.
//!
//! Rules: an EHLO/HELO name is a domain (letters, digits, `-` and, as
//! Postfix allows for Windows host names, `_`) or an address literal
//! (`[192.0.2.1]`, `[IPv6:2001:db8::1]`), nothing else (it is copied into
//! `Received:`); the only MAIL parameters are `SIZE`, `BODY=7BIT`,
//! `BODY=8BITMIME` and `AUTH=` (RFC 4954); RCPT takes none.

use std::net::{Ipv4Addr, Ipv6Addr};

use smtp_proto::{MAIL_BODY_7BIT, MAIL_BODY_8BITMIME, MailFrom, RcptTo};

/// The name given to EHLO, HELO or LHLO in `line` (the whole command line),
/// if it is a domain or an address literal.
pub fn helo_name(line: &[u8]) -> Option<&str> {
    let line = std::str::from_utf8(line).ok()?;
    let argument = line
        .get(4..)?
        .trim_start_matches(' ')
        .trim_end_matches(['\r', '\n', ' ', '\t']);
    (is_domain(argument) || is_address_literal(argument)).then_some(argument)
}

/// RFC 5321 `Domain`, with `_` allowed and one trailing dot tolerated.
fn is_domain(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// RFC 5321 `address-literal`: IPv4 or IPv6 (general literals are refused).
fn is_address_literal(name: &str) -> bool {
    let Some(inner) = name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) else {
        return false;
    };
    match inner.get(..5) {
        Some(tag) if tag.eq_ignore_ascii_case("IPv6:") => inner[5..].parse::<Ipv6Addr>().is_ok(),
        _ => inner.parse::<Ipv4Addr>().is_ok(),
    }
}

/// smtp-proto 0.2.5 refuses a SIZE of exactly `usize::MAX` (501) and wraps
/// a longer one round to a small number (so it would pass). A MAIL line's
/// SIZE value at or past `usize::MAX` is therefore written down to
/// `usize::MAX - 1` before parsing: over any limit, it gets the `552` every
/// over-limit SIZE gets.
pub fn clamp_mail_size(line: &mut Vec<u8>) {
    if !line
        .get(..5)
        .is_some_and(|v| v.eq_ignore_ascii_case(b"MAIL "))
    {
        return;
    }
    // Parameters follow the path's `>`.
    let Some(mut at) = line.iter().position(|b| *b == b'>') else {
        return;
    };
    while let Some(found) = find_ignore_case(&line[at..], b" SIZE=") {
        let start = at + found + b" SIZE=".len();
        let digits = line[start..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        let end = start + digits;
        let value = std::str::from_utf8(&line[start..end])
            .ok()
            .and_then(|v| v.parse::<u128>().ok());
        // No u128 holds 40 digits and more: too big as well.
        if digits > 0 && value.is_none_or(|v| v >= usize::MAX as u128) {
            let clamped = (usize::MAX - 1).to_string();
            line.splice(start..end, clamped.bytes());
            at = start + clamped.len();
        } else {
            at = end;
        }
    }
}

fn find_ignore_case(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

/// Whether MAIL carries a parameter the EHLO reply does not offer.
pub fn has_unadvertised_mail_parameter(from: &MailFrom<String>) -> bool {
    from.flags & !(MAIL_BODY_7BIT | MAIL_BODY_8BITMIME) != 0
        || from.trans_id.is_some()
        || from.by != 0
        || from.env_id.is_some()
        || from.solicit.is_some()
        || from.mtrk.is_some()
        || from.hold_for != 0
        || from.hold_until != 0
        || from.mt_priority != 0
}

/// Whether RCPT carries any parameter (none is advertised).
pub fn has_rcpt_parameter(to: &RcptTo<String>) -> bool {
    to.flags != 0 || to.orcpt.is_some() || to.rrvs != 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use smtp_proto::Request;

    #[test]
    fn helo_names_are_domains_or_address_literals() {
        for good in [
            "EHLO localhost\r\n",
            "EHLO [127.0.0.1]\r\n",
            "HELO [IPv6:::1]\r\n",
            "EHLO [ipv6:2001:db8::1]\r\n",
            "EHLO my-laptop.local\r\n",
            "EHLO EXAMPLE_HOST\r\n",
            "EHLO mail.example.com.\r\n",
            "EHLO trailing.space \r\n",
        ] {
            assert!(helo_name(good.as_bytes()).is_some(), "{good:?}");
        }
        for bad in [
            "EHLO a b c\r\n",
            "EHLO a)(b\r\n",
            "EHLO -\r\n",
            "EHLO x;y\r\n",
            "EHLO a..b\r\n",
            "EHLO .\r\n",
            "EHLO [1.2.3]\r\n",
            "EHLO [IPv6:1.2.3.4]\r\n",
            "EHLO bad\x1bname\r\n",
            "EHLO \r\n",
        ] {
            assert!(helo_name(bad.as_bytes()).is_none(), "{bad:?}");
        }
        assert!(helo_name(b"EHLO caf\xe9\r\n").is_none());
    }

    fn mail_size(line: &str) -> usize {
        let mut line = line.as_bytes().to_vec();
        clamp_mail_size(&mut line);
        match Request::parse(&mut line.iter()).unwrap() {
            Request::Mail { from } => from.size,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_size_past_usize_is_clamped_below_it() {
        assert_eq!(mail_size("MAIL FROM:<a@b> SIZE=1000\r\n"), 1000);
        for huge in [
            "18446744073709551615",
            "18446744073709551616",
            "99999999999999999999999",
            &"9".repeat(60),
        ] {
            assert_eq!(
                mail_size(&format!("MAIL FROM:<a@b> BODY=8BITMIME size={huge}\r\n")),
                usize::MAX - 1,
                "{huge}"
            );
        }
        assert_eq!(
            mail_size("MAIL FROM:<a@b> AUTH=<> SIZE=99999999999999999999999 \r\n"),
            usize::MAX - 1
        );
    }
}
