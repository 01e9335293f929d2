//! `/v2/accounts/{account_id}/smtp-credentials`: list, create, get, edit,
//! rotate, delete.
//! Every handler calls `service::credentials`, like the dashboard does.

pub mod edit;
mod schema;

use super::auth::ApiCaller;
use super::error::{ApiError, ErrorBody};
use super::idempotency::{self, Idempotent};
use crate::domain::{ApiAction, CredentialId, Mode, Reach, WorkspaceId, now, parse_expiry};
use crate::service::credentials::{
    self, Anchor, CredentialInput, CredentialView, Cursor, Direction, Domains, ListRequest, Parsed,
    Problem, SortKey,
};
use crate::startup::AppState;
use crate::web::forms::FieldErrors;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use chrono::NaiveDateTime;

pub use edit::{RotateSmtpCredential, UpdateSmtpCredential, patch, rotate};
pub use schema::{
    CreateHeaders, CreateSmtpCredential, CreatedSmtpCredential, CredentialObjectType,
    CredentialRules, Deleted, ListObjectType, ListQuery, Pagination, ScopeName, SendLimits,
    SmtpCredential, SmtpCredentialList,
};

/// The most credentials a list page holds (and its default size).
pub const PAGE_LIMIT: i64 = 100;

fn forbidden(action: ApiAction) -> ApiError {
    let verb = match action {
        ApiAction::Read => "read",
        ApiAction::Write => "create",
        ApiAction::Delete => "delete",
    };
    ApiError::Forbidden(format!(
        "This API key's scopes do not allow it to {verb} this SMTP credential."
    ))
}

fn credential_id(raw: &str) -> Result<CredentialId, ApiError> {
    CredentialId::parse(raw).ok_or(ApiError::NotFound("No such SMTP credential."))
}

/// Loads a credential the key may `action`: 404 when it does not exist in
/// the account, 403 when the key's scopes do not cover its domains.
async fn load_allowed(
    state: &AppState,
    caller: &ApiCaller,
    workspace: &WorkspaceId,
    id: &str,
    action: ApiAction,
) -> Result<CredentialView, ApiError> {
    let id = credential_id(id)?;
    let credential = credentials::get(&state.db, workspace, id).await?;
    if caller.scopes.allows(action, &credential.domain_names()) {
        Ok(credential)
    } else {
        Err(forbidden(action))
    }
}

