//! The typed session: the only place that knows the session's keys.

use std::future::{Ready, ready};

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};

use crate::db::models::User;
use crate::domain::UserId;
use crate::error::AppError;

pub struct TypedSession(Session);

const USER_ID: &str = "user_id";
const SESSION_VERSION: &str = "session_version";
const CSRF_TOKEN: &str = "csrf";
const LAST_WORKSPACE: &str = "last_workspace";
const FLASH: &str = "flash";

impl TypedSession {
    /// Wraps the session middleware's handle (for middleware and extractors).
    pub fn of(session: Session) -> Self {
        Self(session)
    }

    /// Starts a signed-in session under a new id, with a new CSRF token.
    pub fn log_in(&self, user: &User) -> Result<(), AppError> {
        self.0.renew();
        self.0.remove(CSRF_TOKEN);
        self.0
            .insert(USER_ID, &user.id)
            .map_err(AppError::unexpected)?;
        self.0
            .insert(SESSION_VERSION, user.session_version)
            .map_err(AppError::unexpected)
    }

    /// Ends the session: the server forgets it and the cookie is removed.
    pub fn log_out(&self) {
        self.0.purge();
    }

    /// The signed-in user's id and the session version it was signed in with.
    pub fn user(&self) -> Option<(UserId, i32)> {
        let id = self.0.get::<UserId>(USER_ID).ok()??;
        let version = self.0.get::<i32>(SESSION_VERSION).ok()??;
        Some((id, version))
    }

    /// The session's CSRF token, created on first use.
    pub fn csrf_token(&self) -> String {
        if let Ok(Some(token)) = self.0.get::<String>(CSRF_TOKEN) {
            return token;
        }
        let token = crate::secrets::random_token(32);
        // A failure here only means the token is not kept; the next form fails
        // CSRF and asks for a reload, which is the safe outcome.
        let _ = self.0.insert(CSRF_TOKEN, &token);
        token
    }

    /// The CSRF token if the session already has one (never creates one).
    pub fn existing_csrf_token(&self) -> Option<String> {
        self.0.get::<String>(CSRF_TOKEN).ok().flatten()
    }

    /// Leaves a one-line message for the next page this session sees.
    pub fn flash(&self, message: &str) {
        let _ = self.0.insert(FLASH, message);
    }

    /// Takes the message left by [`Self::flash`], if any.
    pub fn take_flash(&self) -> Option<String> {
        self.0.remove_as::<String>(FLASH).and_then(Result::ok)
    }

    pub fn last_workspace(&self) -> Option<String> {
        self.0.get::<String>(LAST_WORKSPACE).ok().flatten()
    }

    pub fn set_last_workspace(&self, slug: &str) {
        if self.last_workspace().as_deref() != Some(slug) {
            let _ = self.0.insert(LAST_WORKSPACE, slug);
        }
    }
}

impl FromRequest for TypedSession {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(Ok(Self::of(req.get_session())))
    }
}
