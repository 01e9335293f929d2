//! One SMTP connection's protocol as a pure state machine: bytes in,
//! replies and [`Effect`]s out. It performs no I/O and never waits; the
//! driver (`connection`) reads the socket, performs each effect (throttle,
//! argon2, database, smarthost) and hands the outcome back through the
//! matching `on_*` method before it feeds more input. Replies to pipelined
//! commands are collected until the input is consumed, then written at once.
//!
//! Rules: a command or AUTH line longer than [`MAX_LINE`] gets one
//! `500 5.5.2` and is discarded up to its LF, however many reads it spans;
//! a session past its lifetime gets `421 4.4.2` at the next command
//! boundary, never in the middle of a message. What a client sends (an AUTH
//! username, say) reaches the log only escaped (`?` Debug formatting), so
//! it cannot write lines of its own.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::slice::Iter;
use std::time::{Duration, Instant};

use smtp_proto::{Error as ParseError, Request};

mod arguments;
mod auth;
mod command;
mod effect;
mod policy;
#[cfg(test)]
mod tests;
mod transaction;

pub use self::effect::{AuthOutcome, Delivered, Delivery, Effect, Fresh};
use self::transaction::DataReceiver;
use super::reply::{self, Reply};
use crate::auth::smtp_login::AuthenticatedCredential;
use crate::service::sandbox::SandboxUsage;

/// Most recipients one message may have.
const MAX_RECIPIENTS: usize = 100;
/// Longest command or AUTH response line accepted, CR LF included (RFC 5321
/// asks for at least 512 octets; extensions make MAIL FROM and AUTH lines
/// longer, and Postern's usernames and passwords are short).
const MAX_LINE: usize = 2048;
/// Bad commands tolerated before the connection is closed.
const MAX_ERRORS: u32 = 20;

/// What a session is configured with.
#[derive(Debug, Clone)]
pub struct Settings<'a> {
    /// Said in the greeting, EHLO and `Received:` (`POSTERN_SMTP_HOSTNAME`).
    pub hostname: &'a str,
    /// The largest message taken, as EHLO's `SIZE` says.
    pub max_message_bytes: usize,
    /// A session is ended at the next command boundary after this long.
    pub max_session: Duration,
    /// AUTH is offered before STARTTLS (a loopback client, and the setting).
    pub plaintext_auth: bool,
    /// A smarthost is configured, so production mail can be sent.
    pub relay: bool,
    /// How much sandbox mail the instance holds, against its ceiling.
    pub sandbox: &'a SandboxUsage,
}

/// What the driver does next.
#[derive(Debug)]
pub enum Step {
    /// Every byte was consumed: write the replies and read more.
    Read,
    /// Perform this, answer with the matching `on_*` method (if it asks for
    /// one), then feed the rest of the input.
    Effect(Effect),
    /// Write the replies, then run the TLS handshake and call
    /// [`Session::tls_started`]; the rest of the input is dropped.
    StartTls,
    /// Write the replies and close the connection.
    Close,
}

/// How one command, AUTH line or slice of DATA leaves the connection.
enum Next {
    Continue,
    StartTls,
    Close,
}

/// What [`Session::take_line`] found.
enum Line {
    /// A whole line, LF included.
    Complete(Vec<u8>),
    /// More is needed (or a refused line is still being dropped).
    Partial,
    /// The line just passed [`MAX_LINE`].
    TooLong,
}

enum State {
    Command,
    AuthPlain,
    AuthLoginUser,
    AuthLoginPassword(String),
    Data {
        receiver: DataReceiver,
        message: Vec<u8>,
        too_big: bool,
    },
    /// An effect was asked for; input waits for its outcome.
    Waiting(Waiting),
    Closed,
}

/// The effect a session waits for, and what it needs to go on.
enum Waiting {
    Throttle {
        mechanism: u64,
        initial: String,
    },
    Verification,
    Sender {
        from: String,
    },
    Reservation {
        from: String,
        login: AuthenticatedCredential,
    },
    Recipient {
        to: String,
    },
    Message {
        message: Vec<u8>,
    },
    Delivery,
}

