//! The driver of one SMTP connection: it reads the socket, feeds the
//! [`Session`] state machine, performs the effects it asks for (throttle,
//! argon2 and the database, the smarthost) and writes its replies. Every
//! protocol decision is the session's.

use std::net::SocketAddr;
use std::time::Instant;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::SmtpContext;
use super::relay::Upstream;
use super::reply::{self, Reply};
use super::session::{AuthOutcome, Delivered, Delivery, Effect, Fresh, Session, Settings, Step};
use crate::auth::smtp_login::AuthenticatedCredential;
use crate::service::sandbox::{self, Stored};
use crate::service::send_usage::Reservation;

/// How a connection goes on after a stretch of input.
enum Next {
    StartTls,
    Close,
}

/// Serves one accepted connection to its end.
pub async fn serve(stream: tokio::net::TcpStream, peer: SocketAddr, ctx: &SmtpContext) {
    let _ = stream.set_nodelay(true);
    tracing::debug!(%peer, "SMTP connection");
    let mut connection = Connection::new(ctx, peer);
    connection.run(stream).await;
    // However it ended, a message counted but not accepted is given back.
    connection.release_reservation().await;
}

struct Connection<'a> {
    ctx: &'a SmtpContext,
    peer: SocketAddr,
    session: Session<'a>,
    /// Production mail: the smarthost's side of this transaction, opened at
    /// the first RCPT.
    upstream: Option<Upstream>,
    /// Read buffer, kept for the whole connection (plain and TLS parts).
    input: Vec<u8>,
    /// The message of the open transaction, counted against the
    /// credential's rate limits until it is accepted or given back.
    reservation: Option<Reservation>,
}

impl<'a> Connection<'a> {
    fn new(ctx: &'a SmtpContext, peer: SocketAddr) -> Self {
        let settings = Settings {
            hostname: &ctx.hostname,
            max_message_bytes: ctx.max_message_bytes,
            max_session: ctx.max_session,
            plaintext_auth: ctx.allow_plaintext_auth && peer.ip().is_loopback(),
            relay: ctx.relay.is_some(),
            sandbox: &ctx.sandbox,
        };
        Self {
            ctx,
            peer,
            session: Session::new(settings, peer, Instant::now()),
            upstream: None,
            input: Vec::with_capacity(8 * 1024),
            reservation: None,
        }
    }

    /// The plain part, then (after STARTTLS) the TLS part.
    async fn run(&mut self, mut stream: tokio::net::TcpStream) {
        let (ctx, peer) = (self.ctx, self.peer);
        let greeting = self.session.greeting();
        if stream.write_all(greeting.as_bytes()).await.is_err() {
            return;
        }
        match self.drive(&mut stream).await {
            Ok(Next::StartTls) => {}
            Ok(Next::Close) => {
                let _ = stream.write_all(self.session.output()).await;
                return;
            }
            Err(error) => {
                tracing::debug!(%peer, %error, "SMTP connection ended");
                return;
            }
        }
        let handshake =
            tokio::time::timeout(ctx.tls_handshake_timeout, ctx.tls.accept(stream)).await;
        let mut tls = match handshake {
            Ok(Ok(tls)) => tls,
            Ok(Err(error)) => {
                tracing::debug!(%peer, %error, "TLS handshake failed");
                return;
            }
            Err(_) => {
                tracing::debug!(%peer, "TLS handshake timed out");
                return;
            }
        };
        self.upstream = None;
        self.session.tls_started();
        self.release_reservation().await;
        if let Err(error) = self.drive(&mut tls).await {
            tracing::debug!(%peer, %error, "SMTP connection ended");
        }
        // The last reply and TLS's close_notify leave in one write (one
        // TCP segment, one wake-up of the client); closing the socket then
        // sends the FIN.
        let connection = tls.get_mut().1;
        let _ = std::io::Write::write_all(&mut connection.writer(), self.session.output());
        connection.send_close_notify();
        let _ = tls.flush().await;
    }

