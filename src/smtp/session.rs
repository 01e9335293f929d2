//! One SMTP connection: commands in, replies out. Replies to pipelined
//! commands are buffered and written once the client's input is consumed.
//!
//! Rules: a command or AUTH line longer than [`MAX_LINE`] gets one
//! `500 5.5.2` and is discarded up to its LF, however many reads it spans;
//! a session past its lifetime gets `421 4.4.2` at the next command
//! boundary, never in the middle of a message. What a client sends (an AUTH
//! username, say) reaches the log only escaped (`?` Debug formatting), so
//! it cannot write lines of its own.

use std::net::SocketAddr;
use std::slice::Iter;
use std::time::Instant;

use smtp_proto::{AUTH_LOGIN, AUTH_PLAIN, Error as ParseError, Request};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

mod arguments;
mod transaction;

use self::transaction::DataReceiver;
use super::SmtpContext;
use super::relay::Upstream;
use super::reply::{self, Reply};
use super::sasl::{self, SaslError};
use crate::auth::smtp_login::AuthenticatedCredential;

/// Most recipients one message may have.
const MAX_RECIPIENTS: usize = 100;
/// Longest command or AUTH response line accepted, CR LF included (RFC 5321
/// asks for at least 512 octets; extensions make MAIL FROM and AUTH lines
/// longer, and Postern's usernames and passwords are short).
const MAX_LINE: usize = 2048;
/// Bad commands tolerated before the connection is closed.
const MAX_ERRORS: u32 = 20;

/// What the connection does after a batch of input.
pub enum Next {
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
}

pub struct Session<'a> {
    ctx: &'a SmtpContext,
    peer: SocketAddr,
    tls: bool,
    helo: Option<String>,
    login: Option<AuthenticatedCredential>,
    mail_from: Option<String>,
    rcpt_to: Vec<String>,
    /// Production mail: the smarthost's side of this transaction, opened at
    /// the first RCPT.
    upstream: Option<Upstream>,
    /// The command or AUTH line read so far, across reads.
    line: Vec<u8>,
    /// Inside a line already refused as too long: dropped up to its LF.
    discarding: bool,
    state: State,
    errors: u32,
    /// When the session must end, at the next command boundary.
    ends_at: Instant,
    out: Vec<u8>,
    /// Read buffer, kept for the whole connection (plain and TLS parts).
    input: Vec<u8>,
}

impl<'a> Session<'a> {
    pub fn new(ctx: &'a SmtpContext, peer: SocketAddr) -> Self {
        Self {
            ctx,
            peer,
            tls: false,
            helo: None,
            login: None,
            mail_from: None,
            rcpt_to: Vec::new(),
            upstream: None,
            line: Vec::new(),
            discarding: false,
            state: State::Command,
            errors: 0,
            ends_at: Instant::now() + ctx.max_session,
            out: Vec::with_capacity(512),
            input: vec![0; 8 * 1024],
        }
    }

    pub fn greeting(&self) -> String {
        format!("220 {} ESMTP Postern\r\n", self.ctx.hostname)
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

    fn reply(&mut self, reply: Reply) {
        self.out.extend_from_slice(reply.to_line().as_bytes());
    }

    fn reset_transaction(&mut self) {
        self.mail_from = None;
        self.rcpt_to.clear();
        self.upstream = None;
        self.state = State::Command;
    }

    /// Reads and answers until the client quits, asks for TLS, or goes idle.
    pub async fn drive<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        stream: &mut S,
    ) -> std::io::Result<Next> {
        let mut buf = std::mem::take(&mut self.input);
        let next = self.serve_input(stream, &mut buf).await;
        self.input = buf;
        next
    }

