//! Sessions (in the database, or in Redis for several instances; see
//! `web::sessions`) must not hang the dashboard when their store does:
//! every store operation gets a deadline, and a request whose session
//! cannot be read or written gets the 503 page. The REST API (bearer keys,
//! no session) keeps working meanwhile.
//!
//! actix-session answers a failed store call with an opaque, bodiless 500
//! error, and routing forbids holding on to the request while it runs. So:
//! a failed read is handed on as a session holding only [`UNREADABLE`],
//! which [`guard`] (inside the session middleware) answers with the 503
//! page; a failed write, which surfaces after the handler, is answered by
//! [`answer_write_failures`] (outside it) with the request [`guard`] kept.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;

use actix_session::SessionExt;
use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpRequest, ResponseError};

use crate::error::AppError;

/// How long a session read or write may take before the request gets 503.
pub const STORE_DEADLINE: Duration = crate::redis::DEADLINE;

/// A session store whose every operation fails after a deadline
/// ([`STORE_DEADLINE`] for Redis; the database's own waits are longer).
#[derive(Clone)]
pub struct Bounded<S> {
    store: S,
    deadline: Duration,
    backing: Backing,
}

/// What holds the sessions, so an unreadable one gets the 503 page that
/// names what is down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backing {
    Database,
    Redis,
}

impl Backing {
    fn name(self) -> &'static str {
        match self {
            Backing::Database => "database",
            Backing::Redis => "redis",
        }
    }
}

impl<S> Bounded<S> {
    pub fn new(store: S, deadline: Duration, backing: Backing) -> Self {
        Self {
            store,
            deadline,
            backing,
        }
    }
}

fn late(what: &str, deadline: Duration) -> anyhow::Error {
    anyhow::anyhow!("the session store did not {what} within {deadline:?}")
}

type State = HashMap<String, String>;
type Ttl = actix_web::cookie::time::Duration;

impl<S: SessionStore> SessionStore for Bounded<S> {
    async fn load(&self, key: &SessionKey) -> Result<Option<State>, LoadError> {
        let loaded = tokio::time::timeout(self.deadline, self.store.load(key))
            .await
            .unwrap_or_else(|_| Err(LoadError::Other(late("answer a read", self.deadline))));
        match loaded {
            Err(LoadError::Other(error)) => {
                tracing::error!(%error, "session store unavailable");
                let backing = serde_json::Value::from(self.backing.name()).to_string();
                Ok(Some(State::from([(UNREADABLE.to_owned(), backing)])))
            }
            other => other,
        }
    }

    async fn save(&self, state: State, ttl: &Ttl) -> Result<SessionKey, SaveError> {
        tokio::time::timeout(self.deadline, self.store.save(state, ttl))
            .await
            .unwrap_or_else(|_| Err(SaveError::Other(late("save", self.deadline))))
    }

    async fn update(
        &self,
        key: SessionKey,
        state: State,
        ttl: &Ttl,
    ) -> Result<SessionKey, UpdateError> {
        tokio::time::timeout(self.deadline, self.store.update(key, state, ttl))
            .await
            .unwrap_or_else(|_| Err(UpdateError::Other(late("update", self.deadline))))
    }

    async fn update_ttl(&self, key: &SessionKey, ttl: &Ttl) -> Result<(), anyhow::Error> {
        tokio::time::timeout(self.deadline, self.store.update_ttl(key, ttl))
            .await
            .unwrap_or_else(|_| Err(late("extend a session", self.deadline)))
    }

    async fn delete(&self, key: &SessionKey) -> Result<(), anyhow::Error> {
        tokio::time::timeout(self.deadline, self.store.delete(key))
            .await
            .unwrap_or_else(|_| Err(late("delete a session", self.deadline)))
    }
}

/// The one key of a session that could not be read.
pub const UNREADABLE: &str = "postern.session_unreadable";

/// Where [`guard`] leaves the routed request for [`answer_write_failures`].
type Kept = Rc<RefCell<Option<HttpRequest>>>;

/// Whether `error` is actix-session's opaque 500 for a failed store call.
fn is_store_failure(error: &Error) -> bool {
    error.as_error::<InternalError<SaveError>>().is_some()
        || error.as_error::<InternalError<UpdateError>>().is_some()
        || error.as_error::<InternalError<anyhow::Error>>().is_some()
}

fn unavailable() -> actix_web::HttpResponse {
    AppError::SessionsUnavailable.error_response()
}

/// Outside the session middleware: requests that never use a session come
/// through without their cookie, and a session that could not be written
/// gets the 503 page instead of a bodiless 500.
pub async fn answer_write_failures(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if !uses_sessions(req.path()) {
        // Nothing to load: such a request never waits on the store.
        req.headers_mut().remove(header::COOKIE);
    }
    let kept = Kept::default();
    req.extensions_mut().insert(kept.clone());
    let outcome = next.call(req).await;
    // Taken on every path: the kept request would otherwise hold itself
    // (through its extensions) and never be freed.
    let request = kept.take();
    match (outcome, request) {
        (Ok(response), _) => Ok(response.map_into_boxed_body()),
        (Err(error), Some(request)) if is_store_failure(&error) => {
            tracing::error!(%error, "session store unavailable");
            Ok(ServiceResponse::new(request, unavailable()))
        }
        (Err(error), _) => Err(error),
    }
}

/// The REST API, assets and health checks never read a session, so they
/// keep answering while the session store is away.
fn uses_sessions(path: &str) -> bool {
    !(crate::auth::api_key::is_api_path(path)
        || path.starts_with("/static/")
        || path == "/healthz"
        || path == "/readyz")
}

/// Inside the session middleware: an unreadable session gets the 503 page
/// before any handler runs; otherwise the routed request is kept for
/// [`answer_write_failures`].
pub async fn guard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if uses_sessions(req.path())
        && let Some(backing) = req.get_session().get::<String>(UNREADABLE).ok().flatten()
    {
        let response = if backing == Backing::Database.name() {
            let down = crate::db::Unavailable::from_message("the session could not be read");
            AppError::Unavailable(down).error_response()
        } else {
            unavailable()
        };
        return Ok(req.into_response(response));
    }
    let kept = req.extensions().get::<Kept>().cloned();
    let response = next.call(req).await?;
    if let Some(kept) = kept {
        kept.replace(Some(response.request().clone()));
    }
    Ok(response.map_into_boxed_body())
}
