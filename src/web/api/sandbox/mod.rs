//! `/v2/accounts/{account_id}/sandbox/messages`: the sandbox's mail for
//! end-to-end tests — list and search, read one parsed, its raw source and
//! attachments, delete one or all (matching), and wait for one to arrive
//! (`wait`); the three that filter read it the same way (`filter`), into
//! the dashboard's search. Reading needs the key's `sandbox:read` scope, deleting
//! `sandbox:delete`. Every handler calls `service::sandbox`, like the
//! dashboard does.

mod filter;
mod schema;
pub mod wait;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

use super::auth::ApiCaller;
use super::error::{ApiError, ErrorBody};
use super::smtp_credentials::{ListObjectType, Pagination};
use crate::domain::{MessageId, SandboxAction, WorkspaceId};
use crate::service::sandbox::find::{Anchor, Cursor};
use crate::service::sandbox::{self, SandboxMessage, parts, reading};
use crate::startup::AppState;
use crate::web::pages::sandbox::files::{attachment_named, served_type};

pub use schema::{
    Address, Attachment, DeletedMessages, FilterQuery, Header, MessageListQuery, MessageObjectType,
    SandboxMessageDetail, SandboxMessageList, SandboxMessageSummary, WaitQuery,
};
pub use wait::wait;

/// The most messages a list page holds.
pub const PAGE_LIMIT: i64 = 100;
/// A list page's size when `limit` is not given.
const DEFAULT_LIMIT: i64 = 50;

/// 403 unless the key holds the sandbox scope for `action`.
fn require(caller: &ApiCaller, action: SandboxAction) -> Result<(), ApiError> {
    if caller.scopes.allows_sandbox(action) {
        return Ok(());
    }
    let verb = match action {
        SandboxAction::Read => "read",
        SandboxAction::Delete => "delete",
    };
    Err(ApiError::Forbidden(format!(
        "This API key's scopes do not allow it to {verb} sandbox mail (it needs {}).",
        action.scope()
    )))
}

/// The account's workspace, when the key may `action` its sandbox.
fn account(caller: &ApiCaller, id: &str, action: SandboxAction) -> Result<WorkspaceId, ApiError> {
    let workspace = caller.account(id)?;
    require(caller, action)?;
    Ok(workspace)
}

fn message_id(raw: &str) -> Result<MessageId, ApiError> {
    MessageId::parse(raw).ok_or(ApiError::NotFound("No such sandbox message."))
}

async fn load(
    state: &AppState,
    workspace: &WorkspaceId,
    id: &str,
) -> Result<SandboxMessage, ApiError> {
    sandbox::get(&state.db, workspace, message_id(id)?)
        .await?
        .ok_or(ApiError::NotFound("No such sandbox message."))
}

/// The API URL of a message.
fn message_url(workspace: &WorkspaceId, id: &MessageId) -> String {
    format!("/v2/accounts/{workspace}/sandbox/messages/{id}")
}

/// A message parsed for the API, off the async threads (a large message
/// takes a while to parse).
pub(crate) async fn detail(
    workspace: &WorkspaceId,
    message: SandboxMessage,
) -> Result<SandboxMessageDetail, ApiError> {
    let url = message_url(workspace, &message.id);
    tokio::task::spawn_blocking(move || {
        let (summary, raw) = message.into_summary();
        SandboxMessageDetail::new(summary, reading::read(&raw), &url)
    })
    .await
    .map_err(|e| ApiError::Unexpected(e.to_string()))
}

