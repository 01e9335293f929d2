//! The mail transaction of a session: MAIL, RCPT, DATA and what happens to
//! the message (see `message` for the checks, `relay` for the smarthost).

mod data;

pub(super) use self::data::DataReceiver;
use super::{MAX_RECIPIENTS, Next, Session, State};
use crate::auth::smtp_login::AuthenticatedCredential;
use crate::smtp::message::{self, HeaderError};
use crate::smtp::relay::Upstream;
use crate::smtp::reply::{self, Reply};

impl Session<'_> {
    pub(super) async fn mail(&mut self, from: String, size: usize) -> Next {
        let Some(login) = self.login.clone() else {
            return self.error(reply::AUTH_REQUIRED);
        };
        if self.mail_from.is_some() {
            return self.error(reply::NESTED_MAIL);
        }
        if size > self.ctx.max_message_bytes {
            self.reply(reply::TOO_BIG);
            return Next::Continue;
        }
        // The credential may have been revoked since AUTH: read it again.
        let login = match self.ctx.verifier.recheck(&login).await {
            Ok(Some(login)) => login,
            Ok(None) => {
                tracing::info!(peer = %self.peer, username = %login.username, "credential revoked during the session");
                self.login = None;
                self.reply(reply::AUTH_FAILED);
                return Next::Continue;
            }
            Err(error) => {
                tracing::error!(%error, "SMTP MAIL: database unavailable");
                self.reply(reply::TEMPORARY_FAILURE);
                return Next::Continue;
            }
        };
        if let Some(domains) = &login.domains {
            let domain = from
                .rsplit_once('@')
                .map(|(_, d)| d.to_lowercase())
                .unwrap_or_default();
            if !domains.contains(&domain) {
                self.reply(reply::SENDER_NOT_ALLOWED);
                return Next::Continue;
            }
        }
        if !login.sandbox && self.ctx.relay.is_none() {
            self.reply(reply::NO_SMARTHOST);
            return Next::Continue;
        }
        self.login = Some(login);
        self.mail_from = Some(from);
        self.reply(reply::SENDER_OK);
        Next::Continue
    }

    /// Production mail is asked of the smarthost first (see `relay`).
    pub(super) async fn rcpt(&mut self, to: String) -> Next {
        let Some(from) = self.mail_from.clone() else {
            return self.error(reply::NEED_MAIL);
        };
        if self.rcpt_to.len() >= MAX_RECIPIENTS {
            self.reply(reply::TOO_MANY_RECIPIENTS);
            return Next::Continue;
        }
        if self.is_production() {
            if let Err(refused) = self.relay_recipient(&from, &to).await {
                self.reply(refused);
                return Next::Continue;
            }
        }
        self.rcpt_to.push(to);
        self.reply(reply::RECIPIENT_OK);
        Next::Continue
    }

    async fn relay_recipient(&mut self, from: &str, to: &str) -> Result<(), Reply> {
        let relay = self.ctx.relay.as_ref().ok_or(reply::NO_SMARTHOST)?;
        let upstream = match &mut self.upstream {
            Some(upstream) => upstream,
            None => self.upstream.insert(relay.open(from).await?),
        };
        upstream.recipient(to).await
    }

    pub(super) fn data(&mut self) -> Next {
        if self.mail_from.is_none() {
            return self.error(reply::NEED_MAIL);
        }
        if self.rcpt_to.is_empty() {
            return self.error(reply::NEED_RCPT);
        }
        if self.is_production() && !self.upstream.as_ref().is_some_and(Upstream::is_open) {
            // The smarthost went away after accepting recipients.
            self.reset_transaction();
            self.reply(reply::SMARTHOST_DOWN);
            return Next::Continue;
        }
        self.state = State::Data {
            receiver: DataReceiver::new(),
            message: Vec::new(),
            too_big: false,
        };
        self.reply(reply::START_DATA);
        Next::Continue
    }

    fn is_production(&self) -> bool {
        self.login.as_ref().is_some_and(|login| !login.sandbox)
    }

    /// Checks the header section and, for a scoped credential, the `From:`
    /// header; re-reads the credential; adds `Received:`; then stores or
    /// relays the message.
    pub(super) async fn deliver(&mut self, message: Vec<u8>) -> Reply {
        let (Some(login), Some(from)) = (self.login.clone(), self.mail_from.clone()) else {
            return reply::NEED_MAIL;
        };
        let message = message::normalize_line_endings(message);
        if let Err(error) = message::check_header_section(&message) {
            tracing::info!(peer = %self.peer, username = %login.username, ?error, "malformed header section");
            return match error {
                HeaderError::ControlCharacter => reply::HEADER_CONTROL_CHARACTER,
                HeaderError::LeadingContinuation => reply::HEADER_LEADING_CONTINUATION,
                HeaderError::NotAField => reply::HEADER_NOT_A_FIELD,
            };
        }
        // The credential may have been deleted or deactivated since MAIL:
        // the same rule as at MAIL, for sandbox and production mail.
        let login = match self.ctx.verifier.recheck(&login).await {
            Ok(Some(fresh)) if fresh.sandbox == login.sandbox => fresh,
            Ok(Some(_)) => {
                // Switched between sandbox and production mid-transaction:
                // the retry goes where the credential now sends.
                tracing::info!(peer = %self.peer, username = %login.username, "credential mode changed during the transaction");
                return reply::TEMPORARY_FAILURE;
            }
            Ok(None) => return self.revoked_at_data(&login),
            Err(error) => {
                tracing::error!(%error, "SMTP DATA: database unavailable");
                return reply::TEMPORARY_FAILURE;
            }
        };
        if let Some(domains) = &login.domains {
            if !message::from_header_within(&message, domains) {
                tracing::info!(peer = %self.peer, username = %login.username, "From: header outside the credential's domains");
                return reply::FROM_HEADER_NOT_ALLOWED;
            }
        }
        // Normalised again, so that nothing stored or relayed, the added
        // header included, holds a bare CR or LF.
        let message = message::normalize_line_endings(self.with_received_header(message));
        let size = message.len();
        let reply = if login.sandbox {
            match crate::service::sandbox::store(
                &self.ctx.db,
                &login,
                &from,
                &self.rcpt_to,
                message,
            )
            .await
            {
                Ok(Some(id)) => {
                    Reply::new(250, "2.0.0", format!("Captured in the sandbox as {id}"))
                }
                Ok(None) => return self.revoked_at_data(&login),
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
        tracing::info!(
            peer = %self.peer,
            username = %login.username,
            sandbox = login.sandbox,
            size,
            recipients = self.rcpt_to.len(),
            code = reply.code,
            "message handled"
        );
        reply
    }

    /// The credential is gone: the session is signed out, and the client
    /// told not to retry (as at MAIL).
    fn revoked_at_data(&mut self, login: &AuthenticatedCredential) -> Reply {
        tracing::info!(peer = %self.peer, username = %login.username, "credential revoked during the transaction");
        self.login = None;
        reply::AUTH_FAILED
    }

    fn with_received_header(&self, message: Vec<u8>) -> Vec<u8> {
        let header = format!(
            "Received: from {} ([{}]) by {} (Postern) with {}; {}\r\n",
            self.helo.as_deref().unwrap_or("unknown"),
            self.peer.ip(),
            self.ctx.hostname,
            if self.tls { "ESMTPSA" } else { "ESMTPA" },
            chrono::Utc::now().to_rfc2822()
        );
        let mut out = Vec::with_capacity(header.len() + message.len());
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(&message);
        out
    }
}
