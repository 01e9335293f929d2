//! `PATCH …/smtp-credentials/{id}` (name, description, expiry, policies)
//! and `POST …/{id}/rotate` (a new password, the old one kept for an
//! overlap). Both need a `…:write:…` scope covering the credential.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Deserializer};
use utoipa::ToSchema;

use super::schema::{CreatedSmtpCredential, SendLimits, SmtpCredential};
use super::{load_allowed, require_json};
use crate::domain::policy::{IpAllowlist, Policies as Rules, SendLimits as Limits, SenderPatterns};
use crate::domain::{ApiAction, CredentialName, Description, Overlap, now, parse_expiry};
use crate::service::credentials::{self, CredentialFields, Scope};
use crate::startup::AppState;
use crate::web::api::auth::ApiCaller;
use crate::web::api::error::{ApiError, ErrorBody};
use crate::web::forms::FieldErrors;

/// `Some(None)` for an explicit `null`, `None` (by `default`) when absent.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// What a PATCH changes: each field left out stays as it is; `null`
/// clears a policy (no expiry, any address, any sender, no limits).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct UpdateSmtpCredential {
    /// A new name, as at creation: one line, not only spaces.
    pub name: Option<String>,
    /// A new description, as at creation.
    pub description: Option<String>,
    /// An RFC 3339 time in the future, or `30d`, `90d`, `365d` from now;
    /// within the account's maximum credential lifetime, if set. The
    /// password stays (a renewal).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub expires_at: Option<Option<String>>,
    /// At most 100 IPv4/IPv6 addresses or CIDR ranges (not `0.0.0.0/0` or
    /// `::/0`) SMTP AUTH is accepted from.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Vec<String>>)]
    pub allowed_ips: Option<Option<Vec<String>>>,
    /// At most 100 sender patterns: `noreply@a.example`, `*@a.example`.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Vec<String>>)]
    pub allowed_senders: Option<Option<Vec<String>>>,
    /// Send limits, each 1–1,000,000 or `null`; the object replaces all four.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<SendLimits>)]
    pub limits: Option<Option<SendLimits>>,
}

/// What a rotation keeps of the old password.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct RotateSmtpCredential {
    /// How long the old password keeps working, 0–604800 seconds (seven
    /// days); 0 or left out stops it at once.
    #[schema(minimum = 0, maximum = 604800)]
    pub overlap_seconds: Option<i64>,
}

/// Edit an SMTP credential
///
/// Changes its name, description, expiry and policies; the next SMTP AUTH
/// or MAIL FROM on any instance applies them.
#[utoipa::path(
    patch,
    path = "/v2/accounts/{account_id}/smtp-credentials/{smtp_credential_id}",
    tag = "SMTP credentials",
    params(
        ("account_id" = String, Path, format = Uuid, description = "The workspace's id"),
        ("smtp_credential_id" = String, Path, format = Uuid, description = "The credential's id"),
    ),
    request_body = UpdateSmtpCredential,
    responses(
        (status = 200, description = "The credential as changed", body = SmtpCredential),
        (status = 400, description = "The body is not JSON of this shape", body = ErrorBody),
        (status = 401, description = "Missing, invalid or revoked API key", body = ErrorBody),
        (status = 403, description = "The key's scopes do not cover this credential", body = ErrorBody),
        (status = 404, description = "No such credential in this account", body = ErrorBody),
        (status = 415, description = "The body is not declared application/json", body = ErrorBody),
        (status = 422, description = "A field is invalid; `errors` names each", body = ErrorBody),
        (status = 429, description = "Rate limit exceeded", body = ErrorBody),
        (status = 503, description = "The database is unreachable; retry shortly", body = ErrorBody),
    )
)]
pub async fn patch(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let workspace = caller.account(&path.0)?;
    let credential = load_allowed(&state, &caller, &workspace, &path.1, ApiAction::Write).await?;
    require_json(&req)?;
    let input: UpdateSmtpCredential = serde_json::from_slice(&body).map_err(|e| {
        ApiError::BadRequest(format!(
            "The body is not valid JSON of the documented shape: {e}"
        ))
    })?;
    let edit = read(input, credentials::rules_of(&credential))?;
    let (db, id) = (&state.db, credential.id.clone());
    if let Some(expires_at) = edit.expires_at {
        credentials::renew(db, &workspace, id.clone(), expires_at, caller.actor(&req)).await?;
    }
    if let Some(rules) = edit.rules {
        credentials::set_policies(db, &workspace, id.clone(), rules, caller.actor(&req)).await?;
    }
    if edit.name.is_some() || edit.description.is_some() {
        let fields = CredentialFields {
            name: edit.name.unwrap_or_else(|| credential.name.clone()),
            description: edit
                .description
                .unwrap_or_else(|| credential.description.clone()),
            sandbox: credential.sandbox,
            scope: match credential.is_scoped() {
                true => Scope::Scoped(credential.domains.iter().map(|d| d.id.clone()).collect()),
                false => Scope::Global,
            },
        };
        credentials::update(db, &workspace, id.clone(), fields, caller.actor(&req)).await?;
    }
    let changed = credentials::get(db, &workspace, id).await?;
    Ok(HttpResponse::Ok().json(SmtpCredential::from(changed)))
}

