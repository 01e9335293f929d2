//! The mail transaction of a session: MAIL, RCPT, DATA and what happens to
//! the message (see `message` for the checks, `relay` for the smarthost).
//! The credential is read again at MAIL and at the end of DATA, through
//! [`Effect::Recheck`].

mod data;

pub(super) use self::data::DataReceiver;
use super::effect::{Delivered, Delivery, Effect, Fresh, Received};
use super::{MAX_RECIPIENTS, Next, Session, State, Waiting};
use crate::smtp::message::{self, HeaderError};
use crate::smtp::reply::{self, Reply};

impl Session<'_> {
    pub(super) fn mail(&mut self, from: String, size: usize) -> Next {
        let Some(login) = self.login.clone() else {
            return self.error(reply::AUTH_REQUIRED);
        };
        if self.mail_from.is_some() {
            return self.error(reply::NESTED_MAIL);
        }
        if size > self.settings.max_message_bytes {
            self.reply(reply::TOO_BIG);
            return Next::Continue;
        }
        // The credential may have been revoked since AUTH: read it again.
        self.wait_for(Effect::Recheck(login), Waiting::Sender { from })
    }

    /// The answer to [`Effect::Recheck`], at MAIL or at the end of DATA.
    pub fn on_credential(&mut self, fresh: Fresh) {
        let next = match self.answered() {
            Some(Waiting::Sender { from }) => self.sender_checked(from, fresh),
            Some(Waiting::Message { message }) => self.message_checked(message, fresh),
            _ => return,
        };
        self.settle(next);
    }

    fn sender_checked(&mut self, from: String, fresh: Fresh) -> Next {
        let login = match fresh {
            Fresh::Valid(login) => login,
            Fresh::Revoked => {
                if let Some(login) = self.login.take() {
                    tracing::info!(peer = %self.peer, username = %login.username, "credential revoked during the session");
                }
                self.reply(reply::AUTH_FAILED);
                return Next::Continue;
            }
            Fresh::Unavailable => {
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
        // At the ceiling: not one more byte fits.
        if login.sandbox && !self.settings.sandbox.has_room_for(1) {
            self.reply(reply::SANDBOX_FULL);
            return Next::Continue;
        }
        if !login.sandbox && !self.settings.relay {
            self.reply(reply::NO_SMARTHOST);
            return Next::Continue;
        }
        self.sender_policies(from, login)
    }

    /// Production mail is asked of the smarthost first (see `relay`).
    pub(super) fn rcpt(&mut self, to: String) -> Next {
        let Some(from) = self.mail_from.clone() else {
            return self.error(reply::NEED_MAIL);
        };
        if self.rcpt_to.len() >= MAX_RECIPIENTS {
            self.reply(reply::TOO_MANY_RECIPIENTS);
            return Next::Continue;
        }
        if let Some(refusal) = self.recipient_cap_reached() {
            self.reply(refusal);
            return Next::Continue;
        }
        if self.is_production() {
            self.relaying = true;
            let effect = Effect::RelayRecipient {
                from,
                to: to.clone(),
            };
            return self.wait_for(effect, Waiting::Recipient { to });
        }
        self.rcpt_to.push(to);
        self.reply(reply::RECIPIENT_OK);
        Next::Continue
    }

    /// The answer to [`Effect::RelayRecipient`]: the smarthost's verdict,
    /// and whether it can still take the message.
    pub fn on_relay_reply(&mut self, verdict: Result<(), Reply>, relay_open: bool) {
        let Some(Waiting::Recipient { to }) = self.answered() else {
            return;
        };
        self.relay_open = relay_open;
        match verdict {
            Ok(()) => {
                self.rcpt_to.push(to);
                self.reply(reply::RECIPIENT_OK);
            }
            Err(refused) => self.reply(refused),
        }
    }

    pub(super) fn data(&mut self) -> Next {
        if self.mail_from.is_none() {
            return self.error(reply::NEED_MAIL);
        }
        if self.rcpt_to.is_empty() {
            return self.error(reply::NEED_RCPT);
        }
        if self.is_production() && !self.relay_open {
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

    /// Checks the header section, then has the credential read again.
    pub(super) fn end_of_data(&mut self, message: Vec<u8>, too_big: bool) -> Next {
        if too_big {
            return self.finish(reply::TOO_BIG);
        }
        let Some(login) = self.login.clone() else {
            return self.finish(reply::NEED_MAIL);
        };
        let message = message::normalize_line_endings(message);
        if let Err(error) = message::check_header_section(&message) {
            tracing::info!(peer = %self.peer, username = %login.username, ?error, "malformed header section");
            return self.finish(match error {
                HeaderError::ControlCharacter => reply::HEADER_CONTROL_CHARACTER,
                HeaderError::LeadingContinuation => reply::HEADER_LEADING_CONTINUATION,
                HeaderError::NotAField => reply::HEADER_NOT_A_FIELD,
            });
        }
        // The credential may have been deleted or deactivated since MAIL:
        // the same rule as at MAIL, for sandbox and production mail.
        self.wait_for(Effect::Recheck(login), Waiting::Message { message })
    }

    /// For a scoped credential, checks the `From:` header; then asks for
    /// the message to be stored or relayed.
    fn message_checked(&mut self, message: Vec<u8>, fresh: Fresh) -> Next {
        let (Some(login), Some(from)) = (self.login.as_ref(), self.mail_from.clone()) else {
            return self.finish(reply::NEED_MAIL);
        };
        let fresh = match fresh {
            Fresh::Valid(fresh) if fresh.sandbox == login.sandbox => fresh,
            Fresh::Valid(_) => {
                // Switched between sandbox and production mid-transaction:
                // the retry goes where the credential now sends.
                tracing::info!(peer = %self.peer, username = %login.username, "credential mode changed during the transaction");
                return self.finish(reply::TEMPORARY_FAILURE);
            }
            Fresh::Revoked => return self.revoked_at_data(),
            Fresh::Unavailable => return self.finish(reply::TEMPORARY_FAILURE),
        };
        if let Some(domains) = &fresh.domains {
            if !message::from_header_within(&message, domains) {
                tracing::info!(peer = %self.peer, username = %fresh.username, "From: header outside the credential's domains");
                return self.finish(reply::FROM_HEADER_NOT_ALLOWED);
            }
        }
        if let Some(refusal) = self.refusal_of_from_header(&fresh, &message) {
            return self.finish(refusal);
        }
        let delivery = Delivery {
            login: fresh,
            from,
            to: self.rcpt_to.clone(),
            received: Received {
                helo: self.helo.clone(),
                ip: self.peer.ip(),
                hostname: self.settings.hostname.to_owned(),
                tls: self.tls,
            },
            message,
        };
        // The smarthost transaction is handed over with the message.
        self.relaying = false;
        self.wait_for(Effect::Deliver(Box::new(delivery)), Waiting::Delivery)
    }

    /// The answer to [`Effect::Deliver`].
    pub fn on_delivered(&mut self, delivered: Delivered) {
        let Some(Waiting::Delivery) = self.answered() else {
            return;
        };
        let next = match delivered {
            Delivered::Done(reply) => self.finish(reply),
            Delivered::CredentialGone => self.revoked_at_data(),
        };
        self.settle(next);
    }

    /// The credential is gone: the session is signed out, and the client
    /// told not to retry (as at MAIL).
    fn revoked_at_data(&mut self) -> Next {
        if let Some(login) = self.login.take() {
            tracing::info!(peer = %self.peer, username = %login.username, "credential revoked during the transaction");
        }
        self.finish(reply::AUTH_FAILED)
    }

    /// Ends the transaction with `reply` to its message.
    fn finish(&mut self, reply: Reply) -> Next {
        self.reset_transaction();
        self.reply(reply);
        Next::Continue
    }
}
