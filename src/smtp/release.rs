//! Releasing a sandbox message: the captured message, as the application
//! sent it, goes to addresses a member names, through the smarthost.
//!
//! The smarthost receives the original bytes with two header fields put in
//! front (a `Received:` trace field, RFC 5321 4.4, and
//! `X-Postern-Released:` naming the sandbox message), every bare CR or LF
//! made CRLF (so no `.` line hides behind one, see `message`), dot-stuffed
//! by the relay. `BODY=8BITMIME` (and `SMTPUTF8` for a non-ASCII sender) is
//! asked for when the smarthost offers it. Nothing is stored: a refusal or
//! an unreachable smarthost leaves the sandbox message as it was.

use chrono::{DateTime, Utc};

use super::message::normalize_line_endings;
use super::relay::Relay;
use super::reply::Reply;

impl Relay {
    /// Sends `message` from `from` to every one of `to`, in one
    /// transaction: all recipients accepted and the message taken, or the
    /// smarthost's refusal (or `451 4.4.1` when it cannot be reached).
    pub async fn send(&self, from: &str, to: &[String], message: &[u8]) -> Result<Reply, Reply> {
        let mut upstream = self.open(from).await?;
        for recipient in to {
            upstream.recipient(recipient).await?;
        }
        let reply = upstream.data(message).await;
        if reply.code == 250 {
            Ok(reply)
        } else {
            Err(reply)
        }
    }
}

/// The bytes a release sends: the trace fields, then `raw` with CRLF line
/// endings throughout, ending with CRLF.
pub fn released_copy(raw: &[u8], hostname: &str, message_id: &str, at: DateTime<Utc>) -> Vec<u8> {
    let date = at.to_rfc2822();
    let mut out = format!(
        "Received: by {hostname} (Postern sandbox release); {date}\r\n\
         X-Postern-Released: sandbox message {message_id}; {date}\r\n"
    )
    .into_bytes();
    out.extend_from_slice(raw);
    let mut out = normalize_line_endings(out);
    if !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-28T01:02:03Z")
            .unwrap()
            .to_utc()
    }

    #[test]
    fn the_copy_is_the_original_behind_two_trace_fields() {
        let raw = b"Subject: Hi\r\n\r\nBody\r\n";
        let copy = released_copy(raw, "mx.example", "m1", at());
        let text = String::from_utf8(copy).unwrap();
        assert_eq!(
            text,
            "Received: by mx.example (Postern sandbox release); Sat, 28 Nov 2026 01:02:03 +0000\r\n\
             X-Postern-Released: sandbox message m1; Sat, 28 Nov 2026 01:02:03 +0000\r\n\
             Subject: Hi\r\n\r\nBody\r\n"
        );
    }

    #[test]
    fn bare_line_endings_become_crlf_and_the_copy_ends_with_one() {
        let copy = released_copy(b"Subject: Hi\n\nline\n.\r\nlast", "h", "m", at());
        assert!(copy.ends_with(b"Subject: Hi\r\n\r\nline\r\n.\r\nlast\r\n"));
    }

    #[test]
    fn eight_bit_bodies_are_kept_byte_for_byte() {
        let raw = "Subject: Grüße\r\n\r\nHällo 日本\r\n".as_bytes();
        let copy = released_copy(raw, "h", "m", at());
        assert!(copy.ends_with(raw));
    }
}