/// List SMTP credentials
///
/// Newest first. A key scoped to domains sees only the credentials whose
/// domains it covers.
#[utoipa::path(
    get,
    path = "/v2/accounts/{account_id}/smtp-credentials",
    tag = "SMTP credentials",
    params(("account_id" = String, Path, format = Uuid, description = "The workspace's id"), ListQuery),
    responses(
        (status = 200, description = "A page of credentials", body = SmtpCredentialList),
        (status = 400, description = "Bad limit or cursor", body = ErrorBody),
        (status = 401, description = "Missing, invalid or revoked API key", body = ErrorBody),
        (status = 403, description = "The key has no read scope", body = ErrorBody),
        (status = 404, description = "Not this key's account", body = ErrorBody),
        (status = 429, description = "Rate limit exceeded", body = ErrorBody),
        (status = 503, description = "The database is unreachable; retry shortly", body = ErrorBody),
    )
)]
pub async fn list(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<String>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let workspace = caller.account(&path)?;
    let within_domains = match caller.scopes.reach(ApiAction::Read) {
        Reach::Nothing => return Err(forbidden(ApiAction::Read)),
        Reach::All => None,
        Reach::Domains(names) => Some(names),
    };
    let limit = query.limit.unwrap_or(PAGE_LIMIT);
    if !(1..=PAGE_LIMIT).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "limit must be between 1 and {PAGE_LIMIT}."
        )));
    }
    let cursor = |name: &str, raw: &str| {
        Cursor::<CredentialId>::decode(raw).ok_or_else(|| {
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
    let page = credentials::list(
        &state.db,
        &workspace,
        ListRequest {
            sort: SortKey::CreatedAt,
            dir: Direction::Desc,
            filter: None,
            expiring_before: None,
            within_domains,
            anchor,
            limit,
            with_total: false,
        },
    )
    .await?;
    let pagination = Pagination {
        has_more: page.next.is_some(),
        next_cursor: page.next.as_ref().map(Cursor::encode),
        previous_cursor: page.previous.as_ref().map(Cursor::encode),
    };
    Ok(HttpResponse::Ok().json(SmtpCredentialList {
        object: ListObjectType::List,
        data: page.items.into_iter().map(SmtpCredential::from).collect(),
        pagination,
    }))
}

/// Create an SMTP credential
///
/// The answer holds the password, the only time it is returned. Send an
/// `Idempotency-Key` to retry safely: the same key and body within 24 hours
/// replays the first answer with `Idempotent-Replayed: true`.
#[utoipa::path(
    post,
    path = "/v2/accounts/{account_id}/smtp-credentials",
    tag = "SMTP credentials",
    params(
        ("account_id" = String, Path, format = Uuid, description = "The workspace's id"),
        CreateHeaders,
    ),
    request_body(content = CreateSmtpCredential, content_type = "application/json"),
    responses(
        (status = 201, description = "Created; the password is shown this once", body = CreatedSmtpCredential),
        (status = 400, description = "Body is not JSON of the documented shape, or a bad Idempotency-Key", body = ErrorBody),
        (status = 401, description = "Missing, invalid or revoked API key", body = ErrorBody),
        (status = 403, description = "The key's scopes do not cover this credential's domains", body = ErrorBody),
        (status = 404, description = "Not this key's account", body = ErrorBody),
        (status = 409, description = "Username taken, or a request with this Idempotency-Key is still running", body = ErrorBody),
        (status = 412, description = "The first request with this Idempotency-Key failed", body = ErrorBody),
        (status = 415, description = "The body is not sent as application/json", body = ErrorBody),
        (status = 422, description = "Invalid fields, or this Idempotency-Key was used with another body", body = ErrorBody),
        (status = 429, description = "Rate limit exceeded", body = ErrorBody),
        (status = 503, description = "The database is unreachable, or every password hashing slot is busy; retry after the time in Retry-After when given", body = ErrorBody),
    )
)]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<String>,
    super::Body(body): super::Body,
) -> Result<HttpResponse, ApiError> {
    let workspace = caller.account(&path)?;
    if caller.scopes.reach(ApiAction::Write) == Reach::Nothing {
        return Err(forbidden(ApiAction::Write));
    }
    require_json(&req)?;
    let key = idempotency::key_of(&req)?;
    let request = match &key {
        Some(key) => match idempotency::begin(&state, &caller, &req, key, &body).await? {
            Idempotent::Proceed => Some(key),
            Idempotent::Answer(response) => return Ok(response),
        },
        None => None,
    };
    let outcome = create_credential(&req, &state, &caller, &workspace, &body).await;
    match request {
        Some(key) => idempotency::finish(&state, &caller, key, outcome).await,
        None => outcome,
    }
}

/// 415 unless the body is declared `application/json` (parameters such as
/// `charset` aside): a body sent as text or as a form is not read as JSON.
fn require_json(req: &HttpRequest) -> Result<(), ApiError> {
    match req.mime_type() {
        Ok(Some(mime)) if mime.essence_str() == "application/json" => Ok(()),
        _ => Err(ApiError::UnsupportedMediaType),
    }
}

async fn create_credential(
    req: &HttpRequest,
    state: &AppState,
    caller: &ApiCaller,
    workspace: &WorkspaceId,
    body: &[u8],
) -> Result<HttpResponse, ApiError> {
    let input: CreateSmtpCredential = serde_json::from_slice(body).map_err(|e| {
        ApiError::BadRequest(format!(
            "The body is not valid JSON of the documented shape: {e}"
        ))
    })?;
    let (
        Parsed {
            username,
            fields,
            domain_names,
        },
        expires_at,
    ) = parse(state, workspace, input).await?;
    if !caller.scopes.allows(ApiAction::Write, &domain_names) {
        return Err(forbidden(ApiAction::Write));
    }
    let created = credentials::create(
        &state.db,
        &state.argon2,
        workspace,
        username,
        fields,
        expires_at,
        caller.actor(req),
    )
    .await?;
    let location = format!(
        "/v2/accounts/{workspace}/smtp-credentials/{}",
        created.credential.id
    );
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(CreatedSmtpCredential {
            credential: created.credential.into(),
            password: created.password,
        }))
}

