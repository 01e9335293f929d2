//! The HTTP side of `Idempotency-Key` (the rules are in
//! `service::idempotency`): read the header, answer a retry from the stored
//! response, and store how the first request ended.

use actix_web::body::{BoxBody, to_bytes};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use super::auth::ApiCaller;
use super::error::ApiError;
use crate::service::idempotency::{self, Begin};
use crate::startup::AppState;

pub const HEADER: &str = "Idempotency-Key";
const MAX_KEY_LENGTH: usize = 255;

pub enum Idempotent {
    /// The first request with this key: go on.
    Proceed,
    /// A retry: this is the answer.
    Answer(HttpResponse),
}

/// The request's `Idempotency-Key`: 1–255 printable ASCII characters.
pub fn key_of(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get(HEADER) else {
        return Ok(None);
    };
    match value.to_str() {
        Ok(key)
            if !key.is_empty()
                && key.len() <= MAX_KEY_LENGTH
                && key.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            Ok(Some(key.to_owned()))
        }
        _ => Err(ApiError::BadRequest(format!(
            "{HEADER} must be 1 to {MAX_KEY_LENGTH} printable ASCII characters."
        ))),
    }
}

/// Claims the key, or answers from what the first request left.
pub async fn begin(
    state: &AppState,
    caller: &ApiCaller,
    req: &HttpRequest,
    key: &str,
    body: &[u8],
) -> Result<Idempotent, ApiError> {
    let mut hasher = Sha256::new();
    hasher.update(req.method().as_str());
    hasher.update(b" ");
    hasher.update(req.path());
    hasher.update(b"\n");
    hasher.update(body);
    let request_hash = URL_SAFE_NO_PAD.encode(hasher.finalize());
    let begun =
        idempotency::begin(&state.db, &state.sealer, &caller.key.id, key, request_hash).await?;
    match begun {
        Begin::Proceed => Ok(Idempotent::Proceed),
        Begin::Replay { status, body } => Ok(Idempotent::Answer(
            HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::OK))
                .content_type("application/json")
                .insert_header(("Idempotent-Replayed", "true"))
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .body(body),
        )),
        Begin::InProgress => Err(ApiError::Conflict {
            message: format!(
                "A request with this {HEADER} is still being processed. Retry in a moment."
            ),
            errors: None,
        }),
        Begin::Mismatch => Err(ApiError::Invalid {
            message: format!("This {HEADER} was already used with a different request."),
            errors: [(
                HEADER.to_owned(),
                vec!["Use a new key for a different request.".to_owned()],
            )]
            .into(),
        }),
        Begin::FirstFailed => Err(ApiError::PreconditionFailed(format!(
            "The first request with this {HEADER} failed. Send the corrected request with a new key."
        ))),
    }
}

/// Stores the first request's outcome and passes it on. A 2xx answer is
/// kept for replay; a 4xx marks the key failed; after a 5xx (nothing was
/// done) the key is released so a retry runs again.
pub async fn finish(
    state: &AppState,
    caller: &ApiCaller,
    key: &str,
    outcome: Result<HttpResponse, ApiError>,
) -> Result<HttpResponse, ApiError> {
    let db = &state.db;
    let id = &caller.key.id;
    let (outcome, stored) = match outcome {
        Ok(response) => {
            let (head, body) = response.into_parts();
            let bytes = to_bytes(body)
                .await
                .map_err(|e| ApiError::Unexpected(e.to_string()))?;
            let status = head.status().as_u16();
            let stored = idempotency::finish(db, &state.sealer, id, key, status, &bytes).await;
            (Ok(head.set_body(BoxBody::new(bytes))), stored)
        }
        Err(error) if error.status_code().is_server_error() => {
            let stored = idempotency::release(db, id, key).await;
            (Err(error), stored)
        }
        Err(error) => {
            let status = error.status_code().as_u16();
            let stored = idempotency::finish(db, &state.sealer, id, key, status, &[]).await;
            (Err(error), stored)
        }
    };
    if let Err(error) = stored {
        // The answer stands; a retry will find the key running or missing.
        tracing::error!(%error, "idempotency record not updated");
    }
    outcome
}
