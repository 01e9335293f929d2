//! The API's JSON shapes for sandbox mail, as the OpenAPI document
//! describes them, and the query parameters of its operations.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::service::sandbox::SandboxSummary;
use crate::service::sandbox::reading::{Mailbox, Reading};
use crate::web::api::smtp_credentials::{ListObjectType, Pagination};

/// `object` of a sandbox message.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
pub enum MessageObjectType {
    #[serde(rename = "sandbox_message")]
    SandboxMessage,
}

/// A captured message as a list shows it: the envelope and the subject.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "object": "sandbox_message",
    "id": "019ac4d2-7f0e-7c3a-9d51-2f6b8e1a4c70",
    "received_at": "2026-11-28T09:15:02.123456Z",
    "username": "smtp_k3j9x2qa",
    "envelope_from": "noreply@app.example",
    "envelope_to": ["alice@example.net"],
    "subject": "Reset your password",
    "size": 4821
}))]
pub struct SandboxMessageSummary {
    pub object: MessageObjectType,
    #[schema(format = Uuid)]
    pub id: String,
    pub received_at: DateTime<Utc>,
    /// The SMTP username it was sent with.
    pub username: String,
    /// `MAIL FROM`.
    pub envelope_from: String,
    /// `RCPT TO`, in order.
    pub envelope_to: Vec<String>,
    /// The `Subject:` header (empty when there is none).
    pub subject: String,
    /// Bytes of the raw message.
    pub size: i64,
}

impl From<SandboxSummary> for SandboxMessageSummary {
    fn from(m: SandboxSummary) -> Self {
        Self {
            object: MessageObjectType::SandboxMessage,
            id: m.id.to_string(),
            received_at: m.received_at.and_utc(),
            username: m.username,
            envelope_from: m.mail_from,
            envelope_to: m.rcpt_to.lines().map(str::to_owned).collect(),
            subject: m.subject,
            size: m.size,
        }
    }
}

/// A page of messages, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SandboxMessageList {
    pub object: ListObjectType,
    pub data: Vec<SandboxMessageSummary>,
    pub pagination: Pagination,
}

/// An address of a header.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Address {
    /// The display name, when one is given.
    pub name: Option<String>,
    pub address: String,
}

impl From<Mailbox> for Address {
    fn from(m: Mailbox) -> Self {
        Self {
            name: m.name,
            address: m.address,
        }
    }
}

/// A header as sent: the value trimmed, a folded value keeping its line
/// breaks, encoded words not decoded.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Header {
    pub name: String,
    pub value: String,
}

/// An attachment, and where to download it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Attachment {
    /// Its place among the message's attachments, from 0.
    pub index: usize,
    pub filename: String,
    pub content_type: String,
    /// Bytes, decoded.
    pub size: usize,
    /// `GET` it with the same key (`sandbox:read`).
    pub download_url: String,
}

/// A captured message, parsed.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "object": "sandbox_message",
    "id": "019ac4d2-7f0e-7c3a-9d51-2f6b8e1a4c70",
    "received_at": "2026-11-28T09:15:02.123456Z",
    "username": "smtp_k3j9x2qa",
    "envelope_from": "noreply@app.example",
    "envelope_to": ["alice@example.net"],
    "subject": "Reset your password",
    "size": 4821,
    "from": [{"name": "App", "address": "noreply@app.example"}],
    "to": [{"name": null, "address": "alice@example.net"}],
    "cc": [],
    "reply_to": [],
    "date": "2026-11-28T09:15:01Z",
    "message_id": "reset-1@app.example",
    "text": "Reset your password: https://app.example/reset?token=abc\r\n",
    "html": "<p><a href=\"https://app.example/reset?token=abc\">Reset your password</a></p>",
    "headers": [{"name": "Subject", "value": "Reset your password"}],
    "attachments": [{
        "index": 0,
        "filename": "invoice.pdf",
        "content_type": "application/pdf",
        "size": 18231,
        "download_url": "/v2/accounts/0199f0c1-1c2d-7e4f-8a9b-0c1d2e3f4a5b/sandbox/messages/019ac4d2-7f0e-7c3a-9d51-2f6b8e1a4c70/attachments/0"
    }],
    "links": ["https://app.example/reset?token=abc"],
    "raw_url": "/v2/accounts/0199f0c1-1c2d-7e4f-8a9b-0c1d2e3f4a5b/sandbox/messages/019ac4d2-7f0e-7c3a-9d51-2f6b8e1a4c70/raw"
}))]
pub struct SandboxMessageDetail {
    #[serde(flatten)]
    pub summary: SandboxMessageSummary,
    /// `From:` (usually one).
    pub from: Vec<Address>,
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    pub reply_to: Vec<Address>,
    /// The `Date:` header; `null` when missing or unreadable.
    pub date: Option<DateTime<Utc>>,
    /// The `Message-ID:` header, without its angle brackets.
    pub message_id: Option<String>,
    /// The text body (empty when there is none).
    pub text: String,
    /// The HTML body as sent (not sanitised); `null` when there is none.
    pub html: Option<String>,
    /// Every header, in order.
    pub headers: Vec<Header>,
    pub attachments: Vec<Attachment>,
    /// The `http(s)` links of the HTML and of the text, each once, in the
    /// order they first appear.
    pub links: Vec<String>,
    /// The message as received (`message/rfc822`).
    pub raw_url: String,
}

