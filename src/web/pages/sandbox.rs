//! The Sandbox: mail sent with sandbox credentials, newest first, and each
//! message's envelope, headers and text. Message HTML is never rendered.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::NaiveDateTime;
use serde::Deserialize;

use crate::db::models::SandboxSummary;
use crate::domain::{MessageId, decode_cursor, encode_cursor, now, relative_time};
use crate::error::{AppError, AppResult};
use crate::service::sandbox;
use crate::startup::AppState;
use crate::web::TypedSession;
use crate::web::frame::Frame;
use crate::web::render;
use crate::web::workspace::WorkspaceAccess;

const PAGE_SIZE: i64 = 50;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SandboxParams {
    pub before: Option<String>,
}

pub struct MessageRow {
    pub summary: SandboxSummary,
    pub when: String,
    pub exact: String,
}

#[derive(Template)]
#[template(path = "pages/sandbox/list.html")]
struct SandboxPage {
    csrf_token: String,
    frame: Frame,
    base: String,
    messages: Vec<MessageRow>,
    older: Option<String>,
}

#[derive(Template)]
#[template(path = "pages/sandbox/message.html")]
struct MessagePage {
    csrf_token: String,
    frame: Frame,
    base: String,
    username: String,
    mail_from: String,
    recipients: Vec<String>,
    subject: String,
    size: i64,
    received: String,
    headers: Vec<(String, String)>,
    text: String,
    raw: String,
}

fn cursor(m: &SandboxSummary) -> String {
    encode_cursor(m.received_at, m.id.as_str())
}

fn decode(raw: &str) -> Option<(NaiveDateTime, MessageId)> {
    let (at, id) = decode_cursor(raw)?;
    Some((at, MessageId::parse(&id)?))
}

pub async fn list(
    state: web::Data<AppState>,
    session: TypedSession,
    access: WorkspaceAccess,
    params: web::Query<SandboxParams>,
) -> AppResult<HttpResponse> {
    let base = format!("/w/{}/sandbox", access.workspace.slug);
    let before = params.before.as_deref().and_then(decode);
    let mut messages =
        sandbox::list(&state.db, &access.workspace.id, before, PAGE_SIZE + 1).await?;
    let older = (messages.len() as i64 > PAGE_SIZE).then(|| {
        messages.truncate(PAGE_SIZE as usize);
        format!(
            "{base}?before={}",
            messages.last().map(cursor).unwrap_or_default()
        )
    });
    let now = now();
    let page = SandboxPage {
        csrf_token: session.csrf_token(),
        frame: Frame::for_workspace(&state, &access, "sandbox").await?,
        messages: messages
            .into_iter()
            .map(|summary| MessageRow {
                when: relative_time(summary.received_at, now),
                exact: summary
                    .received_at
                    .format("%Y-%m-%d %H:%M:%S UTC")
                    .to_string(),
                summary,
            })
            .collect(),
        base,
        older,
    };
    render(StatusCode::OK, &page)
}

pub async fn show(
    state: web::Data<AppState>,
    session: TypedSession,
    access: WorkspaceAccess,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let id = MessageId::parse(&path.1).ok_or(AppError::NotFound)?;
    let message = sandbox::get(&state.db, &access.workspace.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let parsed = mail_parser::MessageParser::default().parse(&message.raw);
    let headers = parsed
        .as_ref()
        .map(|m| {
            m.headers_raw()
                .map(|(n, v)| (n.to_owned(), v.trim().to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let text = parsed
        .as_ref()
        .and_then(|m| m.body_text(0).map(|t| t.into_owned()))
        .unwrap_or_default();
    let page = MessagePage {
        csrf_token: session.csrf_token(),
        frame: Frame::for_workspace(&state, &access, "sandbox").await?,
        base: format!("/w/{}/sandbox", access.workspace.slug),
        username: message.username,
        mail_from: message.mail_from,
        recipients: message.rcpt_to.lines().map(str::to_owned).collect(),
        subject: message.subject,
        size: message.size,
        received: message
            .received_at
            .format("%Y-%m-%d %H:%M:%S UTC")
            .to_string(),
        headers,
        text,
        raw: String::from_utf8_lossy(&message.raw).into_owned(),
    };
    render(StatusCode::OK, &page)
}
