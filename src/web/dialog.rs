//! The confirm dialog every destructive action shows first.

use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use crate::error::{AppError, AppResult};

/// "Are you sure?": names what is affected, warns, and posts `action`.
#[derive(Template)]
#[template(path = "partials/_confirm.html")]
pub struct ConfirmDialog<'a> {
    pub csrf_token: &'a str,
    /// Passed back so the JavaScript-free flow returns to the same list page.
    pub back: &'a str,
    pub title: &'a str,
    pub subject: &'a str,
    pub detail: &'a str,
    pub warning: &'a str,
    pub action: String,
    pub cancel_href: String,
    pub button: &'a str,
    pub danger: bool,
}

/// A rendered dialog: the fragment htmx swaps in, or, for a plain browser
/// request, the HTML its page renders open.
pub enum Rendered {
    Fragment(HttpResponse),
    OnPage(String),
}

impl ConfirmDialog<'_> {
    pub fn render_for(&self, req: &HttpRequest) -> AppResult<Rendered> {
        let html = self.render().map_err(AppError::unexpected)?;
        Ok(if crate::web::htmx_target(req).is_some() {
            Rendered::Fragment(
                HttpResponse::Ok()
                    .content_type("text/html; charset=utf-8")
                    .body(html),
            )
        } else {
            Rendered::OnPage(html)
        })
    }
}
