//! The dashboard: routes, page frame, security headers and static assets.

pub mod api;
pub mod assets;
pub mod client;
pub mod csrf;
pub mod current_user;
pub mod dialog;
pub mod forms;
pub mod frame;
pub mod kit;
pub mod pages;
pub mod security;
pub mod session;
pub mod session_store;
pub mod sessions;
pub mod workspace;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, guard, web};

pub use current_user::CurrentUser;
pub use session::TypedSession;

use crate::error::AppError;

/// Declares the dashboard's routes once: [`ROUTES`] lists them (the
/// permission matrix test checks each against every role) and
/// `register` adds them to the app.
macro_rules! dashboard_routes {
    ($($method:ident $path:literal => $handler:path,)*) => {
        /// Every dashboard route as (method, path pattern). A `get` route
        /// answers HEAD too.
        pub const ROUTES: &[(&str, &str)] = &[$((stringify!($method), $path),)*];

        fn register(cfg: &mut web::ServiceConfig) {
            let mut resources = Resources::default();
            $(resources.add($path, stringify!($method), web::route().to($handler));)*
            resources.register(cfg);
        }
    };
}

/// The dashboard's routes grouped by path, so that each path is one
/// resource: GET also answers HEAD, and any other method gets 405 with an
/// `Allow` header naming the methods the path answers.
#[derive(Default)]
struct Resources {
    paths: Vec<(&'static str, Vec<(&'static str, actix_web::Route)>)>,
}

impl Resources {
    /// Adds `route` (not yet guarded) for `method` on `path`.
    fn add(&mut self, path: &'static str, method: &'static str, route: actix_web::Route) {
        let route = match method {
            // HEAD is GET without the body: actix-http leaves the body out
            // and keeps the GET response's headers.
            "get" => route.guard(guard::Any(guard::Get()).or(guard::Head())),
            "post" => route.guard(guard::Post()),
            other => unreachable!("dashboard route with method {other}"),
        };
        match self.paths.iter_mut().find(|(p, _)| *p == path) {
            Some((_, routes)) => routes.push((method, route)),
            None => self.paths.push((path, vec![(method, route)])),
        }
    }

