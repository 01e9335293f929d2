//! What is checked and fixed in a message once its DATA is complete, the
//! same for sandbox and production mail.
//!
//! Line endings: every bare CR and bare LF becomes CRLF (Postfix 3.9's
//! `smtpd_forbid_bare_newline = normalize`). DATA itself still ends only at
//! `<CRLF>.<CRLF>`, so a `.` line after a bare LF is message text, and the
//! relay dot-stuffs it: a smarthost that ends DATA at `<LF>.<CRLF>` never sees
//! a second transaction hidden in the body (SMTP smuggling).

use mail_parser::{HeaderName, MessageParser};

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

/// Whether every address of every `From:` header is in one of `domains`
/// (lower case). A message without a `From:` address does not pass: the
/// header is what recipients see and what DMARC aligns on.
pub fn from_header_within(message: &[u8], domains: &[String]) -> bool {
    let Some(headers) = MessageParser::default().parse_headers(message) else {
        return false;
    };
    let mut seen = false;
    for value in headers.header_values(HeaderName::From) {
        let Some(addresses) = value.as_address() else {
            return false;
        };
        for addr in addresses.iter() {
            seen = true;
            let domain = addr
                .address()
                .and_then(|a| a.rsplit_once('@'))
                .map(|(_, d)| d.to_lowercase());
            if !domain.is_some_and(|d| domains.contains(&d)) {
                return false;
            }
        }
    }
    seen
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
        ] {
            assert!(
                !from_header_within(message, &domains()),
                "{}",
                String::from_utf8_lossy(message)
            );
        }
    }
}
