//! Regenerate, (de)activate and delete: each confirmed first (activation
//! needs no confirmation), each answered in place for htmx.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::web;

use super::actions::BackParam;
use super::dialogs::{ctx_for, password_dialog, show};
use super::params::ListState;
use super::view::{Row, RowFragment};
use crate::domain::{CredentialId, Overlap, Role, now};
use crate::error::AppResult;
use crate::service::credentials;
use crate::web::dialog::ConfirmDialog;
use crate::web::kit::urls::item_action;
use crate::web::kit::{Done, Item, WorkspacePage, htmx_target, render};

/// What the page refreshes when htmx is told a credential changed.
const CHANGED: &str = "credentialsChanged";

/// The actions a confirm dialog asks about.
enum Confirm {
    Regenerate,
    Delete,
}

pub async fn confirm_regenerate(
    cx: WorkspacePage,
    id: Item<CredentialId>,
    back: web::Query<BackParam>,
) -> AppResult<HttpResponse> {
    confirm(cx, id, &back.back, Confirm::Regenerate).await
}

pub async fn confirm_delete(
    cx: WorkspacePage,
    id: Item<CredentialId>,
    back: web::Query<BackParam>,
) -> AppResult<HttpResponse> {
    confirm(cx, id, &back.back, Confirm::Delete).await
}

async fn confirm(
    cx: WorkspacePage,
    Item(id): Item<CredentialId>,
    back: &str,
    kind: Confirm,
) -> AppResult<HttpResponse> {
    cx.require(Role::can_manage_credentials)?;
    let credential = credentials::get(&cx.state.db, &cx.access.workspace.id, id).await?;
    let ctx = ctx_for(&cx, back);
    let (title, warning, verb, button, danger) = match kind {
        Confirm::Regenerate => (
            "Regenerate password?",
            "Unless you keep it working for a while, the current password stops working immediately: applications using it cannot send until you give them the new one.",
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
    let confirm = ConfirmDialog {
        csrf_token: &ctx.csrf_token,
        back: &ctx.back,
        title,
        subject: &credential.name,
        detail: &credential.username,
        warning,
        action: item_action(&ctx.base, &credential.id, verb),
        cancel_href: format!("{}?{}", ctx.base, ctx.back),
        button,
        danger,
    };
    match kind {
        Confirm::Regenerate => {
            let dialog = RegenerateDialog {
                confirm,
                overlaps: &Overlap::CHOICES,
            };
            show(&cx, back, StatusCode::OK, &dialog).await
        }
        Confirm::Delete => show(&cx, back, StatusCode::OK, &confirm).await,
    }
}

/// The regenerate confirmation, which also asks how long the old password
/// keeps working.
#[derive(askama::Template)]
#[template(path = "partials/credentials/_regenerate.html")]
struct RegenerateDialog<'a> {
    confirm: ConfirmDialog<'a>,
    overlaps: &'a [(u32, &'a str)],
}

/// The template reads the confirm dialog's fields as its own.
impl<'a> std::ops::Deref for RegenerateDialog<'a> {
    type Target = ConfirmDialog<'a>;

    fn deref(&self) -> &ConfirmDialog<'a> {
        &self.confirm
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct RegenerateForm {
    pub back: String,
    /// Seconds the old password keeps working (one of [`Overlap::CHOICES`]).
    pub overlap: i64,
}

pub async fn regenerate(
    cx: WorkspacePage,
    Item(id): Item<CredentialId>,
    form: web::Form<RegenerateForm>,
) -> AppResult<HttpResponse> {
    cx.require(Role::can_manage_credentials)?;
    let (state, workspace) = (&cx.state, &cx.access.workspace);
    // The form offers only valid choices; anything else is a forged post.
    let overlap = Overlap::from_seconds(form.overlap)
        .ok_or_else(|| crate::error::AppError::BadRequest("unknown overlap".into()))?;
    let regenerated = credentials::regenerate(
        &state.db,
        &state.argon2,
        &workspace.id,
        id,
        overlap,
        cx.actor(),
    )
    .await?;
    tracing::info!(workspace = %workspace.slug, username = %regenerated.credential.username, "SMTP password regenerated");
    password_dialog(&cx, &form.back, "New password", &regenerated).await
}

pub async fn activate(
    cx: WorkspacePage,
    id: Item<CredentialId>,
    form: web::Form<BackParam>,
) -> AppResult<HttpResponse> {
    set_active(cx, id, &form.back, true).await
}

pub async fn deactivate(
    cx: WorkspacePage,
    id: Item<CredentialId>,
    form: web::Form<BackParam>,
) -> AppResult<HttpResponse> {
    set_active(cx, id, &form.back, false).await
}

/// htmx swaps the changed row; a plain form goes back to the list.
async fn set_active(
    cx: WorkspacePage,
    Item(id): Item<CredentialId>,
    back: &str,
    active: bool,
) -> AppResult<HttpResponse> {
    cx.require(Role::can_manage_credentials)?;
    let workspace = &cx.access.workspace;
    let credential =
        credentials::set_active(&cx.state.db, &workspace.id, id, active, cx.actor()).await?;
    tracing::info!(workspace = %workspace.slug, username = %credential.username, active, "SMTP credential status changed");
    if htmx_target(&cx.req).is_some() {
        let ctx = ctx_for(&cx, back);
        return render(
            StatusCode::OK,
            &RowFragment {
                ctx: &ctx,
                c: &Row::new(credential, now()),
            },
        );
    }
    let verb = if active { "Activated" } else { "Deactivated" };
    Ok(finish(&cx, back, &format!("{verb} {}.", credential.name)))
}

pub async fn delete(
    cx: WorkspacePage,
    Item(id): Item<CredentialId>,
    form: web::Form<BackParam>,
) -> AppResult<HttpResponse> {
    cx.require(Role::can_manage_credentials)?;
    let workspace = &cx.access.workspace;
    let deleted = credentials::delete(&cx.state.db, &workspace.id, id, cx.actor()).await?;
    tracing::info!(workspace = %workspace.slug, username = %deleted.username, "SMTP credential deleted");
    Ok(finish(
        &cx,
        &form.back,
        &format!("Deleted {}.", deleted.name),
    ))
}

/// After a change made in a dialog: htmx closes the dialog, refreshes the
/// table and shows `message`; without JavaScript, back to the list page of
/// `back` with it.
pub fn finish(cx: &WorkspacePage, back: &str, message: &str) -> HttpResponse {
    let list = ListState::from_query(&cx.access.workspace.slug, back);
    Done::to(&list.current_href(), message).in_place(&cx.req, &cx.session, CHANGED)
}
