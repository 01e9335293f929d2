//! Settings → Activity: every change to the workspace's credentials and
//! domains, newest first, with who did it and from which address.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::NaiveDateTime;
use serde::Deserialize;

use crate::db::models::AuditEvent;
use crate::domain::{AuditEventId, decode_cursor, encode_cursor, now, relative_time};
use crate::error::AppResult;
use crate::service::audit::{self, action_label};
use crate::startup::AppState;
use crate::web::TypedSession;
use crate::web::frame::Frame;
use crate::web::render;
use crate::web::workspace::WorkspaceAccess;

const PAGE_SIZE: i64 = 100;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ActivityParams {
    pub before: Option<String>,
}

pub struct EventRow {
    pub action: String,
    pub label: String,
    pub actor: String,
    pub target: String,
    pub details: String,
    pub ip: String,
    pub when: String,
    pub exact: String,
}

#[derive(Template)]
#[template(path = "pages/settings/activity.html")]
struct ActivityPage {
    csrf_token: String,
    frame: Frame,
    events: Vec<EventRow>,
    older: Option<String>,
}

fn encode(event: &AuditEvent) -> String {
    encode_cursor(event.at, event.id.as_str())
}

fn decode(raw: &str) -> Option<(NaiveDateTime, AuditEventId)> {
    let (at, id) = decode_cursor(raw)?;
    Some((at, AuditEventId::parse(&id)?))
}

pub async fn list(
    state: web::Data<AppState>,
    session: TypedSession,
    access: WorkspaceAccess,
    params: web::Query<ActivityParams>,
) -> AppResult<HttpResponse> {
    let before = params.before.as_deref().and_then(decode);
    let mut events = audit::page(&state.db, &access.workspace.id, before, PAGE_SIZE + 1).await?;
    let older = (events.len() as i64 > PAGE_SIZE).then(|| {
        events.truncate(PAGE_SIZE as usize);
        format!(
            "/w/{}/settings/activity?before={}",
            access.workspace.slug,
            events.last().map(encode).unwrap_or_default()
        )
    });
    let now = now();
    let events = events
        .into_iter()
        .map(|e| EventRow {
            label: action_label(&e.action).to_owned(),
            when: relative_time(e.at, now),
            exact: e.at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            ip: e.ip.unwrap_or_default(),
            action: e.action,
            actor: e.actor,
            target: e.target,
            details: e.details,
        })
        .collect();
    let page = ActivityPage {
        csrf_token: session.csrf_token(),
        frame: Frame::for_workspace(&state, &access, "activity").await?,
        events,
        older,
    };
    render(StatusCode::OK, &page)
}
