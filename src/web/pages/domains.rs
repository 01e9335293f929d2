//! Settings → Domains: the sending domains scoped credentials may use.
//! Everyone in the workspace sees them; admins and owners add and remove.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::db::models::DomainUsage;
use crate::domain::{DomainId, DomainName, Role};
use crate::error::{AppError, AppResult};
use crate::service::domains::{self, DomainError};
use crate::startup::AppState;
use crate::web::TypedSession;
use crate::web::dialog::{ConfirmDialog, Rendered};
use crate::web::forms::FieldErrors;
use crate::web::frame::Frame;
use crate::web::workspace::WorkspaceAccess;
use crate::web::{redirect_after, render, see_other};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DomainForm {
    pub name: String,
}

#[derive(Template)]
#[template(path = "pages/settings/domains.html")]
struct DomainsPage<'a> {
    csrf_token: String,
    frame: Frame,
    base: String,
    can_admin: bool,
    domains: Vec<DomainUsage>,
    form: &'a DomainForm,
    errors: FieldErrors,
    modal: Option<String>,
    flash: Option<String>,
}

fn base(access: &WorkspaceAccess) -> String {
    format!("/w/{}/settings/domains", access.workspace.slug)
}

fn domain_error(error: DomainError) -> AppError {
    match error {
        DomainError::NotFound => AppError::NotFound,
        DomainError::Db(e) => e.into(),
        other => AppError::unexpected(other),
    }
}

async fn page(
    state: &AppState,
    session: &TypedSession,
    access: &WorkspaceAccess,
    form: &DomainForm,
    errors: FieldErrors,
    modal: Option<String>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let page = DomainsPage {
        csrf_token: session.csrf_token(),
        frame: Frame::for_workspace(state, access, "domains").await?,
        base: base(access),
        can_admin: Role::can_administer(access.role),
        domains: domains::list(&state.db, &access.workspace.id).await?,
        form,
        errors,
        modal,
        flash: session.take_flash(),
    };
    render(status, &page)
}

pub async fn list(
    state: web::Data<AppState>,
    session: TypedSession,
    access: WorkspaceAccess,
) -> AppResult<HttpResponse> {
    page(
        &state,
        &session,
        &access,
        &DomainForm::default(),
        FieldErrors::default(),
        None,
        StatusCode::OK,
    )
    .await
}

pub async fn add(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    access: WorkspaceAccess,
    web::Form(form): web::Form<DomainForm>,
) -> AppResult<HttpResponse> {
    access.require(Role::can_administer)?;
    let mut errors = FieldErrors::default();
    match DomainName::parse(&form.name) {
        Err(message) => errors.add("name", message),
        Ok(name) => {
            match domains::add(&state.db, &access.workspace.id, name, access.actor(&req)).await {
                Ok(domain) => {
                    session.flash(&format!("Added {}.", domain.name));
                    return Ok(see_other(&base(&access)));
                }
                Err(DomainError::Duplicate) => {
                    errors.add("name", "This domain is already in the list.")
                }
                Err(e) => return Err(domain_error(e)),
            }
        }
    }
    page(
        &state,
        &session,
        &access,
        &form,
        errors,
        None,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

pub async fn confirm_remove(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    access: WorkspaceAccess,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    access.require(Role::can_administer)?;
    let id = DomainId::parse(&path.1).ok_or(AppError::NotFound)?;
    let domain = domains::find(&state.db, &access.workspace.id, id)
        .await
        .map_err(domain_error)?;
    let csrf_token = session.csrf_token();
    let dialog = ConfirmDialog {
        csrf_token: &csrf_token,
        back: "",
        title: "Remove domain?",
        subject: &domain.name,
        detail: "",
        warning: "Credentials can no longer be scoped to this domain.",
        action: format!("{}/{}/delete", base(&access), domain.id),
        cancel_href: base(&access),
        button: "Remove domain",
        danger: true,
    }
    .render_for(&req)?;
    let html = match dialog {
        Rendered::Fragment(response) => return Ok(response),
        Rendered::OnPage(html) => html,
    };
    page(
        &state,
        &session,
        &access,
        &DomainForm::default(),
        FieldErrors::default(),
        Some(html),
        StatusCode::OK,
    )
    .await
}

pub async fn remove(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    access: WorkspaceAccess,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    access.require(Role::can_administer)?;
    let id = DomainId::parse(&path.1).ok_or(AppError::NotFound)?;
    let message =
        match domains::remove(&state.db, &access.workspace.id, id, access.actor(&req)).await {
            Ok(domain) => format!("Removed {}.", domain.name),
            Err(DomainError::InUse(n)) => format!(
                "This domain is still used by {n} scoped credential{}. Change their scope first.",
                if n == 1 { "" } else { "s" }
            ),
            Err(e) => return Err(domain_error(e)),
        };
    session.flash(&message);
    Ok(redirect_after(&req, &base(&access)))
}
