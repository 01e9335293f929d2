//! What is checked and fixed in a message once its DATA is complete, the
//! same for sandbox and production mail.
//!
//! Line endings: every bare CR and bare LF becomes CRLF (Postfix 3.9's
//! `smtpd_forbid_bare_newline = normalize`). DATA itself still ends only at
//! `<CRLF>.<CRLF>`, so a `.` line after a bare LF is message text, and the
//! relay dot-stuffs it: a smarthost that ends DATA at `<LF>.<CRLF>` never sees
//! a second transaction hidden in the body (SMTP smuggling).
//!
//! Header section: in every message, sandbox and production alike, the
//! header section (up to the first empty line) is header fields (`Name:
//! value`, or a continuation line after one) and holds no control character
//! but TAB (NUL included); it may not start with a continuation line. Anything
//! else gets `550 5.6.0`: parsers disagree on such headers, which is how a
//! forged `From:` passes one and shows in another. A message whose first line
//! is no header field has no header section: all of it is body.
//!
//! `From:` of a scoped credential's mail: every address must be a plain
//! valid address (one `@`, no spaces) in one of the credential's domains.

use mail_parser::{HeaderName, MessageParser};
use validator::ValidateEmail;

/// The message with every bare CR or LF turned into CRLF.
pub fn normalize_line_endings(message: Vec<u8>) -> Vec<u8> {
    let bare = message.iter().enumerate().any(|(i, b)| match b {
        b'\r' => message.get(i + 1) != Some(&b'\n'),
        b'\n' => i == 0 || message[i - 1] != b'\r',
        _ => false,
    });
    if !bare {
        return message;
    }
    let mut out = Vec::with_capacity(message.len() + message.len() / 32);
    let mut bytes = message.iter().peekable();
    while let Some(&b) = bytes.next() {
        match b {
            b'\r' => {
                bytes.next_if_eq(&&b'\n');
                out.extend_from_slice(b"\r\n");
            }
            b'\n' => out.extend_from_slice(b"\r\n"),
            _ => out.push(b),
        }
    }
    out
}

/// Why a header section is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderError {
    /// NUL, DEL or another control character but TAB.
    ControlCharacter,
    /// The first line starts with a space or TAB.
    LeadingContinuation,
    /// A line that is neither a header field nor a continuation.
    NotAField,
}

/// Checks the header section of a message whose line endings are all CRLF
/// (see `normalize_line_endings`): everything before the first empty line,
/// or the whole message without one.
pub fn check_header_section(message: &[u8]) -> Result<(), HeaderError> {
    let mut lines = message.split(|&b| b == b'\n').peekable();
    let mut first = true;
    while let Some(line) = lines.next() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            if lines.peek().is_none() {
                break; // The end of the message after its last CRLF.
            }
            return Ok(()); // The empty line before the body.
        }
        if line.iter().any(|&b| (b < 0x20 && b != b'\t') || b == 0x7f) {
            return Err(HeaderError::ControlCharacter);
        }
        let continuation = matches!(line[0], b' ' | b'\t');
        if continuation && first {
            return Err(HeaderError::LeadingContinuation);
        }
        if !continuation && !is_field(line) {
            if first {
                // No header section at all (`hello`): all of it is body, as
                // Postfix reads it. A scoped credential's mail is still
                // refused for want of a `From:`.
                return Ok(());
            }
            return Err(HeaderError::NotAField);
        }
        first = false;
    }
    Ok(())
}

/// `Name:` with a name of printable ASCII but `:` (RFC 5322 `ftext`).
fn is_field(line: &[u8]) -> bool {
    let name_len = line
        .iter()
        .take_while(|&&b| (33..=126).contains(&b) && b != b':')
        .count();
    name_len > 0 && line.get(name_len) == Some(&b':')
}

/// Whether every address of every `From:` header is in one of `domains`
/// (lower case). A message without a `From:` address does not pass: the
/// header is what recipients see and what DMARC aligns on.
pub fn from_header_within(message: &[u8], domains: &[String]) -> bool {
    let addresses = from_addresses(message);
    !addresses.is_empty()
        && addresses.iter().all(|address| {
            address.as_ref().is_ok_and(|a| {
                a.rsplit_once('@')
                    .is_some_and(|(_, d)| domains.iter().any(|domain| domain == d))
            })
        })
}

