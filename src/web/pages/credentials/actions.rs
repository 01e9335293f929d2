//! The create and edit form: read, checked, and shown again with its
//! errors until it is right.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::changes::finish;
use super::dialogs::{Editing, form_dialog, password_dialog};
use crate::domain::{CredentialId, DomainId, Mode, Role, SendingScope, now, parse_expiry};
use crate::error::AppResult;
use crate::service::credentials::{
    self, CredentialError, CredentialInput, CredentialView, Domains, Parsed, Problem,
};
use crate::web::forms::{FieldErrors, HtmlForm};
use crate::web::kit::{Item, WorkspacePage};
use chrono::NaiveDateTime;

/// The create/edit form as posted (and as re-shown with errors).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CredentialForm {
    pub name: String,
    pub username: Option<String>,
    pub description: String,
    /// `production` or `sandbox`.
    pub mode: String,
    /// `global` or `scoped`.
    pub scope: String,
    pub domains: Vec<String>,
    /// One of [`crate::domain::EXPIRY_CHOICES`]' values, or `date` for
    /// `expires_on`.
    pub expires: String,
    /// A date and time (UTC), when `expires` is `date`.
    pub expires_on: String,
    /// The list's query string, to return to it without JavaScript.
    pub back: String,
}

impl CredentialForm {
    pub fn from_view(c: &CredentialView) -> Self {
        Self {
            name: c.name.clone(),
            username: Some(c.username.clone()),
            description: c.description.clone(),
            mode: Mode::from_sandbox(c.sandbox).as_str().into(),
            scope: c.scope.as_str().into(),
            domains: c.domains.iter().map(|d| d.id.to_string()).collect(),
            ..Self::default()
        }
    }

    /// When the credential is to expire, as chosen.
    pub fn expiry(&self) -> Result<Option<NaiveDateTime>, String> {
        expiry_of(&self.expires, &self.expires_on)
    }

    pub fn is_sandbox(&self) -> bool {
        Mode::parse(&self.mode) == Some(Mode::Sandbox)
    }

    pub fn is_scoped(&self) -> bool {
        SendingScope::parse(&self.scope) == Some(SendingScope::Scoped)
    }

    pub fn has_domain(&self, id: &DomainId) -> bool {
        self.domains.iter().any(|d| d == id.as_str())
    }

    /// Trims the texts (the form is shown again so) and hands the rest to
    /// the credential rules as given: no scope is the default, global, and
    /// a global credential's checkboxes (still ticked, hidden) are ignored.
    fn input(&mut self) -> CredentialInput {
        self.name = self.name.trim().to_owned();
        self.description = self.description.trim().to_owned();
        self.username = self
            .username
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(str::to_owned);
        let scope = match self.scope.as_str() {
            "" => SendingScope::Global.as_str().to_owned(),
            given => given.to_owned(),
        };
        let domains = if self.is_scoped() {
            self.domains.clone()
        } else {
            Vec::new()
        };
        CredentialInput {
            name: self.name.clone(),
            username: self.username.clone(),
            description: self.description.clone(),
            mode: self.mode.clone(),
            scope: Some(scope),
            domains: Domains::Ids(domains),
        }
    }
}

/// The expiry chosen in a form: `expires` is one of [`crate::domain::EXPIRY_CHOICES`]'
/// values, or `date` for the date and time in `expires_on`.
pub fn expiry_of(expires: &str, expires_on: &str) -> Result<Option<NaiveDateTime>, String> {
    let raw = match expires {
        "date" if expires_on.trim().is_empty() => {
            return Err("Choose the date it expires.".into());
        }
        "date" => expires_on,
        choice => choice,
    };
    parse_expiry(raw, now())
}

