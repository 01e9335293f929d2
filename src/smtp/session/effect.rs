//! What a session asks its driver to do, and the outcomes it is answered with.

use std::fmt;
use std::net::IpAddr;

use chrono::{DateTime, Utc};

use crate::auth::smtp_login::AuthenticatedCredential;
use crate::domain::policy::SendLimits;
use crate::domain::{CredentialId, SecretId};
use crate::smtp::message;
use crate::smtp::reply::Reply;

/// Work a session cannot do itself. Those marked "answer" make the session
/// wait for the named `Session` method before it takes more input.
pub enum Effect {
    /// Whether the client's address is throttled for failed AUTHs; answer
    /// with `on_throttle_checked`.
    CheckThrottle,
    /// Verify a username and password, counting the attempt against the
    /// client's address; answer with `on_auth_result`.
    Authenticate { username: String, password: String },
    /// Record that the credential was used with this secret, from the
    /// client's address.
    RecordLastUsed(CredentialId, SecretId),
    /// Read the credential again (it may have been revoked); answer with
    /// `on_credential`.
    Recheck(AuthenticatedCredential),
    /// Count one message against the credential's rate limits; answer
    /// with `on_send_reserved`. The driver keeps the reservation until the
    /// message is accepted, and gives it back once the session is no
    /// longer [`in_transaction`](super::Session::in_transaction).
    ReserveSend {
        credential: CredentialId,
        limits: SendLimits,
    },
    /// Ask the smarthost to take one more recipient, opening its
    /// transaction from `from` first if none is open; answer with
    /// `on_relay_reply`.
    RelayRecipient { from: String, to: String },
    /// Forget the smarthost transaction (RSET, a new EHLO, a finished one).
    AbandonRelay,
    /// Store the message in the sandbox or relay it; answer with `on_delivered`.
    Deliver(Box<Delivery>),
}

impl fmt::Debug for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Effect::CheckThrottle => f.write_str("CheckThrottle"),
            Effect::Authenticate { username, .. } => f
                .debug_struct("Authenticate")
                .field("username", username)
                .finish_non_exhaustive(),
            Effect::RecordLastUsed(id, secret) => f
                .debug_tuple("RecordLastUsed")
                .field(id)
                .field(secret)
                .finish(),
            Effect::Recheck(login) => f.debug_tuple("Recheck").field(&login.username).finish(),
            Effect::ReserveSend { credential, .. } => {
                f.debug_tuple("ReserveSend").field(credential).finish()
            }
            Effect::RelayRecipient { from, to } => f
                .debug_struct("RelayRecipient")
                .field("from", from)
                .field("to", to)
                .finish(),
            Effect::AbandonRelay => f.write_str("AbandonRelay"),
            Effect::Deliver(delivery) => f.debug_tuple("Deliver").field(delivery).finish(),
        }
    }
}

/// A message ready to be stored or relayed: its header section checked,
/// its line endings CRLF.
#[derive(Debug)]
pub struct Delivery {
    /// The credential as just re-read.
    pub login: AuthenticatedCredential,
    /// The envelope sender (MAIL FROM; empty: the null sender).
    pub from: String,
    /// The recipients accepted (RCPT TO).
    pub to: Vec<String>,
    pub(super) received: Received,
    pub(super) message: Vec<u8>,
}

/// What the `Received:` header says of the session.
#[derive(Debug)]
pub(super) struct Received {
    pub helo: Option<String>,
    pub ip: IpAddr,
    pub hostname: String,
    pub tls: bool,
}

impl Delivery {
    /// The message as stored or relayed: a `Received:` header dated `at`,
    /// then the client's message, with no bare CR or LF anywhere.
    pub fn message(&self, at: DateTime<Utc>) -> Vec<u8> {
        let Received {
            helo,
            ip,
            hostname,
            tls,
        } = &self.received;
        let header = format!(
            "Received: from {} ([{ip}]) by {hostname} (Postern) with {}; {}\r\n",
            helo.as_deref().unwrap_or("unknown"),
            if *tls { "ESMTPSA" } else { "ESMTPA" },
            at.to_rfc2822()
        );
        let mut out = Vec::with_capacity(header.len() + self.message.len());
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(&self.message);
        message::normalize_line_endings(out)
    }
}

/// How an AUTH verification came out.
#[derive(Debug)]
pub enum AuthOutcome {
    /// The password is right and the credential active.
    Verified(AuthenticatedCredential),
    /// Unknown username, wrong password or inactive credential alike.
    Refused,
    /// Too many failures from the client's address.
    Throttled,
    /// The database could not be reached.
    Unavailable,
}

/// The credential as read again mid-session.
#[derive(Debug)]
pub enum Fresh {
    /// Still active, with the same password.
    Valid(AuthenticatedCredential),
    /// Deleted, deactivated or regenerated since AUTH.
    Revoked,
    /// The database could not be reached.
    Unavailable,
}

/// How storing or relaying a message came out.
#[derive(Debug)]
pub enum Delivered {
    /// The reply to give (`250`, or the smarthost's refusal, or a `4xx`).
    Done(Reply),
    /// The credential was deleted before the message could be stored.
    CredentialGone,
}
