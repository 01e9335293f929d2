//! Releasing a sandbox message to real addresses through the smarthost
//! (members and above). A dialog asks for the recipients and says what
//! will happen, or, with no smarthost configured, why it cannot. A refused
//! address, a missing smarthost, or the smarthost's own refusal is shown
//! beside the field with what was typed kept (422, which htmx swaps in);
//! the sandbox message is never changed. Each release is in the activity
//! log.

use std::time::Duration;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;
use serde::Deserialize;

use super::message::message_page;
use crate::domain::{MessageId, Role};
use crate::error::{AppError, AppResult};
use crate::service::sandbox::release::{MAX_RECIPIENTS, parse_recipients, record_release};
use crate::service::sandbox::{self, SandboxMessage};
use crate::smtp::release::released_copy;
use crate::web::dialog;
use crate::web::forms::FieldErrors;
use crate::web::kit::{Done, Item, WorkspacePage};

/// Longest a release may keep the request waiting on the smarthost.
const RELEASE_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReleaseForm {
    /// The recipients, as typed.
    pub to: String,
}

#[derive(Template)]
#[template(path = "partials/sandbox/_release.html")]
struct ReleaseDialog<'a> {
    csrf_token: &'a str,
    action: String,
    cancel_href: String,
    subject: &'a str,
    mail_from: &'a str,
    /// The smarthost's `host:port`; none when none is configured.
    smarthost: Option<String>,
    form: &'a ReleaseForm,
    errors: &'a FieldErrors,
    max: usize,
}

pub async fn release_form(cx: WorkspacePage, Item(id): Item<MessageId>) -> AppResult<HttpResponse> {
    cx.require(Role::can_manage_sandbox_mail)?;
    let message = find(&cx, id).await?;
    let errors = FieldErrors::default();
    answer(
        &cx,
        &message,
        &ReleaseForm::default(),
        &errors,
        StatusCode::OK,
    )
    .await
}

pub async fn release(
    cx: WorkspacePage,
    Item(id): Item<MessageId>,
    web::Form(form): web::Form<ReleaseForm>,
) -> AppResult<HttpResponse> {
    cx.require(Role::can_manage_sandbox_mail)?;
    let message = find(&cx, id).await?;
    let refused = |reason: String| {
        let mut errors = FieldErrors::default();
        errors.add("to", reason);
        errors
    };
    let Some(relay) = cx.state.relay.clone() else {
        let errors = refused(
            "No smarthost is configured, so nothing can be released: set POSTERN_SMARTHOST.".into(),
        );
        return answer(
            &cx,
            &message,
            &form,
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let recipients = match parse_recipients(&form.to) {
        Ok(recipients) => recipients,
        Err(reason) => {
            let errors = refused(reason);
            return answer(
                &cx,
                &message,
                &form,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let copy = released_copy(
        &message.raw,
        relay.hello_name(),
        &message.id.to_string(),
        chrono::Utc::now(),
    );
    let sent = tokio::time::timeout(
        RELEASE_TIMEOUT,
        relay.send(&message.mail_from, &recipients, &copy),
    )
    .await;
    let reason = match sent {
        Ok(Ok(_)) => None,
        Ok(Err(reply)) if reply.code >= 500 => Some(format!(
            "The smarthost refused the message: {} {} {}",
            reply.code, reply.status, reply.text
        )),
        Ok(Err(reply)) => Some(format!(
            "The message was not sent: {} {} {}. Nothing was lost; try again later.",
            reply.code, reply.status, reply.text
        )),
        Err(_) => Some(format!(
            "The smarthost did not answer within {} s; the message was not sent. Try again later.",
            RELEASE_TIMEOUT.as_secs()
        )),
    };
    if let Some(reason) = reason {
        tracing::warn!(message = %message.id, "sandbox release failed");
        let errors = refused(reason);
        return answer(
            &cx,
            &message,
            &form,
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let workspace = &cx.access.workspace.id;
    record_release(
        &cx.state.db,
        workspace,
        &message.id,
        &recipients,
        cx.actor(),
    )
    .await?;
    tracing::info!(message = %message.id, recipients = recipients.len(), "sandbox message released");
    let page = format!("{}/{}", cx.urls().sandbox(), message.id);
    let said = format!("Released a copy to {}.", recipients.join(", "));
    Ok(Done::to(&page, &said).redirect(&cx.req, &cx.session))
}

async fn find(cx: &WorkspacePage, id: MessageId) -> AppResult<SandboxMessage> {
    sandbox::get(&cx.state.db, &cx.access.workspace.id, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// The release dialog: alone for htmx, else over the message's page.
async fn answer(
    cx: &WorkspacePage,
    message: &SandboxMessage,
    form: &ReleaseForm,
    errors: &FieldErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let (csrf_token, base) = (cx.csrf_token(), cx.urls().sandbox());
    let dialog = ReleaseDialog {
        csrf_token: &csrf_token,
        action: format!("{base}/{}/release", message.id),
        cancel_href: format!("{base}/{}", message.id),
        subject: &message.subject,
        mail_from: &message.mail_from,
        smarthost: cx.state.relay.as_ref().map(|relay| relay.address()),
        form,
        errors,
        max: MAX_RECIPIENTS,
    };
    dialog::answer(&cx.req, status, &dialog, |modal| async move {
        let mut page = message_page(cx, message.id.clone(), false, Some(modal)).await?;
        *page.status_mut() = status;
        Ok(page)
    })
    .await
}
