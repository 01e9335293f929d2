//! The protocol without a socket: a [`Client`] feeds a session bytes and
//! answers its effects from a [`World`] standing in for the throttle, the
//! database and the smarthost. The tests over TCP (`tests/it/smtp`) prove
//! the driver passes all of this through.

mod auth;
mod commands;
mod data;
mod policy;
mod transaction;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::{AuthOutcome, Delivered, Delivery, Effect, Fresh, Session, Settings, Step};
use crate::auth::smtp_login::AuthenticatedCredential;
use crate::domain::{CredentialId, SecretId, WorkspaceId};
use crate::service::sandbox::SandboxUsage;
use crate::smtp::reply::{self, Reply};

const USERNAME: &str = "app_user";
const PASSWORD: &str = "right-password";
const LIFETIME: Duration = Duration::from_secs(300);

/// What the driver would find: the throttle, the credential, the smarthost.
pub struct World {
    /// The client's address has failed too often.
    pub blocked: bool,
    /// What AUTH finds for [`USERNAME`]; `None`: no such credential.
    pub credential: Option<AuthenticatedCredential>,
    pub database_down: bool,
    /// Recipients the smarthost refuses, with its reply.
    pub refused: Vec<(&'static str, Reply)>,
    pub smarthost_down: bool,
    /// The answer to a relayed or stored message.
    pub final_reply: Reply,
    /// The credential is deleted just before a sandbox message is stored.
    pub gone_at_store: bool,
    pub delivered: Vec<Delivery>,
    pub last_used: Vec<CredentialId>,
    /// Smarthost transactions opened and abandoned.
    pub relay_opened: usize,
    pub relay_abandoned: usize,
    /// Messages counted against the rate limits.
    pub reserved: usize,
    /// The rate limit a reservation finds reached.
    pub exceeded: Option<crate::service::send_usage::Exceeded>,
}

/// A sandbox credential of all domains.
pub fn credential() -> AuthenticatedCredential {
    AuthenticatedCredential {
        id: CredentialId::generate(),
        workspace_id: WorkspaceId::generate(),
        username: USERNAME.into(),
        sandbox: true,
        domains: None,
        secret_id: SecretId::generate(),
        policies: Default::default(),
    }
}

impl Default for World {
    fn default() -> Self {
        Self {
            blocked: false,
            credential: Some(credential()),
            database_down: false,
            refused: Vec::new(),
            smarthost_down: false,
            final_reply: Reply::new(250, "2.0.0", "Queued"),
            gone_at_store: false,
            delivered: Vec::new(),
            last_used: Vec::new(),
            relay_opened: 0,
            relay_abandoned: 0,
            reserved: 0,
            exceeded: None,
        }
    }
}

/// A client talking to a session, and the world its effects act on.
pub struct Client {
    pub session: Session<'static>,
    pub world: World,
    pub now: Instant,
    /// How the last input ended: `Some(StartTls)` or `Some(Close)`.
    pub ended: Option<Step>,
    relay_open: bool,
}

pub fn settings() -> Settings<'static> {
    Settings {
        hostname: "mx.test",
        max_message_bytes: 26_214_400,
        max_session: LIFETIME,
        plaintext_auth: false,
        relay: true,
        sandbox: &NO_CEILING,
    }
}

/// Sandbox mail without a ceiling.
static NO_CEILING: std::sync::LazyLock<SandboxUsage> =
    std::sync::LazyLock::new(|| SandboxUsage::new(None));

impl Client {
    /// A plaintext session from a remote address.
    pub fn plaintext() -> Self {
        Self::with(settings(), World::default())
    }

    pub fn with(settings: Settings<'static>, world: World) -> Self {
        let now = Instant::now();
        let peer: SocketAddr = "192.0.2.7:40000".parse().unwrap();
        Self {
            session: Session::new(settings, peer, now),
            world,
            now,
            ended: None,
            relay_open: false,
        }
    }

    /// A session after STARTTLS and a second EHLO.
    pub fn tls() -> Self {
        Self::tls_with(settings(), World::default())
    }

    pub fn tls_with(settings: Settings<'static>, world: World) -> Self {
        let mut client = Self::with(settings, world);
        client.session.tls_started();
        client.cmd("EHLO client.example");
        client
    }

    /// A TLS session authenticated as [`USERNAME`].
    pub fn authenticated(world: World) -> Self {
        let mut client = Self::tls_with(settings(), world);
        assert_eq!(client.auth(), "235 2.7.0 Authentication successful\r\n");
        client
    }

