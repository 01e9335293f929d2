//! The credential dialogs (create/edit form, the password shown once) and
//! how any of them is answered: alone for htmx, else on the list page the
//! `back` query string describes.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;

use super::actions::CredentialForm;
use super::list::{connection, context, page};
use super::params::ListState;
use super::view::{Ctx, FieldLimits, FormDialog, PasswordDialog};
use crate::error::AppResult;
use crate::service::credentials::WithPassword;
use crate::service::domains;
use crate::web::dialog;
use crate::web::forms::FieldErrors;
use crate::web::kit::{WorkspacePage, no_store};

/// Answers with `dialog`: the fragment for htmx, else the list page of
/// `back` with the dialog open.
pub async fn show(
    cx: &WorkspacePage,
    back: &str,
    status: StatusCode,
    dialog: &impl Template,
) -> AppResult<HttpResponse> {
    dialog::answer(&cx.req, status, dialog, |modal| {
        let list = ListState::from_query(&cx.access.workspace.slug, back);
        page(cx, list, Some(modal), status)
    })
    .await
}

/// The templates' context for the list page of `back`.
pub fn ctx_for(cx: &WorkspacePage, back: &str) -> Ctx {
    context(cx, &ListState::from_query(&cx.access.workspace.slug, back))
}

/// The credential being edited: its id and its (fixed) username.
pub struct Editing<'a> {
    pub id: &'a str,
    pub username: &'a str,
}

/// The create form (`editing` none) or the edit form, as posted or fresh.
pub async fn form_dialog(
    cx: &WorkspacePage,
    form: &CredentialForm,
    errors: &FieldErrors,
    editing: Option<Editing<'_>>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let ctx = ctx_for(cx, &form.back);
    let domains = domains::of_workspace(&cx.state.db, &cx.access.workspace.id).await?;
    let (title, action, submit, fixed_username) = match editing {
        None => (
            "Create SMTP credential",
            ctx.base.clone(),
            "Create credential",
            None,
        ),
        Some(Editing { id, username }) => (
            "Edit SMTP credential",
            format!("{}/{id}/edit", ctx.base),
            "Save changes",
            Some(username),
        ),
    };
    let dialog = FormDialog {
        ctx: &ctx,
        title,
        action,
        submit,
        fixed_username,
        form,
        errors,
        domains: &domains,
        limits: &FieldLimits::default(),
        expiry_choices: &crate::domain::EXPIRY_CHOICES,
    };
    show(cx, &form.back, status, &dialog).await
}

/// The password of a credential just created or regenerated, shown once
/// (never stored by a cache).
pub async fn password_dialog(
    cx: &WorkspacePage,
    back: &str,
    title: &str,
    created: &WithPassword,
) -> AppResult<HttpResponse> {
    let ctx = ctx_for(cx, back);
    let dialog = PasswordDialog {
        ctx: &ctx,
        title,
        name: &created.credential.name,
        username: &created.credential.username,
        password: &created.password,
        connection: &connection(cx),
    };
    Ok(no_store(show(cx, back, StatusCode::OK, &dialog).await?))
}