/// List and search sandbox messages
///
/// Newest first, optionally only those matching a search (`q`, as in the
/// dashboard's Sandbox list) and filters; every parameter given must hold.
/// Pages follow their cursors with the same parameters. Needs
/// `sandbox:read`.
#[utoipa::path(
    get,
    operation_id = "list_sandbox_messages",
    path = "/v2/accounts/{account_id}/sandbox/messages",
    tag = "Sandbox",
    params(("account_id" = String, Path, format = Uuid, description = "The workspace's id"), MessageListQuery, FilterQuery),
    responses(
        (status = 200, description = "A page of messages", body = SandboxMessageList),
        (status = 400, description = "Bad limit or cursor, or bad to or subject_contains", body = ErrorBody),
        (status = 401, description = "Missing, invalid or revoked API key", body = ErrorBody),
        (status = 403, description = "The key lacks sandbox:read", body = ErrorBody),
        (status = 404, description = "Not this key's account", body = ErrorBody),
        (status = 422, description = "A bad search or filter: `errors` names each bad parameter", body = ErrorBody),
        (status = 429, description = "Rate limit exceeded", body = ErrorBody),
        (status = 503, description = "The database is unreachable; retry shortly", body = ErrorBody),
    )
)]
pub async fn list(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<String>,
    query: web::Query<MessageListQuery>,
    filter: web::Query<FilterQuery>,
) -> Result<HttpResponse, ApiError> {
    let workspace = account(&caller, &path, SandboxAction::Read)?;
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=PAGE_LIMIT).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "limit must be between 1 and {PAGE_LIMIT}."
        )));
    }
    let filter = filter.parse()?;
    let cursor = |name: &str, raw: &str| {
        Cursor::<MessageId>::decode(raw).ok_or_else(|| {
            ApiError::BadRequest(format!(
                "{name} is not a cursor from this API's pagination."
            ))
        })
    };
    let anchor = match (&query.after, &query.before) {
        (Some(_), Some(_)) => {
            return Err(ApiError::BadRequest(
                "Use after or before, not both.".to_owned(),
            ));
        }
        (Some(after), None) => Anchor::After(cursor("after", after)?),
        (None, Some(before)) => Anchor::Before(cursor("before", before)?),
        (None, None) => Anchor::First,
    };
    let page = sandbox::search(&state.db, &workspace, filter, anchor, limit).await?;
    Ok(HttpResponse::Ok().json(SandboxMessageList {
        object: ListObjectType::List,
        pagination: Pagination {
            has_more: page.next.is_some(),
            next_cursor: page.next.as_ref().map(Cursor::encode),
            previous_cursor: page.previous.as_ref().map(Cursor::encode),
        },
        data: page.items.into_iter().map(|m| m.summary.into()).collect(),
    }))
}

/// Get a sandbox message, parsed
///
/// Addresses, date, text and HTML bodies, headers, attachments (with
/// download links) and the links found in the bodies. Needs
/// `sandbox:read`.
#[utoipa::path(
    get,
    operation_id = "get_sandbox_message",
    path = "/v2/accounts/{account_id}/sandbox/messages/{message_id}",
    tag = "Sandbox",
    params(
        ("account_id" = String, Path, format = Uuid, description = "The workspace's id"),
        ("message_id" = String, Path, format = Uuid, description = "The message's id"),
    ),
    responses(
        (status = 200, description = "The message", body = SandboxMessageDetail),
        (status = 401, description = "Missing, invalid or revoked API key", body = ErrorBody),
        (status = 403, description = "The key lacks sandbox:read", body = ErrorBody),
        (status = 404, description = "No such message in this account", body = ErrorBody),
        (status = 429, description = "Rate limit exceeded", body = ErrorBody),
        (status = 503, description = "The database is unreachable; retry shortly", body = ErrorBody),
    )
)]
pub async fn get(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let workspace = account(&caller, &path.0, SandboxAction::Read)?;
    let message = load(&state, &workspace, &path.1).await?;
    Ok(HttpResponse::Ok().json(detail(&workspace, message).await?))
}

/// Get a sandbox message's raw source
///
/// The bytes as received over SMTP (after the `Received:` line Postern
/// adds). Needs `sandbox:read`.
#[utoipa::path(
    get,
    operation_id = "get_sandbox_message_raw",
    path = "/v2/accounts/{account_id}/sandbox/messages/{message_id}/raw",
    tag = "Sandbox",
    params(
        ("account_id" = String, Path, format = Uuid, description = "The workspace's id"),
        ("message_id" = String, Path, format = Uuid, description = "The message's id"),
    ),
    responses(
        (status = 200, description = "The message as received", body = [u8], content_type = "message/rfc822"),
        (status = 401, description = "Missing, invalid or revoked API key", body = ErrorBody),
        (status = 403, description = "The key lacks sandbox:read", body = ErrorBody),
        (status = 404, description = "No such message in this account", body = ErrorBody),
        (status = 429, description = "Rate limit exceeded", body = ErrorBody),
        (status = 503, description = "The database is unreachable; retry shortly", body = ErrorBody),
    )
)]
pub async fn raw(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let workspace = account(&caller, &path.0, SandboxAction::Read)?;
    let message = load(&state, &workspace, &path.1).await?;
    let name = format!("message-{}.eml", message.id);
    Ok(HttpResponse::Ok()
        .content_type("message/rfc822")
        .insert_header(attachment_named(&name))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(message.raw))
}

