//! One credential's page (`…/smtp-credentials/{id}`): what it is and how to
//! connect, when it expires (members and above renew it), its passwords
//! during a rotation's overlap (and revoking the previous one), and its own
//! activity, a page at a time.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;
use chrono::NaiveDateTime;
use serde::Deserialize;

use super::actions::expiry_of;
use super::list::connection;
use super::view::{ConnectionSettings, Row};
use crate::db::keyset::{Anchor, Cursor};
use crate::domain::policy::{IpAllowlist, Policies as Rules, SenderPatterns};
use crate::domain::{CredentialId, EXPIRY_CHOICES, Role, now, relative_time};
use crate::error::AppResult;
use crate::service::credentials::{self, CredentialError, SecretState};
use crate::service::{audit, send_usage};
use crate::web::dialog::{self, ConfirmDialog};
use crate::web::forms::{FieldErrors, HtmlForm, LimitFields};
use crate::web::frame::Frame;
use crate::web::kit::{Done, Item, Section, WorkspacePage, render};
use crate::web::pages::activity::EventRow;

/// Entries of the credential's activity per page.
const ACTIVITY_PAGE: i64 = 20;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DetailParams {
    /// The activity page after this cursor (older entries).
    pub before: Option<String>,
}

/// The renew form: see [`expiry_of`].
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ExpiryForm {
    pub expires: String,
    pub expires_on: String,
}

/// The renew form before anything is chosen.
static BLANK: ExpiryForm = ExpiryForm {
    expires: String::new(),
    expires_on: String::new(),
};

/// The policies form: lists one entry per line, limits blank for none.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PolicyForm {
    pub allowed_ips: String,
    pub allowed_senders: String,
    #[serde(flatten)]
    pub limits: LimitFields,
    /// Set by the "add the address it last authenticated from" button.
    pub add_last_ip: Option<String>,
}

impl PolicyForm {
    fn of(rules: &Rules) -> Self {
        Self {
            allowed_ips: rules.allowed_ips.to_strings().join(
                "
",
            ),
            allowed_senders: rules.allowed_senders.to_strings().join(
                "
",
            ),
            limits: LimitFields::of(rules.limits),
            add_last_ip: None,
        }
    }

    /// The form's policies, or each refused field's message.
    fn rules(&self) -> Result<Rules, FieldErrors> {
        let mut errors = FieldErrors::default();
        let ips = IpAllowlist::parse(&self.allowed_ips)
            .map_err(|p| errors.add("allowed_ips", p.join(" ")))
            .ok();
        let senders = SenderPatterns::parse(&self.allowed_senders)
            .map_err(|p| errors.add("allowed_senders", p.join(" ")))
            .ok();
        let limits = self.limits.parse(&mut errors);
        match (ips, senders, limits) {
            (Some(allowed_ips), Some(allowed_senders), Some(limits)) => Ok(Rules {
                allowed_ips,
                allowed_senders,
                limits,
            }),
            _ => Err(errors),
        }
    }
}

/// What the page shows as posted: the forms and their errors.
#[derive(Default)]
struct Posted<'a> {
    expiry: Option<&'a ExpiryForm>,
    policy: Option<&'a PolicyForm>,
    errors: FieldErrors,
}

/// A password's state as the page shows it.
pub struct SecretRow {
    pub created: String,
    pub valid_until: String,
    /// ("3 minutes ago", exact, address), or `None`: never used.
    pub last_used: Option<(String, String, String)>,
}

impl SecretRow {
    fn new(s: &SecretState, now: NaiveDateTime) -> Self {
        Self {
            created: exact(s.created_at),
            valid_until: s.valid_until.map(exact).unwrap_or_default(),
            last_used: s.last_used_at.map(|t| {
                let ip = s.last_used_ip.clone().unwrap_or_default();
                (relative_time(t, now), exact(t), ip)
            }),
        }
    }
}

