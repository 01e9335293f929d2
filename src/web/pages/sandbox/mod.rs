//! The Sandbox: mail sent with sandbox credentials, newest first (new mail
//! showing up live, `live`), and each message's envelope, headers and
//! text. Message HTML is never rendered.
//! Members and above delete mail (`delete`); admins set how much is kept
//! (`retention`).

pub mod delete;
pub mod files;
pub mod live;
pub mod message;
pub mod preview;
pub mod retention;

pub use message::show;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::NaiveDateTime;
use serde::Deserialize;

use crate::db::keyset::Cursor;
use crate::domain::{MessageId, Role, SandboxLimits, WorkspaceId, now};
use crate::error::AppResult;
use crate::service::sandbox;
use crate::service::sandbox::SandboxSummary;
use crate::web::frame::Frame;
use crate::web::kit::{Section, WorkspacePage, render};

const PAGE_SIZE: i64 = 50;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SandboxParams {
    pub before: Option<String>,
}

pub struct MessageRow {
    pub summary: SandboxSummary,
    pub size: String,
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
    can_delete: bool,
    held: Held,
    retention_href: String,
    modal: Option<String>,
    flash: Option<String>,
    /// The live updates' stream, on the first page (newest mail).
    live_url: Option<String>,
}

/// What the workspace's sandbox holds, against its limits.
pub struct Held {
    pub messages: i64,
    pub size: String,
    pub limits: SandboxLimits,
}

impl Held {
    /// What the workspace's sandbox holds now.
    pub async fn of(db: &crate::db::Db, workspace: &WorkspaceId) -> AppResult<Held> {
        let (count, bytes) = sandbox::usage(db, workspace).await?;
        Ok(Held {
            messages: count,
            size: human_size(bytes),
            limits: sandbox::retention::limits(db, workspace).await?,
        })
    }
}

/// A size as people read it: `512 B`, `12.3 kB`, `4.0 MB` (powers of 1000,
/// as the retention limit's megabytes).
pub fn human_size(bytes: i64) -> String {
    let bytes = bytes.max(0) as f64;
    match bytes {
        b if b < 1_000.0 => format!("{b} B"),
        b if b < 1_000_000.0 => format!("{:.1} kB", b / 1e3),
        b if b < 1_000_000_000.0 => format!("{:.1} MB", b / 1e6),
        b => format!("{:.1} GB", b / 1e9),
    }
}

fn cursor(m: &SandboxSummary) -> String {
    let (at, id) = (m.received_at, m.id.clone());
    Cursor { at, id }.encode()
}

fn decode(raw: &str) -> Option<(NaiveDateTime, MessageId)> {
    let cursor = Cursor::decode(raw)?;
    Some((cursor.at, cursor.id))
}

pub async fn list(cx: WorkspacePage, params: web::Query<SandboxParams>) -> AppResult<HttpResponse> {
    page(&cx, &params, None).await
}

/// The list, with `modal` open over it.
pub(super) async fn page(
    cx: &WorkspacePage,
    params: &SandboxParams,
    modal: Option<String>,
) -> AppResult<HttpResponse> {
    let base = cx.urls().sandbox();
    let before = params.before.as_deref().and_then(decode);
    let mut messages =
        sandbox::list(&cx.state.db, &cx.access.workspace.id, before, PAGE_SIZE + 1).await?;
    let older = (messages.len() as i64 > PAGE_SIZE).then(|| {
        messages.truncate(PAGE_SIZE as usize);
        format!(
            "{base}?before={}",
            messages.last().map(cursor).unwrap_or_default()
        )
    });
    let now = now();
    let held = Held::of(&cx.state.db, &cx.access.workspace.id).await?;
    let page = SandboxPage {
        csrf_token: cx.csrf_token(),
        frame: cx.frame(Section::Sandbox).await?,
        can_delete: Role::can_manage_sandbox_mail(cx.access.role),
        held,
        retention_href: cx.urls().sandbox_retention(),
        modal,
        flash: cx.take_flash(),
        live_url: params.before.is_none().then(|| {
            format!(
                "{base}/events?since={}",
                live::start_after(messages.first())
            )
        }),
        messages: messages
            .into_iter()
            .map(|summary| live::row(summary, now))
            .collect(),
        base,
        older,
    };
    render(StatusCode::OK, &page)
}

#[cfg(test)]
mod tests {
    use super::human_size;

    #[test]
    fn sizes_read_in_powers_of_a_thousand() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(999), "999 B");
        assert_eq!(human_size(2_000), "2.0 kB");
        assert_eq!(human_size(6_250_000), "6.2 MB");
        assert_eq!(human_size(500_000_000_000), "500.0 GB");
        assert_eq!(human_size(-5), "0 B");
    }
}