    async fn serve_input<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        stream: &mut S,
        buf: &mut [u8],
    ) -> std::io::Result<Next> {
        loop {
            // Waiting for a command past the lifetime: that is the boundary.
            let lifetime_left = self
                .at_command_boundary()
                .then(|| self.ends_at.saturating_duration_since(Instant::now()));
            let wait = lifetime_left.map_or(self.ctx.idle_timeout, |left| {
                left.min(self.ctx.idle_timeout)
            });
            let read = tokio::time::timeout(wait, stream.read(buf)).await;
            let n = match read {
                Err(_) => {
                    let expired = lifetime_left.is_some_and(|left| left < self.ctx.idle_timeout);
                    let reply = if expired {
                        reply::SESSION_EXPIRED
                    } else {
                        reply::TIMEOUT
                    };
                    stream.write_all(reply.to_line().as_bytes()).await?;
                    return Ok(Next::Close);
                }
                Ok(result) => result?,
            };
            if n == 0 {
                return Ok(Next::Close);
            }
            let mut bytes = buf[..n].iter();
            let mut next = Next::Continue;
            while !bytes.as_slice().is_empty() {
                if self.at_command_boundary() && Instant::now() >= self.ends_at {
                    self.reply(reply::SESSION_EXPIRED);
                    next = Next::Close;
                    break;
                }
                next = self.step(&mut bytes).await;
                if !matches!(next, Next::Continue) {
                    // Bytes pipelined after STARTTLS or QUIT are dropped.
                    break;
                }
            }
            if !self.out.is_empty() {
                stream.write_all(&self.out).await?;
                stream.flush().await?;
                self.out.clear();
            }
            if !matches!(next, Next::Continue) {
                return Ok(next);
            }
        }
    }

    /// Between commands: no message, AUTH exchange or line in progress.
    fn at_command_boundary(&self) -> bool {
        matches!(self.state, State::Command) && self.line.is_empty() && !self.discarding
    }

    /// Consumes one command, AUTH line or slice of DATA from `bytes`.
    async fn step(&mut self, bytes: &mut Iter<'_, u8>) -> Next {
        match &mut self.state {
            State::Data {
                receiver,
                message,
                too_big,
            } => {
                let done = receiver.ingest(bytes, message);
                if message.len() > self.ctx.max_message_bytes {
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
                    let reply = if too_big {
                        reply::TOO_BIG
                    } else {
                        self.deliver(message).await
                    };
                    self.reset_transaction();
                    self.reply(reply);
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
                            .await
                    }
                }
            }
            State::Command => match self.take_line(bytes) {
                Line::Partial => Next::Continue,
                Line::TooLong => self.error(reply::LINE_TOO_LONG),
                Line::Complete(mut line) => {
                    arguments::clamp_mail_size(&mut line);
                    match Request::parse(&mut line.iter()) {
                        Ok(request) => self.command(request.into_owned(), &line).await,
                        Err(ParseError::NeedsMoreData { .. }) => self.error(reply::UNKNOWN_COMMAND),
                        Err(error) => self.parse_error(error),
                    }
                }
            },
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

    fn parse_error(&mut self, error: ParseError) -> Next {
        let reply = match error {
            ParseError::UnknownCommand => reply::UNKNOWN_COMMAND,
            ParseError::ResponseTooLong => reply::LINE_TOO_LONG,
            ParseError::InvalidSenderAddress => Reply::new(501, "5.1.7", "Invalid sender address"),
            ParseError::InvalidRecipientAddress => {
                Reply::new(501, "5.1.3", "Invalid recipient address")
            }
            ParseError::SyntaxError { syntax } => {
                Reply::new(501, "5.5.4", format!("Syntax: {syntax}"))
            }
            ParseError::InvalidParameter { param } => {
                Reply::new(501, "5.5.4", format!("Invalid parameter {param}"))
            }
            ParseError::UnsupportedParameter { param } => Reply::new(
                555,
                "5.5.4",
                format!(
                    "Unsupported parameter {}",
                    param.chars().take(40).collect::<String>()
                ),
            ),
            _ => reply::UNKNOWN_COMMAND,
        };
        self.error(reply)
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

    fn auth_allowed(&self) -> bool {
        self.tls || (self.ctx.allow_plaintext_auth && self.peer.ip().is_loopback())
    }

    /// Answers one parsed command; `line` is the command as sent, for the
    /// checks smtp-proto does not make (see `arguments`).
    async fn command(&mut self, request: Request<String>, line: &[u8]) -> Next {
        match request {
            Request::Ehlo { .. } | Request::Helo { .. } | Request::Lhlo { .. } => {
                // smtp-proto takes the first word only, whatever it holds.
                let Some(name) = arguments::helo_name(line) else {
                    return self.error(reply::INVALID_DOMAIN);
                };
                self.helo = Some(name.to_owned());
                self.reset_transaction();
                if matches!(request, Request::Ehlo { .. }) {
                    self.ehlo();
                } else {
                    self.reply(Reply::new(250, "", self.ctx.hostname.clone()));
                }
            }
            Request::StartTls if self.tls => return self.error(reply::ALREADY_TLS),
            Request::StartTls => {
                self.reply(reply::READY_FOR_TLS);
                return Next::StartTls;
            }
            Request::Auth {
                mechanism,
                initial_response,
            } => return self.auth(mechanism, initial_response).await,
            Request::Mail { from } if arguments::has_unadvertised_mail_parameter(&from) => {
                return self.error(reply::PARAMETER_NOT_SUPPORTED);
            }
            Request::Mail { from } => return self.mail(from.address, from.size).await,
            Request::Rcpt { to } if arguments::has_rcpt_parameter(&to) => {
                return self.error(reply::PARAMETER_NOT_SUPPORTED);
            }
            Request::Rcpt { to } => return self.rcpt(to.address).await,
            Request::Data => return self.data(),
            Request::Rset => {
                self.reset_transaction();
                self.reply(reply::RESET);
            }
            Request::Noop { .. } => self.reply(reply::OK),
            Request::Quit => {
                self.reply(reply::BYE);
                return Next::Close;
            }
            Request::Vrfy { .. } => self.reply(reply::VRFY),
            Request::Help { .. } => self.reply(reply::HELP),
            Request::Expn { .. }
            | Request::Etrn { .. }
            | Request::Atrn { .. }
            | Request::Burl { .. }
            | Request::Bdat { .. } => {
                return self.error(reply::NOT_IMPLEMENTED);
            }
        }
        Next::Continue
    }

    /// `250-hostname` and the extensions, STARTTLS only before TLS and AUTH
    /// only where it is allowed.
    fn ehlo(&mut self) {
        let mut lines = vec![format!("{} Hello", self.ctx.hostname)];
        if !self.tls {
            lines.push("STARTTLS".into());
        }
        if self.auth_allowed() {
            lines.push("AUTH PLAIN LOGIN".into());
        }
        lines.push(format!("SIZE {}", self.ctx.max_message_bytes));
        lines.extend(["PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES"].map(String::from));
        let last = lines.len() - 1;
        for (i, line) in lines.iter().enumerate() {
            let separator = if i == last { ' ' } else { '-' };
            self.out
                .extend_from_slice(format!("250{separator}{line}\r\n").as_bytes());
        }
    }

    async fn auth(&mut self, mechanism: u64, initial: String) -> Next {
        if self.login.is_some() {
            return self.error(reply::ALREADY_AUTHENTICATED);
        }
        if !self.auth_allowed() {
            return self.error(reply::ENCRYPTION_REQUIRED);
        }
        if self
            .ctx
            .auth_throttle
            .blocked_for(&self.peer.ip().to_string())
            .is_some()
        {
            return self.throttled();
        }
        match (mechanism, initial.is_empty()) {
            (AUTH_PLAIN, false) => return self.auth_plain(&initial).await,
            (AUTH_PLAIN, true) => {
                self.state = State::AuthPlain;
                self.reply(Reply::new(334, "", ""));
            }
            (AUTH_LOGIN, true) => {
                self.state = State::AuthLoginUser;
                self.reply(Reply::new(334, "", sasl::USERNAME_CHALLENGE));
            }
            (AUTH_LOGIN, false) => match sasl::login_field(&initial) {
                Ok(user) => {
                    self.state = State::AuthLoginPassword(user);
                    self.reply(Reply::new(334, "", sasl::PASSWORD_CHALLENGE));
                }
                Err(e) => return self.sasl_error(e),
            },
            _ => return self.error(reply::BAD_MECHANISM),
        }
        Next::Continue
    }

    async fn auth_response(&mut self, line: &str) -> Next {
        match std::mem::replace(&mut self.state, State::Command) {
            State::AuthPlain => self.auth_plain(line).await,
            State::AuthLoginUser => match sasl::login_field(line) {
                Ok(user) => {
                    self.state = State::AuthLoginPassword(user);
                    self.reply(Reply::new(334, "", sasl::PASSWORD_CHALLENGE));
                    Next::Continue
                }
                Err(e) => self.sasl_error(e),
            },
            State::AuthLoginPassword(user) => match sasl::login_field(line) {
                Ok(password) => self.authenticate(&user, &password).await,
                Err(e) => self.sasl_error(e),
            },
            other => {
                self.state = other;
                Next::Continue
            }
        }
    }

    async fn auth_plain(&mut self, response: &str) -> Next {
        match sasl::plain(response) {
            Ok((user, password)) => self.authenticate(&user, &password).await,
            Err(e) => self.sasl_error(e),
        }
    }

    fn sasl_error(&mut self, error: SaslError) -> Next {
        self.error(match error {
            SaslError::Cancelled => reply::AUTH_CANCELLED,
            SaslError::Malformed => reply::BAD_BASE64,
        })
    }

    /// Verifies a username and password. The attempt is counted against
    /// the client's address before the (slow) verification, so parallel
    /// attempts cannot all slip under the limit; a success gives it back,
    /// and attempts beyond the limit wait for that rather than fail.
    async fn authenticate(&mut self, username: &str, password: &str) -> Next {
        let ip = self.peer.ip().to_string();
        let Ok(attempt) = self.ctx.auth_throttle.reserve(&ip).await else {
            return self.throttled();
        };
        match self.ctx.verifier.verify(username, password).await {
            Ok(Some(login)) => {
                attempt.release();
                tracing::info!(peer = %self.peer, username = %login.username, "SMTP AUTH succeeded");
                self.ctx.last_used.record(&self.ctx.db, &login.id, &ip);
                self.login = Some(login);
                self.reply(reply::AUTH_OK);
                Next::Continue
            }
            Ok(None) => {
                attempt.failed();
                // Escaped (Debug): the client's bytes must not make log lines.
                tracing::info!(peer = %self.peer, username = ?username.chars().take(64).collect::<String>(), "SMTP AUTH failed");
                self.error(reply::AUTH_FAILED)
            }
            Err(error) => {
                attempt.release();
                tracing::error!(%error, "SMTP AUTH: database unavailable");
                self.reply(reply::AUTH_TEMPORARY);
                Next::Continue
            }
        }
    }

    fn throttled(&mut self) -> Next {
        tracing::warn!(peer = %self.peer, "SMTP AUTH throttled after repeated failures");
        self.reply(reply::TOO_MANY_FAILURES);
        Next::Close
    }
}
