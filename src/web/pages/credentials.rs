//! Settings → SMTP Credentials.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::TypedSession;
use crate::error::AppResult;
use crate::startup::AppState;
use crate::web::frame::Frame;
use crate::web::render;
use crate::web::workspace::WorkspaceAccess;

#[derive(Template)]
#[template(path = "pages/settings/smtp_credentials.html")]
struct CredentialsPage {
    csrf_token: String,
    frame: Frame,
}

pub async fn list(
    state: web::Data<AppState>,
    session: TypedSession,
    access: WorkspaceAccess,
) -> AppResult<HttpResponse> {
    let page = CredentialsPage {
        csrf_token: session.csrf_token(),
        frame: Frame::for_workspace(&state, &access, "smtp-credentials").await?,
    };
    render(StatusCode::OK, &page)
}
