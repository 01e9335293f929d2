//! The dashboard: routes, page frame, security headers and static assets.

pub mod api;
pub mod assets;
pub mod dialog;
pub mod forms;
pub mod frame;
pub mod pages;
pub mod security;
pub mod session_store;
pub mod sessions;
pub mod workspace;

use actix_web::{HttpResponse, web};

use crate::error::AppError;

/// Declares the dashboard's routes once: [`ROUTES`] lists them (the
/// permission matrix test checks each against every role) and
/// `register` adds them to the app.
macro_rules! dashboard_routes {
    ($($method:ident $path:literal => $handler:path,)*) => {
        /// Every dashboard route as (method, path pattern).
        pub const ROUTES: &[(&str, &str)] = &[$((stringify!($method), $path),)*];

        fn register(cfg: &mut web::ServiceConfig) {
            $(cfg.route($path, web::$method().to($handler));)*
        }
    };
}

dashboard_routes! {
    get "/" => pages::index::index,
    get "/setup" => pages::setup::setup_form,
    post "/setup" => pages::setup::setup,
    get "/login" => pages::login::login_form,
    post "/login" => pages::login::login,
    post "/logout" => pages::login::logout,
    get "/account" => pages::account::show,
    post "/account" => pages::account::rename,
    post "/account/password" => pages::account::change_password,
    get "/account/sessions/sign-out-others" => pages::sessions::confirm_sign_out_others,
    post "/account/sessions/sign-out-others" => pages::sessions::sign_out_others,
    get "/account/sessions/{id}/sign-out" => pages::sessions::confirm_sign_out,
    post "/account/sessions/{id}/sign-out" => pages::sessions::sign_out,
    get "/invitations/{token}" => pages::invitations::show,
    post "/invitations/{token}" => pages::invitations::accept,
    get "/workspaces" => pages::workspaces::list,
    post "/workspaces" => pages::workspaces::create,
    get "/w/{slug}" => pages::workspaces::home,
    get "/w/{slug}/settings" => pages::workspaces::home,
    get "/w/{slug}/settings/smtp-credentials" => pages::credentials::list,
    post "/w/{slug}/settings/smtp-credentials" => pages::credentials::create,
    get "/w/{slug}/settings/smtp-credentials/new" => pages::credentials::new_form,
    get "/w/{slug}/settings/smtp-credentials/{id}/edit" => pages::credentials::edit_form,
    post "/w/{slug}/settings/smtp-credentials/{id}/edit" => pages::credentials::edit,
    get "/w/{slug}/settings/smtp-credentials/{id}/regenerate" => pages::credentials::confirm_regenerate,
    post "/w/{slug}/settings/smtp-credentials/{id}/regenerate" => pages::credentials::regenerate,
    post "/w/{slug}/settings/smtp-credentials/{id}/activate" => pages::credentials::activate,
    post "/w/{slug}/settings/smtp-credentials/{id}/deactivate" => pages::credentials::deactivate,
    get "/w/{slug}/settings/smtp-credentials/{id}/delete" => pages::credentials::confirm_delete,
    post "/w/{slug}/settings/smtp-credentials/{id}/delete" => pages::credentials::delete,
    get "/w/{slug}/settings/domains" => pages::domains::list,
    post "/w/{slug}/settings/domains" => pages::domains::add,
    get "/w/{slug}/settings/domains/{id}/delete" => pages::domains::confirm_remove,
    post "/w/{slug}/settings/domains/{id}/delete" => pages::domains::remove,
    get "/w/{slug}/settings/api-keys" => pages::api_keys::list,
    post "/w/{slug}/settings/api-keys" => pages::api_keys::create,
    get "/w/{slug}/settings/api-keys/{id}/delete" => pages::api_keys::confirm_revoke,
    post "/w/{slug}/settings/api-keys/{id}/delete" => pages::api_keys::revoke,
    get "/w/{slug}/settings/members" => pages::members::list,
    post "/w/{slug}/settings/members/invitations" => pages::members::invite,
    get "/w/{slug}/settings/members/invitations/{id}/delete" => pages::members::confirm_revoke,
    post "/w/{slug}/settings/members/invitations/{id}/delete" => pages::members::revoke,
    post "/w/{slug}/settings/members/{id}/role" => pages::members::change_role,
    get "/w/{slug}/settings/members/{id}/remove" => pages::members::confirm_remove,
    post "/w/{slug}/settings/members/{id}/remove" => pages::members::remove,
    get "/w/{slug}/settings/general" => pages::general::show,
    post "/w/{slug}/settings/general" => pages::general::rename,
    get "/w/{slug}/settings/leave" => pages::general::confirm_leave,
    post "/w/{slug}/settings/leave" => pages::general::leave,
    post "/w/{slug}/settings/delete" => pages::general::delete,
    get "/w/{slug}/settings/activity" => pages::activity::list,
    get "/w/{slug}/sandbox" => pages::sandbox::list,
    get "/w/{slug}/sandbox/{id}" => pages::sandbox::show,
    get "/healthz" => pages::health::healthz,
    get "/readyz" => pages::health::readyz,
    get "/static/{path:.*}" => assets::serve,
}

/// Every route: the dashboard's, the REST API's, and 404 for the rest.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.app_data(forms::form_config())
        .app_data(forms::query_config())
        .configure(api::routes)
        .configure(register)
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

/// Where this dashboard is reached (`https://host`), for links shown to
/// be passed on (invitations, curl examples).
pub fn external_base(req: &actix_web::HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
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

/// The answer to a finished action: back to `location`, by `HX-Redirect`
/// for htmx and by a 303 for a plain form.
pub fn redirect_after(req: &actix_web::HttpRequest, location: &str) -> HttpResponse {
    if htmx_target(req).is_some() {
        return HttpResponse::Ok()
            .insert_header(("HX-Redirect", location))
            .finish();
    }
    see_other(location)
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
