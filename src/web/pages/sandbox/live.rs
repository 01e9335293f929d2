//! The Sandbox list's live updates: `GET /w/{slug}/sandbox/events`, a
//! stream of server-sent events the page's htmx SSE extension listens to.
//! Each `arrived` event carries the table rows of mail newer than what the
//! page shows (its `id` is where the next one starts, so a reconnecting
//! browser resumes with `Last-Event-ID`); a comment every
//! [`HEARTBEAT`] finds a closed tab. News of mail comes from
//! `service::sandbox::events`, the same source as the API's waits, so mail
//! captured by any instance shows up.
//!
//! Bounded: [`crate::startup::MAX_STREAMS_PER_SESSION`] streams per session
//! (more get 429), each ending after [`LIFETIME`] (the browser reconnects,
//! and the session is checked again). Only `Accept: text/event-stream`
//! gets a stream; anything else is answered 406 at once.

use std::time::Duration;

use actix_web::http::{Method, StatusCode, header};
use actix_web::{HttpResponse, web};
use askama::Template;
use futures_util::stream;
use serde::Deserialize;
use tokio::time::Instant;

use super::human_size;
use crate::domain::{MessageId, Role, now, relative_time};
use crate::error::AppResult;
use crate::service::sandbox::events::{Slot, Subscription};
use crate::service::sandbox::find::{self, Cursor};
use crate::service::sandbox::{EnvelopeFilter, SandboxSummary};
use crate::startup::AppState;
use crate::web::kit::WorkspacePage;

/// A comment this often keeps proxies from closing the stream and finds
/// out that the browser has gone.
pub const HEARTBEAT: Duration = Duration::from_secs(5);
/// How long one stream lasts before the browser is asked to reconnect.
pub const LIFETIME: Duration = Duration::from_secs(5 * 60);
/// Most rows one event carries (the page shows 50).
const MAX_ROWS: i64 = 50;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LiveParams {
    /// The cursor of the newest message the page shows.
    pub since: Option<String>,
}

#[derive(Template)]
#[template(path = "pages/sandbox/_rows.html")]
struct Rows {
    base: String,
    can_delete: bool,
    messages: Vec<LiveRow>,
}

/// A new message's row.
pub struct LiveRow {
    pub summary: SandboxSummary,
    pub size: String,
    pub when: String,
    pub exact: String,
}

/// One row as the list shows it.
pub fn row(summary: SandboxSummary, at: chrono::NaiveDateTime) -> LiveRow {
    LiveRow {
        size: human_size(summary.size),
        when: relative_time(summary.received_at, at),
        exact: summary
            .received_at
            .format("%Y-%m-%d %H:%M:%S UTC")
            .to_string(),
        summary,
    }
}

/// Where a page's live list starts: after its newest row, or (an empty
/// page) after now.
pub fn start_after(newest: Option<&SandboxSummary>) -> String {
    let cursor = match newest {
        Some(m) => find::cursor_of(m),
        None => Cursor {
            at: now(),
            id: MessageId::parse("00000000-0000-0000-0000-000000000000").expect("nil UUID"),
        },
    };
    cursor.encode()
}

struct Live {
    state: web::Data<AppState>,
    workspace: crate::domain::WorkspaceId,
    after: Cursor<MessageId>,
    news: Subscription,
    _slot: Slot,
    rows: Rows,
    ends_at: Instant,
    greeted: bool,
}

