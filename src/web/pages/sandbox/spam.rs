//! The SpamAssassin score of a sandbox message, as a fragment the message
//! page loads after itself (htmx), so a slow spamd never holds the page.
//! Shown only when `POSTERN_SPAMD_ADDR` is set; spamd's trouble is said in
//! the fragment, never as an error page.

use std::time::Duration;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;

use crate::domain::MessageId;
use crate::error::{AppError, AppResult};
use crate::service::sandbox;
use crate::spamd::{self, Verdict};
use crate::web::kit::{Item, WorkspacePage, render};

/// Longest spamd may take before the fragment says it did not answer.
const SPAMD_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Template)]
#[template(path = "partials/sandbox/_spam.html")]
struct SpamScore {
    verdict: Option<Verdict>,
    problem: String,
}

pub async fn spam_score(cx: WorkspacePage, Item(id): Item<MessageId>) -> AppResult<HttpResponse> {
    let Some(addr) = cx.state.spamd_addr.clone() else {
        return Err(AppError::NotFound);
    };
    let message = sandbox::get(&cx.state.db, &cx.access.workspace.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let fragment = match spamd::check(&addr, &message.raw, SPAMD_TIMEOUT).await {
        Ok(verdict) => SpamScore {
            verdict: Some(verdict),
            problem: String::new(),
        },
        Err(error) => {
            tracing::warn!(%error, "spamd check failed");
            SpamScore {
                verdict: None,
                problem: error.to_string(),
            }
        }
    };
    render(StatusCode::OK, &fragment)
}