/// Reads the form with the credential rules; its problems worded for the form.
async fn parse(
    cx: &WorkspacePage,
    form: &mut CredentialForm,
) -> AppResult<Result<Parsed, FieldErrors>> {
    let parsed = credentials::parse(&cx.state.db, &cx.access.workspace.id, form.input()).await?;
    Ok(parsed.map_err(|problems| FieldErrors::from_problems(problems, Problem::dashboard_message)))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BackParam {
    pub back: String,
}

pub async fn new_form(cx: WorkspacePage, back: web::Query<BackParam>) -> AppResult<HttpResponse> {
    cx.require(Role::can_manage_credentials)?;
    let form = CredentialForm {
        back: back.into_inner().back,
        ..CredentialForm::default()
    };
    form_dialog(&cx, &form, &FieldErrors::default(), None, StatusCode::OK).await
}

pub async fn create(
    cx: WorkspacePage,
    HtmlForm(mut form): HtmlForm<CredentialForm>,
) -> AppResult<HttpResponse> {
    cx.require(Role::can_manage_credentials)?;
    let invalid = StatusCode::UNPROCESSABLE_ENTITY;
    let parsed = parse(&cx, &mut form).await?;
    let (username, fields, expires_at) = match (parsed, form.expiry()) {
        (
            Ok(Parsed {
                username, fields, ..
            }),
            Ok(expires_at),
        ) => (username, fields, expires_at),
        (parsed, expires_at) => {
            let mut errors = parsed.err().unwrap_or_default();
            if let Err(message) = expires_at {
                errors.add("expires", message);
            }
            return form_dialog(&cx, &form, &errors, None, invalid).await;
        }
    };
    let (state, workspace) = (&cx.state, &cx.access.workspace);
    let created = credentials::create(
        &state.db,
        &state.argon2,
        &workspace.id,
        username,
        fields,
        expires_at,
        cx.actor(),
    )
    .await;
    let mut errors = FieldErrors::default();
    match created {
        Ok(created) => {
            tracing::info!(workspace = %workspace.slug, username = %created.credential.username, "SMTP credential created");
            password_dialog(&cx, &form.back, "Credential created", &created).await
        }
        Err(CredentialError::UsernameTaken) => {
            errors.add("username", "This username is already taken. Choose another, or leave it blank to generate one.");
            form_dialog(&cx, &form, &errors, None, invalid).await
        }
        Err(CredentialError::UnknownDomain) => {
            errors.add("domains", "Choose domains of this workspace.");
            form_dialog(&cx, &form, &errors, None, invalid).await
        }
        Err(CredentialError::Lifetime(message)) => {
            errors.add("expires", message);
            form_dialog(&cx, &form, &errors, None, invalid).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn edit_form(
    cx: WorkspacePage,
    Item(id): Item<CredentialId>,
    back: web::Query<BackParam>,
) -> AppResult<HttpResponse> {
    cx.require(Role::can_manage_credentials)?;
    let credential = credentials::get(&cx.state.db, &cx.access.workspace.id, id).await?;
    let mut form = CredentialForm::from_view(&credential);
    form.back = back.into_inner().back;
    let editing = Editing {
        id: credential.id.as_str(),
        username: &credential.username,
    };
    let no_errors = FieldErrors::default();
    form_dialog(&cx, &form, &no_errors, Some(editing), StatusCode::OK).await
}

pub async fn edit(
    cx: WorkspacePage,
    Item(id): Item<CredentialId>,
    HtmlForm(mut form): HtmlForm<CredentialForm>,
) -> AppResult<HttpResponse> {
    cx.require(Role::can_manage_credentials)?;
    let workspace = &cx.access.workspace.id;
    let current = credentials::get(&cx.state.db, workspace, id.clone()).await?;
    form.username = None;
    let editing = || Editing {
        id: current.id.as_str(),
        username: &current.username,
    };
    let invalid = StatusCode::UNPROCESSABLE_ENTITY;
    let fields = match parse(&cx, &mut form).await? {
        Ok(parsed) => parsed.fields,
        Err(errors) => {
            return form_dialog(&cx, &form, &errors, Some(editing()), invalid).await;
        }
    };
    match credentials::update(&cx.state.db, workspace, id, fields, cx.actor()).await {
        Ok(updated) => {
            let message = format!("Saved changes to {}.", updated.name);
            Ok(finish(&cx, &form.back, &message))
        }
        Err(CredentialError::UnknownDomain) => {
            let mut errors = FieldErrors::default();
            errors.add("domains", "Choose domains of this workspace.");
            form_dialog(&cx, &form, &errors, Some(editing()), invalid).await
        }
        Err(e) => Err(e.into()),
    }
}
