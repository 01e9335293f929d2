//! Settings → API keys: admins and owners create keys for the REST API
//! (the secret shown once) with permissions on SMTP credentials and on the
//! sandbox's mail, see their scopes and last use, and revoke them.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;
use serde::Deserialize;

use crate::domain::{ApiAction, ApiKeyId, ApiScopes, Line, SandboxAction, now, relative_time};
use crate::error::AppResult;
use crate::service::api_keys::ApiKey;
use crate::service::api_keys::{self, ApiKeyError, NewApiKey};
use crate::service::domains;
use crate::service::domains::Domain;
use crate::web::client::ClientInfo;
use crate::web::dialog::{self, ConfirmDialog};
use crate::web::forms::{FieldErrors, HtmlForm};
use crate::web::frame::Frame;
use crate::web::kit::urls::item_action;
use crate::web::kit::{Done, Item, Section, WorkspacePage, render_secret};

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
    /// The sandbox permissions: (label, scope).
    sandbox_scopes: Vec<(&'static str, String)>,
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

/// What the page shows besides the list.
#[derive(Default)]
struct Extras<'a> {
    form: Option<&'a ApiKeyForm>,
    errors: FieldErrors,
    created: Option<NewApiKey>,
}

async fn page(
    cx: &WorkspacePage,
    extras: Extras<'_>,
    modal: Option<String>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let workspace = &cx.access.workspace.id;
    let secret_shown = extras.created.is_some();
    let empty = ApiKeyForm::default();
    let page = ApiKeysPage {
        csrf_token: cx.csrf_token(),
        frame: cx.frame(Section::ApiKeys).await?,
        base: cx.urls().api_keys(),
        account_id: workspace.to_string(),
        api_base: ClientInfo::of(&cx.req).base_url(),
        keys: api_keys::list(&cx.state.db, workspace).await?,
        scope_rows: scope_rows(&domains::of_workspace(&cx.state.db, workspace).await?),
        sandbox_scopes: SandboxAction::ALL
            .into_iter()
            .map(|action| (action.label(), action.scope()))
            .collect(),
        form: extras.form.unwrap_or(&empty),
        errors: extras.errors,
        created: extras.created,
        modal,
        flash: cx.take_flash(),
    };
    render_secret(status, &page, secret_shown)
}

pub async fn list(cx: WorkspacePage) -> AppResult<HttpResponse> {
    cx.require_section(Section::ApiKeys)?;
    page(&cx, Extras::default(), None, StatusCode::OK).await
}

pub async fn create(
    cx: WorkspacePage,
    HtmlForm(mut form): HtmlForm<ApiKeyForm>,
) -> AppResult<HttpResponse> {
    cx.require_section(Section::ApiKeys)?;
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
        let label = form.label.clone();
        match api_keys::create(
            &cx.state.db,
            &cx.access.workspace.id,
            label,
            scopes,
            cx.actor(),
        )
        .await
        {
            Ok(created) => Some(created),
            Err(error @ ApiKeyError::UnknownDomain(_)) => {
                errors.add("scopes", error.to_string());
                None
            }
            Err(error) => return Err(error.into()),
        }
    } else {
        None
    };
    let Some(created) = created else {
        let extras = Extras {
            form: Some(&form),
            errors,
            ..Extras::default()
        };
        return page(&cx, extras, None, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let extras = Extras {
        created: Some(created),
        ..Extras::default()
    };
    page(&cx, extras, None, StatusCode::CREATED).await
}

pub async fn confirm_revoke(
    cx: WorkspacePage,
    Item(id): Item<ApiKeyId>,
) -> AppResult<HttpResponse> {
    cx.require_section(Section::ApiKeys)?;
    let key = api_keys::find(&cx.state.db, &cx.access.workspace.id, id).await?;
    let (csrf_token, base) = (cx.csrf_token(), cx.urls().api_keys());
    let prefix = format!("{}…", key.prefix);
    let confirm = ConfirmDialog {
        csrf_token: &csrf_token,
        back: "",
        title: "Revoke API key?",
        subject: &key.label,
        detail: &prefix,
        warning: "Applications using this key get 401 from their very next request. This cannot be undone.",
        action: item_action(&base, &key.id, "delete"),
        cancel_href: base.clone(),
        button: "Revoke key",
        danger: true,
    };
    dialog::answer(&cx.req, StatusCode::OK, &confirm, |modal| {
        page(&cx, Extras::default(), Some(modal), StatusCode::OK)
    })
    .await
}

pub async fn revoke(cx: WorkspacePage, Item(id): Item<ApiKeyId>) -> AppResult<HttpResponse> {
    cx.require_section(Section::ApiKeys)?;
    let key = api_keys::revoke(&cx.state.db, &cx.access.workspace.id, id, cx.actor()).await?;
    let message = format!("Revoked {}.", key.label);
    Ok(Done::to(&cx.urls().api_keys(), &message).redirect(&cx.req, &cx.session))
}
