//! The create and edit form: read, checked, and shown again with its
//! errors until it is right.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::changes::finish;
use super::dialogs::{Editing, form_dialog, password_dialog};
use crate::domain::{CredentialId, DomainId, Role, Username};
use crate::error::AppResult;
use crate::service::credentials::{
    self, CredentialError, CredentialFields, CredentialRules, Scope,
};
use crate::web::forms::{FieldErrors, HtmlForm};
use crate::web::kit::{Item, WorkspacePage};

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
    /// The list's query string, to return to it without JavaScript.
    pub back: String,
}

impl CredentialForm {
    pub fn from_view(c: &credentials::CredentialView) -> Self {
        Self {
            name: c.name.clone(),
            username: Some(c.username.clone()),
            description: c.description.clone(),
            mode: if c.sandbox { "sandbox" } else { "production" }.into(),
            scope: if c.scoped { "scoped" } else { "global" }.into(),
            domains: c.domain_ids.iter().map(ToString::to_string).collect(),
            back: String::new(),
        }
    }

    pub fn is_sandbox(&self) -> bool {
        self.mode == "sandbox"
    }

    pub fn is_scoped(&self) -> bool {
        self.scope == "scoped"
    }

    pub fn has_domain(&self, id: &DomainId) -> bool {
        self.domains.iter().any(|d| d == id.as_str())
    }

    /// Trims, validates, and turns the form into the service's types.
    pub fn parse(&mut self) -> Result<(Option<Username>, CredentialFields), FieldErrors> {
        self.name = self.name.trim().to_owned();
        self.description = self.description.trim().to_owned();
        self.username = self
            .username
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(str::to_owned);
        let rules = CredentialRules {
            name: self.name.clone(),
            username: self.username.clone(),
            description: self.description.clone(),
        };
        let mut errors = match rules.check() {
            Ok(()) => FieldErrors::default(),
            Err(e) => FieldErrors::from_validation(&e),
        };
        let sandbox = match self.mode.as_str() {
            "sandbox" => true,
            "production" | "" => false,
            _ => {
                errors.add("mode", "Choose Production or Sandbox.");
                false
            }
        };
        let scope = match self.scope.as_str() {
            "global" | "" => Scope::Global,
            "scoped" => {
                let ids: Option<Vec<DomainId>> =
                    self.domains.iter().map(|d| DomainId::parse(d)).collect();
                match ids {
                    Some(ids) if !ids.is_empty() => Scope::Scoped(ids),
                    _ => {
                        errors.add(
                            "domains",
                            "Choose at least one domain, or make the credential global.",
                        );
                        Scope::Global
                    }
                }
            }
            _ => {
                errors.add("scope", "Choose Global or Specific domains.");
                Scope::Global
            }
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        let username = self
            .username
            .as_deref()
            .map(Username::parse)
            .transpose()
            .map_err(|e| {
                let mut errors = FieldErrors::default();
                errors.add("username", e);
                errors
            })?;
        let fields = CredentialFields {
            name: self.name.clone(),
            description: self.description.clone(),
            sandbox,
            scope,
        };
        Ok((username, fields))
    }
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
    let (username, fields) = match form.parse() {
        Ok(parsed) => parsed,
        Err(errors) => {
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
    let fields = match form.parse() {
        Ok((_, fields)) => fields,
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