/// A PATCH body, checked: what to change.
struct Edit {
    name: Option<String>,
    description: Option<String>,
    expires_at: Option<Option<chrono::NaiveDateTime>>,
    rules: Option<Rules>,
}

/// Checks every field given (422 names each refused one) and merges the
/// policies given with the credential's `current` ones.
fn read(input: UpdateSmtpCredential, current: Rules) -> Result<Edit, ApiError> {
    let mut errors = FieldErrors::default();
    let mut check = |field: &str, result: Result<(), String>| {
        if let Err(message) = result {
            errors.add(field, message);
        }
    };
    let name = input
        .name
        .map(|raw| CredentialName::parse(&raw).map(CredentialName::into_string));
    let description = input
        .description
        .map(|raw| Description::parse(&raw).map(Description::into_string));
    let expires_at = input
        .expires_at
        .map(|raw| parse_expiry(raw.as_deref().unwrap_or(""), now()));
    let joined = |problems: Vec<String>| problems.join(" ");
    let ips = input
        .allowed_ips
        .map(|list| IpAllowlist::from_entries(list.unwrap_or_default()).map_err(joined));
    let senders = input
        .allowed_senders
        .map(|list| SenderPatterns::from_entries(list.unwrap_or_default()).map_err(joined));
    let limits = input.limits.map(|limits| {
        let l = limits.unwrap_or_default();
        let numbers = [
            l.per_minute,
            l.per_hour,
            l.per_day,
            l.recipients_per_message,
        ];
        Limits::from_numbers(numbers.map(|n| n.map(i64::from)))
    });
    check("name", name.clone().transpose().map(|_| ()));
    check("description", description.clone().transpose().map(|_| ()));
    check("expires_at", expires_at.clone().transpose().map(|_| ()));
    check("allowed_ips", ips.clone().transpose().map(|_| ()));
    check("allowed_senders", senders.clone().transpose().map(|_| ()));
    if let Some(Err(problems)) = &limits {
        for problem in problems {
            errors.add(
                &format!("limits.{}", problem.limit.api_key()),
                problem.message.clone(),
            );
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::from_fields(&errors));
    }
    let policies_given = ips.is_some() || senders.is_some() || limits.is_some();
    let rules = policies_given.then(|| Rules {
        allowed_ips: ips.and_then(Result::ok).unwrap_or(current.allowed_ips),
        allowed_senders: senders
            .and_then(Result::ok)
            .unwrap_or(current.allowed_senders),
        limits: limits.and_then(Result::ok).unwrap_or(current.limits),
    });
    Ok(Edit {
        name: name.and_then(Result::ok),
        description: description.and_then(Result::ok),
        expires_at: expires_at.and_then(Result::ok),
        rules,
    })
}

/// Rotate an SMTP credential's password
///
/// Answers with the new password, this once. With `overlap_seconds` the
/// old password keeps working until then (a password older than it stops
/// now); the same username serves both.
#[utoipa::path(
    post,
    path = "/v2/accounts/{account_id}/smtp-credentials/{smtp_credential_id}/rotate",
    tag = "SMTP credentials",
    params(
        ("account_id" = String, Path, format = Uuid, description = "The workspace's id"),
        ("smtp_credential_id" = String, Path, format = Uuid, description = "The credential's id"),
    ),
    request_body = RotateSmtpCredential,
    responses(
        (status = 201, description = "The credential with its new password, shown once", body = CreatedSmtpCredential),
        (status = 400, description = "The body is not JSON of this shape", body = ErrorBody),
        (status = 401, description = "Missing, invalid or revoked API key", body = ErrorBody),
        (status = 403, description = "The key's scopes do not cover this credential", body = ErrorBody),
        (status = 404, description = "No such credential in this account", body = ErrorBody),
        (status = 415, description = "The body is not declared application/json", body = ErrorBody),
        (status = 422, description = "`overlap_seconds` is out of range", body = ErrorBody),
        (status = 429, description = "Rate limit exceeded", body = ErrorBody),
        (status = 503, description = "Busy or the database is unreachable; retry shortly", body = ErrorBody),
    )
)]
pub async fn rotate(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let workspace = caller.account(&path.0)?;
    let credential = load_allowed(&state, &caller, &workspace, &path.1, ApiAction::Write).await?;
    let input: RotateSmtpCredential = match body.is_empty() {
        true => RotateSmtpCredential::default(),
        false => {
            require_json(&req)?;
            serde_json::from_slice(&body).map_err(|e| {
                ApiError::BadRequest(format!(
                    "The body is not valid JSON of the documented shape: {e}"
                ))
            })?
        }
    };
    let overlap = Overlap::from_seconds(input.overlap_seconds.unwrap_or(0)).ok_or_else(|| {
        let mut errors = FieldErrors::default();
        errors.add("overlap_seconds", "Give 0 to 604800 seconds (seven days).");
        ApiError::from_fields(&errors)
    })?;
    let rotated = credentials::regenerate(
        &state.db,
        &state.argon2,
        &workspace,
        credential.id.clone(),
        overlap,
        caller.actor(&req),
    )
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(CreatedSmtpCredential {
            credential: rotated.credential.into(),
            password: rotated.password,
        }))
}
