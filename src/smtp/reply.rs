//! Every reply the listener sends, with its RFC 3463 enhanced status code.

use std::borrow::Cow;

/// One SMTP reply line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub code: u16,
    /// The RFC 3463 enhanced status code; empty for replies that have none.
    pub status: Cow<'static, str>,
    pub text: Cow<'static, str>,
}

const fn reply(code: u16, status: &'static str, text: &'static str) -> Reply {
    Reply {
        code,
        status: Cow::Borrowed(status),
        text: Cow::Borrowed(text),
    }
}

impl Reply {
    pub fn new(
        code: u16,
        status: impl Into<Cow<'static, str>>,
        text: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            code,
            status: status.into(),
            text: text.into(),
        }
    }

    pub fn to_line(&self) -> String {
        if self.status.is_empty() {
            format!("{} {}\r\n", self.code, self.text)
        } else {
            format!("{} {} {}\r\n", self.code, self.status, self.text)
        }
    }
}

pub const OK: Reply = reply(250, "2.0.0", "OK");
pub const RESET: Reply = reply(250, "2.0.0", "Reset");
pub const SENDER_OK: Reply = reply(250, "2.1.0", "Sender OK");
pub const RECIPIENT_OK: Reply = reply(250, "2.1.5", "Recipient OK");
pub const BYE: Reply = reply(221, "2.0.0", "Bye");
pub const READY_FOR_TLS: Reply = reply(220, "2.0.0", "Ready to start TLS");
pub const START_DATA: Reply = reply(354, "", "Start mail input; end with <CRLF>.<CRLF>");
pub const HELP: Reply = reply(214, "2.0.0", "See https://www.rfc-editor.org/rfc/rfc5321");
pub const VRFY: Reply = reply(
    252,
    "2.5.0",
    "Cannot verify the user, but will accept the message",
);
pub const AUTH_OK: Reply = reply(235, "2.7.0", "Authentication successful");
pub const AUTH_FAILED: Reply = reply(535, "5.7.8", "Authentication credentials invalid");
pub const AUTH_TEMPORARY: Reply = reply(
    454,
    "4.7.0",
    "Temporary authentication failure, try again later",
);
pub const ENCRYPTION_REQUIRED: Reply =
    reply(538, "5.7.11", "Encryption required: issue STARTTLS first");
pub const AUTH_REQUIRED: Reply = reply(530, "5.7.0", "Authentication required");
pub const AUTH_CANCELLED: Reply = reply(501, "5.0.0", "Authentication cancelled");
pub const BAD_BASE64: Reply = reply(501, "5.5.2", "Invalid base64 data");
pub const BAD_MECHANISM: Reply = reply(
    504,
    "5.5.4",
    "Unsupported authentication mechanism; use PLAIN or LOGIN",
);
pub const ALREADY_AUTHENTICATED: Reply = reply(503, "5.5.1", "Already authenticated");
pub const TOO_MANY_FAILURES: Reply = reply(
    421,
    "4.7.0",
    "Too many failed authentications, try again later",
);
pub const SENDER_NOT_ALLOWED: Reply = reply(
    550,
    "5.7.1",
    "Sender domain is not allowed for this credential",
);
pub const FROM_HEADER_NOT_ALLOWED: Reply = reply(
    550,
    "5.7.1",
    "The From: header must only name addresses in this credential's domains",
);
pub const FROM_HEADER_MISSING: Reply = reply(
    550,
    "5.7.1",
    "The From: header must name an address this credential may send as",
);
pub const INVALID_DOMAIN: Reply = reply(501, "5.5.4", "Invalid domain name");
pub const PARAMETER_NOT_SUPPORTED: Reply =
    reply(555, "5.5.4", "Parameter not supported (see the EHLO reply)");
