//! Settings → API keys: admins and owners create keys for the REST API
//! (the secret shown once), see their scopes and last use, and revoke them.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::db::models::{ApiKey, Domain};
use crate::domain::{ApiAction, ApiKeyId, ApiScopes, Line, Role, now, relative_time};
use crate::error::{AppError, AppResult};
use crate::service::api_keys::{self, ApiKeyError, NewApiKey};
use crate::service::domains;
use crate::startup::AppState;
use crate::web::TypedSession;
use crate::web::client::ClientInfo;
use crate::web::dialog::{ConfirmDialog, Rendered};
use crate::web::forms::{FieldErrors, HtmlForm};
use crate::web::frame::Frame;
use crate::web::workspace::WorkspaceAccess;
use crate::web::{redirect_after, render};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ApiKeyForm {
    pub label: String,
    pub scopes: Vec<String>,
}

impl ApiKeyForm {
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

/// One row of the scope grid: an action, "all", and each domain.
pub struct ScopeRow {
    pub action: ApiAction,
    pub all: String,
    pub domains: Vec<(String, String)>,
}

fn scope_rows(domains: &[Domain]) -> Vec<ScopeRow> {
    ApiAction::ALL
        .into_iter()
        .map(|action| {
            let scope = |target: &str| format!("smtp-credentials:{}:{target}", action.as_str());
            ScopeRow {
                action,
                all: scope("all"),
                domains: domains
                    .iter()
                    .map(|d| (d.name.clone(), scope(&d.name)))
                    .collect(),
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "pages/settings/api_keys.html")]
struct ApiKeysPage<'a> {
    csrf_token: String,
    frame: Frame,
    base: String,
    account_id: String,
    api_base: String,
    keys: Vec<ApiKey>,
    scope_rows: Vec<ScopeRow>,
    form: &'a ApiKeyForm,
    errors: FieldErrors,
    created: Option<NewApiKey>,
    modal: Option<String>,
    flash: Option<String>,
}

impl ApiKeysPage<'_> {
    fn scopes_of(&self, key: &ApiKey) -> Vec<String> {
        ApiScopes::from_stored(&key.scopes)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    /// "5 minutes ago" and the exact time, or `None` if never used.
    fn last_used(&self, key: &ApiKey) -> Option<(String, String)> {
        key.last_used_at.map(|at| {
            (
                relative_time(at, now()),
                at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            )
        })
    }
}

fn base(access: &WorkspaceAccess) -> String {
    format!("/w/{}/settings/api-keys", access.workspace.slug)
}

fn key_error(error: ApiKeyError) -> AppError {
    match error {
        ApiKeyError::NotFound => AppError::NotFound,
        ApiKeyError::UnknownDomain(name) => {
            AppError::unexpected(format!("unchecked scope domain {name}"))
        }
        ApiKeyError::Db(e) => e.into(),
    }
}

/// What the page shows besides the list.
struct Extras<'a> {
    form: &'a ApiKeyForm,
    errors: FieldErrors,
    created: Option<NewApiKey>,
    modal: Option<String>,
}

async fn page(
    req: &HttpRequest,
    state: &AppState,
    session: &TypedSession,
    access: &WorkspaceAccess,
    extras: Extras<'_>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let workspace = &access.workspace.id;
    let secret_shown = extras.created.is_some();
    let page = ApiKeysPage {
        csrf_token: session.csrf_token(),
        frame: Frame::for_workspace(state, access, "api-keys").await?,
        base: base(access),
        account_id: workspace.to_string(),
        api_base: ClientInfo::of(req).base_url(),
        keys: api_keys::list(&state.db, workspace).await?,
        scope_rows: scope_rows(&domains::of_workspace(&state.db, workspace).await?),
        form: extras.form,
        errors: extras.errors,
        created: extras.created,
        modal: extras.modal,
        flash: session.take_flash(),
    };
    let mut response = render(status, &page)?;
    if secret_shown {
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
    }
    Ok(response)
}

fn plain(form: &ApiKeyForm) -> Extras<'_> {
    Extras {
        form,
        errors: FieldErrors::default(),
        created: None,
        modal: None,
    }
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    access: WorkspaceAccess,
) -> AppResult<HttpResponse> {
    access.require(Role::can_administer)?;
    let form = ApiKeyForm::default();
    page(
        &req,
        &state,
        &session,
        &access,
        plain(&form),
        StatusCode::OK,
    )
    .await
}

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    access: WorkspaceAccess,
    HtmlForm(mut form): HtmlForm<ApiKeyForm>,
) -> AppResult<HttpResponse> {
    access.require(Role::can_administer)?;
    form.label = form.label.trim().to_owned();
    let mut errors = FieldErrors::default();
    if let Err(error) = Line::parse(&form.label, 100) {
        errors.add(
            "label",
            Line::message(error, "Enter a label (up to 100 characters)."),
        );
    }
    let scopes = match ApiScopes::parse(form.scopes.iter().map(String::as_str)) {
        Ok(scopes) if scopes.is_empty() => {
            errors.add("scopes", "Choose at least one permission.");
            scopes
        }
        Ok(scopes) => scopes,
        Err(message) => {
            errors.add("scopes", message);
            ApiScopes::default()
        }
    };
    // The form's own checks first; then the service's (a domain the
    // workspace lacks), whose refusal comes back beside the same field.
    let created = if errors.is_empty() {
        match api_keys::create(
            &state.db,
            &access.workspace.id,
            form.label.clone(),
            scopes,
            access.actor(&req),
        )
        .await
        {
            Ok(created) => Some(created),
            Err(error @ ApiKeyError::UnknownDomain(_)) => {
                errors.add("scopes", error.to_string());
                None
            }
            Err(error) => return Err(key_error(error)),
        }
    } else {
        None
    };
    let Some(created) = created else {
        let extras = Extras {
            errors,
            ..plain(&form)
        };
        return page(
            &req,
            &state,
            &session,
            &access,
            extras,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let empty = ApiKeyForm::default();
    let extras = Extras {
        created: Some(created),
        ..plain(&empty)
    };
    page(&req, &state, &session, &access, extras, StatusCode::CREATED).await
}

pub async fn confirm_revoke(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    access: WorkspaceAccess,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    access.require(Role::can_administer)?;
    let id = ApiKeyId::parse(&path.1).ok_or(AppError::NotFound)?;
    let key = api_keys::find(&state.db, &access.workspace.id, id)
        .await
        .map_err(key_error)?;
    let csrf_token = session.csrf_token();
    let prefix = format!("{}…", key.prefix);
    let dialog = ConfirmDialog {
        csrf_token: &csrf_token,
        back: "",
        title: "Revoke API key?",
        subject: &key.label,
        detail: &prefix,
        warning: "Applications using this key get 401 from their very next request. This cannot be undone.",
        action: format!("{}/{}/delete", base(&access), key.id),
        cancel_href: base(&access),
        button: "Revoke key",
        danger: true,
    }
    .render_for(&req)?;
    let html = match dialog {
        Rendered::Fragment(response) => return Ok(response),
        Rendered::OnPage(html) => html,
    };
    let form = ApiKeyForm::default();
    let extras = Extras {
        modal: Some(html),
        ..plain(&form)
    };
    page(&req, &state, &session, &access, extras, StatusCode::OK).await
}

pub async fn revoke(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    access: WorkspaceAccess,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    access.require(Role::can_administer)?;
    let id = ApiKeyId::parse(&path.1).ok_or(AppError::NotFound)?;
    let key = api_keys::revoke(&state.db, &access.workspace.id, id, access.actor(&req))
        .await
        .map_err(key_error)?;
    session.flash(&format!("Revoked {}.", key.label));
    Ok(redirect_after(&req, &base(&access)))
}
