//! The dashboard: routes, page frame, security headers and static assets.

pub mod api;
pub mod assets;
pub mod dialog;
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
        .app_data(forms::query_config())
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
        .service(
            web::scope("/w/{slug}/settings/smtp-credentials")
                .route("", web::get().to(credentials::list))
                .route("", web::post().to(credentials::create))
                .route("/new", web::get().to(credentials::new_form))
                .route("/{id}/edit", web::get().to(credentials::edit_form))
                .route("/{id}/edit", web::post().to(credentials::edit))
                .route(
                    "/{id}/regenerate",
                    web::get().to(credentials::confirm_regenerate),
                )
                .route("/{id}/regenerate", web::post().to(credentials::regenerate))
                .route("/{id}/activate", web::post().to(credentials::activate))
                .route("/{id}/deactivate", web::post().to(credentials::deactivate))
                .route("/{id}/delete", web::get().to(credentials::confirm_delete))
                .route("/{id}/delete", web::post().to(credentials::delete)),
        )
        .route("/w/{slug}/settings/domains", web::get().to(domains::list))
        .route("/w/{slug}/settings/domains", web::post().to(domains::add))
        .route(
            "/w/{slug}/settings/domains/{id}/delete",
            web::get().to(domains::confirm_remove),
        )
        .route(
            "/w/{slug}/settings/domains/{id}/delete",
            web::post().to(domains::remove),
        )
        .route("/w/{slug}/settings/api-keys", web::get().to(api_keys::list))
        .route(
            "/w/{slug}/settings/api-keys",
            web::post().to(api_keys::create),
        )
        .route(
            "/w/{slug}/settings/api-keys/{id}/delete",
            web::get().to(api_keys::confirm_revoke),
        )
        .route(
            "/w/{slug}/settings/api-keys/{id}/delete",
            web::post().to(api_keys::revoke),
        )
        .route("/w/{slug}/settings/activity", web::get().to(activity::list))
        .route("/w/{slug}/sandbox", web::get().to(sandbox::list))
        .route("/w/{slug}/sandbox/{id}", web::get().to(sandbox::show))
        .configure(api::routes)
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/static/{path:.*}", web::get().to(assets::serve))
        .default_service(web::to(not_found));
}

async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound)
}

/// The element an htmx request will swap (`HX-Target`), or `None` for a
/// plain browser request (which gets the whole page).
pub fn htmx_target(req: &actix_web::HttpRequest) -> Option<String> {
    req.headers().get("HX-Request")?;
    Some(
        req.headers()
            .get("HX-Target")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned(),
    )
}

/// The client's address, for the activity log.
pub fn client_ip(req: &actix_web::HttpRequest) -> Option<String> {
    req.peer_addr().map(|a| a.ip().to_string())
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
