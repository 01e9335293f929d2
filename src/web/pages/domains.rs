//! Settings → Domains: the sending domains scoped credentials may use.
//! Everyone in the workspace sees them; admins and owners add and remove.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;
use serde::Deserialize;

use crate::db::models::DomainUsage;
use crate::domain::{DomainId, DomainName, Role};
use crate::error::AppResult;
use crate::service::domains::{self, DomainError};
use crate::web::dialog::{self, ConfirmDialog};
use crate::web::forms::FieldErrors;
use crate::web::frame::Frame;
use crate::web::kit::urls::item_action;
use crate::web::kit::{Done, Item, Section, WorkspacePage, render, see_other};

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

/// What the page shows besides the list.
#[derive(Default)]
struct Extras<'a> {
    form: Option<&'a DomainForm>,
    errors: FieldErrors,
}

async fn page(
    cx: &WorkspacePage,
    extras: Extras<'_>,
    modal: Option<String>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let empty = DomainForm::default();
    let page = DomainsPage {
        csrf_token: cx.csrf_token(),
        frame: cx.frame(Section::Domains).await?,
        base: cx.urls().domains(),
        can_admin: Role::can_administer(cx.access.role),
        domains: domains::list(&cx.state.db, &cx.access.workspace.id).await?,
        form: extras.form.unwrap_or(&empty),
        errors: extras.errors,
        modal,
        flash: cx.take_flash(),
    };
    render(status, &page)
}

pub async fn list(cx: WorkspacePage) -> AppResult<HttpResponse> {
    page(&cx, Extras::default(), None, StatusCode::OK).await
}

pub async fn add(
    cx: WorkspacePage,
    web::Form(form): web::Form<DomainForm>,
) -> AppResult<HttpResponse> {
    cx.require(Role::can_administer)?;
    let mut errors = FieldErrors::default();
    match DomainName::parse(&form.name) {
        Err(message) => errors.add("name", message),
        Ok(name) => {
            match domains::add(&cx.state.db, &cx.access.workspace.id, name, cx.actor()).await {
                Ok(domain) => {
                    cx.session.flash(&format!("Added {}.", domain.name));
                    return Ok(see_other(&cx.urls().domains()));
                }
                Err(DomainError::Duplicate) => {
                    errors.add("name", "This domain is already in the list.")
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    let extras = Extras {
        form: Some(&form),
        errors,
    };
    page(&cx, extras, None, StatusCode::UNPROCESSABLE_ENTITY).await
}

pub async fn confirm_remove(
    cx: WorkspacePage,
    Item(id): Item<DomainId>,
) -> AppResult<HttpResponse> {
    cx.require(Role::can_administer)?;
    let domain = domains::find(&cx.state.db, &cx.access.workspace.id, id).await?;
    let (csrf_token, base) = (cx.csrf_token(), cx.urls().domains());
    let confirm = ConfirmDialog {
        csrf_token: &csrf_token,
        back: "",
        title: "Remove domain?",
        subject: &domain.name,
        detail: "",
        warning: "Credentials can no longer be scoped to this domain.",
        action: item_action(&base, &domain.id, "delete"),
        cancel_href: base.clone(),
        button: "Remove domain",
        danger: true,
    };
    dialog::answer(&cx.req, StatusCode::OK, &confirm, |modal| {
        page(&cx, Extras::default(), Some(modal), StatusCode::OK)
    })
    .await
}

pub async fn remove(cx: WorkspacePage, Item(id): Item<DomainId>) -> AppResult<HttpResponse> {
    cx.require(Role::can_administer)?;
    let removed = domains::remove(&cx.state.db, &cx.access.workspace.id, id, cx.actor()).await;
    let message = match removed {
        Ok(domain) => format!("Removed {}.", domain.name),
        Err(DomainError::InUse(n)) => format!(
            "This domain is still used by {n} scoped credential{}. Change their scope first.",
            if n == 1 { "" } else { "s" }
        ),
        Err(e) => return Err(e.into()),
    };
    Ok(Done::to(&cx.urls().domains(), &message).redirect(&cx.req, &cx.session))
}
