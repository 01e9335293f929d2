//! CSRF protection for every state-changing request (synchronizer token).
//!
//! The token lives in the session; pages carry it in a `<meta>` tag (htmx
//! sends it back as `X-CSRF-Token`) and in a hidden `csrf_token` field of
//! every form. The REST API (`/v2/`) uses bearer keys, not cookies, and is
//! exempt. A request without the right token gets 403 before any handler runs.

use actix_session::SessionExt;
use actix_web::HttpMessage;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::web::{Bytes, BytesMut};
use futures_util::StreamExt;
use subtle::ConstantTimeEq;

use crate::error::AppError;
use crate::web::TypedSession;

/// The form field that carries the token.
pub const FIELD: &str = "csrf_token";
/// The header htmx sends the token in.
pub const HEADER: &str = "X-CSRF-Token";

/// Forms larger than this are refused rather than buffered.
const MAX_FORM_BYTES: usize = 256 * 1024;

pub async fn verify(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe || crate::auth::api_key::is_api_path(req.path()) {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    }
    let expected = TypedSession::of(req.get_session()).existing_csrf_token();
    let presented = match req.headers().get(HEADER).and_then(|v| v.to_str().ok()) {
        Some(token) => Some(token.to_owned()),
        None => token_from_form(&mut req).await?,
    };
    let valid = match (expected, presented) {
        (Some(expected), Some(presented)) => {
            bool::from(expected.as_bytes().ct_eq(presented.as_bytes()))
        }
        _ => false,
    };
    if !valid {
        // A client's mistake (INFO); the path as logs may show it (no token).
        tracing::info!(
            path = %crate::web::loggable_target(req.request()),
            "request refused: CSRF token missing or wrong"
        );
        return Ok(req
            .error_response(AppError::CsrfRejected)
            .map_into_right_body());
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

/// Reads a url-encoded body, finds the token field, and puts the body back
/// for the handler.
async fn token_from_form(req: &mut ServiceRequest) -> Result<Option<String>, actix_web::Error> {
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Ok(None);
    }
    let mut payload = req.take_payload();
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk?;
        if body.len() + chunk.len() > MAX_FORM_BYTES {
            return Err(actix_web::error::ErrorPayloadTooLarge("form too large"));
        }
        body.extend_from_slice(&chunk);
    }
    let body: Bytes = body.freeze();
    let token = url::form_urlencoded::parse(&body)
        .find(|(key, _)| key == FIELD)
        .map(|(_, value)| value.into_owned());
    let (_, mut restored) = actix_http::h1::Payload::create(true);
    restored.unread_data(body);
    req.set_payload(actix_http::Payload::from(restored));
    Ok(token)
}