pub const NESTED_MAIL: Reply = reply(503, "5.5.1", "Sender already specified");
pub const NEED_MAIL: Reply = reply(503, "5.5.1", "MAIL FROM first");
pub const NEED_RCPT: Reply = reply(503, "5.5.1", "RCPT TO first");
pub const TOO_MANY_RECIPIENTS: Reply = reply(452, "4.5.3", "Too many recipients");
/// The instance holds `POSTERN_SANDBOX_MAX_BYTES` of sandbox mail.
pub const SANDBOX_FULL: Reply = reply(
    452,
    "4.3.1",
    "Insufficient system storage: the sandbox is full, delete some of its mail",
);
pub const TOO_BIG: Reply = reply(552, "5.3.4", "Message size exceeds the fixed maximum");
pub const HEADER_CONTROL_CHARACTER: Reply = reply(
    550,
    "5.6.0",
    "The message header holds a control character (NUL, ESC, ...)",
);
pub const HEADER_LEADING_CONTINUATION: Reply = reply(
    550,
    "5.6.0",
    "The message header starts with a continuation line",
);
pub const HEADER_NOT_A_FIELD: Reply = reply(
    550,
    "5.6.0",
    "A line of the message header is not a header field (Name: value)",
);
pub const ALREADY_TLS: Reply = reply(503, "5.5.1", "TLS already active");
pub const TEMPORARY_FAILURE: Reply = reply(451, "4.3.0", "Temporary failure, try again later");
pub const NO_SMARTHOST: Reply = reply(
    451,
    "4.3.5",
    "Production mail is not enabled on this server (no smarthost configured)",
);
pub const SMARTHOST_DOWN: Reply = reply(451, "4.4.1", "The relay is unreachable, try again later");
pub const UNKNOWN_COMMAND: Reply = reply(500, "5.5.1", "Unknown command");
pub const LINE_TOO_LONG: Reply = reply(500, "5.5.2", "Line too long");
pub const NOT_IMPLEMENTED: Reply = reply(502, "5.5.1", "Command not implemented");
pub const TOO_MANY_ERRORS: Reply = reply(421, "4.7.0", "Too many errors, closing connection");
pub const TIMEOUT: Reply = reply(421, "4.4.2", "Idle timeout, closing connection");
pub const BUSY: Reply = reply(421, "4.3.2", "Too many connections, try again later");
pub const BUSY_FROM_ADDRESS: Reply = reply(
    421,
    "4.7.0",
    "Too many connections from your address, try again later",
);
pub const SESSION_EXPIRED: Reply = reply(
    421,
    "4.4.2",
    "Session time limit reached, closing connection",
);
pub const SHUTTING_DOWN: Reply = reply(421, "4.3.2", "Shutting down, try again later");
pub const PROXY_HEADER_REQUIRED: Reply = reply(
    421,
    "4.7.0",
    "PROXY protocol header expected, closing connection",
);

/// An address as a reply names it: at most 254 characters, printable.
fn quoted(address: &str) -> String {
    address
        .chars()
        .take(254)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// MAIL FROM outside the credential's sender patterns.
pub fn sender_refused(address: &str) -> Reply {
    Reply::new(
        550,
        "5.7.1",
        format!(
            "Sender <{}> is not allowed for this credential",
            quoted(address)
        ),
    )
}

/// A `From:` address outside the credential's sender patterns.
pub fn from_header_refused(address: &str) -> Reply {
    Reply::new(
        550,
        "5.7.1",
        format!(
            "From: address <{}> is not allowed for this credential",
            quoted(address)
        ),
    )
}

/// A rate limit reached at MAIL FROM: which, and when to retry.
pub fn rate_limited(exceeded: &crate::service::send_usage::Exceeded) -> Reply {
    Reply::new(
        451,
        "4.7.1",
        format!(
            "Sending limit of {} {} per {} reached for this credential, try again after {}",
            crate::domain::policy::group_digits(exceeded.limit.into()),
            if exceeded.limit == 1 {
                "message"
            } else {
                "messages"
            },
            exceeded.window.noun(),
            exceeded.retry_at.format("%Y-%m-%d %H:%M:%S UTC")
        ),
    )
}

/// One recipient more than the credential's cap.
pub fn recipient_cap(cap: u32) -> Reply {
    Reply::new(
        452,
        "4.5.3",
        format!("Too many recipients: this credential may send to {cap} per message"),
    )
}