/// Every address of every `From:` header, lower-cased; `Err` (as given)
/// for one that is not a plain valid address. Empty without a `From:`
/// address.
pub fn from_addresses(message: &[u8]) -> Vec<Result<String, String>> {
    let Some(headers) = MessageParser::default().parse_headers(message) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for value in headers.header_values(HeaderName::From) {
        let Some(addresses) = value.as_address() else {
            found.push(Err(String::new()));
            continue;
        };
        for addr in addresses.iter() {
            // The parser is lenient: `<b@evil.example>a@a.example` comes out
            // as `b@evil.examplea@a.example`. Only a valid address passes.
            let given = addr.address().unwrap_or_default();
            found.push(if given.validate_email() {
                Ok(given.to_lowercase())
            } else {
                Err(given.to_owned())
            });
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_lf_and_bare_cr_become_crlf_and_crlf_stays() {
        let cases: [(&[u8], &[u8]); 6] = [
            (b"a\r\nb\r\n", b"a\r\nb\r\n"),
            (b"a\nb\n", b"a\r\nb\r\n"),
            (b"hello\n.\r\nMAIL", b"hello\r\n.\r\nMAIL"),
            (b"hello\r.\r\nMAIL", b"hello\r\n.\r\nMAIL"),
            (b"\n\r\r\n", b"\r\n\r\n\r\n"),
            (b"end\r", b"end\r\n"),
        ];
        for (input, expected) in cases {
            assert_eq!(
                normalize_line_endings(input.to_vec()),
                expected,
                "{:?}",
                String::from_utf8_lossy(input)
            );
        }
    }

    fn domains() -> Vec<String> {
        vec!["a.example".to_owned()]
    }

    #[test]
    fn every_from_address_is_listed_lowercased_and_an_invalid_one_as_given() {
        let message =
            b"From: App <App@A.Example>, b@evil.example a@a.example\r\nFrom: c@c.example\r\n\r\n";
        assert_eq!(
            from_addresses(message),
            [
                Ok("app@a.example".to_owned()),
                Err("b@evil.example a@a.example".to_owned()),
                Ok("c@c.example".to_owned()),
            ]
        );
        assert!(from_addresses(b"Subject: none\r\n\r\n").is_empty());
    }

    #[test]
    fn a_from_header_inside_the_domains_passes() {
        let message = b"From: App <app@A.Example>\r\nSubject: hi\r\n\r\nbody\r\n";
        assert!(from_header_within(message, &domains()));
    }

    #[test]
    fn any_from_address_outside_the_domains_fails() {
        for message in [
            &b"From: ceo@victim.example\r\n\r\nbody\r\n"[..],
            b"From: app@a.example, ceo@victim.example\r\n\r\n",
            b"From: app@a.example\r\nFrom: ceo@victim.example\r\n\r\n",
            b"From: Team: app@a.example, ceo@victim.example;\r\n\r\n",
            b"From: app@a.example.victim.example\r\n\r\n",
            b"Subject: no from\r\n\r\nbody\r\n",
            b"From: not an address\r\n\r\n",
            b"From: <b@evil.example>a@a.example\r\n\r\n",
            b"From: b@evil.example a@a.example\r\n\r\n",
            b"From: b@evil.example\r\n <a@a.example>\r\n\r\n",
            b"From: b@evil.example@a.example\r\n\r\n",
            b"From: <@evil.example:a@a.example>\r\n\r\n",
        ] {
            assert!(
                !from_header_within(message, &domains()),
                "{}",
                String::from_utf8_lossy(message)
            );
        }
    }

    #[test]
    fn a_header_section_of_fields_and_continuations_passes() {
        for message in [
            &b""[..],
            b"\r\n",
            b"\r\nbody\0\x01\r\n",
            b"From: a@a.example\r\n",
            b"From: a@a.example",
            b"From: a@a.example\r\nSubject: folded\r\n\tline\r\n more\r\n\r\nbody\r\n",
            b"X-Tab:\there\r\nSubject: Gr\xc3\xbc\xc3\x9fe\r\n\r\n",
            b"hello\r\n\r\n",
            b"hello\r\nFrom: b@evil.example\r\n",
            b"From : b@evil.example\r\n\r\n",
        ] {
            assert_eq!(
                check_header_section(message),
                Ok(()),
                "{:?}",
                String::from_utf8_lossy(message)
            );
        }
    }

    #[test]
    fn control_characters_a_leading_continuation_or_a_stray_line_fail() {
        use HeaderError::*;
        let cases: [(&[u8], HeaderError); 9] = [
            (
                b"From: <b@evil.example\0>a@a.example\r\n\r\n",
                ControlCharacter,
            ),
            (
                b"From: b@evil.example\0a@a.example\r\n\r\n",
                ControlCharacter,
            ),
            (
                b"From: b@evil.example\0 <a@a.example>\r\n\r\n",
                ControlCharacter,
            ),
            (
                b"Subject: x\r\nFrom: a@a.example\x7f\r\n\r\n",
                ControlCharacter,
            ),
            (b"Subject: \x1b[2J\r\n\r\n", ControlCharacter),
            (
                b" From: b@evil.example\r\nFrom: a@a.example\r\n\r\n",
                LeadingContinuation,
            ),
            (b"\tFrom: b@evil.example\r\n\r\n", LeadingContinuation),
            (b"From: a@a.example\r\nb@evil.example\r\n\r\n", NotAField),
            (b"Subject: x\r\nFrom : b@evil.example\r\n\r\n", NotAField),
        ];
        for (message, expected) in cases {
            assert_eq!(
                check_header_section(message),
                Err(expected),
                "{:?}",
                String::from_utf8_lossy(message)
            );
        }
    }
}
