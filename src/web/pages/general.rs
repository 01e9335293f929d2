//! Settings → General: the workspace's name (admins and owners rename it),
//! its credentials' maximum lifetime and default send limits (admins and
//! owners), leaving it
//! (anyone but its last owner), and deleting it (owners, after typing its
//! name).

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;
use serde::Deserialize;

use crate::domain::policy::SendLimits;
use crate::domain::{Line, MAX_LIFETIME_DAYS, Role, parse_lifetime_days};
use crate::error::AppResult;
use crate::service::members::{self, MemberError};
use crate::service::workspaces::{self, NAME_MAX};
use crate::web::dialog::{self, ConfirmDialog};
use crate::web::forms::{FieldErrors, LimitFields};
use crate::web::frame::Frame;
use crate::web::kit::{Done, Section, WorkspacePage, WorkspaceUrls, render, see_other};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RenameForm {
    pub name: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LifetimeForm {
    /// Days; blank for no limit.
    pub max_lifetime_days: String,
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
    urls: WorkspaceUrls,
    workspace_id: String,
    workspace_name: &'a str,
    can_admin: bool,
    is_owner: bool,
    max_lifetime: i32,
    name: &'a str,
    /// The maximum credential lifetime in days, as stored or as posted.
    lifetime: String,
    /// The default send limits, as stored or as posted.
    limits: LimitFields,
    confirm_name: &'a str,
    errors: FieldErrors,
    modal: Option<String>,
    flash: Option<String>,
}

/// What the page shows besides the workspace: the forms as posted, their
/// errors, an open dialog.
#[derive(Default)]
struct Extras<'a> {
    name: Option<&'a str>,
    lifetime: Option<&'a str>,
    limits: Option<&'a LimitFields>,
    confirm_name: &'a str,
    errors: FieldErrors,
}

async fn page(
    cx: &WorkspacePage,
    extras: Extras<'_>,
    modal: Option<String>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let workspace = &cx.access.workspace;
    let rules = workspaces::credential_rules(&cx.state.db, &workspace.id).await?;
    let lifetime = match extras.lifetime {
        Some(posted) => posted.to_owned(),
        None => rules
            .max_credential_lifetime_days
            .map(|d| d.to_string())
            .unwrap_or_default(),
    };
    let limits = match extras.limits {
        Some(posted) => posted.clone(),
        None => LimitFields::of(SendLimits::from_columns([
            rules.default_max_per_minute,
            rules.default_max_per_hour,
            rules.default_max_per_day,
            rules.default_max_recipients,
        ])),
    };
    let page = GeneralPage {
        lifetime,
        limits,
        csrf_token: cx.csrf_token(),
        frame: cx.frame(Section::General).await?,
        urls: cx.urls(),
        workspace_id: workspace.id.to_string(),
        workspace_name: &workspace.name,
        can_admin: Role::can_administer(cx.access.role),
        is_owner: cx.access.role.is_owner(),
        max_lifetime: MAX_LIFETIME_DAYS,
        name: extras.name.unwrap_or(&workspace.name),
        confirm_name: extras.confirm_name,
        errors: extras.errors,
        modal,
        flash: cx.take_flash(),
    };
    render(status, &page)
}

pub async fn show(cx: WorkspacePage) -> AppResult<HttpResponse> {
    page(&cx, Extras::default(), None, StatusCode::OK).await
}

