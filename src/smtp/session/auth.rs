//! AUTH PLAIN and AUTH LOGIN (RFC 4954): the exchange, and what its
//! verification decides. The driver checks the throttle and verifies.

use smtp_proto::{AUTH_LOGIN, AUTH_PLAIN};

use super::effect::{AuthOutcome, Effect};
use super::{Next, Session, State, Waiting};
use crate::smtp::reply::{self, Reply};
use crate::smtp::sasl::{self, SaslError};

impl Session<'_> {
    pub(super) fn auth_allowed(&self) -> bool {
        self.tls || self.settings.plaintext_auth
    }

    pub(super) fn auth(&mut self, mechanism: u64, initial: String) -> Next {
        if self.login.is_some() {
            return self.error(reply::ALREADY_AUTHENTICATED);
        }
        if !self.auth_allowed() {
            return self.error(reply::ENCRYPTION_REQUIRED);
        }
        self.wait_for(
            Effect::CheckThrottle,
            Waiting::Throttle { mechanism, initial },
        )
    }

    /// The answer to [`Effect::CheckThrottle`]: a throttled address is cut
    /// off before the exchange starts.
    pub fn on_throttle_checked(&mut self, blocked: bool) {
        let Some(Waiting::Throttle { mechanism, initial }) = self.answered() else {
            return;
        };
        let next = if blocked {
            self.throttled()
        } else {
            self.start_exchange(mechanism, &initial)
        };
        self.settle(next);
    }

    fn start_exchange(&mut self, mechanism: u64, initial: &str) -> Next {
        match (mechanism, initial.is_empty()) {
            (AUTH_PLAIN, false) => return self.auth_plain(initial),
            (AUTH_PLAIN, true) => {
                self.state = State::AuthPlain;
                self.reply(Reply::new(334, "", ""));
            }
            (AUTH_LOGIN, true) => {
                self.state = State::AuthLoginUser;
                self.reply(Reply::new(334, "", sasl::USERNAME_CHALLENGE));
            }
            (AUTH_LOGIN, false) => match sasl::login_field(initial) {
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

    pub(super) fn auth_response(&mut self, line: &str) -> Next {
        match std::mem::replace(&mut self.state, State::Command) {
            State::AuthPlain => self.auth_plain(line),
            State::AuthLoginUser => match sasl::login_field(line) {
                Ok(user) => {
                    self.state = State::AuthLoginPassword(user);
                    self.reply(Reply::new(334, "", sasl::PASSWORD_CHALLENGE));
                    Next::Continue
                }
                Err(e) => self.sasl_error(e),
            },
            State::AuthLoginPassword(username) => match sasl::login_field(line) {
                Ok(password) => self.authenticate(username, password),
                Err(e) => self.sasl_error(e),
            },
            other => {
                self.state = other;
                Next::Continue
            }
        }
    }

    fn auth_plain(&mut self, response: &str) -> Next {
        match sasl::plain(response) {
            Ok((username, password)) => self.authenticate(username, password),
            Err(e) => self.sasl_error(e),
        }
    }

    fn sasl_error(&mut self, error: SaslError) -> Next {
        self.error(match error {
            SaslError::Cancelled => reply::AUTH_CANCELLED,
            SaslError::Malformed => reply::BAD_BASE64,
        })
    }

    fn authenticate(&mut self, username: String, password: String) -> Next {
        self.wait_for(
            Effect::Authenticate { username, password },
            Waiting::Verification,
        )
    }

    /// The answer to [`Effect::Authenticate`].
    pub fn on_auth_result(&mut self, outcome: AuthOutcome) {
        let Some(Waiting::Verification) = self.answered() else {
            return;
        };
        let next = match outcome {
            AuthOutcome::Verified(login) => {
                tracing::info!(peer = %self.peer, username = %login.username, "SMTP AUTH succeeded");
                self.effects.push_back(Effect::RecordLastUsed(
                    login.id.clone(),
                    login.secret_id.clone(),
                ));
                self.login = Some(login);
                self.reply(reply::AUTH_OK);
                Next::Continue
            }
            AuthOutcome::Refused => self.error(reply::AUTH_FAILED),
            AuthOutcome::Throttled => self.throttled(),
            AuthOutcome::Unavailable => {
                self.reply(reply::AUTH_TEMPORARY);
                Next::Continue
            }
        };
        self.settle(next);
    }

    fn throttled(&mut self) -> Next {
        tracing::warn!(peer = %self.peer, "SMTP AUTH throttled after repeated failures");
        self.reply(reply::TOO_MANY_FAILURES);
        Next::Close
    }
}