impl SandboxMessageDetail {
    /// The message at `url` (its API URL), read.
    pub fn new(summary: SandboxSummary, reading: Reading, url: &str) -> Self {
        let parts = reading.parts;
        Self {
            summary: summary.into(),
            from: reading.from.into_iter().map(Address::from).collect(),
            to: reading.to.into_iter().map(Address::from).collect(),
            cc: reading.cc.into_iter().map(Address::from).collect(),
            reply_to: reading.reply_to.into_iter().map(Address::from).collect(),
            date: reading.date,
            message_id: reading.message_id,
            text: parts.text,
            html: parts.html,
            headers: parts
                .headers
                .into_iter()
                .map(|(name, value)| Header { name, value })
                .collect(),
            attachments: parts
                .attachments
                .into_iter()
                .map(|a| Attachment {
                    download_url: format!("{url}/attachments/{}", a.index),
                    index: a.index,
                    filename: a.name,
                    content_type: a.content_type,
                    size: a.size,
                })
                .collect(),
            links: reading.links,
            raw_url: format!("{url}/raw"),
        }
    }
}

/// The answer to a deletion of several messages.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DeletedMessages {
    pub message: String,
    /// How many were deleted.
    pub deleted: u64,
}

/// Which messages: each parameter given must hold (an empty one is left
/// out). Read by [`super::filter`] for the list, `wait` and deleting all
/// matching.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FilterQuery {
    /// One of the envelope recipients (`RCPT TO`) is this address, in any
    /// case.
    #[param(
        max_length = 320,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$",
        example = "alice@example.net"
    )]
    pub to: Option<String>,
    /// The subject contains this text, in any case.
    #[param(
        max_length = 300,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$",
        example = "Reset your password"
    )]
    pub subject_contains: Option<String>,
    /// A search, as in the dashboard's Sandbox list: every word must occur
    /// and `"a phrase"` is one term, each anywhere (a piece of a word, in
    /// any case) in the subject, a sender (`MAIL FROM`, `From:`, `Sender:`,
    /// `Reply-To:`, names and addresses), a recipient (`RCPT TO`, `To:`,
    /// `Cc:`) or the text body. At most 200 characters and 8 terms.
    #[param(
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$",
        example = "reset \"your password\""
    )]
    pub q: Option<String>,
    /// Only mail sent with this SMTP credential (its `id`).
    #[param(format = Uuid, example = "0199f0c1-5d6e-7f80-9a1b-2c3d4e5f6a7b")]
    pub credential: Option<String>,
    /// Only mail holding this tag (from its `X-Tags` header, or set in the
    /// dashboard), in any case.
    #[param(
        max_length = 40,
        pattern = r"^[^,\u0000-\u001F\u007F-\u009F]*$",
        example = "signup"
    )]
    pub tag: Option<String>,
    /// Only mail received at or after this time (RFC 3339).
    #[param(format = DateTime, example = "2026-11-28T00:00:00Z")]
    pub received_after: Option<String>,
    /// Only mail received before this time (RFC 3339); later than
    /// `received_after` when both are given.
    #[param(format = DateTime, example = "2026-11-29T00:00:00Z")]
    pub received_before: Option<String>,
}

/// A list's page (its filter is a [`FilterQuery`]).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MessageListQuery {
    /// Items per page, 1–100.
    #[param(minimum = 1, maximum = 100, default = 50)]
    pub limit: Option<i64>,
    /// A `next_cursor`: the page after it (older messages).
    #[param(min_length = 1)]
    pub after: Option<String>,
    /// A `previous_cursor`: the page before it (newer messages).
    #[param(min_length = 1)]
    pub before: Option<String>,
}

/// How long to wait and for mail since when (its filter is a
/// [`FilterQuery`]).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WaitQuery {
    /// Messages received at or after this time count (RFC 3339); by
    /// default only those received after the request arrived. Take it
    /// before the action that sends the mail, so a message that arrives
    /// before the wait starts is found at once.
    #[param(format = DateTime, example = "2026-11-28T09:15:00Z")]
    pub since: Option<String>,
    /// Seconds to wait, 0–60 (0: look once and answer).
    #[param(minimum = 0, maximum = 60, default = 30)]
    pub timeout: Option<u64>,
}

#[cfg(test)]
mod tests {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::Schema;

    use super::*;
    use crate::domain::search_terms::MAX_SEARCH_CHARS;
    use crate::domain::tags::MAX_TAG_CHARS;
    use crate::web::api::sandbox::filter::{MAX_SUBJECT, MAX_TO};

    #[test]
    fn the_documented_filter_bounds_are_the_enforced_ones() {
        let params = FilterQuery::into_params(|| None);
        let max_length = |name: &str| {
            let param = params.iter().find(|p| p.name == name).unwrap();
            match param.schema.as_ref().unwrap() {
                RefOr::T(Schema::Object(object)) => object.max_length,
                _ => panic!("{name} has no inline schema"),
            }
        };
        assert_eq!(max_length("to"), Some(MAX_TO));
        assert_eq!(max_length("subject_contains"), Some(MAX_SUBJECT));
        assert_eq!(max_length("q"), Some(MAX_SEARCH_CHARS));
        assert_eq!(max_length("tag"), Some(MAX_TAG_CHARS));
    }
}
