//! The REST API (`/v2/`), AhaSend-v2-shaped: bearer API keys with scopes,
//! JSON in and out, cursor pagination, `Idempotency-Key`, per-key rate
//! limits, and an OpenAPI document generated from these handlers.

pub mod auth;
pub mod error;
pub mod idempotency;
pub mod openapi;
pub mod rate_limit;
pub mod sandbox;
pub mod smtp_credentials;

use actix_web::http::{StatusCode, header};
use actix_web::middleware::from_fn;
use actix_web::{FromRequest, HttpRequest, HttpResponse, dev, guard, web};
use futures_util::future::LocalBoxFuture;

use error::ApiError;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/v2")
            .app_data(web::QueryConfig::default().error_handler(|error, _| {
                ApiError::BadRequest(format!("Bad query string: {error}")).into()
            }))
            .app_data(web::PayloadConfig::new(BODY_LIMIT))
            .wrap(from_fn(auth::guard))
            .service(
                web::resource("/openapi.json")
                    .route(get_or_head().to(openapi::document))
                    .default_service(method_not_allowed(&["get"])),
            )
            .service(
                web::resource("/accounts/{account_id}/smtp-credentials")
                    .route(get_or_head().to(smtp_credentials::list))
                    .route(web::post().to(smtp_credentials::create))
                    .default_service(method_not_allowed(&["get", "post"])),
            )
            .service(
                web::resource("/accounts/{account_id}/smtp-credentials/{smtp_credential_id}")
                    .route(get_or_head().to(smtp_credentials::get))
                    .route(web::patch().to(smtp_credentials::patch))
                    .route(web::delete().to(smtp_credentials::delete))
                    .default_service(method_not_allowed(&["get", "patch", "delete"])),
            )
            .service(
                web::resource(
                    "/accounts/{account_id}/smtp-credentials/{smtp_credential_id}/rotate",
                )
                .route(web::post().to(smtp_credentials::rotate))
                .default_service(method_not_allowed(&["post"])),
            )
            .service(
                web::resource("/accounts/{account_id}/sandbox/messages")
                    .route(get_or_head().to(sandbox::list))
                    .route(web::delete().to(sandbox::delete_all))
                    .default_service(method_not_allowed(&["get", "delete"])),
            )
            // Before `{message_id}`, which would take `wait` for an id.
            .service(
                web::resource("/accounts/{account_id}/sandbox/messages/wait")
                    .route(get_or_head().to(sandbox::wait))
                    .default_service(method_not_allowed(&["get"])),
            )
            .service(
                web::resource("/accounts/{account_id}/sandbox/messages/{message_id}")
                    .route(get_or_head().to(sandbox::get))
                    .route(web::delete().to(sandbox::delete))
                    .default_service(method_not_allowed(&["get", "delete"])),
            )
            .service(
                web::resource("/accounts/{account_id}/sandbox/messages/{message_id}/raw")
                    .route(get_or_head().to(sandbox::raw))
                    .default_service(method_not_allowed(&["get"])),
            )
            .service(
                web::resource(
                    "/accounts/{account_id}/sandbox/messages/{message_id}/attachments/{index}",
                )
                .route(get_or_head().to(sandbox::attachment))
                .default_service(method_not_allowed(&["get"])),
            )
            .default_service(web::to(no_such_endpoint)),
    );
}

/// The largest request body the API reads; more gets 413.
pub const BODY_LIMIT: usize = 64 * 1024;

/// A request body of up to [`BODY_LIMIT`] bytes. Unlike `web::Bytes`, it
/// refuses a larger one (or one that breaks off) with the API's JSON error.
pub struct Body(pub web::Bytes);

impl FromRequest for Body {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut dev::Payload) -> Self::Future {
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            bytes.await.map(Body).map_err(|error| {
                if error.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::PayloadTooLarge { limit: BODY_LIMIT }
                } else {
                    ApiError::BadRequest(format!("The body could not be read: {error}"))
                }
            })
        })
    }
}

async fn no_such_endpoint() -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound("No such API endpoint."))
}

/// A GET route that answers HEAD too (same headers, no body).
fn get_or_head() -> actix_web::Route {
    web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
}

/// 405 with the `Allow` header naming the methods the endpoint answers.
fn method_not_allowed(methods: &[&str]) -> actix_web::Route {
    let allow = crate::web::allow_header(methods);
    web::route().to(move || {
        let allow = allow.clone();
        async move {
            HttpResponse::MethodNotAllowed()
                .insert_header((header::ALLOW, allow))
                .json(error::ErrorBody {
                    message: "This method is not allowed on this endpoint.".to_owned(),
                    errors: None,
                })
        }
    })
}