    /// `AUTH PLAIN` as [`USERNAME`] with the right password; the reply.
    pub fn auth(&mut self) -> String {
        self.cmd(&format!("AUTH PLAIN {}", plain(USERNAME, PASSWORD)))
    }

    /// Feeds `input` as one read; returns what the session wrote.
    pub fn send(&mut self, input: &[u8]) -> String {
        let mut input = input;
        self.ended = None;
        loop {
            match self.session.feed(&mut input, self.now) {
                Step::Read => break,
                Step::Effect(effect) => self.perform(effect),
                ended => {
                    self.ended = Some(ended);
                    break;
                }
            }
        }
        let out = String::from_utf8_lossy(self.session.output()).into_owned();
        self.session.output_written();
        out
    }

    /// Sends one command line; returns the replies.
    pub fn cmd(&mut self, line: &str) -> String {
        self.send(format!("{line}\r\n").as_bytes())
    }

    pub fn closed(&self) -> bool {
        matches!(self.ended, Some(Step::Close))
    }

    fn perform(&mut self, effect: Effect) {
        let world = &mut self.world;
        match effect {
            Effect::CheckThrottle => self.session.on_throttle_checked(world.blocked),
            Effect::Authenticate { username, password } => {
                let outcome = match &world.credential {
                    _ if world.blocked => AuthOutcome::Throttled,
                    _ if world.database_down => AuthOutcome::Unavailable,
                    Some(login) if username == USERNAME && password == PASSWORD => {
                        AuthOutcome::Verified(login.clone())
                    }
                    _ => AuthOutcome::Refused,
                };
                self.session.on_auth_result(outcome);
            }
            Effect::RecordLastUsed(id, _) => world.last_used.push(id),
            Effect::Recheck(_) => {
                let fresh = match &world.credential {
                    _ if world.database_down => Fresh::Unavailable,
                    Some(login) => Fresh::Valid(login.clone()),
                    None => Fresh::Revoked,
                };
                self.session.on_credential(fresh);
            }
            Effect::ReserveSend { .. } => {
                let reserved = match world.exceeded.clone() {
                    Some(exceeded) => Err(exceeded),
                    None => {
                        world.reserved += 1;
                        Ok(())
                    }
                };
                self.session.on_send_reserved(reserved);
            }
            Effect::RelayRecipient { to, .. } => {
                if !self.relay_open && !world.smarthost_down {
                    world.relay_opened += 1;
                    self.relay_open = true;
                }
                if world.smarthost_down {
                    self.relay_open = false;
                }
                let verdict = match world.refused.iter().find(|(r, _)| *r == to) {
                    _ if world.smarthost_down => Err(reply::SMARTHOST_DOWN),
                    Some((_, refusal)) => Err(refusal.clone()),
                    None => Ok(()),
                };
                self.session.on_relay_reply(verdict, self.relay_open);
            }
            Effect::AbandonRelay => {
                world.relay_abandoned += 1;
                self.relay_open = false;
            }
            Effect::Deliver(delivery) => {
                self.relay_open = false;
                let delivered = if world.gone_at_store && delivery.login.sandbox {
                    Delivered::CredentialGone
                } else {
                    world.delivered.push(*delivery);
                    Delivered::Done(world.final_reply.clone())
                };
                self.session.on_delivered(delivered);
            }
        }
    }

    /// The text of the `n`th message delivered, `Received:` header included.
    pub fn delivered_text(&self, n: usize) -> String {
        let at = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        String::from_utf8_lossy(&self.world.delivered[n].message(at)).into_owned()
    }

    /// MAIL, RCPT and DATA, then `message` (ending with CRLF) and the final
    /// dot; returns the reply to the message.
    pub fn send_message(&mut self, from: &str, to: &str, message: &str) -> String {
        assert!(self.cmd(&format!("MAIL FROM:<{from}>")).starts_with("250"));
        assert!(self.cmd(&format!("RCPT TO:<{to}>")).starts_with("250"));
        assert!(self.cmd("DATA").starts_with("354"));
        self.send(format!("{message}.\r\n").as_bytes())
    }
}

pub fn b64(text: &str) -> String {
    STANDARD.encode(text)
}

/// `AUTH PLAIN` initial response for a username and password.
pub fn plain(user: &str, password: &str) -> String {
    b64(&format!("\0{user}\0{password}"))
}

/// The reply codes in `replies`, in order.
pub fn codes(replies: &str) -> Vec<u16> {
    replies
        .lines()
        .filter(|line| line.as_bytes().get(3) != Some(&b'-'))
        .map(|line| line[..3].parse().unwrap())
        .collect()
}