/// One SMTP session's protocol state.
pub struct Session<'a> {
    settings: Settings<'a>,
    peer: SocketAddr,
    tls: bool,
    helo: Option<String>,
    login: Option<AuthenticatedCredential>,
    mail_from: Option<String>,
    rcpt_to: Vec<String>,
    /// Production mail: a smarthost transaction was asked for.
    relaying: bool,
    /// Production mail: the smarthost can still take the message.
    relay_open: bool,
    /// The command or AUTH line read so far, across reads.
    line: Vec<u8>,
    /// Inside a line already refused as too long: dropped up to its LF.
    discarding: bool,
    state: State,
    errors: u32,
    /// When the session must end, at the next command boundary.
    ends_at: Instant,
    effects: VecDeque<Effect>,
    out: Vec<u8>,
}

impl<'a> Session<'a> {
    /// A session with `peer` that started at `now`.
    pub fn new(settings: Settings<'a>, peer: SocketAddr, now: Instant) -> Self {
        Self {
            ends_at: now + settings.max_session,
            settings,
            peer,
            tls: false,
            helo: None,
            login: None,
            mail_from: None,
            rcpt_to: Vec::new(),
            relaying: false,
            relay_open: false,
            line: Vec::new(),
            discarding: false,
            state: State::Command,
            errors: 0,
            effects: VecDeque::new(),
            out: Vec::with_capacity(512),
        }
    }

    /// The `220` the client reads first.
    pub fn greeting(&self) -> String {
        format!("220 {} ESMTP Postern\r\n", self.settings.hostname)
    }

    /// After the TLS handshake: everything said before is forgotten (RFC 3207).
    pub fn tls_started(&mut self) {
        self.tls = true;
        self.helo = None;
        self.login = None;
        self.reset_transaction();
        self.line.clear();
        self.discarding = false;
    }

    /// The replies not yet written.
    pub fn output(&self) -> &[u8] {
        &self.out
    }

    /// The replies were written.
    pub fn output_written(&mut self) {
        self.out.clear();
    }

    /// How long the session may still wait for a command; `None` while a
    /// command, AUTH exchange or message is in progress.
    pub fn lifetime_left(&self, now: Instant) -> Option<Duration> {
        self.at_command_boundary()
            .then(|| self.ends_at.saturating_duration_since(now))
    }

    /// Consumes `input` up to the end or up to the first effect, whose
    /// outcome the rest may depend on (pipelined commands after AUTH, say).
    pub fn feed(&mut self, input: &mut &[u8], now: Instant) -> Step {
        if let Some(effect) = self.effects.pop_front() {
            return Step::Effect(effect);
        }
        let mut bytes = input.iter();
        let step = self.consume(&mut bytes, now);
        *input = bytes.as_slice();
        step
    }

    fn consume(&mut self, bytes: &mut Iter<'_, u8>, now: Instant) -> Step {
        loop {
            match self.state {
                State::Closed => return Step::Close,
                State::Waiting(_) => {
                    tracing::error!("SMTP session fed while waiting for an effect");
                    self.state = State::Closed;
                    return Step::Close;
                }
                _ => {}
            }
            if bytes.as_slice().is_empty() {
                return Step::Read;
            }
            if self.at_command_boundary() && now >= self.ends_at {
                self.reply(reply::SESSION_EXPIRED);
                self.state = State::Closed;
                return Step::Close;
            }
            match self.step(bytes) {
                Next::Continue => {}
                Next::StartTls => return Step::StartTls,
                Next::Close => {
                    self.state = State::Closed;
                    return Step::Close;
                }
            }
            if let Some(effect) = self.effects.pop_front() {
                return Step::Effect(effect);
            }
        }
    }

    fn reply(&mut self, reply: Reply) {
        self.out.extend_from_slice(reply.to_line().as_bytes());
    }

    /// Asks the driver for `effect`; input waits until it is answered.
    fn wait_for(&mut self, effect: Effect, waiting: Waiting) -> Next {
        self.effects.push_back(effect);
        self.state = State::Waiting(waiting);
        Next::Continue
    }