    fn register(self, cfg: &mut web::ServiceConfig) {
        for (path, routes) in self.paths {
            let methods: Vec<&str> = routes.iter().map(|(m, _)| *m).collect();
            let allow = allow_header(&methods);
            let mut resource = web::resource(path);
            for (_, route) in routes {
                resource = resource.route(route);
            }
            cfg.service(resource.default_service(web::to(move || {
                let allow = allow.clone();
                async move { method_not_allowed(&allow) }
            })));
        }
    }
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
    post "/account/theme" => pages::theme::choose,
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
    get "/w/{slug}/settings/smtp-credentials/{id}" => pages::credentials::show,
    post "/w/{slug}/settings/smtp-credentials/{id}/renew" => pages::credentials::renew,
    post "/w/{slug}/settings/smtp-credentials/{id}/policies" => pages::credentials::set_policies,
    get "/w/{slug}/settings/smtp-credentials/{id}/revoke-previous" => pages::credentials::confirm_revoke_previous,
    post "/w/{slug}/settings/smtp-credentials/{id}/revoke-previous" => pages::credentials::revoke_previous,
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
    post "/w/{slug}/settings/general/credential-lifetime" => pages::general::set_credential_lifetime,
    post "/w/{slug}/settings/general/default-limits" => pages::general::set_default_limits,
    get "/w/{slug}/settings/leave" => pages::general::confirm_leave,
    post "/w/{slug}/settings/leave" => pages::general::leave,
    post "/w/{slug}/settings/delete" => pages::general::delete,
    get "/w/{slug}/settings/activity" => pages::activity::list,
    get "/w/{slug}/settings/sandbox" => pages::sandbox::retention::show,
    post "/w/{slug}/settings/sandbox" => pages::sandbox::retention::save,
    get "/w/{slug}/sandbox" => pages::sandbox::list,
    post "/w/{slug}/sandbox/delete" => pages::sandbox::delete::delete_selected,
    get "/w/{slug}/sandbox/delete-all" => pages::sandbox::delete::confirm_delete_all,
    post "/w/{slug}/sandbox/delete-all" => pages::sandbox::delete::delete_all,
    get "/w/{slug}/sandbox/events" => pages::sandbox::live::events,
    get "/w/{slug}/sandbox/delete-matching" => pages::sandbox::delete::confirm_delete_matching,
    post "/w/{slug}/sandbox/delete-matching" => pages::sandbox::delete::delete_matching,
    get "/w/{slug}/sandbox/{id}" => pages::sandbox::show,
    get "/w/{slug}/sandbox/{id}/raw" => pages::sandbox::files::raw,
    get "/w/{slug}/sandbox/{id}/preview" => pages::sandbox::preview::preview,
    get "/w/{slug}/sandbox/{id}/download" => pages::sandbox::files::download,
    get "/w/{slug}/sandbox/{id}/attachments/{part}" => pages::sandbox::files::attachment,
    get "/w/{slug}/sandbox/{id}/attachments/{part}/thumbnail" => pages::sandbox::files::thumbnail,
    get "/w/{slug}/sandbox/{id}/delete" => pages::sandbox::delete::confirm_delete,
    post "/w/{slug}/sandbox/{id}/delete" => pages::sandbox::delete::delete,
    get "/w/{slug}/sandbox/{id}/release" => pages::sandbox::release::release_form,
    post "/w/{slug}/sandbox/{id}/release" => pages::sandbox::release::release,
    get "/w/{slug}/sandbox/{id}/spam-score" => pages::sandbox::spam::spam_score,
    post "/w/{slug}/sandbox/{id}/tags" => pages::sandbox::tags::save,
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

/// The `Allow` header's value for routes of these (lower-case) methods;
/// GET brings HEAD along.
pub fn allow_header(methods: &[&str]) -> String {
    let mut allowed: Vec<String> = Vec::new();
    for method in methods {
        let method = method.to_ascii_uppercase();
        if !allowed.contains(&method) {
            allowed.push(method.clone());
        }
        if method == "GET" && !allowed.iter().any(|m| m == "HEAD") {
            allowed.push("HEAD".to_owned());
        }
    }
    allowed.join(", ")
}

/// Whether a route declared for `methods` answers `method` (GET routes
/// answer HEAD too).
fn answers(methods: &[&str], method: &Method) -> bool {
    let name = match *method {
        Method::GET | Method::HEAD => "get",
        Method::POST => "post",
        _ => return false,
    };
    methods.contains(&name)
}

/// Outside CSRF and sessions: a dashboard path asked with a method it does
/// not answer gets its 405 at once (no handler would run, so there is no
/// CSRF token to ask for; `/healthz` carries no session to hold one).
pub async fn refuse_other_methods(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if let Some(pattern) = route_pattern(req.request()) {
        let methods: Vec<&str> = ROUTES
            .iter()
            .filter(|(_, p)| *p == pattern)
            .map(|(m, _)| *m)
            .collect();
        if !methods.is_empty() && !answers(&methods, req.method()) {
            let response = method_not_allowed(&allow_header(&methods));
            return Ok(req.into_response(response).map_into_right_body());
        }
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

/// 405 for a method the path does not answer, with the `Allow` header
/// RFC 9110 asks for.
fn method_not_allowed(allow: &str) -> HttpResponse {
    HttpResponse::MethodNotAllowed()
        .insert_header((header::ALLOW, allow.to_owned()))
        .content_type("text/plain; charset=utf-8")
        .body("405 Method Not Allowed\n")
}

/// Route patterns whose path carries a secret (a token in the link): such
/// requests are logged by their pattern, and their pages are never cached
/// nor named in a `Referer`.
pub const SECRET_ROUTES: &[&str] = &["/invitations/{token}"];

/// The route pattern the request's path matches (e.g.
/// `/invitations/{token}`), found the way the router finds it: on the
/// percent-decoded path, so `/%69nvitations/…` is the same route. Works
/// before routing too (in middleware).
pub fn route_pattern(req: &HttpRequest) -> Option<String> {
    req.resource_map()
        .match_pattern(req.match_info().get_ref().path())
}

/// Whether the request's route carries a secret in its path.
pub fn has_secret_path(req: &HttpRequest) -> bool {
    route_pattern(req).is_some_and(|pattern| SECRET_ROUTES.contains(&pattern.as_str()))
}

/// The request's target as logs may show it:
/// - a route whose path carries a secret: its pattern;
/// - any other route with fixed segments: the path and query as sent;
/// - a path no such route matches (a mistyped, mangled or truncated link,
///   or the free tail of `/static/{path:.*}`): never verbatim, see
///   [`redacted_path`].
pub fn loggable_target(req: &HttpRequest) -> String {
    match route_pattern(req) {
        Some(pattern) if SECRET_ROUTES.contains(&pattern.as_str()) => pattern,
        Some(pattern) if !pattern.contains(":.*}") => full_target(req),
        _ => redacted_path(req.match_info().get_ref().path(), req.uri().path()),
    }
}

/// Segments this long (or longer) may be a token: an invitation token is
/// 43 characters, a UUID 36.
const TOKEN_SHAPED: usize = 16;

/// A path no route matches, as logs may show it: the query dropped; after
/// the start of a secret route (on the `decoded` path), nothing; else each
/// segment of the `raw` path of [`TOKEN_SHAPED`] characters or more
/// replaced by `[redacted]`.
fn redacted_path(decoded: &str, raw: &str) -> String {
    let secret_prefix = SECRET_ROUTES
        .iter()
        .map(|pattern| &pattern[..pattern.find('{').unwrap_or(pattern.len())])
        .find(|prefix| decoded.starts_with(prefix));
    if let Some(prefix) = secret_prefix {
        return format!("{prefix}[redacted]");
    }
    raw.split('/')
        .map(|segment| {
            if segment.len() >= TOKEN_SHAPED {
                "[redacted]"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn full_target(req: &HttpRequest) -> String {
    req.uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::redacted_path;

    #[test]
    fn an_unmatched_path_keeps_short_segments_and_hides_long_ones() {
        let token = "k3J9xQ_vB2mZ8pL4rT6wY1nC5dF7gH0jA2sD4fG6hJ8";
        for (path, logged) in [
            ("/no/such/page", "/no/such/page"),
            ("//invitations/T", "//invitations/[redacted]"),
            ("/x/../Invitations/T", "/x/../Invitations/[redacted]"),
            ("/static/T/more", "/static/[redacted]/more"),
            ("/invitations/short", "/invitations/[redacted]"),
        ] {
            let path = path.replace('T', token);
            assert_eq!(redacted_path(&path, &path), logged, "{path}");
        }
    }
}
