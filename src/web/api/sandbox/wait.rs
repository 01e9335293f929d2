//! `GET …/sandbox/messages/wait`: a long-poll that answers with the first
//! message matching the filter as soon as it is stored, on whichever
//! instance captured it (see `service::sandbox::events`), or `204 No
//! Content` at the timeout. At most [`crate::startup::MAX_WAITS_PER_WORKSPACE`]
//! waits per account at once on an instance; more get 429.

use std::time::Duration;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::DateTime;

use super::{ErrorBody, FilterQuery, SandboxMessageDetail, WaitQuery, account, detail};
use crate::domain::{SandboxAction, now};
use crate::service::sandbox::{self, find};
use crate::startup::AppState;
use crate::web::api::auth::ApiCaller;
use crate::web::api::error::ApiError;

/// The longest wait a request may ask for, in seconds.
pub const MAX_TIMEOUT_SECS: u64 = 60;
/// The wait when none is asked for, in seconds.
const DEFAULT_TIMEOUT_SECS: u64 = 30;

/// Wait for a sandbox message
///
/// Answers as soon as a message matching the search and filters (as the
/// list takes them, each when given) has been received at or after
/// `since`, with the message parsed as `GET …/messages/{message_id}`
/// gives it; a message that came before the call but after `since` is
/// answered at once. With none by the end of `timeout` seconds, `204 No
/// Content`: ask again. Needs `sandbox:read`. An account may have 32 waits
/// open at once on each server; more are refused with 429.
#[utoipa::path(
    get,
    operation_id = "wait_for_sandbox_message",
    path = "/v2/accounts/{account_id}/sandbox/messages/wait",
    tag = "Sandbox",
    params(("account_id" = String, Path, format = Uuid, description = "The workspace's id"), FilterQuery, WaitQuery),
    responses(
        (status = 200, description = "The first matching message", body = SandboxMessageDetail),
        (status = 204, description = "No matching message arrived within the timeout"),
        (status = 400, description = "Bad to, subject_contains, since or timeout", body = ErrorBody),
        (status = 401, description = "Missing, invalid or revoked API key", body = ErrorBody),
        (status = 403, description = "The key lacks sandbox:read", body = ErrorBody),
        (status = 404, description = "Not this key's account", body = ErrorBody),
        (status = 422, description = "A bad search or filter: `errors` names each bad parameter", body = ErrorBody),
        (status = 429, description = "Rate limit exceeded, or too many waits open on this account", body = ErrorBody),
        (status = 503, description = "The database is unreachable; retry shortly", body = ErrorBody),
    )
)]
pub async fn wait(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<String>,
    query: web::Query<WaitQuery>,
    filter: web::Query<FilterQuery>,
) -> Result<HttpResponse, ApiError> {
    let started = tokio::time::Instant::now();
    let workspace = account(&caller, &path, SandboxAction::Read)?;
    let filter = filter.parse()?;
    let timeout = query.timeout.unwrap_or(DEFAULT_TIMEOUT_SECS);
    if timeout > MAX_TIMEOUT_SECS {
        return Err(ApiError::BadRequest(format!(
            "timeout must be between 0 and {MAX_TIMEOUT_SECS} seconds."
        )));
    }
    // An empty `since` is no time: refused like any other that is not one.
    let since = match query.since.as_deref() {
        None => now(),
        Some(raw) => DateTime::parse_from_rfc3339(raw)
            .map_err(|_| {
                ApiError::BadRequest(
                    "since must be an RFC 3339 time, like 2026-11-28T09:15:00Z.".to_owned(),
                )
            })?
            .naive_utc(),
    };
    let Some(_slot) = state.sandbox_waits.take(workspace.as_str()) else {
        return Err(ApiError::TooManyWaits {
            max: state.sandbox_waits.max(),
        });
    };
    let deadline = started + Duration::from_secs(timeout);
    let found = find::wait_for(
        &state.db,
        &state.sandbox_events,
        &workspace,
        filter,
        since,
        deadline,
    )
    .await?;
    let Some(found) = found else {
        return Ok(HttpResponse::NoContent()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish());
    };
    // Deleted meanwhile: as if it had not come.
    let Some(message) = sandbox::get(&state.db, &workspace, found.id).await? else {
        return Ok(HttpResponse::NoContent().finish());
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(detail(&workspace, message).await?))
}
