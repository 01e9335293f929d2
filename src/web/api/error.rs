//! The API's errors: JSON `{"message": …}` (and `errors` per field for
//! invalid input), the status codes of DESIGN.md's REST API section, 413
//! for a body over [`super::BODY_LIMIT`] and 415 for a body not sent as JSON.
//! Unexpected errors are logged and answered with an opaque message.

use std::collections::BTreeMap;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::DbError;
use crate::service::credentials::CredentialError;
use crate::web::forms::FieldErrors;

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong, for people.
    pub message: String,
    /// For invalid input (422): the messages for each field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<BTreeMap<String, Vec<String>>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("missing, invalid or revoked API key")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(&'static str),
    #[error("{message}")]
    Conflict {
        message: String,
        errors: Option<BTreeMap<String, Vec<String>>>,
    },
    #[error("{0}")]
    PreconditionFailed(String),
    #[error("The body must be sent as application/json.")]
    UnsupportedMediaType,
    #[error("The request body is larger than the limit of {limit} bytes.")]
    PayloadTooLarge { limit: usize },
    #[error("{message}")]
    Invalid {
        message: String,
        errors: BTreeMap<String, Vec<String>>,
    },
    #[error("rate limit exceeded")]
    TooManyRequests { retry_after_secs: u64 },
    /// The account has as many sandbox waits open as allowed.
    #[error(
        "This account already has {max} sandbox waits open on this server. Let one finish, or retry after the time in Retry-After."
    )]
    TooManyWaits { max: usize },
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Every password hashing slot is busy (503 with `Retry-After`).
    #[error("Postern is busy hashing passwords right now. Retry after the time in Retry-After.")]
    Busy,
    #[error("unexpected: {0}")]
    Unexpected(String),
}

impl ApiError {
    /// 422 with one message per invalid field.
    pub fn invalid(errors: BTreeMap<String, Vec<String>>) -> Self {
        Self::Invalid {
            message: "The request has invalid fields.".to_owned(),
            errors,
        }
    }

    pub fn from_fields(fields: &FieldErrors) -> Self {
        Self::invalid(
            fields
                .iter()
                .map(|(field, message)| (field.to_owned(), vec![message.to_owned()]))
                .collect(),
        )
    }

    pub fn body(&self) -> ErrorBody {
        let (message, errors) = match self {
            Self::Unauthorized => (
                "Missing, invalid or revoked API key. Send it as Authorization: Bearer <key>."
                    .to_owned(),
                None,
            ),
            Self::TooManyRequests { .. } => (
                "Too many requests for this API key. Slow down and retry after the time in Retry-After."
                    .to_owned(),
                None,
            ),
            Self::Unavailable(error) => {
                tracing::error!(%error, "database unavailable");
                (
                    "Postern cannot reach its database right now. Retry shortly.".to_owned(),
                    None,
                )
            }
            Self::Unexpected(error) => {
                tracing::error!(%error, "unexpected error");
                ("An unexpected error occurred. It has been logged.".to_owned(), None)
            }
            Self::Conflict { message, errors } => (message.clone(), errors.clone()),
            Self::Invalid { message, errors } => (message.clone(), Some(errors.clone())),
            other => (other.to_string(), None),
        };
        ErrorBody { message, errors }
    }
}

impl From<DbError> for ApiError {
    fn from(error: DbError) -> Self {
        match crate::error::AppError::from(error) {
            crate::error::AppError::Unavailable(e) => Self::Unavailable(e.to_string()),
            crate::error::AppError::NotFound => Self::NotFound("Not found."),
            other => Self::Unexpected(other.to_string()),
        }
    }
}

impl From<CredentialError> for ApiError {
    fn from(error: CredentialError) -> Self {
        match error {
            CredentialError::NotFound => Self::NotFound("No such SMTP credential."),
            CredentialError::UsernameTaken => Self::Conflict {
                message: "This username is already taken.".to_owned(),
                errors: Some(BTreeMap::from([(
                    "username".to_owned(),
                    vec!["This username is already taken.".to_owned()],
                )])),
            },
            CredentialError::UnknownDomain => Self::invalid(BTreeMap::from([(
                "domains".to_owned(),
                vec!["Use sending domains of this account.".to_owned()],
            )])),
            CredentialError::Lifetime(message) => {
                Self::invalid(BTreeMap::from([("expires_at".to_owned(), vec![message])]))
            }
            CredentialError::Busy(_) => Self::Busy,
            CredentialError::Db(e) => e.into(),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests { .. } | Self::TooManyWaits { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            Self::Unavailable(_) | Self::Busy => StatusCode::SERVICE_UNAVAILABLE,
            Self::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        match self {
            Self::Unauthorized => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            Self::TooManyRequests { retry_after_secs } => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            Self::TooManyWaits { .. } => {
                response.insert_header((header::RETRY_AFTER, "1"));
            }
            // The database is back or a hashing slot free in a few seconds.
            Self::Unavailable(_) | Self::Busy => {
                response.insert_header(crate::error::busy_retry_after());
            }
            _ => {}
        }
        response.json(self.body())
    }
}
