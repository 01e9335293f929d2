//! Create, edit, regenerate, (de)activate and delete, each behind a dialog.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::list::{connection, context, full_page};
use super::params::ListState;
use super::view::{Ctx, FormDialog, PasswordDialog, Row, RowFragment};
use crate::db::models::Domain;
use crate::domain::username::USERNAME_RULE_TEXT;
use crate::domain::{CredentialId, DomainId, Role, Username, now};
use crate::error::{AppError, AppResult};
use crate::service::credentials::{
    self, CredentialError, CredentialFields, CredentialRules, Scope, WithPassword,
};
use crate::startup::AppState;
use crate::web::TypedSession;
use crate::web::dialog::ConfirmDialog;
use crate::web::forms::{FieldErrors, HtmlForm};
use crate::web::workspace::WorkspaceAccess;
use crate::web::{htmx_target, render, see_other};

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
    fn from_view(c: &credentials::CredentialView) -> Self {
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
    fn parse(&mut self) -> Result<(Option<Username>, CredentialFields), FieldErrors> {
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

fn credential_id(path: &(String, String)) -> AppResult<CredentialId> {
    CredentialId::parse(&path.1).ok_or(AppError::NotFound)
}

fn service_error(error: CredentialError) -> AppError {
    match error {
        CredentialError::NotFound => AppError::NotFound,
        CredentialError::Db(e) => e.into(),
        CredentialError::Busy(e) => e.into(),
        other => AppError::unexpected(other),
    }
}

/// What a dialog response needs to know about the request it answers.
struct Env<'a> {
    req: &'a HttpRequest,
    state: &'a AppState,
    session: &'a TypedSession,
    access: &'a WorkspaceAccess,
}

/// Answers with a dialog: the fragment for htmx, else the page with the
/// dialog rendered open. Responses that show a password are never stored.
async fn dialog(
    env: &Env<'_>,
    back: &str,
    status: StatusCode,
    html: String,
    secret: bool,
) -> AppResult<HttpResponse> {
    let Env {
        req,
        state,
        session,
        access,
    } = env;
    let mut response = if htmx_target(req).is_some() {
        HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(html)
    } else {
        let list = ListState::from_query(&access.workspace.slug, back);
        full_page(req, state, session, access, list, Some(html), status).await?
    };
    if secret {
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
    }
    Ok(response)
}

fn ctx_for(session: &TypedSession, access: &WorkspaceAccess, back: &str) -> Ctx {
    context(
        session,
        access,
        &ListState::from_query(&access.workspace.slug, back),
    )
}

async fn workspace_domains(state: &AppState, access: &WorkspaceAccess) -> AppResult<Vec<Domain>> {
    Ok(crate::service::domains::of_workspace(&state.db, &access.workspace.id).await?)
}

async fn form_dialog(
    env: &Env<'_>,
    form: &CredentialForm,
    errors: &FieldErrors,
    editing: Option<(&str, &str)>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let ctx = ctx_for(env.session, env.access, &form.back);
    let domains = workspace_domains(env.state, env.access).await?;
    let (title, action, submit, fixed_username) = match editing {
        None => (
            "Create SMTP credential",
            ctx.base.clone(),
            "Create credential",
            None,
        ),
        Some((id, username)) => (
            "Edit SMTP credential",
            format!("{}/{id}/edit", ctx.base),
            "Save changes",
            Some(username),
        ),
    };
    let html = FormDialog {
        ctx: &ctx,
        title,
        action,
        submit,
        fixed_username,
        form,
        errors,
        domains: &domains,
        username_rule: USERNAME_RULE_TEXT,
    }
    .render()
    .map_err(AppError::unexpected)?;
    dialog(env, &form.back, status, html, false).await
}

async fn password_dialog(
    env: &Env<'_>,
    back: &str,
    title: &str,
    created: &WithPassword,
) -> AppResult<HttpResponse> {
    let ctx = ctx_for(env.session, env.access, back);
    let html = PasswordDialog {
        ctx: &ctx,
        title,
        name: &created.credential.name,
        username: &created.credential.username,
        password: &created.password,
        connection: &connection(env.req, env.state),
    }
    .render()
    .map_err(AppError::unexpected)?;
    dialog(env, back, StatusCode::OK, html, true).await
}

pub async fn new_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    access: WorkspaceAccess,
    back: web::Query<BackParam>,
) -> AppResult<HttpResponse> {
    let env = Env {
        req: &req,
        state: &state,
        session: &session,
        access: &access,
    };
    access.require(Role::can_manage_credentials)?;
    let form = CredentialForm {
        back: back.into_inner().back,
        ..CredentialForm::default()
    };
    form_dialog(&env, &form, &FieldErrors::default(), None, StatusCode::OK).await
}

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    access: WorkspaceAccess,
    HtmlForm(mut form): HtmlForm<CredentialForm>,
) -> AppResult<HttpResponse> {
    let env = Env {
        req: &req,
        state: &state,
        session: &session,
        access: &access,
    };
    access.require(Role::can_manage_credentials)?;
    let invalid = StatusCode::UNPROCESSABLE_ENTITY;
    let (username, fields) = match form.parse() {
        Ok(parsed) => parsed,
        Err(errors) => {
            return form_dialog(&env, &form, &errors, None, invalid).await;
        }
    };
    let created = credentials::create(
        &state.db,
        &state.argon2,
        &access.workspace.id,
        username,
        fields,
        access.actor(&req),
    )
    .await;
    let mut errors = FieldErrors::default();
    match created {
        Ok(created) => {
            tracing::info!(workspace = %access.workspace.slug, username = %created.credential.username, "SMTP credential created");
            password_dialog(&env, &form.back, "Credential created", &created).await
        }
        Err(CredentialError::UsernameTaken) => {
            errors.add("username", "This username is already taken. Choose another, or leave it blank to generate one.");
            form_dialog(&env, &form, &errors, None, invalid).await
        }
        Err(CredentialError::UnknownDomain) => {
            errors.add("domains", "Choose domains of this workspace.");
            form_dialog(&env, &form, &errors, None, invalid).await
        }
        Err(e) => Err(service_error(e)),
    }
}

