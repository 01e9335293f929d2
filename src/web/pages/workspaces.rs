//! The workspace list, creating a workspace, and `/w/{slug}` itself.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use validator::Validate;

use crate::error::AppResult;
use crate::service::workspaces;
use crate::web::forms::FieldErrors;
use crate::web::frame::Frame;
use crate::web::kit::{UserPage, WorkspacePage, WorkspaceUrls, render, see_other};

#[derive(Debug, Default, Deserialize, Validate)]
pub struct NewWorkspaceForm {
    #[validate(
        length(
            min = 1,
            max = 80,
            message = "Name the workspace (up to 80 characters)."
        ),
        custom(function = "crate::domain::text::single_line")
    )]
    pub name: String,
}

#[derive(Template)]
#[template(path = "pages/workspaces.html")]
struct WorkspacesPage<'a> {
    csrf_token: String,
    frame: Frame,
    form: &'a NewWorkspaceForm,
    errors: FieldErrors,
    flash: Option<String>,
}

/// The list with the create form; a form sent back with errors leaves a
/// pending message for the next page.
async fn page(
    cx: &UserPage,
    form: &NewWorkspaceForm,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let flash = if errors.is_empty() {
        cx.take_flash()
    } else {
        None
    };
    let page = WorkspacesPage {
        csrf_token: cx.csrf_token(),
        frame: cx.frame().await?,
        form,
        errors,
        flash,
    };
    render(status, &page)
}

pub async fn list(cx: UserPage) -> AppResult<HttpResponse> {
    let form = NewWorkspaceForm::default();
    page(&cx, &form, FieldErrors::default(), StatusCode::OK).await
}

pub async fn create(
    cx: UserPage,
    web::Form(mut form): web::Form<NewWorkspaceForm>,
) -> AppResult<HttpResponse> {
    form.name = form.name.trim().to_owned();
    if let Err(e) = form.validate() {
        let errors = FieldErrors::from_validation(&e);
        return page(&cx, &form, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let user = &cx.user;
    let workspace = workspaces::create(&cx.state.db, &user.id, &form.name).await?;
    tracing::info!(user = %user.id, workspace = %workspace.slug, "workspace created");
    cx.session.set_last_workspace(&workspace.slug);
    Ok(see_other(
        &WorkspaceUrls::new(&workspace.slug).credentials(),
    ))
}

/// `/w/{slug}` and `/w/{slug}/settings` open the credentials page.
pub async fn home(cx: WorkspacePage) -> HttpResponse {
    see_other(&cx.urls().credentials())
}
