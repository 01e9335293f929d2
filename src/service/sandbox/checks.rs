//! Checks of a captured message that the message page shows: header
//! sanity (RFC 5322's required fields, a `From:` that is an address),
//! HTML that mail clients drop or mangle, and bulk mail without
//! `List-Unsubscribe`. Pure: bytes in, findings out, each with a short
//! explanation. DKIM and SPF are not checked (the sandbox sent nothing).
//!
//! The HTML is scanned, not rendered: tags are found by a pattern after
//! comments are removed, which is enough to say "this message has a
//! `<form>`" and never runs anything.

use std::sync::LazyLock;

use mail_parser::{MessageParser, PartType};
use regex::Regex;
use validator::ValidateEmail;

/// Gmail shows "[Message clipped]" past this much HTML.
pub const CLIPPED_HTML_BYTES: usize = 102 * 1024;
/// Envelope recipients from which a message looks like bulk mail.
pub const BULK_RECIPIENTS: usize = 10;

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Breaks a standard: receivers may refuse or misfile the message.
    Error,
    /// Works in some clients, not in others.
    Warning,
}

impl Level {
    pub fn label(self) -> &'static str {
        match self {
            Level::Error => "Error",
            Level::Warning => "Warning",
        }
    }
}

/// One thing found, and why it matters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Stable name of the check (`missing-date`, `script`, …).
    pub check: &'static str,
    pub level: Level,
    pub title: String,
    pub explanation: &'static str,
}

/// What the checks found in one message.
#[derive(Debug, Default)]
pub struct Report {
    /// Bytes of the decoded HTML body, when there is one.
    pub html_bytes: Option<usize>,
    pub findings: Vec<Finding>,
}

/// Checks the raw message; `envelope_recipients` is how many RCPT TO it had.
pub fn check(raw: &[u8], envelope_recipients: usize) -> Report {
    let mut report = Report::default();
    let Some(message) = MessageParser::default().parse(raw) else {
        report.findings.push(finding(
            "unparsable",
            Level::Error,
            "The message could not be parsed",
            "It has no header section a mail client can read.",
        ));
        return report;
    };
    let value = |name: &str| {
        message
            .headers_raw()
            .find(|(field, _)| field.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.trim().to_ascii_lowercase())
    };
    let has = |name: &str| value(name).is_some();
    headers(&message, &has, &mut report.findings);
    let html = message.html_bodies().find_map(|part| match &part.body {
        PartType::Html(html) => Some(html.as_ref()),
        _ => None,
    });
    let has_text = message
        .text_bodies()
        .any(|part| matches!(part.body, PartType::Text(_)));
    if let Some(html) = html {
        report.html_bytes = Some(html.len());
        html_findings(html, has_text, &mut report.findings);
    }
    let recipients = envelope_recipients.max(count_header_addresses(&message));
    let bulk_header =
        value("Precedence").is_some_and(|p| matches!(p.as_str(), "bulk" | "list" | "junk"));
    if (bulk_header || has("List-Id") || recipients >= BULK_RECIPIENTS) && !has("List-Unsubscribe")
    {
        report.findings.push(finding(
            "missing-list-unsubscribe",
            Level::Warning,
            "Bulk-looking mail without List-Unsubscribe",
            "Gmail and Yahoo require bulk senders to offer one-click unsubscribe \
             (List-Unsubscribe with List-Unsubscribe-Post, RFC 8058); without it the mail is \
             likelier to be marked as spam.",
        ));
    }
    report
}

fn finding(check: &'static str, level: Level, title: &str, explanation: &'static str) -> Finding {
    Finding {
        check,
        level,
        title: title.to_owned(),
        explanation,
    }
}

fn headers(
    message: &mail_parser::Message<'_>,
    has: &dyn Fn(&str) -> bool,
    findings: &mut Vec<Finding>,
) {
    if !has("From") {
        findings.push(finding(
            "missing-from",
            Level::Error,
            "No From header",
            "RFC 5322 requires a From field; many receivers refuse mail without one.",
        ));
    } else if !from_is_valid(message) {
        findings.push(finding(
            "invalid-from",
            Level::Error,
            "The From header holds no valid address",
            "Receivers check the From address (DMARC aligns on its domain) and refuse or \
             misfile mail whose From they cannot read.",
        ));
    }
    if !has("Date") {
        findings.push(finding(
            "missing-date",
            Level::Error,
            "No Date header",
            "RFC 5322 requires a Date field; clients sort such mail oddly and spam filters \
             score it higher.",
        ));
    } else if message.date().is_none() {
        findings.push(finding(
            "invalid-date",
            Level::Error,
            "The Date header cannot be read",
            "The Date must follow RFC 5322 (e.g. `Fri, 27 Nov 2026 23:45:00 +0000`).",
        ));
    }
    if !has("Message-ID") {
        findings.push(finding(
            "missing-message-id",
            Level::Warning,
            "No Message-ID header",
            "Threading and duplicate detection rely on it, and some receivers add one or \
             score the message as spam when it is missing.",
        ));
    }
    if !has("Subject") {
        findings.push(finding(
            "missing-subject",
            Level::Warning,
            "No Subject header",
            "Clients show \"(no subject)\" and spam filters score such mail higher.",
        ));
    }
}

