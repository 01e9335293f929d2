//! The confirm dialog every destructive action shows first.

use askama::Template;

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
