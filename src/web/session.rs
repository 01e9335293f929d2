//! The typed session: the only place that knows the session's keys (the
//! session store reads those in [`keys`] to file a session under its user).

use std::future::{Ready, ready};

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest};

use crate::domain::{SessionId, UserId};
use crate::error::AppError;
use crate::service::accounts::User;

pub struct TypedSession {
    session: Session,
    /// The browser's user agent and address, kept at sign-in (for the
    /// Account page's list of sessions); unknown in middleware.
    client: Option<Client>,
}

struct Client {
    user_agent: Option<String>,
    ip: Option<String>,
}

/// The session's keys the session store reads too.
pub mod keys {
    pub const USER_ID: &str = "user_id";
    pub const SESSION_VERSION: &str = "session_version";
    /// Set by the session store when it first stores a session.
    pub const SESSION_ID: &str = "session_id";
    pub const USER_AGENT: &str = "user_agent";
    pub const IP: &str = "ip";
    /// What a session signed out by someone else must lose.
    pub const SIGNED_IN: &[&str] = &[USER_ID, SESSION_VERSION, SESSION_ID, USER_AGENT, IP];
}

use keys::{IP, SESSION_ID, SESSION_VERSION, USER_AGENT, USER_ID};

const CSRF_TOKEN: &str = "csrf";
const LAST_WORKSPACE: &str = "last_workspace";
const FLASH: &str = "flash";
/// Longer user agents are cut (they are only shown).
const USER_AGENT_MAX: usize = 300;

impl TypedSession {
    /// Wraps the session middleware's handle (for middleware and extractors).
    pub fn of(session: Session) -> Self {
        Self {
            session,
            client: None,
        }
    }

    /// Starts a signed-in session under a new key and id, with a new CSRF
    /// token (the store forgets the old key).
    pub fn log_in(&self, user: &User) -> Result<(), AppError> {
        let s = &self.session;
        s.renew();
        // A new token now, not on first use: two pages loaded at once after
        // signing in would each make one, and one form would then fail.
        s.insert(CSRF_TOKEN, crate::secrets::random_token(32))
            .map_err(AppError::unexpected)?;
        s.remove(SESSION_ID);
        s.insert(USER_ID, &user.id).map_err(AppError::unexpected)?;
        s.insert(SESSION_VERSION, user.session_version)
            .map_err(AppError::unexpected)?;
        if let Some(client) = &self.client {
            for (key, value) in [(USER_AGENT, &client.user_agent), (IP, &client.ip)] {
                match value {
                    Some(value) => s.insert(key, value).map_err(AppError::unexpected)?,
                    None => drop(s.remove(key)),
                }
            }
        }
        Ok(())
    }

    /// This session's id (as the Account page lists it), once stored.
    pub fn id(&self) -> Option<SessionId> {
        let id = self.session.get::<String>(SESSION_ID).ok()??;
        SessionId::parse(&id)
    }

    /// Ends the session: the server forgets it and the cookie is removed.
    pub fn log_out(&self) {
        self.session.purge();
    }

    /// The signed-in user's id and the session version it was signed in with.
    pub fn user(&self) -> Option<(UserId, i32)> {
        let id = self.session.get::<UserId>(USER_ID).ok()??;
        let version = self.session.get::<i32>(SESSION_VERSION).ok()??;
        Some((id, version))
    }

    /// The session's CSRF token, created on first use.
    pub fn csrf_token(&self) -> String {
        if let Ok(Some(token)) = self.session.get::<String>(CSRF_TOKEN) {
            return token;
        }
        let token = crate::secrets::random_token(32);
        // A failure here only means the token is not kept; the next form fails
        // CSRF and asks for a reload, which is the safe outcome.
        let _ = self.session.insert(CSRF_TOKEN, &token);
        token
    }

    /// The CSRF token if the session already has one (never creates one).
    pub fn existing_csrf_token(&self) -> Option<String> {
        self.session.get::<String>(CSRF_TOKEN).ok().flatten()
    }

    /// Leaves a one-line message for the next page this session sees.
    pub fn flash(&self, message: &str) {
        let _ = self.session.insert(FLASH, message);
    }

    /// Takes the message left by [`Self::flash`], if any.
    pub fn take_flash(&self) -> Option<String> {
        // Looked for first: actix-session counts any `remove` as a change,
        // and a changed session is written back (a database write on every
        // page view otherwise). One that is there is removed, readable or not.
        if !self.session.contains_key(FLASH) {
            return None;
        }
        self.session.remove_as::<String>(FLASH).and_then(Result::ok)
    }

    pub fn last_workspace(&self) -> Option<String> {
        self.session.get::<String>(LAST_WORKSPACE).ok().flatten()
    }

    pub fn set_last_workspace(&self, slug: &str) {
        if self.last_workspace().as_deref() != Some(slug) {
            let _ = self.session.insert(LAST_WORKSPACE, slug);
        }
    }
}

impl FromRequest for TypedSession {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let user_agent = req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(USER_AGENT_MAX).collect());
        ready(Ok(Self {
            session: req.get_session(),
            client: Some(Client {
                user_agent,
                ip: crate::web::client::ClientInfo::of(req).ip_string(),
            }),
        }))
    }
}