pub async fn events(cx: WorkspacePage, params: web::Query<LiveParams>) -> AppResult<HttpResponse> {
    let wants_stream = cx
        .req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/event-stream"));
    if !wants_stream {
        return Ok(HttpResponse::NotAcceptable()
            .content_type("text/plain; charset=utf-8")
            .body(
                "This is a stream of server-sent events: ask with Accept: text/event-stream.\n",
            ));
    }
    // HEAD: a stream's headers, nothing held open.
    if cx.req.method() == Method::HEAD {
        return Ok(event_stream(StatusCode::OK).finish());
    }
    let resumed = cx
        .req
        .headers()
        .get("Last-Event-ID")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let after = resumed
        .or_else(|| params.since.clone())
        .and_then(|raw| Cursor::decode(&raw))
        .unwrap_or_else(|| Cursor::decode(&start_after(None)).expect("a cursor of our own"));
    let key = match cx.session.id() {
        Some(id) => format!("session:{id}"),
        None => format!("user:{}", cx.access.user.id),
    };
    let Some(slot) = cx.state.sandbox_streams.take(&key) else {
        return Ok(HttpResponse::TooManyRequests()
            .insert_header((header::RETRY_AFTER, "30"))
            .content_type("text/plain; charset=utf-8")
            .body("This session already follows the Sandbox live in several tabs; close one.\n"));
    };
    let workspace = cx.access.workspace.id.clone();
    let live = Live {
        news: cx.state.sandbox_events.subscribe(&workspace),
        state: cx.state.clone(),
        workspace,
        after,
        _slot: slot,
        rows: Rows {
            base: cx.urls().sandbox(),
            can_delete: Role::can_manage_sandbox_mail(cx.access.role),
            messages: Vec::new(),
        },
        ends_at: Instant::now() + LIFETIME,
        greeted: false,
    };
    let body = stream::unfold(live, |mut live| async move {
        let chunk = live.next().await?;
        Some((
            Ok::<_, std::convert::Infallible>(web::Bytes::from(chunk)),
            live,
        ))
    });
    Ok(event_stream(StatusCode::OK).streaming(body))
}

fn event_stream(status: StatusCode) -> actix_web::HttpResponseBuilder {
    let mut response = HttpResponse::build(status);
    response
        .content_type("text/event-stream")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        // Tells nginx not to hold the events back.
        .insert_header(("X-Accel-Buffering", "no"));
    response
}

impl Live {
    /// The next chunk of the stream; `None` ends it.
    async fn next(&mut self) -> Option<String> {
        if !self.greeted {
            self.greeted = true;
            // The browser reconnects after 3 s when a stream ends.
            return Some("retry: 3000\n\n".to_owned());
        }
        loop {
            let heartbeat = (Instant::now() + HEARTBEAT).min(self.ends_at);
            tokio::select! {
                woken = self.news.changed() => {
                    woken.ok()?;
                    if let Some(event) = self.arrived().await {
                        return Some(event);
                    }
                }
                _ = tokio::time::sleep_until(heartbeat) => {
                    if heartbeat >= self.ends_at {
                        return None;
                    }
                    return Some(": keep-alive\n\n".to_owned());
                }
            }
        }
    }

    /// The `arrived` event for mail newer than the last shown, if any.
    async fn arrived(&mut self) -> Option<String> {
        let found = find::newer_than(
            &self.state.db,
            &self.workspace,
            EnvelopeFilter::default(),
            self.after.clone(),
            MAX_ROWS,
        )
        .await;
        let mut found = match found {
            Ok(found) => found,
            Err(error) => {
                tracing::warn!(%error, "sandbox live list: cannot read new mail");
                return None;
            }
        };
        let newest = found.last()?;
        self.after = find::cursor_of(newest);
        found.reverse();
        let at = now();
        self.rows.messages = found.into_iter().map(|m| row(m, at)).collect();
        let rows = self.rows.render().ok()?;
        let events = event("arrived", Some(&self.after.encode()), &rows);
        Some(events)
    }
}

/// A server-sent event: each line of `data` on its own `data:` line.
fn event(name: &str, id: Option<&str>, data: &str) -> String {
    let mut event = String::with_capacity(data.len() + 64);
    if let Some(id) = id {
        event.push_str(&format!("id: {id}\n"));
    }
    event.push_str(&format!("event: {name}\n"));
    for line in data.lines() {
        event.push_str("data: ");
        event.push_str(line);
        event.push('\n');
    }
    event.push('\n');
    event
}