fn exact(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

#[derive(Template)]
#[template(path = "pages/settings/smtp_credential.html")]
struct DetailPage<'a> {
    csrf_token: String,
    frame: Frame,
    can_manage: bool,
    /// `/w/{slug}/settings/smtp-credentials`
    base: String,
    /// This page.
    url: String,
    c: Row,
    expires: Option<String>,
    /// Messages sent against each rate limit ("312 / 1,000 today").
    usage: Vec<String>,
    connection: ConnectionSettings,
    current: Option<SecretRow>,
    previous: Option<SecretRow>,
    form: &'a ExpiryForm,
    policy: PolicyForm,
    errors: FieldErrors,
    expiry_choices: &'a [(&'a str, &'a str)],
    events: Vec<EventRow>,
    older: Option<String>,
    modal: Option<String>,
    flash: Option<String>,
}

/// The page as asked for, with a renew form as posted and its errors, and
/// a dialog rendered open (the JavaScript-free flow).
async fn page(
    cx: &WorkspacePage,
    id: CredentialId,
    before: Option<&str>,
    posted: Posted<'_>,
    modal: Option<String>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let workspace = &cx.access.workspace.id;
    let credential = credentials::get(&cx.state.db, workspace, id.clone()).await?;
    let secrets = credentials::secrets(&cx.state.db, workspace, id).await?;
    let anchor = match before.and_then(Cursor::decode) {
        Some(cursor) => Anchor::After(cursor),
        None => Anchor::First,
    };
    let username = Some(credential.username.as_str());
    let activity =
        audit::page_about(&cx.state.db, workspace, username, anchor, ACTIVITY_PAGE).await?;
    let usage =
        send_usage::of_credential(&cx.state.send_counter, &credential.id, &credential.policies)
            .await
            .iter()
            .map(ToString::to_string)
            .collect();
    let base = cx.urls().credentials();
    let url = format!("{base}/{}", credential.id);
    let now = now();
    let page = DetailPage {
        csrf_token: cx.csrf_token(),
        frame: cx.frame(Section::SmtpCredentials).await?,
        can_manage: Role::can_manage_credentials(cx.access.role),
        older: activity
            .next
            .map(|c| format!("{url}?before={}#activity", c.encode())),
        events: EventRow::all(activity.items),
        expires: credential.policies.expires_at.map(exact),
        usage,
        c: Row::new(credential.clone(), now),
        base,
        url,
        connection: connection(cx),
        current: secrets.current.as_ref().map(|s| SecretRow::new(s, now)),
        previous: secrets.previous.as_ref().map(|s| SecretRow::new(s, now)),
        form: posted.expiry.unwrap_or(&BLANK),
        policy: match posted.policy {
            Some(form) => PolicyForm {
                add_last_ip: None,
                ..form.clone()
            },
            None => PolicyForm::of(&credentials::rules_of(&credential)),
        },
        errors: posted.errors,
        expiry_choices: &EXPIRY_CHOICES,
        modal,
        flash: cx.take_flash(),
    };
    render(status, &page)
}

pub async fn show(
    cx: WorkspacePage,
    Item(id): Item<CredentialId>,
    params: web::Query<DetailParams>,
) -> AppResult<HttpResponse> {
    let before = params.before.as_deref();
    page(&cx, id, before, Posted::default(), None, StatusCode::OK).await
}

