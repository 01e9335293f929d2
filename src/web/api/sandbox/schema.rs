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

/// Which messages: each parameter given must match.
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
}

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
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WaitQuery {
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
