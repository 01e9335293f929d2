//! Deleting sandbox mail from the dashboard (members and above): one
//! message from its page, the messages ticked in the list, all matching a
//! search, or all of it.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::message::message_page;
use super::search::SearchState;
use super::{SandboxParams, page, tally_text};
use crate::domain::{MessageId, Role};
use crate::error::{AppError, AppResult};
use crate::service::sandbox::{self, MAX_SELECTED};
use crate::web::dialog::{self, ConfirmDialog};
use crate::web::forms::HtmlForm;
use crate::web::kit::urls::item_action;
use crate::web::kit::{Done, Item, WorkspacePage};

/// The list's form: the ids of the ticked messages.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SelectionForm {
    pub id: Vec<String>,
}

pub async fn confirm_delete(
    cx: WorkspacePage,
    Item(id): Item<MessageId>,
) -> AppResult<HttpResponse> {
    cx.require(Role::can_manage_sandbox_mail)?;
    let message = sandbox::get(&cx.state.db, &cx.access.workspace.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (csrf_token, base) = (cx.csrf_token(), cx.urls().sandbox());
    let subject = if message.subject.is_empty() {
        "(no subject)"
    } else {
        &message.subject
    };
    let confirm = ConfirmDialog {
        csrf_token: &csrf_token,
        back: "",
        title: "Delete message?",
        subject,
        detail: &message.mail_from,
        warning: "The message is deleted for everyone in the workspace. This cannot be undone.",
        action: item_action(&base, &message.id, "delete"),
        cancel_href: format!("{base}/{}", message.id),
        button: "Delete message",
        danger: true,
    };
    dialog::answer(&cx.req, StatusCode::OK, &confirm, |modal| {
        message_page(&cx, message.id.clone(), false, Some(modal))
    })
    .await
}

pub async fn delete(cx: WorkspacePage, Item(id): Item<MessageId>) -> AppResult<HttpResponse> {
    cx.require(Role::can_manage_sandbox_mail)?;
    let state = &cx.state;
    let workspace = &cx.access.workspace.id;
    let deleted =
        sandbox::delete(&state.db, &state.sandbox, workspace, vec![id], cx.actor()).await?;
    if deleted == 0 {
        return Err(AppError::NotFound);
    }
    Ok(Done::to(&cx.urls().sandbox(), "Deleted the message.").redirect(&cx.req, &cx.session))
}

pub async fn delete_selected(
    cx: WorkspacePage,
    HtmlForm(form): HtmlForm<SelectionForm>,
) -> AppResult<HttpResponse> {
    cx.require(Role::can_manage_sandbox_mail)?;
    let ids: Vec<MessageId> = form
        .id
        .iter()
        .filter_map(|raw| MessageId::parse(raw))
        .take(MAX_SELECTED)
        .collect();
    let base = cx.urls().sandbox();
    if ids.is_empty() {
        return Ok(Done::to(&base, "No messages were selected.").redirect(&cx.req, &cx.session));
    }
    let state = &cx.state;
    let workspace = &cx.access.workspace.id;
    let deleted = sandbox::delete(&state.db, &state.sandbox, workspace, ids, cx.actor()).await?;
    let message = deleted_message(deleted as u64);
    Ok(Done::to(&base, &message).redirect(&cx.req, &cx.session))
}

pub async fn confirm_delete_all(cx: WorkspacePage) -> AppResult<HttpResponse> {
    cx.require(Role::can_manage_sandbox_mail)?;
    let all = sandbox::MessageFilter::default();
    let count = sandbox::count(&cx.state.db, &cx.access.workspace.id, all).await?;
    let (csrf_token, base) = (cx.csrf_token(), cx.urls().sandbox());
    let subject = capitalised(&tally_text(count));
    let confirm = ConfirmDialog {
        csrf_token: &csrf_token,
        back: "",
        title: "Delete all sandbox mail?",
        subject: &subject,
        detail: "",
        warning: "Every message in this workspace's sandbox is deleted for everyone. Mail arriving meanwhile is kept. This cannot be undone.",
        action: format!("{base}/delete-all"),
        cancel_href: base.clone(),
        button: "Delete all",
        danger: true,
    };
    let params = SandboxParams::default();
    dialog::answer(&cx.req, StatusCode::OK, &confirm, |modal| {
        page(&cx, &params, Some(modal))
    })
    .await
}

pub async fn delete_all(cx: WorkspacePage) -> AppResult<HttpResponse> {
    cx.require(Role::can_manage_sandbox_mail)?;
    let state = &cx.state;
    let workspace = &cx.access.workspace.id;
    let deleted = sandbox::delete_all(&state.db, &state.sandbox, workspace, cx.actor()).await?;
    let message = deleted_message(deleted);
    Ok(Done::to(&cx.urls().sandbox(), &message).redirect(&cx.req, &cx.session))
}

/// Asks before deleting every message the search in the query string
/// matches, saying how many (or "more than").
pub async fn confirm_delete_matching(
    cx: WorkspacePage,
    params: web::Query<SandboxParams>,
) -> AppResult<HttpResponse> {
    cx.require(Role::can_manage_sandbox_mail)?;
    let search = SearchState::new(&params);
    let base = cx.urls().sandbox();
    if !search.is_filtered() {
        return Ok(HttpResponse::SeeOther()
            .insert_header(("Location", format!("{base}/delete-all")))
            .finish());
    }
    let count =
        sandbox::count(&cx.state.db, &cx.access.workspace.id, search.filter.clone()).await?;
    let (csrf_token, query) = (cx.csrf_token(), search.query());
    let subject = format!("{} matching this search", capitalised(&tally_text(count)));
    let button = match count {
        sandbox::Tally::Exactly { messages: 1, .. } => "Delete 1 message".to_owned(),
        sandbox::Tally::Exactly { messages, .. } => {
            format!("Delete {} messages", super::thousands(messages))
        }
        sandbox::Tally::MoreThan(_) => "Delete all matching".to_owned(),
    };
    let detail = sandbox::search::describe(&search.filter);
    let confirm = ConfirmDialog {
        csrf_token: &csrf_token,
        back: "",
        title: "Delete all matching mail?",
        subject: &subject,
        detail: &detail,
        warning: "Every message matching this search is deleted for everyone, also those on later pages. Mail arriving meanwhile is kept. This cannot be undone.",
        action: format!("{base}/delete-matching?{query}"),
        cancel_href: search.href(&base, None),
        button: &button,
        danger: true,
    };
    dialog::answer(&cx.req, StatusCode::OK, &confirm, |modal| {
        page(&cx, &params, Some(modal))
    })
    .await
}

/// Deletes every message the search in the query string matches.
pub async fn delete_matching(
    cx: WorkspacePage,
    params: web::Query<SandboxParams>,
) -> AppResult<HttpResponse> {
    cx.require(Role::can_manage_sandbox_mail)?;
    let search = SearchState::new(&params);
    let base = cx.urls().sandbox();
    if !search.is_filtered() {
        let message =
            "Nothing was deleted: no search was given. Use “Delete all” to empty the sandbox.";
        return Ok(Done::to(&base, message).redirect(&cx.req, &cx.session));
    }
    let state = &cx.state;
    let workspace = &cx.access.workspace.id;
    let deleted = sandbox::delete_matching(
        &state.db,
        &state.sandbox,
        workspace,
        search.filter,
        cx.actor(),
    )
    .await?;
    let message = deleted_message(deleted);
    Ok(Done::to(&base, &message).redirect(&cx.req, &cx.session))
}

/// "More than 1,000 messages" from "more than 1,000 messages".
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn deleted_message(count: u64) -> String {
    match count {
        0 => "No messages were deleted: they were already gone.".to_owned(),
        1 => "Deleted 1 message.".to_owned(),
        n => format!("Deleted {n} messages."),
    }
}