/// Download an attachment of a sandbox message
///
/// Its decoded bytes, as an attachment. Types other than common images,
/// PDF, plain text and CSV are served as `application/octet-stream`.
/// Needs `sandbox:read`.
#[utoipa::path(
    get,
    operation_id = "get_sandbox_message_attachment",
    path = "/v2/accounts/{account_id}/sandbox/messages/{message_id}/attachments/{index}",
    tag = "Sandbox",
    params(
        ("account_id" = String, Path, format = Uuid, description = "The workspace's id"),
        ("message_id" = String, Path, format = Uuid, description = "The message's id"),
        ("index" = usize, Path, description = "The attachment's `index`, from 0"),
    ),
    responses(
        (status = 200, description = "The attachment", body = [u8], content_type = "application/octet-stream"),
        (status = 401, description = "Missing, invalid or revoked API key", body = ErrorBody),
        (status = 403, description = "The key lacks sandbox:read", body = ErrorBody),
        (status = 404, description = "No such message or attachment in this account", body = ErrorBody),
        (status = 429, description = "Rate limit exceeded", body = ErrorBody),
        (status = 503, description = "The database is unreachable; retry shortly", body = ErrorBody),
    )
)]
pub async fn attachment(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let workspace = account(&caller, &path.0, SandboxAction::Read)?;
    let gone = ApiError::NotFound("No such attachment.");
    let index: usize = path.2.parse().map_err(|_| gone)?;
    let message = load(&state, &workspace, &path.1).await?;
    let found = tokio::task::spawn_blocking(move || parts::attachment(&message.raw, index))
        .await
        .map_err(|e| ApiError::Unexpected(e.to_string()))?;
    let (listed, bytes) = found.ok_or(ApiError::NotFound("No such attachment."))?;
    Ok(HttpResponse::Ok()
        .content_type(served_type(&listed.content_type))
        .insert_header(attachment_named(&listed.name))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(bytes))
}

/// Delete a sandbox message
///
/// Needs `sandbox:delete`. Recorded in the activity log.
#[utoipa::path(
    delete,
    operation_id = "delete_sandbox_message",
    path = "/v2/accounts/{account_id}/sandbox/messages/{message_id}",
    tag = "Sandbox",
    params(
        ("account_id" = String, Path, format = Uuid, description = "The workspace's id"),
        ("message_id" = String, Path, format = Uuid, description = "The message's id"),
    ),
    responses(
        (status = 200, description = "Deleted", body = DeletedMessages),
        (status = 401, description = "Missing, invalid or revoked API key", body = ErrorBody),
        (status = 403, description = "The key lacks sandbox:delete", body = ErrorBody),
        (status = 404, description = "No such message in this account", body = ErrorBody),
        (status = 429, description = "Rate limit exceeded", body = ErrorBody),
        (status = 503, description = "The database is unreachable; retry shortly", body = ErrorBody),
    )
)]
pub async fn delete(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let workspace = account(&caller, &path.0, SandboxAction::Delete)?;
    let id = message_id(&path.1)?;
    let deleted = sandbox::delete(
        &state.db,
        &state.sandbox,
        &workspace,
        vec![id.clone()],
        caller.actor(&req),
    )
    .await?;
    if deleted == 0 {
        return Err(ApiError::NotFound("No such sandbox message."));
    }
    Ok(HttpResponse::Ok().json(DeletedMessages {
        message: format!("Sandbox message {id} deleted."),
        deleted: 1,
    }))
}

/// Delete all sandbox messages, or all matching a filter
///
/// Deletes what the account had received when asked (mail arriving
/// meanwhile stays); with a search or filters, only the messages the list
/// shows for the same parameters. Needs `sandbox:delete`. Recorded in the
/// activity log.
#[utoipa::path(
    delete,
    operation_id = "delete_sandbox_messages",
    path = "/v2/accounts/{account_id}/sandbox/messages",
    tag = "Sandbox",
    params(("account_id" = String, Path, format = Uuid, description = "The workspace's id"), FilterQuery),
    responses(
        (status = 200, description = "Deleted; `deleted` says how many", body = DeletedMessages),
        (status = 400, description = "Bad to or subject_contains", body = ErrorBody),
        (status = 401, description = "Missing, invalid or revoked API key", body = ErrorBody),
        (status = 403, description = "The key lacks sandbox:delete", body = ErrorBody),
        (status = 404, description = "Not this key's account", body = ErrorBody),
        (status = 422, description = "A bad search or filter: `errors` names each bad parameter", body = ErrorBody),
        (status = 429, description = "Rate limit exceeded", body = ErrorBody),
        (status = 503, description = "The database is unreachable; retry shortly", body = ErrorBody),
    )
)]
pub async fn delete_all(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<String>,
    query: web::Query<FilterQuery>,
) -> Result<HttpResponse, ApiError> {
    let workspace = account(&caller, &path, SandboxAction::Delete)?;
    let filter = query.parse()?;
    let actor = caller.actor(&req);
    let deleted = match filter.is_empty() {
        true => sandbox::delete_all(&state.db, &state.sandbox, &workspace, actor).await?,
        false => {
            sandbox::delete_matching(&state.db, &state.sandbox, &workspace, filter, actor).await?
        }
    };
    Ok(HttpResponse::Ok().json(DeletedMessages {
        message: format!(
            "{deleted} sandbox message{} deleted.",
            if deleted == 1 { "" } else { "s" }
        ),
        deleted,
    }))
}
