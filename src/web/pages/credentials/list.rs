use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};

use super::params::{ListParams, ListState};
use super::view::{ConnectionSettings, CredentialsPage, Ctx, Table, TableFragment};
use crate::domain::{Role, now};
use crate::error::AppResult;
use crate::service::credentials;
use crate::startup::AppState;
use crate::web::TypedSession;
use crate::web::frame::Frame;
use crate::web::workspace::WorkspaceAccess;
use crate::web::{htmx_target, render};

/// The id of the element that holds the table; htmx swaps it.
pub const TABLE_ID: &str = "credentials-table";

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    access: WorkspaceAccess,
    params: web::Query<ListParams>,
) -> AppResult<HttpResponse> {
    let list = ListState::new(&access.workspace.slug, &params);
    if htmx_target(&req).as_deref() == Some(TABLE_ID) {
        let ctx = context(&session, &access, &list);
        let table = load_table(&state, &access, list).await?;
        return render(
            StatusCode::OK,
            &TableFragment {
                ctx: &ctx,
                table: &table,
            },
        );
    }
    full_page(&req, &state, &session, &access, list, None, StatusCode::OK).await
}

pub fn context(session: &TypedSession, access: &WorkspaceAccess, list: &ListState) -> Ctx {
    Ctx {
        can_manage: Role::can_manage_credentials(access.role),
        csrf_token: session.csrf_token(),
        back: list.current_query(),
        base: list.base().to_owned(),
    }
}

async fn load_table(
    state: &AppState,
    access: &WorkspaceAccess,
    list: ListState,
) -> AppResult<Table> {
    let page = credentials::list(&state.db, &access.workspace.id, list.request()).await?;
    Ok(Table::new(page, list, now()))
}

/// Host and port applications connect to: the configured SMTP hostname, or
/// the host the dashboard was reached at.
pub fn connection(req: &HttpRequest, state: &AppState) -> ConnectionSettings {
    let host = state
        .smtp_hostname
        .clone()
        .unwrap_or_else(|| crate::web::client::ClientInfo::of(req).host_name());
    ConnectionSettings {
        host,
        port: state.smtp_port,
        smarthost: state.smarthost_configured,
    }
}

/// The whole page, optionally with a dialog rendered open inside it.
pub async fn full_page(
    req: &HttpRequest,
    state: &AppState,
    session: &TypedSession,
    access: &WorkspaceAccess,
    list: ListState,
    modal: Option<String>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let ctx = context(session, access, &list);
    let no_store = modal.is_some();
    let page = CredentialsPage {
        csrf_token: ctx.csrf_token.clone(),
        frame: Frame::for_workspace(state, access, "smtp-credentials").await?,
        table: load_table(state, access, list).await?,
        connection: connection(req, state),
        flash: session.take_flash(),
        modal,
        ctx,
    };
    let mut response = render(status, &page)?;
    if no_store {
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
    }
    Ok(response)
}