pub async fn rename(
    cx: WorkspacePage,
    web::Form(form): web::Form<RenameForm>,
) -> AppResult<HttpResponse> {
    cx.require(Role::can_administer)?;
    let name = match Line::parse(&form.name, NAME_MAX) {
        Ok(name) => name.into_string(),
        Err(error) => {
            let mut errors = FieldErrors::default();
            let length = format!("Name the workspace (up to {NAME_MAX} characters).");
            errors.add("name", Line::message(error, &length));
            let extras = Extras {
                name: Some(form.name.trim()),
                errors,
                ..Extras::default()
            };
            return page(&cx, extras, None, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    if name != cx.access.workspace.name {
        workspaces::rename(&cx.state.db, &cx.access.workspace, name.clone(), cx.actor()).await?;
    }
    cx.session
        .flash(&format!("The workspace is now called {name}."));
    Ok(see_other(&cx.urls().general()))
}

/// Sets (or, blank, lifts) the longest a new or renewed credential may live.
pub async fn set_credential_lifetime(
    cx: WorkspacePage,
    web::Form(form): web::Form<LifetimeForm>,
) -> AppResult<HttpResponse> {
    cx.require(Role::can_administer)?;
    let days = match parse_lifetime_days(&form.max_lifetime_days) {
        Ok(days) => days,
        Err(message) => {
            let mut errors = FieldErrors::default();
            errors.add("max_lifetime_days", message);
            let extras = Extras {
                lifetime: Some(form.max_lifetime_days.trim()),
                errors,
                ..Extras::default()
            };
            return page(&cx, extras, None, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let workspace = &cx.access.workspace.id;
    workspaces::set_credential_lifetime(&cx.state.db, workspace, days, cx.actor()).await?;
    let message = match days {
        Some(days) => format!("New and renewed credentials must now expire within {days} days."),
        None => "Credentials may now live without limit.".to_owned(),
    };
    Ok(Done::to(&cx.urls().general(), &message).redirect(&cx.req, &cx.session))
}

/// Sets the send limits new credentials take (blank fields: no limit).
pub async fn set_default_limits(
    cx: WorkspacePage,
    web::Form(form): web::Form<LimitFields>,
) -> AppResult<HttpResponse> {
    cx.require(Role::can_administer)?;
    let mut errors = FieldErrors::default();
    let limits = match form.parse(&mut errors) {
        Some(limits) => limits,
        None => {
            let extras = Extras {
                limits: Some(&form),
                errors,
                ..Extras::default()
            };
            return page(&cx, extras, None, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let workspace = &cx.access.workspace.id;
    workspaces::set_default_limits(&cx.state.db, workspace, limits, cx.actor()).await?;
    let message = format!("New credentials now start with {limits}.");
    Ok(Done::to(&cx.urls().general(), &message).redirect(&cx.req, &cx.session))
}

pub async fn confirm_leave(cx: WorkspacePage) -> AppResult<HttpResponse> {
    let (csrf_token, urls) = (cx.csrf_token(), cx.urls());
    let confirm = ConfirmDialog {
        csrf_token: &csrf_token,
        back: "",
        title: "Leave workspace?",
        subject: &cx.access.workspace.name,
        detail: "",
        warning: "You lose access at once. An admin must invite you again to come back.",
        action: urls.leave(),
        cancel_href: urls.general(),
        button: "Leave workspace",
        danger: true,
    };
    dialog::answer(&cx.req, StatusCode::OK, &confirm, |modal| {
        page(&cx, Extras::default(), Some(modal), StatusCode::OK)
    })
    .await
}

pub async fn leave(cx: WorkspacePage) -> AppResult<HttpResponse> {
    let me = cx.access.user.id.clone();
    let workspace = &cx.access.workspace;
    let left = members::remove(&cx.state.db, &workspace.id, cx.access.role, me, cx.actor()).await;
    let (message, location) = match left {
        Ok(_) => (format!("You left {}.", workspace.name), "/workspaces".to_owned()),
        Err(MemberError::LastOwner) => (
            "You are this workspace’s last owner. Make someone else an owner first, or delete the workspace."
                .to_owned(),
            cx.urls().general(),
        ),
        Err(e) => return Err(e.into()),
    };
    Ok(Done::to(&location, &message).redirect(&cx.req, &cx.session))
}

pub async fn delete(
    cx: WorkspacePage,
    web::Form(form): web::Form<DeleteForm>,
) -> AppResult<HttpResponse> {
    cx.require(|role| role.is_owner())?;
    let workspace = &cx.access.workspace;
    if form.confirm_name.trim() != workspace.name {
        let mut errors = FieldErrors::default();
        errors.add(
            "confirm_name",
            "Type the workspace’s name exactly as shown to delete it.",
        );
        let extras = Extras {
            confirm_name: &form.confirm_name,
            errors,
            ..Extras::default()
        };
        return page(&cx, extras, None, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    workspaces::delete(&cx.state.db, &workspace.id).await?;
    cx.session
        .flash(&format!("Deleted {} and everything in it.", workspace.name));
    Ok(see_other("/workspaces"))
}
