//! Settings → Sandbox retention: how much sandbox mail the workspace keeps.
//! Everyone sees the limits and what the sandbox holds; admins and owners
//! change them, which applies at once.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;
use serde::Deserialize;

use super::human_size;
use crate::domain::retention::{Bound, MAX_AGE_DAYS, MAX_MEGABYTES, MAX_MESSAGES};
use crate::domain::{Role, SandboxLimits};
use crate::error::AppResult;
use crate::service::sandbox;
use crate::web::forms::FieldErrors;
use crate::web::frame::Frame;
use crate::web::kit::{Done, Section, WorkspacePage, render};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RetentionForm {
    pub max_messages: String,
    pub max_age_days: String,
    pub max_megabytes: String,
}

impl RetentionForm {
    fn of(limits: &SandboxLimits) -> Self {
        Self {
            max_messages: limits.max_messages().to_string(),
            max_age_days: limits.max_age_days().to_string(),
            max_megabytes: limits.max_megabytes().to_string(),
        }
    }
}

#[derive(Template)]
#[template(path = "pages/settings/sandbox_retention.html")]
struct RetentionPage<'a> {
    csrf_token: String,
    frame: Frame,
    action: String,
    can_admin: bool,
    form: &'a RetentionForm,
    errors: FieldErrors,
    messages: i64,
    size: String,
    ceiling: Option<String>,
    bounds: [Bound; 3],
    flash: Option<String>,
}

async fn page(
    cx: &WorkspacePage,
    form: Option<&RetentionForm>,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let (db, workspace) = (&cx.state.db, &cx.access.workspace.id);
    let stored = RetentionForm::of(&sandbox::retention::limits(db, workspace).await?);
    let (messages, bytes) = sandbox::usage(db, workspace).await?;
    let page = RetentionPage {
        csrf_token: cx.csrf_token(),
        frame: cx.frame(Section::SandboxRetention).await?,
        action: cx.urls().sandbox_retention(),
        can_admin: Role::can_administer(cx.access.role),
        form: form.unwrap_or(&stored),
        errors,
        messages,
        size: human_size(bytes),
        ceiling: cx.state.sandbox.ceiling().map(|c| human_size(c as i64)),
        bounds: [MAX_MESSAGES, MAX_AGE_DAYS, MAX_MEGABYTES],
        flash: cx.take_flash(),
    };
    render(status, &page)
}

pub async fn show(cx: WorkspacePage) -> AppResult<HttpResponse> {
    page(&cx, None, FieldErrors::default(), StatusCode::OK).await
}

pub async fn save(
    cx: WorkspacePage,
    web::Form(form): web::Form<RetentionForm>,
) -> AppResult<HttpResponse> {
    cx.require(Role::can_administer)?;
    let parsed = SandboxLimits::parse(&form.max_messages, &form.max_age_days, &form.max_megabytes);
    let limits = match parsed {
        Ok(limits) => limits,
        Err(problems) => {
            let mut errors = FieldErrors::default();
            for (field, message) in problems {
                errors.add(field, message);
            }
            return page(&cx, Some(&form), errors, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let state = &cx.state;
    let workspace = &cx.access.workspace.id;
    let removed =
        sandbox::retention::set_limits(&state.db, &state.sandbox, workspace, limits, cx.actor())
            .await?;
    let message = match removed {
        0 => "Saved the sandbox limits.".to_owned(),
        1 => "Saved the sandbox limits; 1 message past them was deleted.".to_owned(),
        n => format!("Saved the sandbox limits; {n} messages past them were deleted."),
    };
    Ok(Done::to(&cx.urls().sandbox_retention(), &message).redirect(&cx.req, &cx.session))
}
