//! The workspace list, creating a workspace, and `/w/{slug}` itself.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use validator::Validate;

use crate::error::AppResult;
use crate::service::workspaces;
use crate::startup::AppState;
use crate::web::forms::FieldErrors;
use crate::web::frame::Frame;
use crate::web::workspace::WorkspaceAccess;
use crate::web::{CurrentUser, TypedSession};
use crate::web::{render, see_other};

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

pub async fn list(
    state: web::Data<AppState>,
    session: TypedSession,
    CurrentUser(user): CurrentUser,
) -> AppResult<HttpResponse> {
    let frame = Frame::for_user(&state, &user).await?;
    let page = WorkspacesPage {
        csrf_token: session.csrf_token(),
        frame,
        form: &NewWorkspaceForm::default(),
        errors: FieldErrors::default(),
        flash: session.take_flash(),
    };
    render(StatusCode::OK, &page)
}

pub async fn create(
    state: web::Data<AppState>,
    session: TypedSession,
    CurrentUser(user): CurrentUser,
    web::Form(mut form): web::Form<NewWorkspaceForm>,
) -> AppResult<HttpResponse> {
    form.name = form.name.trim().to_owned();
    if let Err(e) = form.validate() {
        let page = WorkspacesPage {
            csrf_token: session.csrf_token(),
            frame: Frame::for_user(&state, &user).await?,
            form: &form,
            errors: FieldErrors::from_validation(&e),
            flash: None,
        };
        return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let workspace = workspaces::create(&state.db, &user.id, &form.name).await?;
    tracing::info!(user = %user.id, workspace = %workspace.slug, "workspace created");
    session.set_last_workspace(&workspace.slug);
    Ok(see_other(&format!(
        "/w/{}/settings/smtp-credentials",
        workspace.slug
    )))
}

/// `/w/{slug}` and `/w/{slug}/settings` open the credentials page.
pub async fn home(access: WorkspaceAccess) -> HttpResponse {
    see_other(&format!(
        "/w/{}/settings/smtp-credentials",
        access.workspace.slug
    ))
}