pub async fn edit_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    access: WorkspaceAccess,
    path: web::Path<(String, String)>,
    back: web::Query<BackParam>,
) -> AppResult<HttpResponse> {
    let env = Env {
        req: &req,
        state: &state,
        session: &session,
        access: &access,
    };
    access.require(Role::can_manage_credentials)?;
    let id = credential_id(&path)?;
    let credential = credentials::get(&state.db, &access.workspace.id, id)
        .await
        .map_err(service_error)?;
    let mut form = CredentialForm::from_view(&credential);
    form.back = back.into_inner().back;
    let editing = Some((path.1.as_str(), credential.username.as_str()));
    form_dialog(
        &env,
        &form,
        &FieldErrors::default(),
        editing,
        StatusCode::OK,
    )
    .await
}

pub async fn edit(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    access: WorkspaceAccess,
    path: web::Path<(String, String)>,
    HtmlForm(mut form): HtmlForm<CredentialForm>,
) -> AppResult<HttpResponse> {
    let env = Env {
        req: &req,
        state: &state,
        session: &session,
        access: &access,
    };
    access.require(Role::can_manage_credentials)?;
    let id = credential_id(&path)?;
    let current = credentials::get(&state.db, &access.workspace.id, id.clone())
        .await
        .map_err(service_error)?;
    form.username = None;
    let editing = Some((path.1.as_str(), current.username.as_str()));
    let invalid = StatusCode::UNPROCESSABLE_ENTITY;
    let fields = match form.parse() {
        Ok((_, fields)) => fields,
        Err(errors) => {
            return form_dialog(&env, &form, &errors, editing, invalid).await;
        }
    };
    match credentials::update(
        &state.db,
        &access.workspace.id,
        id,
        fields,
        access.actor(&req),
    )
    .await
    {
        Ok(updated) => finish(
            &req,
            &session,
            &form.back,
            &format!("Saved changes to {}.", updated.name),
        ),
        Err(CredentialError::UnknownDomain) => {
            let mut errors = FieldErrors::default();
            errors.add("domains", "Choose domains of this workspace.");
            form_dialog(&env, &form, &errors, editing, invalid).await
        }
        Err(e) => Err(service_error(e)),
    }
}

pub async fn confirm_regenerate(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    access: WorkspaceAccess,
    path: web::Path<(String, String)>,
    back: web::Query<BackParam>,
) -> AppResult<HttpResponse> {
    confirm(
        req,
        state,
        session,
        access,
        path,
        back.into_inner().back,
        Confirm::Regenerate,
    )
    .await
}

pub async fn confirm_delete(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    access: WorkspaceAccess,
    path: web::Path<(String, String)>,
    back: web::Query<BackParam>,
) -> AppResult<HttpResponse> {
    confirm(
        req,
        state,
        session,
        access,
        path,
        back.into_inner().back,
        Confirm::Delete,
    )
    .await
}

enum Confirm {
    Regenerate,
    Delete,
}

async fn confirm(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    access: WorkspaceAccess,
    path: web::Path<(String, String)>,
    back: String,
    kind: Confirm,
) -> AppResult<HttpResponse> {
    let env = Env {
        req: &req,
        state: &state,
        session: &session,
        access: &access,
    };
    access.require(Role::can_manage_credentials)?;
    let id = credential_id(&path)?;
    let credential = credentials::get(&state.db, &access.workspace.id, id)
        .await
        .map_err(service_error)?;
    let ctx = ctx_for(&session, &access, &back);
    let (title, warning, verb, button, danger) = match kind {
        Confirm::Regenerate => (
            "Regenerate password?",
            "The current password stops working immediately. Applications using it cannot send until you give them the new one.",
            "regenerate",
            "Regenerate password",
            false,
        ),
        Confirm::Delete => (
            "Delete credential?",
            "Applications using this username will stop sending immediately. This cannot be undone.",
            "delete",
            "Delete credential",
            true,
        ),
    };
    let html = ConfirmDialog {
        csrf_token: &ctx.csrf_token,
        back: &ctx.back,
        title,
        subject: &credential.name,
        detail: &credential.username,
        warning,
        action: format!("{}/{}/{verb}", ctx.base, credential.id),
        cancel_href: format!("{}?{}", ctx.base, ctx.back),
        button,
        danger,
    }
    .render()
    .map_err(AppError::unexpected)?;
    dialog(&env, &back, StatusCode::OK, html, false).await
}

