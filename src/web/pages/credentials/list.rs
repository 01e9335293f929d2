use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::web;

use super::params::{ListParams, ListState};
use super::view::{ConnectionSettings, CredentialsPage, Ctx, Table, TableFragment};
use crate::domain::{Role, now};
use crate::error::AppResult;
use crate::service::credentials;
use crate::web::kit::{Section, WorkspacePage, htmx_target, render, render_secret};

/// The id of the element that holds the table; htmx swaps it.
pub const TABLE_ID: &str = "credentials-table";

pub async fn list(cx: WorkspacePage, params: web::Query<ListParams>) -> AppResult<HttpResponse> {
    let list = ListState::new(&cx.access.workspace.slug, &params);
    if htmx_target(&cx.req).as_deref() == Some(TABLE_ID) {
        let ctx = context(&cx, &list);
        let table = load_table(&cx, list).await?;
        return render(
            StatusCode::OK,
            &TableFragment {
                ctx: &ctx,
                table: &table,
            },
        );
    }
    page(&cx, list, None, StatusCode::OK).await
}

/// What every credential template needs, for the list in `list`.
pub fn context(cx: &WorkspacePage, list: &ListState) -> Ctx {
    Ctx {
        can_manage: Role::can_manage_credentials(cx.access.role),
        csrf_token: cx.csrf_token(),
        back: list.current_query(),
        base: list.base().to_owned(),
    }
}

async fn load_table(cx: &WorkspacePage, list: ListState) -> AppResult<Table> {
    let page = credentials::list(&cx.state.db, &cx.access.workspace.id, list.request()).await?;
    Ok(Table::new(page, list, now()))
}

/// Host and port applications connect to: the configured SMTP hostname, or
/// the host the dashboard was reached at.
pub fn connection(cx: &WorkspacePage) -> ConnectionSettings {
    let state = &cx.state;
    let host = state
        .smtp_hostname
        .clone()
        .unwrap_or_else(|| crate::web::client::ClientInfo::of(&cx.req).host_name());
    ConnectionSettings {
        host,
        port: state.smtp_port,
        smarthost: state.smarthost_configured,
    }
}

/// The whole page, optionally with a dialog rendered open inside it (never
/// stored: the dialog may show a password).
pub async fn page(
    cx: &WorkspacePage,
    list: ListState,
    modal: Option<String>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let ctx = context(cx, &list);
    let dialog_open = modal.is_some();
    let page = CredentialsPage {
        csrf_token: ctx.csrf_token.clone(),
        frame: cx.frame(Section::SmtpCredentials).await?,
        table: load_table(cx, list).await?,
        connection: connection(cx),
        flash: cx.take_flash(),
        modal,
        ctx,
    };
    render_secret(status, &page, dialog_open)
}