    /// Reads and answers until the client quits, asks for TLS, or goes idle.
    async fn drive<S: AsyncRead + AsyncWrite + Unpin>(
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
        buf: &mut Vec<u8>,
    ) -> std::io::Result<Next> {
        let idle = self.ctx.idle_timeout;
        // One timer for the whole stretch, moved only when it goes off
        // before the deadline or that came nearer: not one per read.
        let timer = tokio::time::sleep(idle);
        tokio::pin!(timer);
        loop {
            // Waiting for a command past the lifetime: that is the boundary.
            let lifetime_left = self.session.lifetime_left(Instant::now());
            let wait = lifetime_left.map_or(idle, |left| left.min(idle));
            let deadline = tokio::time::Instant::now() + wait;
            if deadline < timer.deadline() {
                timer.as_mut().reset(deadline);
            }
            buf.clear();
            let n = loop {
                tokio::select! {
                    biased;
                    read = stream.read_buf(buf) => break read?,
                    () = &mut timer => {
                        if tokio::time::Instant::now() < deadline {
                            timer.as_mut().reset(deadline);
                            continue;
                        }
                        let expired = lifetime_left.is_some_and(|left| left < idle);
                        let reply = if expired {
                            reply::SESSION_EXPIRED
                        } else {
                            reply::TIMEOUT
                        };
                        stream.write_all(reply.to_line().as_bytes()).await?;
                        return Ok(Next::Close);
                    }
                }
            };
            if n == 0 {
                return Ok(Next::Close);
            }
            let mut input = &buf[..];
            let next = loop {
                match self.session.feed(&mut input, Instant::now()) {
                    Step::Read => break None,
                    Step::Effect(effect) => self.perform(effect).await,
                    Step::StartTls => break Some(Next::StartTls),
                    Step::Close => break Some(Next::Close),
                }
            };
            if !self.session.in_transaction() {
                self.release_reservation().await;
            }
            if let Some(Next::Close) = next {
                // The last reply is written with the connection's end (`run`).
                return Ok(Next::Close);
            }
            let out = self.session.output();
            if !out.is_empty() {
                stream.write_all(out).await?;
                stream.flush().await?;
                self.session.output_written();
            }
            if let Some(next) = next {
                return Ok(next);
            }
        }
    }

    async fn perform(&mut self, effect: Effect) {
        match effect {
            Effect::CheckThrottle => {
                let blocked = self.ctx.auth_throttle.blocked_for(&self.ip()).is_some();
                self.session.on_throttle_checked(blocked);
            }
            Effect::Authenticate { username, password } => {
                let outcome = self.authenticate(&username, &password).await;
                self.session.on_auth_result(outcome);
            }
            Effect::RecordLastUsed(id, secret) => {
                self.ctx
                    .last_used
                    .record(&self.ctx.db, &id, &secret, &self.ip())
            }
            Effect::Recheck(login) => {
                let fresh = self.recheck(&login).await;
                self.session.on_credential(fresh);
            }
            Effect::ReserveSend { credential, limits } => {
                // A new MAIL: any earlier reservation's transaction is over.
                self.release_reservation().await;
                let counter = &self.ctx.send_counter;
                let reserved = match counter
                    .reserve(&credential, limits, chrono::Utc::now())
                    .await
                {
                    Ok(reservation) => {
                        self.reservation = reservation;
                        Ok(())
                    }
                    Err(exceeded) => Err(exceeded),
                };
                self.session.on_send_reserved(reserved);
            }
            Effect::RelayRecipient { from, to } => {
                let verdict = self.relay_recipient(&from, &to).await;
                let open = self.upstream.as_ref().is_some_and(Upstream::is_open);
                self.session.on_relay_reply(verdict, open);
            }
            Effect::AbandonRelay => self.upstream = None,
            Effect::Deliver(delivery) => {
                let delivered = self.deliver(delivery).await;
                self.session.on_delivered(delivered);
            }
        }
    }

