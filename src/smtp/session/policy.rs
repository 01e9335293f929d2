//! A credential's policies in the mail transaction: allowed senders at MAIL
//! (envelope) and at the end of DATA (every `From:` address), the send
//! limits at MAIL (reserved through [`Effect::ReserveSend`]) and the
//! recipient cap at RCPT. The policies are those just read with the
//! credential (see `transaction`), never older.

use super::effect::Effect;
use super::{Next, Session, Waiting};
use crate::auth::smtp_login::AuthenticatedCredential;
use crate::domain::policy::Limit;
use crate::service::send_usage::Exceeded;
use crate::smtp::message;
use crate::smtp::reply::{self, Reply};

impl Session<'_> {
    /// After the scope check at MAIL: the sender patterns, then the rate
    /// limits (counted by the driver); `SENDER_OK` when all pass.
    pub(super) fn sender_policies(&mut self, from: String, login: AuthenticatedCredential) -> Next {
        if !login.policies.allowed_senders.allows(&from) {
            tracing::info!(peer = %self.peer, username = %login.username, sender = ?from, "envelope sender outside the credential's patterns");
            self.reply(reply::sender_refused(&from));
            return Next::Continue;
        }
        if login.policies.limits.rates().next().is_some() {
            let effect = Effect::ReserveSend {
                credential: login.id.clone(),
                limits: login.policies.limits,
            };
            return self.wait_for(effect, Waiting::Reservation { from, login });
        }
        self.sender_accepted(from, login)
    }

    /// The answer to [`Effect::ReserveSend`].
    pub fn on_send_reserved(&mut self, reserved: Result<(), Exceeded>) {
        let Some(Waiting::Reservation { from, login }) = self.answered() else {
            return;
        };
        let next = match reserved {
            Ok(()) => self.sender_accepted(from, login),
            Err(exceeded) => {
                tracing::info!(peer = %self.peer, username = %login.username, window = exceeded.window.noun(), limit = exceeded.limit, "send limit reached");
                self.reply(reply::rate_limited(&exceeded));
                Next::Continue
            }
        };
        self.settle(next);
    }

    fn sender_accepted(&mut self, from: String, login: AuthenticatedCredential) -> Next {
        self.login = Some(login);
        self.mail_from = Some(from);
        self.reply(reply::SENDER_OK);
        Next::Continue
    }

    /// The recipient cap's refusal, when one more recipient would pass it.
    pub(super) fn recipient_cap_reached(&self) -> Option<Reply> {
        let cap = self
            .login
            .as_ref()?
            .policies
            .limits
            .get(Limit::Recipients)?;
        (self.rcpt_to.len() >= cap as usize).then(|| reply::recipient_cap(cap))
    }

    /// The refusal of a message whose `From:` names an address outside the
    /// credential's sender patterns (or no valid address at all).
    pub(super) fn refusal_of_from_header(
        &self,
        login: &AuthenticatedCredential,
        message: &[u8],
    ) -> Option<Reply> {
        let patterns = &login.policies.allowed_senders;
        if patterns.is_empty() {
            return None;
        }
        let addresses = message::from_addresses(message);
        if addresses.is_empty() {
            return Some(reply::FROM_HEADER_MISSING);
        }
        let refused = addresses.into_iter().find_map(|address| match address {
            Ok(a) if patterns.allows(&a) => None,
            Ok(a) | Err(a) => Some(a),
        })?;
        tracing::info!(peer = %self.peer, username = %login.username, from = ?refused, "From: header outside the credential's patterns");
        Some(reply::from_header_refused(&refused))
    }

    /// Whether a transaction is open (MAIL accepted, not yet ended): the
    /// driver gives an unused reservation back once it is not.
    pub fn in_transaction(&self) -> bool {
        self.mail_from.is_some()
    }
}
