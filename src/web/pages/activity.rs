//! Settings → Activity: every change to the workspace's credentials and
//! domains, newest first, with who did it and from which address.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::db::keyset::{Anchor, Cursor};
use crate::domain::{now, relative_time};
use crate::error::AppResult;
use crate::service::audit::{self, AuditEvent, action_label};
use crate::web::frame::Frame;
use crate::web::kit::{Section, WorkspacePage, render};

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

impl EventRow {
    /// The rows of `events`, their times relative to now.
    pub fn all(events: Vec<AuditEvent>) -> Vec<EventRow> {
        let now = now();
        events
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
            .collect()
    }
}

#[derive(Template)]
#[template(path = "pages/settings/activity.html")]
struct ActivityPage {
    csrf_token: String,
    frame: Frame,
    events: Vec<EventRow>,
    older: Option<String>,
}

pub async fn list(
    cx: WorkspacePage,
    params: web::Query<ActivityParams>,
) -> AppResult<HttpResponse> {
    // `before` is older, which is further on in this newest-first log.
    let anchor = match params.before.as_deref().and_then(Cursor::decode) {
        Some(cursor) => Anchor::After(cursor),
        None => Anchor::First,
    };
    let page = audit::page(&cx.state.db, &cx.access.workspace.id, anchor, PAGE_SIZE).await?;
    let older = page
        .next
        .map(|cursor| format!("{}?before={}", cx.urls().activity(), cursor.encode()));
    let events = EventRow::all(page.items);
    let page = ActivityPage {
        csrf_token: cx.csrf_token(),
        frame: cx.frame(Section::Activity).await?,
        events,
        older,
    };
    render(StatusCode::OK, &page)
}