    /// Gives back a message that was counted but not accepted.
    async fn release_reservation(&mut self) {
        if let Some(reservation) = self.reservation.take() {
            self.ctx.send_counter.release(reservation).await;
        }
    }

    fn ip(&self) -> String {
        self.peer.ip().to_string()
    }

    /// Verifies a username and password. The attempt is counted against
    /// the client's address before the (slow) verification, so parallel
    /// attempts cannot all slip under the limit; a success gives it back,
    /// and attempts beyond the limit wait for that rather than fail.
    async fn authenticate(&self, username: &str, password: &str) -> AuthOutcome {
        let ip = self.ip();
        let Ok(attempt) = self.ctx.auth_throttle.reserve(&ip).await else {
            return AuthOutcome::Throttled;
        };
        match self
            .ctx
            .verifier
            .verify(username, password, self.peer.ip())
            .await
        {
            Ok(Ok(login)) => {
                attempt.release();
                AuthOutcome::Verified(login)
            }
            Ok(Err(refusal)) => {
                attempt.failed();
                // Escaped (Debug): the client's bytes must not make log lines.
                tracing::info!(peer = %self.peer, username = ?username.chars().take(64).collect::<String>(), reason = refusal.as_str(), "SMTP AUTH failed");
                AuthOutcome::Refused
            }
            Err(error) => {
                attempt.release();
                tracing::error!(%error, "SMTP AUTH: database unavailable");
                AuthOutcome::Unavailable
            }
        }
    }

    async fn recheck(&self, login: &AuthenticatedCredential) -> Fresh {
        match self.ctx.verifier.recheck(login, self.peer.ip()).await {
            Ok(Some(fresh)) => Fresh::Valid(fresh),
            Ok(None) => Fresh::Revoked,
            Err(error) => {
                tracing::error!(%error, "SMTP: database unavailable re-reading a credential");
                Fresh::Unavailable
            }
        }
    }

    async fn relay_recipient(&mut self, from: &str, to: &str) -> Result<(), Reply> {
        let relay = self.ctx.relay.as_ref().ok_or(reply::NO_SMARTHOST)?;
        let upstream = match &mut self.upstream {
            Some(upstream) => upstream,
            None => self.upstream.insert(relay.open(from).await?),
        };
        upstream.recipient(to).await
    }

    /// Stores sandbox mail, or relays production mail in the smarthost
    /// transaction opened at RCPT.
    async fn deliver(&mut self, delivery: Box<Delivery>) -> Delivered {
        let message = delivery.message(chrono::Utc::now());
        let size = message.len();
        let Delivery {
            login, from, to, ..
        } = *delivery;
        let reply = if login.sandbox {
            let (db, usage) = (&self.ctx.db, &self.ctx.sandbox);
            match sandbox::store(db, usage, &login, &from, &to, message).await {
                Ok(Stored::Kept(id)) => {
                    Reply::new(250, "2.0.0", format!("Captured in the sandbox as {id}"))
                }
                Ok(Stored::Full) => reply::SANDBOX_FULL,
                Ok(Stored::CredentialGone) => return Delivered::CredentialGone,
                Err(error) => {
                    tracing::error!(%error, "sandbox message not stored");
                    reply::TEMPORARY_FAILURE
                }
            }
        } else {
            match self.upstream.take() {
                Some(upstream) => upstream.data(&message).await,
                None => reply::SMARTHOST_DOWN,
            }
        };
        if (200..300).contains(&reply.code) {
            // Accepted: the message stays counted.
            self.reservation = None;
        }
        tracing::info!(
            peer = %self.peer,
            username = %login.username,
            sandbox = login.sandbox,
            size,
            recipients = to.len(),
            code = reply.code,
            "message handled"
        );
        Delivered::Done(reply)
    }
}
