//! Regenerate, (de)activate and delete: each confirmed first (activation
//! needs no confirmation), each answered in place for htmx.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::web;

use super::actions::BackParam;
use super::dialogs::{ctx_for, password_dialog, show};
use super::params::ListState;
use super::view::{Row, RowFragment};
use crate::domain::{CredentialId, Role, now};
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
    let dialog = ConfirmDialog {
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
    show(&cx, back, StatusCode::OK, &dialog).await
}

pub async fn regenerate(
    cx: WorkspacePage,
    Item(id): Item<CredentialId>,
    form: web::Form<BackParam>,
) -> AppResult<HttpResponse> {
    cx.require(Role::can_manage_credentials)?;
    let (state, workspace) = (&cx.state, &cx.access.workspace);
    let regenerated =
        credentials::regenerate(&state.db, &state.argon2, &workspace.id, id, cx.actor()).await?;
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
                c: &Row::new(&credential, now()),
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