/// Sets a new expiry (or none); the password stays.
pub async fn renew(
    cx: WorkspacePage,
    Item(id): Item<CredentialId>,
    HtmlForm(form): HtmlForm<ExpiryForm>,
) -> AppResult<HttpResponse> {
    cx.require(Role::can_manage_credentials)?;
    let workspace = &cx.access.workspace.id;
    let renewed = match expiry_of(&form.expires, &form.expires_on) {
        Ok(at) => credentials::renew(&cx.state.db, workspace, id.clone(), at, cx.actor()).await,
        Err(message) => Err(CredentialError::Lifetime(message)),
    };
    match renewed {
        Ok(credential) => {
            let url = format!("{}/{}", cx.urls().credentials(), credential.id);
            let message = match credential.policies.expires_at {
                Some(at) => format!("{} now expires {}.", credential.name, exact(at)),
                None => format!("{} no longer expires.", credential.name),
            };
            Ok(Done::to(&url, &message).redirect(&cx.req, &cx.session))
        }
        Err(CredentialError::Lifetime(message)) => {
            let mut errors = FieldErrors::default();
            errors.add("expires", message);
            let posted = Posted {
                expiry: Some(&form),
                errors,
                ..Posted::default()
            };
            let invalid = StatusCode::UNPROCESSABLE_ENTITY;
            page(&cx, id, None, posted, None, invalid).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn confirm_revoke_previous(
    cx: WorkspacePage,
    Item(id): Item<CredentialId>,
) -> AppResult<HttpResponse> {
    cx.require(Role::can_manage_credentials)?;
    let credential = credentials::get(&cx.state.db, &cx.access.workspace.id, id.clone()).await?;
    let (csrf_token, url) = (cx.csrf_token(), format!("{}/{id}", cx.urls().credentials()));
    let confirm = ConfirmDialog {
        csrf_token: &csrf_token,
        back: "",
        title: "Revoke the previous password?",
        subject: &credential.name,
        detail: &credential.username,
        warning: "Applications still using the previous password cannot send from the next login on. The current password keeps working.",
        action: format!("{url}/revoke-previous"),
        cancel_href: url.clone(),
        button: "Revoke previous password",
        danger: true,
    };
    dialog::answer(&cx.req, StatusCode::OK, &confirm, |modal| {
        page(
            &cx,
            id,
            None,
            Posted::default(),
            Some(modal),
            StatusCode::OK,
        )
    })
    .await
}

pub async fn revoke_previous(
    cx: WorkspacePage,
    Item(id): Item<CredentialId>,
) -> AppResult<HttpResponse> {
    cx.require(Role::can_manage_credentials)?;
    let workspace = &cx.access.workspace.id;
    let credential = credentials::revoke_previous(&cx.state.db, workspace, id, cx.actor()).await?;
    let url = format!("{}/{}", cx.urls().credentials(), credential.id);
    let message = "The previous password no longer works.";
    Ok(Done::to(&url, message).redirect(&cx.req, &cx.session))
}

/// Replaces the allowlist, sender patterns and limits; with `add_last_ip`,
/// first adds the address the credential last authenticated from.
pub async fn set_policies(
    cx: WorkspacePage,
    Item(id): Item<CredentialId>,
    HtmlForm(mut form): HtmlForm<PolicyForm>,
) -> AppResult<HttpResponse> {
    cx.require(Role::can_manage_credentials)?;
    let workspace = &cx.access.workspace.id;
    if form.add_last_ip.is_some() {
        let credential = credentials::get(&cx.state.db, workspace, id.clone()).await?;
        if let Some(ip) = &credential.last_used_ip {
            form.allowed_ips = format!("{}\n{ip}", form.allowed_ips.trim());
        }
    }
    let rules = match form.rules() {
        Ok(rules) => rules,
        Err(errors) => {
            let posted = Posted {
                policy: Some(&form),
                errors,
                ..Posted::default()
            };
            let invalid = StatusCode::UNPROCESSABLE_ENTITY;
            return page(&cx, id, None, posted, None, invalid).await;
        }
    };
    let actor = cx.actor();
    let credential = credentials::set_policies(&cx.state.db, workspace, id, rules, actor).await?;
    let url = format!("{}/{}", cx.urls().credentials(), credential.id);
    let message = format!("Saved the policies of {}.", credential.name);
    Ok(Done::to(&url, &message).redirect(&cx.req, &cx.session))
}
