//! The error rule: models return `QueryResult`; handlers return [`AppResult`].
//! diesel's `NotFound` becomes 404, an unreachable database 503, and anything
//! unexpected is logged here and answered 500 with an opaque page, so no
//! internal detail (SQL, paths, secrets) ever reaches a response.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use crate::db::{DbError, Unavailable};

pub type AppResult<T> = Result<T, AppError>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No such thing, or not yours to know about (non-members get this too).
    #[error("not found")]
    NotFound,
    /// A member whose role does not allow the action.
    #[error("forbidden")]
    Forbidden,
    /// No valid session: the browser is sent to the sign-in page.
    #[error("sign-in required")]
    LoginRequired,
    /// A state-changing request without the session's CSRF token.
    #[error("CSRF token missing or wrong")]
    CsrfRejected,
    /// A request that could not be read (e.g. a malformed form body).
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error(transparent)]
    Unavailable(#[from] Unavailable),
    /// The session store (Redis) did not answer: sessions cannot be read.
    #[error("session store unavailable")]
    SessionsUnavailable,
    /// Every password hashing slot stayed busy: 503 with `Retry-After`.
    #[error(transparent)]
    Busy(#[from] crate::auth::password::Busy),
    #[error("unexpected: {0}")]
    Unexpected(String),
}

/// What a person is told when every password hashing slot is busy.
pub const BUSY_MESSAGE: &str =
    "Postern is checking many passwords right now. Try again in a few seconds.";

/// The `Retry-After` header of a [`AppError::Busy`] answer.
pub fn busy_retry_after() -> (header::HeaderName, header::HeaderValue) {
    let seconds = crate::auth::password::BUSY_RETRY_AFTER.as_secs();
    (header::RETRY_AFTER, header::HeaderValue::from(seconds))
}

impl AppError {
    pub fn unexpected(error: impl std::fmt::Display) -> Self {
        Self::Unexpected(error.to_string())
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match error {
            Error::NotFound => Self::NotFound,
            Error::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                info,
            ) => Self::Unavailable(Unavailable::from_message(info.message())),
            other => Self::Unexpected(other.to_string()),
        }
    }
}

impl From<DbError> for AppError {
    fn from(error: DbError) -> Self {
        match error {
            DbError::Unavailable(e) => Self::Unavailable(e),
            DbError::Query(e) => e.into(),
        }
    }
}

#[derive(Template)]
#[template(path = "errors/error.html")]
struct ErrorPage<'a> {
    csrf_token: &'a str,
    status: u16,
    title: &'a str,
    message: &'a str,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Forbidden | Self::CsrfRejected => StatusCode::FORBIDDEN,
            Self::LoginRequired => StatusCode::SEE_OTHER,
            Self::Unavailable(_) | Self::SessionsUnavailable | Self::Busy(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Self::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let (title, message) = match self {
            Self::LoginRequired => {
                return HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, "/login"))
                    .insert_header(("HX-Redirect", "/login"))
                    .finish();
            }
            Self::NotFound => (
                "Page not found",
                "There is nothing here, or you do not have access to it.",
            ),
            Self::BadRequest(_) => (
                "Bad request",
                "The request could not be read. Go back, reload the page and try again.",
            ),
            Self::Forbidden => (
                "Not allowed",
                "Your role in this workspace does not allow this. Ask a workspace admin.",
            ),
            Self::CsrfRejected => (
                "Form expired",
                "This form was opened in an earlier session. Go back, reload the page and try again.",
            ),
            Self::Unavailable(error) => {
                tracing::error!(%error, "database unavailable");
                (
                    "Temporarily unavailable",
                    "Postern cannot reach its database right now. Try again in a moment.",
                )
            }
            Self::SessionsUnavailable => (
                "Temporarily unavailable",
                "Postern cannot reach its session store right now. Try again in a moment.",
            ),
            Self::Busy(_) => ("Temporarily busy", BUSY_MESSAGE),
            Self::Unexpected(error) => {
                tracing::error!(%error, "unexpected error");
                (
                    "Something went wrong",
                    "An unexpected error occurred. It has been logged; try again.",
                )
            }
        };
        let status = self.status_code();
        let page = ErrorPage {
            csrf_token: "",
            status: status.as_u16(),
            title,
            message,
        };
        let mut response = HttpResponse::build(status);
        if let Self::Busy(_) = self {
            response.insert_header(busy_retry_after());
        }
        match page.render() {
            Ok(body) => response.content_type("text/html; charset=utf-8").body(body),
            Err(_) => response.content_type("text/plain").body(message),
        }
    }
}
