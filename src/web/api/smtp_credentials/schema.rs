//! The API's JSON shapes for SMTP credentials, as the OpenAPI document
//! describes them, and how a [`CredentialView`] becomes one.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::openapi::{Object, RefOr, Schema};
use utoipa::{IntoParams, Modify, ToSchema};

use crate::domain::{CredentialName, Description, SendingScope, Username};
use crate::service::credentials::{CredentialView, Policies};

/// `object` of a credential.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
pub enum CredentialObjectType {
    #[serde(rename = "credential_smtp")]
    CredentialSmtp,
}

/// `object` of a list.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
pub enum ListObjectType {
    #[serde(rename = "list")]
    List,
}

/// Which sending domains a credential may use.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ScopeName {
    /// Any sender domain.
    Global,
    /// Only the credential's `domains`.
    Scoped,
}

/// An SMTP credential. The password is never part of it, except once, in
/// the answer to its creation.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SmtpCredential {
    pub object: CredentialObjectType,
    #[schema(format = Uuid)]
    pub id: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub name: String,
    /// The SMTP AUTH username, unique on this server.
    pub username: String,
    /// Sandbox mail is captured for inspection, never delivered.
    pub sandbox: bool,
    pub scope: ScopeName,
    /// The sender domains of a scoped credential (empty when global).
    pub domains: Vec<String>,
    /// Inactive credentials fail SMTP AUTH.
    pub active: bool,
    /// The last successful SMTP AUTH (recorded at most once a minute).
    pub last_used_at: Option<DateTime<Utc>>,
    /// From this time on SMTP AUTH fails; `null`: never expires.
    pub expires_at: Option<DateTime<Utc>>,
    /// The addresses and CIDR ranges SMTP AUTH is accepted from; `null`:
    /// any address.
    pub allowed_ips: Option<Vec<String>>,
    /// The sender patterns (`noreply@a.example`, `*@a.example`) MAIL FROM
    /// and the `From:` header must match; `null`: any sender.
    pub allowed_senders: Option<Vec<String>>,
    /// Send limits; `null` when none is set.
    pub limits: Option<SendLimits>,
}

/// A credential's send limits; each `null` when not set.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct SendLimits {
    /// Messages per minute.
    #[schema(minimum = 1, maximum = 1000000)]
    pub per_minute: Option<i32>,
    /// Messages per hour.
    #[schema(minimum = 1, maximum = 1000000)]
    pub per_hour: Option<i32>,
    /// Messages per day.
    #[schema(minimum = 1, maximum = 1000000)]
    pub per_day: Option<i32>,
    /// Recipients of one message.
    #[schema(minimum = 1, maximum = 1000000)]
    pub recipients_per_message: Option<i32>,
}

/// A newly created credential with its password: shown this once.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CreatedSmtpCredential {
    #[serde(flatten)]
    pub credential: SmtpCredential,
    /// The SMTP password. It is not stored in clear and cannot be read again.
    pub password: String,
}

/// Where the neighbouring pages start. A cursor that does not exist is
/// left out, never `null`, as in AhaSend's `PaginatedSMTPCredentialsResponse`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Pagination {
    /// Whether another page follows `next_cursor`.
    pub has_more: bool,
    /// Pass as `after` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = String, required = false)]
    pub next_cursor: Option<String>,
    /// Pass as `before` for the previous page; absent on the first page.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = String, required = false)]
    pub previous_cursor: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SmtpCredentialList {
    pub object: ListObjectType,
    pub data: Vec<SmtpCredential>,
    pub pagination: Pagination,
}

/// The answer to a deletion.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Deleted {
    pub message: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Items per page, 1–100.
    #[param(minimum = 1, maximum = 100, default = 100)]
    pub limit: Option<i64>,
    /// A `next_cursor`: the page after it.
    #[param(min_length = 1)]
    pub after: Option<String>,
    /// A `previous_cursor`: the page before it.
    #[param(min_length = 1)]
    pub before: Option<String>,
}

/// The headers a creation may send.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Header)]
pub struct CreateHeaders {
    /// Unique per intended creation: a retry with the same key and body
    /// within 24 hours replays the first answer.
    #[param(
        rename = "Idempotency-Key",
        nullable = false,
        min_length = 1,
        max_length = 255,
        pattern = r"^[!-~]{1,255}$"
    )]
    pub idempotency_key: Option<String>,
}

