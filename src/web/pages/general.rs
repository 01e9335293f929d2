//! Settings → General: the workspace's name (admins and owners rename it),
//! leaving it (anyone but its last owner), and deleting it (owners, after
//! typing its name).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::domain::{Line, Role};
use crate::error::{AppError, AppResult};
use crate::service::members::{self, MemberError};
use crate::service::workspaces::{self, NAME_MAX};
use crate::startup::AppState;
use crate::web::TypedSession;
use crate::web::dialog::{ConfirmDialog, Rendered};
use crate::web::forms::FieldErrors;
use crate::web::frame::Frame;
use crate::web::workspace::WorkspaceAccess;
use crate::web::{redirect_after, render, see_other};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RenameForm {
    pub name: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DeleteForm {
    pub confirm_name: String,
}

#[derive(Template)]
#[template(path = "pages/settings/general.html")]
struct GeneralPage<'a> {
    csrf_token: String,
    frame: Frame,
    base: String,
    workspace_id: String,
    workspace_name: &'a str,
    can_admin: bool,
    is_owner: bool,
    name: &'a str,
    confirm_name: &'a str,
    errors: FieldErrors,
    modal: Option<String>,
    flash: Option<String>,
}

fn base(access: &WorkspaceAccess) -> String {
    format!("/w/{}/settings", access.workspace.slug)
}

#[allow(clippy::too_many_arguments)]
async fn page(
    state: &AppState,
    session: &TypedSession,
    access: &WorkspaceAccess,
    name: &str,
    confirm_name: &str,
    errors: FieldErrors,
    modal: Option<String>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let page = GeneralPage {
        csrf_token: session.csrf_token(),
        frame: Frame::for_workspace(state, access, "general").await?,
        base: base(access),
        workspace_id: access.workspace.id.to_string(),
        workspace_name: &access.workspace.name,
        can_admin: Role::can_administer(access.role),
        is_owner: access.role.is_owner(),
        name,
        confirm_name,
        errors,
        modal,
        flash: session.take_flash(),
    };
    render(status, &page)
}

pub async fn show(
    state: web::Data<AppState>,
    session: TypedSession,
    access: WorkspaceAccess,
) -> AppResult<HttpResponse> {
    let name = access.workspace.name.clone();
    page(
        &state,
        &session,
        &access,
        &name,
        "",
        FieldErrors::default(),
        None,
        StatusCode::OK,
    )
    .await
}

pub async fn rename(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    access: WorkspaceAccess,
    web::Form(form): web::Form<RenameForm>,
) -> AppResult<HttpResponse> {
    access.require(Role::can_administer)?;
    let name = match Line::parse(&form.name, NAME_MAX) {
        Ok(name) => name.into_string(),
        Err(error) => {
            let mut errors = FieldErrors::default();
            let length = format!("Name the workspace (up to {NAME_MAX} characters).");
            errors.add("name", Line::message(error, &length));
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            let shown = form.name.trim();
            return page(&state, &session, &access, shown, "", errors, None, status).await;
        }
    };
    let name = name.as_str();
    if name != access.workspace.name {
        workspaces::rename(
            &state.db,
            &access.workspace,
            name.to_owned(),
            access.actor(&req),
        )
        .await?;
    }
    session.flash(&format!("The workspace is now called {name}."));
    Ok(see_other(&format!("{}/general", base(&access))))
}

pub async fn confirm_leave(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    access: WorkspaceAccess,
) -> AppResult<HttpResponse> {
    let csrf_token = session.csrf_token();
    let dialog = ConfirmDialog {
        csrf_token: &csrf_token,
        back: "",
        title: "Leave workspace?",
        subject: &access.workspace.name,
        detail: "",
        warning: "You lose access at once. An admin must invite you again to come back.",
        action: format!("{}/leave", base(&access)),
        cancel_href: format!("{}/general", base(&access)),
        button: "Leave workspace",
        danger: true,
    }
    .render_for(&req)?;
    let html = match dialog {
        Rendered::Fragment(response) => return Ok(response),
        Rendered::OnPage(html) => html,
    };
    let name = access.workspace.name.clone();
    let errors = FieldErrors::default();
    page(
        &state,
        &session,
        &access,
        &name,
        "",
        errors,
        Some(html),
        StatusCode::OK,
    )
    .await
}

pub async fn leave(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    access: WorkspaceAccess,
) -> AppResult<HttpResponse> {
    let me = access.user.id.clone();
    let left = members::remove(
        &state.db,
        &access.workspace.id,
        access.role,
        me,
        access.actor(&req),
    )
    .await;
    let (message, location) = match left {
        Ok(_) => (
            format!("You left {}.", access.workspace.name),
            "/workspaces".to_owned(),
        ),
        Err(MemberError::LastOwner) => (
            "You are this workspace’s last owner. Make someone else an owner first, or delete the workspace."
                .to_owned(),
            format!("{}/general", base(&access)),
        ),
        Err(MemberError::Db(e)) => return Err(e.into()),
        Err(_) => return Err(AppError::NotFound),
    };
    session.flash(&message);
    Ok(redirect_after(&req, &location))
}

pub async fn delete(
    state: web::Data<AppState>,
    session: TypedSession,
    access: WorkspaceAccess,
    web::Form(form): web::Form<DeleteForm>,
) -> AppResult<HttpResponse> {
    access.require(|role| role.is_owner())?;
    if form.confirm_name.trim() != access.workspace.name {
        let mut errors = FieldErrors::default();
        errors.add(
            "confirm_name",
            "Type the workspace’s name exactly as shown to delete it.",
        );
        let name = access.workspace.name.clone();
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return page(
            &state,
            &session,
            &access,
            &name,
            &form.confirm_name,
            errors,
            None,
            status,
        )
        .await;
    }
    workspaces::delete(&state.db, &access.workspace.id).await?;
    session.flash(&format!(
        "Deleted {} and everything in it.",
        access.workspace.name
    ));
    Ok(see_other("/workspaces"))
}
