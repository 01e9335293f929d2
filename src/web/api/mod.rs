//! The REST API (`/v2/`), AhaSend-v2-shaped: bearer API keys with scopes,
//! JSON in and out, cursor pagination, `Idempotency-Key`, per-key rate
//! limits, and an OpenAPI document generated from these handlers.

pub mod auth;
pub mod error;
pub mod idempotency;
pub mod openapi;
pub mod rate_limit;
pub mod smtp_credentials;

use actix_web::middleware::from_fn;
use actix_web::{HttpResponse, web};

use error::ApiError;

/// Whether `path` is the REST API's: bearer keys, no session, no CSRF token.
pub fn is_api_path(path: &str) -> bool {
    path.starts_with("/v2/")
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/v2")
            .app_data(web::QueryConfig::default().error_handler(|error, _| {
                ApiError::BadRequest(format!("Bad query string: {error}")).into()
            }))
            .app_data(web::PayloadConfig::new(64 * 1024))
            .wrap(from_fn(auth::guard))
            .route("/openapi.json", web::get().to(openapi::document))
            .service(
                web::resource("/accounts/{account_id}/smtp-credentials")
                    .route(web::get().to(smtp_credentials::list))
                    .route(web::post().to(smtp_credentials::create))
                    .default_service(web::to(|| method_not_allowed("GET, POST"))),
            )
            .service(
                web::resource("/accounts/{account_id}/smtp-credentials/{smtp_credential_id}")
                    .route(web::get().to(smtp_credentials::get))
                    .route(web::delete().to(smtp_credentials::delete))
                    .default_service(web::to(|| method_not_allowed("GET, DELETE"))),
            )
            .default_service(web::to(no_such_endpoint)),
    );
}

async fn no_such_endpoint() -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound("No such API endpoint."))
}

/// 405 with the `Allow` header RFC 9110 asks for.
async fn method_not_allowed(allow: &'static str) -> HttpResponse {
    HttpResponse::MethodNotAllowed()
        .insert_header((actix_web::http::header::ALLOW, allow))
        .json(error::ErrorBody {
            message: "This method is not allowed on this endpoint.".to_owned(),
            errors: None,
        })
}
