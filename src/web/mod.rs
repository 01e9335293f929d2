//! The dashboard: routes, page frame, security headers and static assets.

pub mod assets;
pub mod forms;
pub mod frame;
pub mod pages;
pub mod security;
pub mod workspace;

use actix_web::{HttpResponse, web};

use crate::error::AppError;

/// Every dashboard route, in the order of DESIGN.md's URL table.
pub fn routes(cfg: &mut web::ServiceConfig) {
    use pages::*;
    cfg.app_data(forms::form_config())
        .route("/", web::get().to(index::index))
        .route("/setup", web::get().to(setup::setup_form))
        .route("/setup", web::post().to(setup::setup))
        .route("/login", web::get().to(login::login_form))
        .route("/login", web::post().to(login::login))
        .route("/logout", web::post().to(login::logout))
        .route("/workspaces", web::get().to(workspaces::list))
        .route("/workspaces", web::post().to(workspaces::create))
        .route("/w/{slug}", web::get().to(workspaces::home))
        .route("/w/{slug}/settings", web::get().to(workspaces::home))
        .route(
            "/w/{slug}/settings/smtp-credentials",
            web::get().to(credentials::list),
        )
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/static/{path:.*}", web::get().to(assets::serve))
        .default_service(web::to(not_found));
}

async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound)
}

/// A 303 redirect, the answer to a successful form post.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, location))
        .finish()
}

/// Renders a template into an HTML response with the given status.
pub fn render(
    status: actix_web::http::StatusCode,
    page: &impl askama::Template,
) -> Result<HttpResponse, AppError> {
    let body = page.render().map_err(AppError::unexpected)?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body))
}
