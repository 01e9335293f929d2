//! Dialogs: the confirm dialog every destructive action shows first, and
//! the one way any dialog is answered.

use std::future::Future;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use crate::error::{AppError, AppResult};
use crate::web::kit::respond::{html, htmx_target};

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

/// Answers with a dialog: for htmx the dialog alone (it fills the page's
/// `#modal`); for a plain request the page `on_page` renders around it,
/// the dialog open.
pub async fn answer<F, Fut>(
    req: &HttpRequest,
    status: StatusCode,
    dialog: &impl Template,
    on_page: F,
) -> AppResult<HttpResponse>
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = AppResult<HttpResponse>>,
{
    let dialog = dialog.render().map_err(AppError::unexpected)?;
    if htmx_target(req).is_some() {
        return Ok(html(status, dialog));
    }
    on_page(dialog).await
}