/// Checks the body with the dashboard's rules; 422 lists every problem.
async fn parse(
    state: &AppState,
    workspace: &WorkspaceId,
    body: CreateSmtpCredential,
) -> Result<(Parsed, Option<NaiveDateTime>), ApiError> {
    let expires_at = parse_expiry(body.expires_at.as_deref().unwrap_or(""), now());
    let input = CredentialInput {
        name: body.name.unwrap_or_default(),
        username: body.username,
        description: body.description.unwrap_or_default(),
        mode: Mode::from_sandbox(body.sandbox.unwrap_or(false))
            .as_str()
            .to_owned(),
        scope: body.scope,
        domains: Domains::Names(body.domains.unwrap_or_default()),
    };
    let parsed = credentials::parse(&state.db, workspace, input).await?;
    let mut errors = match &parsed {
        Ok(_) => FieldErrors::default(),
        Err(problems) => FieldErrors::from_problems(problems.clone(), Problem::api_message),
    };
    if let Err(message) = &expires_at {
        errors.add("expires_at", message.as_str());
    }
    match (parsed, expires_at) {
        (Ok(parsed), Ok(expires_at)) => Ok((parsed, expires_at)),
        _ => Err(ApiError::from_fields(&errors)),
    }
}

/// Get an SMTP credential
#[utoipa::path(
    get,
    path = "/v2/accounts/{account_id}/smtp-credentials/{smtp_credential_id}",
    tag = "SMTP credentials",
    params(
        ("account_id" = String, Path, format = Uuid, description = "The workspace's id"),
        ("smtp_credential_id" = String, Path, format = Uuid, description = "The credential's id"),
    ),
    responses(
        (status = 200, description = "The credential", body = SmtpCredential),
        (status = 401, description = "Missing, invalid or revoked API key", body = ErrorBody),
        (status = 403, description = "The key's scopes do not cover this credential", body = ErrorBody),
        (status = 404, description = "No such credential in this account", body = ErrorBody),
        (status = 429, description = "Rate limit exceeded", body = ErrorBody),
        (status = 503, description = "The database is unreachable; retry shortly", body = ErrorBody),
    )
)]
pub async fn get(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let workspace = caller.account(&path.0)?;
    let credential = load_allowed(&state, &caller, &workspace, &path.1, ApiAction::Read).await?;
    Ok(HttpResponse::Ok().json(SmtpCredential::from(credential)))
}

/// Delete an SMTP credential
///
/// It fails SMTP AUTH from the next attempt on, and open sessions fail at
/// their next `MAIL FROM`.
#[utoipa::path(
    delete,
    path = "/v2/accounts/{account_id}/smtp-credentials/{smtp_credential_id}",
    tag = "SMTP credentials",
    params(
        ("account_id" = String, Path, format = Uuid, description = "The workspace's id"),
        ("smtp_credential_id" = String, Path, format = Uuid, description = "The credential's id"),
    ),
    responses(
        (status = 200, description = "Deleted", body = Deleted),
        (status = 401, description = "Missing, invalid or revoked API key", body = ErrorBody),
        (status = 403, description = "The key's scopes do not cover this credential", body = ErrorBody),
        (status = 404, description = "No such credential in this account", body = ErrorBody),
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
    let workspace = caller.account(&path.0)?;
    let credential = load_allowed(&state, &caller, &workspace, &path.1, ApiAction::Delete).await?;
    credentials::delete(
        &state.db,
        &workspace,
        credential.id.clone(),
        caller.actor(&req),
    )
    .await?;
    Ok(HttpResponse::build(StatusCode::OK).json(Deleted {
        message: format!("SMTP credential {} deleted.", credential.username),
    }))
}