/// Every address in `From:` is a valid `local@domain`.
fn from_is_valid(message: &mail_parser::Message<'_>) -> bool {
    let Some(from) = message.from() else {
        return false;
    };
    let mut addresses = from.iter().peekable();
    addresses.peek().is_some()
        && addresses.all(|a| a.address().is_some_and(|address| address.validate_email()))
}

fn count_header_addresses(message: &mail_parser::Message<'_>) -> usize {
    [message.to(), message.cc(), message.bcc()]
        .into_iter()
        .flatten()
        .map(|list| list.iter().count())
        .sum()
}

static COMMENT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?s)<!--.*?-->").unwrap());
static TAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"<([a-zA-Z][a-zA-Z0-9]*)\b([^>]*)>").unwrap());
static ALT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)(^|\s)alt\s*=").unwrap());
static STYLESHEET: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?i)\brel\s*=\s*["']?[^"'>]*stylesheet"#).unwrap());

fn html_findings(html: &str, has_text: bool, findings: &mut Vec<Finding>) {
    if html.len() > CLIPPED_HTML_BYTES {
        findings.push(Finding {
            check: "html-size",
            level: Level::Warning,
            title: format!(
                "The HTML is {} KB, over Gmail's 102 KB",
                html.len().div_ceil(1024)
            ),
            explanation: "Gmail cuts the message there behind a \"[Message clipped]\" link, \
                          which also hides an unsubscribe link or tracking at the end.",
        });
    }
    if !has_text {
        findings.push(finding(
            "missing-text-part",
            Level::Warning,
            "No plain-text part",
            "Text-only clients and screen readers get nothing readable, and spam filters \
             score HTML-only mail higher; send multipart/alternative with a text part.",
        ));
    }
    let html = COMMENT.replace_all(html, "");
    let (mut script, mut form, mut link_css, mut style_in_body, mut images_without_alt) =
        (false, false, false, false, 0);
    let mut in_body = false;
    for tag in TAG.captures_iter(&html) {
        let attributes = &tag[2];
        match tag[1].to_ascii_lowercase().as_str() {
            "body" => in_body = true,
            "script" => script = true,
            "form" => form = true,
            "link" if STYLESHEET.is_match(attributes) => link_css = true,
            "style" if in_body => style_in_body = true,
            "img" if !ALT.is_match(attributes) => images_without_alt += 1,
            _ => {}
        }
    }
    if script {
        findings.push(finding(
            "script",
            Level::Warning,
            "The HTML has <script>",
            "No mail client runs scripts; they are removed, and their presence makes spam \
             filters suspicious.",
        ));
    }
    if form {
        findings.push(finding(
            "form",
            Level::Warning,
            "The HTML has a <form>",
            "Most clients (Gmail, Outlook, Apple Mail) disable or warn about forms; link to a \
             web page instead.",
        ));
    }
    if link_css {
        findings.push(finding(
            "external-css",
            Level::Warning,
            "External style sheet (<link rel=stylesheet>)",
            "Gmail and Outlook do not load external CSS: the message shows unstyled. Inline \
             the styles.",
        ));
    }
    if style_in_body {
        findings.push(finding(
            "style-in-body",
            Level::Warning,
            "<style> inside <body>",
            "Some clients (older Gmail apps, many webmails) drop <style> outside <head>; put \
             it in <head> or inline the styles.",
        ));
    }
    if images_without_alt > 0 {
        findings.push(Finding {
            check: "image-alt",
            level: Level::Warning,
            title: match images_without_alt {
                1 => "1 image without alt text".to_owned(),
                n => format!("{n} images without alt text"),
            },
            explanation: "Many clients block images by default and show the alt text \
                          instead; screen readers read it.",
        });
    }
}

#[cfg(test)]
mod tests;