pub async fn regenerate(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    access: WorkspaceAccess,
    path: web::Path<(String, String)>,
    form: web::Form<BackParam>,
) -> AppResult<HttpResponse> {
    let env = Env {
        req: &req,
        state: &state,
        session: &session,
        access: &access,
    };
    access.require(Role::can_manage_credentials)?;
    let id = credential_id(&path)?;
    let regenerated = credentials::regenerate(
        &state.db,
        &state.argon2,
        &access.workspace.id,
        id,
        access.actor(&req),
    )
    .await
    .map_err(service_error)?;
    tracing::info!(workspace = %access.workspace.slug, username = %regenerated.credential.username, "SMTP password regenerated");
    password_dialog(&env, &form.back, "New password", &regenerated).await
}

pub async fn activate(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    access: WorkspaceAccess,
    path: web::Path<(String, String)>,
    form: web::Form<BackParam>,
) -> AppResult<HttpResponse> {
    set_active(
        req,
        state,
        session,
        access,
        path,
        form.into_inner().back,
        true,
    )
    .await
}

pub async fn deactivate(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    access: WorkspaceAccess,
    path: web::Path<(String, String)>,
    form: web::Form<BackParam>,
) -> AppResult<HttpResponse> {
    set_active(
        req,
        state,
        session,
        access,
        path,
        form.into_inner().back,
        false,
    )
    .await
}

async fn set_active(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    access: WorkspaceAccess,
    path: web::Path<(String, String)>,
    back: String,
    active: bool,
) -> AppResult<HttpResponse> {
    access.require(Role::can_manage_credentials)?;
    let id = credential_id(&path)?;
    let credential = credentials::set_active(
        &state.db,
        &access.workspace.id,
        id,
        active,
        access.actor(&req),
    )
    .await
    .map_err(service_error)?;
    tracing::info!(workspace = %access.workspace.slug, username = %credential.username, active, "SMTP credential status changed");
    if htmx_target(&req).is_some() {
        let ctx = ctx_for(&session, &access, &back);
        return render(
            StatusCode::OK,
            &RowFragment {
                ctx: &ctx,
                c: &Row::new(&credential, now()),
            },
        );
    }
    let verb = if active { "Activated" } else { "Deactivated" };
    finish(
        &req,
        &session,
        &back,
        &format!("{verb} {}.", credential.name),
    )
}

pub async fn delete(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    access: WorkspaceAccess,
    path: web::Path<(String, String)>,
    form: web::Form<BackParam>,
) -> AppResult<HttpResponse> {
    access.require(Role::can_manage_credentials)?;
    let id = credential_id(&path)?;
    let deleted = credentials::delete(&state.db, &access.workspace.id, id, access.actor(&req))
        .await
        .map_err(service_error)?;
    tracing::info!(workspace = %access.workspace.slug, username = %deleted.username, "SMTP credential deleted");
    finish(
        &req,
        &session,
        &form.back,
        &format!("Deleted {}.", deleted.name),
    )
}

/// After a change made in a dialog: htmx closes the dialog, refreshes the
/// table and shows `message`; without JavaScript, back to the list with it.
fn finish(
    req: &HttpRequest,
    session: &TypedSession,
    back: &str,
    message: &str,
) -> AppResult<HttpResponse> {
    if htmx_target(req).is_some() {
        let trigger = serde_json::json!({
            "closeModal": true,
            "credentialsChanged": true,
            "showToast": message,
        });
        return Ok(HttpResponse::Ok()
            .insert_header(("HX-Trigger", ascii_json(&trigger)))
            .finish());
    }
    session.flash(message);
    let slug = req.match_info().get("slug").unwrap_or_default();
    let list = ListState::from_query(slug, back);
    Ok(see_other(&list.current_href()))
}

/// JSON with every non-ASCII and every control character escaped (a name
/// stored before control characters were refused may hold DEL), as header
/// values must be.
fn ascii_json(value: &serde_json::Value) -> String {
    let mut out = String::new();
    for c in value.to_string().chars() {
        if c.is_ascii() && !c.is_ascii_control() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::ascii_json;

    #[test]
    fn header_json_escapes_non_ascii_and_control_characters() {
        let toast = "Deleted Café 🚀\u{7f}\0\t.";
        let json = ascii_json(&serde_json::json!({ "showToast": toast }));
        assert!(
            actix_web::http::header::HeaderValue::from_str(&json).is_ok(),
            "{json}"
        );
        let back: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(back["showToast"], toast);
    }
}