/// What creating a credential takes: `name` and `scope`; the rest may be
/// left out or `null`.
// Every field is read as an `Option`, so that a missing or `null` `name` or
// `scope` is answered with 422 beside the field rather than a parse error.
// The bounds of `name`, `username` and `description` are documented by
// [`CredentialRules`], from the rules themselves.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct CreateSmtpCredential {
    #[schema(value_type = String, required = true, min_length = 1, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$")]
    pub name: Option<String>,
    pub username: Option<String>,
    #[schema(pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$")]
    pub description: Option<String>,
    /// Capture mail instead of delivering it (default `false`).
    pub sandbox: Option<bool>,
    #[schema(value_type = ScopeName, required = true)]
    pub scope: Option<String>,
    /// Sending domains of this account: at least one for a scoped
    /// credential, none for a global one. A domain named twice counts once.
    pub domains: Option<Vec<String>>,
    /// When the credential stops working: an RFC 3339 time in the future,
    /// or `30d`, `90d`, `365d` from now; left out or `null` for never. It
    /// must fall within the account's maximum credential lifetime, if set.
    #[schema(examples("2027-01-31T12:00:00Z", "90d"))]
    pub expires_at: Option<String>,
}

/// Documents the bounds of [`CreateSmtpCredential`]'s texts from the
/// domain rules ([`CredentialName`], [`Username`], [`Description`]), so the
/// document cannot drift from what is enforced.
pub struct CredentialRules;

impl Modify for CredentialRules {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let schemas = &mut openapi
            .components
            .get_or_insert_with(Default::default)
            .schemas;
        let Some(RefOr::T(Schema::Object(create))) = schemas.get_mut("CreateSmtpCredential") else {
            return;
        };
        let mut field = |name: &str, describe: &dyn Fn(&mut Object)| {
            if let Some(RefOr::T(Schema::Object(property))) = create.properties.get_mut(name) {
                describe(property);
            }
        };
        field("name", &|p| {
            p.description = Some(format!(
                "1–{} characters on one line, not only spaces.",
                CredentialName::MAX
            ));
            p.max_length = Some(CredentialName::MAX);
        });
        field("username", &|p| {
            p.description = Some(format!(
                "{}–{} letters, digits and underscores; generated when left out or\n`null`.",
                Username::MIN,
                Username::MAX
            ));
            p.pattern = Some(Username::pattern());
        });
        field("description", &|p| {
            p.description = Some(format!(
                "Up to {} characters; line breaks and tabs are the only control\ncharacters allowed.",
                Description::MAX
            ));
            p.max_length = Some(Description::MAX);
        });
    }
}

/// A stored list (one entry per line) as JSON: `None` when empty.
fn lines(stored: &str) -> Option<Vec<String>> {
    let entries: Vec<String> = stored.lines().map(str::to_owned).collect();
    (!entries.is_empty()).then_some(entries)
}

impl SendLimits {
    fn of(p: &Policies) -> Option<SendLimits> {
        let limits = SendLimits {
            per_minute: p.max_per_minute,
            per_hour: p.max_per_hour,
            per_day: p.max_per_day,
            recipients_per_message: p.max_recipients,
        };
        let any = [
            p.max_per_minute,
            p.max_per_hour,
            p.max_per_day,
            p.max_recipients,
        ]
        .iter()
        .any(Option::is_some);
        any.then_some(limits)
    }
}

fn rfc3339(at: chrono::NaiveDateTime) -> DateTime<Utc> {
    at.and_utc()
}

impl From<CredentialView> for SmtpCredential {
    fn from(view: CredentialView) -> Self {
        let domains = view.domain_names();
        let c = view.credential;
        Self {
            object: CredentialObjectType::CredentialSmtp,
            id: c.id.to_string(),
            created_at: rfc3339(c.created_at),
            updated_at: rfc3339(c.updated_at),
            name: c.name,
            username: c.username,
            sandbox: c.sandbox,
            scope: c.scope.into(),
            domains,
            active: c.active,
            last_used_at: c.last_used_at.map(rfc3339),
            expires_at: c.policies.expires_at.map(rfc3339),
            allowed_ips: lines(&c.policies.allowed_ips),
            allowed_senders: lines(&c.policies.allowed_senders),
            limits: SendLimits::of(&c.policies),
        }
    }
}

impl From<SendingScope> for ScopeName {
    fn from(scope: SendingScope) -> Self {
        match scope {
            SendingScope::Global => Self::Global,
            SendingScope::Scoped => Self::Scoped,
        }
    }
}
