//! A stored message read for a program (the REST API): its addresses,
//! date and parts, and the links found in its bodies, so a test of a
//! sign-up or password-reset mail can follow the link it holds.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use mail_parser::MessageParser;
use regex::Regex;

use super::parts::{self, Parts};

/// One address of a header: the display name as sent and the address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox {
    pub name: Option<String>,
    pub address: String,
}

/// What a test asks of a message.
#[derive(Debug, Default)]
pub struct Reading {
    pub subject: Option<String>,
    pub from: Vec<Mailbox>,
    pub to: Vec<Mailbox>,
    pub cc: Vec<Mailbox>,
    pub reply_to: Vec<Mailbox>,
    /// The `Date:` header, when it parses.
    pub date: Option<DateTime<Utc>>,
    pub message_id: Option<String>,
    pub parts: Parts,
    /// Every distinct `http(s)` link of the HTML (its `href`s) and of the
    /// text, in the order they first appear.
    pub links: Vec<String>,
}

/// Reads a message; an unparsable one has no fields.
pub fn read(raw: &[u8]) -> Reading {
    let parts = parts::parts(raw);
    let Some(message) = MessageParser::default().parse_headers(raw) else {
        return Reading {
            parts,
            ..Reading::default()
        };
    };
    let mailboxes = |address: Option<&mail_parser::Address<'_>>| -> Vec<Mailbox> {
        address
            .map(|a| {
                a.iter()
                    .filter_map(|addr| {
                        Some(Mailbox {
                            name: addr.name().map(str::to_owned),
                            address: addr.address()?.to_owned(),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let links = links(parts.html.as_deref(), &parts.text);
    Reading {
        subject: message.subject().map(str::to_owned),
        from: mailboxes(message.from()),
        to: mailboxes(message.to()),
        cc: mailboxes(message.cc()),
        reply_to: mailboxes(message.reply_to()),
        date: message
            .date()
            .and_then(|d| DateTime::from_timestamp(d.to_timestamp(), 0)),
        message_id: message.message_id().map(str::to_owned),
        links,
        parts,
    }
}

/// `href="…"` (or `'…'`) attributes.
static HREF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)\bhref\s*=\s*(?:"([^"]*)"|'([^']*)')"#).expect("valid regex")
});

/// A URL written out in text; it ends before whitespace, `<`, `>`, quotes
/// and brackets, and trailing punctuation is not part of it.
static URL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?i)\bhttps?://[^\s<>"'()\[\]]+"#).expect("valid regex"));

/// Links of the HTML's `href`s, then of the text, each once.
fn links(html: Option<&str>, text: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut add = |link: &str| {
        let link = link.trim().replace("&amp;", "&");
        let web = link.to_ascii_lowercase();
        if (web.starts_with("http://") || web.starts_with("https://")) && !found.contains(&link) {
            found.push(link);
        }
    };
    for captures in HREF.captures_iter(html.unwrap_or_default()) {
        if let Some(m) = captures.get(1).or_else(|| captures.get(2)) {
            add(m.as_str());
        }
    }
    for m in URL.find_iter(text) {
        add(m.as_str().trim_end_matches(['.', ',', ';', ':', '!', '?']));
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_come_from_hrefs_and_text_once_each() {
        let html = r#"<a href="https://app.example/reset?token=a&amp;u=1">Reset</a>
            <a href='mailto:help@example.com'>Help</a> <a HREF="javascript:x()">x</a>
            <a href="https://app.example/reset?token=a&amp;u=1">again</a>"#;
        let text = "Reset: https://app.example/reset?token=a&u=1.\n\
            Or see (https://docs.example/help), then http://x.example/a_b!";
        assert_eq!(
            links(Some(html), text),
            [
                "https://app.example/reset?token=a&u=1",
                "https://docs.example/help",
                "http://x.example/a_b",
            ]
        );
        assert!(links(None, "no links here").is_empty());
    }

    #[test]
    fn addresses_and_the_date_are_read_from_the_headers() {
        let raw = "From: \"App\" <app@example.com>\r\nTo: a@example.net, B <b@example.net>\r\n\
            Cc: c@example.net\r\nSubject: Welcome\r\nDate: Tue, 1 Dec 2026 10:00:00 +0100\r\n\
            Message-ID: <m1@example.com>\r\n\r\nHello https://app.example/verify\r\n";
        let reading = read(raw.as_bytes());
        assert_eq!(reading.subject.as_deref(), Some("Welcome"));
        assert_eq!(
            reading.from,
            [Mailbox {
                name: Some("App".into()),
                address: "app@example.com".into()
            }]
        );
        let to: Vec<&str> = reading.to.iter().map(|m| m.address.as_str()).collect();
        assert_eq!(to, ["a@example.net", "b@example.net"]);
        assert_eq!(reading.cc[0].address, "c@example.net");
        assert_eq!(
            reading.date.map(|d| d.to_rfc3339()).as_deref(),
            Some("2026-12-01T09:00:00+00:00")
        );
        assert_eq!(reading.message_id.as_deref(), Some("m1@example.com"));
        assert_eq!(reading.links, ["https://app.example/verify"]);
    }

    #[test]
    fn garbage_reads_as_nothing() {
        let reading = read(b"\xff\xfe not a message");
        assert!(reading.from.is_empty() && reading.links.is_empty());
    }
}