    /// What the session waited for, now answered; the session takes input again.
    fn answered(&mut self) -> Option<Waiting> {
        match std::mem::replace(&mut self.state, State::Command) {
            State::Waiting(waiting) => Some(waiting),
            other => {
                tracing::error!("SMTP session answered without waiting for an effect");
                self.state = other;
                None
            }
        }
    }

    /// Applies what an answer decided: a closing one ends the session.
    fn settle(&mut self, next: Next) {
        if matches!(next, Next::Close) {
            self.state = State::Closed;
        }
    }

    fn reset_transaction(&mut self) {
        self.mail_from = None;
        self.rcpt_to.clear();
        if std::mem::take(&mut self.relaying) {
            self.effects.push_back(Effect::AbandonRelay);
        }
        self.relay_open = false;
        self.state = State::Command;
    }

    /// Between commands: no message, AUTH exchange or line in progress.
    fn at_command_boundary(&self) -> bool {
        matches!(self.state, State::Command) && self.line.is_empty() && !self.discarding
    }

    /// Consumes one command, AUTH line or slice of DATA from `bytes`.
    fn step(&mut self, bytes: &mut Iter<'_, u8>) -> Next {
        match &mut self.state {
            State::Data {
                receiver,
                message,
                too_big,
            } => {
                let done = receiver.ingest(bytes, message);
                if message.len() > self.settings.max_message_bytes {
                    *too_big = true;
                    message.clear();
                }
                if done {
                    let State::Data {
                        message, too_big, ..
                    } = std::mem::replace(&mut self.state, State::Command)
                    else {
                        unreachable!("matched above");
                    };
                    return self.end_of_data(message, too_big);
                }
                Next::Continue
            }
            State::AuthPlain | State::AuthLoginUser | State::AuthLoginPassword(_) => {
                match self.take_line(bytes) {
                    Line::Partial => Next::Continue,
                    Line::TooLong => {
                        self.state = State::Command;
                        self.error(reply::LINE_TOO_LONG)
                    }
                    Line::Complete(line) => {
                        let line = String::from_utf8_lossy(&line);
                        self.auth_response(line.trim_end_matches(['\r', '\n']))
                    }
                }
            }
            State::Command => match self.take_line(bytes) {
                Line::Partial => Next::Continue,
                Line::TooLong => self.error(reply::LINE_TOO_LONG),
                Line::Complete(mut line) => {
                    arguments::clamp_mail_size(&mut line);
                    match Request::parse(&mut line.iter()) {
                        Ok(request) => self.command(request.into_owned(), &line),
                        Err(ParseError::NeedsMoreData { .. }) => self.error(reply::UNKNOWN_COMMAND),
                        Err(error) => self.parse_error(error),
                    }
                }
            },
            State::Waiting(_) | State::Closed => Next::Close,
        }
    }

    /// Takes bytes up to and including the next LF. A line that passes
    /// [`MAX_LINE`] is reported once, as soon as it does, and the rest of it
    /// (in this read and the next ones) is dropped.
    fn take_line(&mut self, bytes: &mut Iter<'_, u8>) -> Line {
        let rest = bytes.as_slice();
        let (chunk, complete) = match rest.iter().position(|b| *b == b'\n') {
            Some(pos) => (&rest[..=pos], true),
            None => (rest, false),
        };
        *bytes = rest[chunk.len()..].iter();
        if self.discarding {
            self.discarding = !complete;
            return Line::Partial;
        }
        if self.line.len() + chunk.len() > MAX_LINE {
            self.line.clear();
            self.discarding = !complete;
            return Line::TooLong;
        }
        self.line.extend_from_slice(chunk);
        if complete {
            Line::Complete(std::mem::take(&mut self.line))
        } else {
            Line::Partial
        }
    }

    fn error(&mut self, reply: Reply) -> Next {
        self.errors += 1;
        if self.errors >= MAX_ERRORS {
            self.reply(reply::TOO_MANY_ERRORS);
            return Next::Close;
        }
        self.reply(reply);
        Next::Continue
    }
}
