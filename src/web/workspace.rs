//! The workspace a `/w/{slug}/…` request is about, and the caller's role in
//! it. Anyone who is not a member gets 404, whether or not it exists.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};

use crate::domain::{Role, Slug};
use crate::error::{AppError, AppResult};
use crate::service::accounts::{User, Workspace};
use crate::service::audit::Actor;
use crate::service::workspaces;
use crate::startup::AppState;
use crate::web::{CurrentUser, TypedSession};

pub struct WorkspaceAccess {
    pub user: User,
    pub workspace: Workspace,
    pub role: Role,
}

impl WorkspaceAccess {
    /// The signed-in user as the activity log names them, with their address.
    pub fn actor(&self, req: &actix_web::HttpRequest) -> Actor {
        Actor {
            label: self.user.email.clone(),
            user_id: Some(self.user.id.clone()),
            ip: crate::web::client::ClientInfo::of(req).ip_string(),
        }
    }

    /// 403 unless the role allows the action.
    pub fn require(&self, allowed: fn(Role) -> bool) -> AppResult<()> {
        if allowed(self.role) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

impl FromRequest for WorkspaceAccess {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let slug = req.match_info().get("slug").map(str::to_owned);
        let user = CurrentUser::from_request(req, payload);
        let session = TypedSession::from_request(req, payload).into_inner();
        Box::pin(async move {
            let CurrentUser(user) = user.await?;
            let state = state.ok_or_else(|| AppError::unexpected("AppState missing"))?;
            // Checked first: PostgreSQL refuses a NUL even in a lookup.
            let slug = slug
                .and_then(|s| Slug::parse(&s))
                .ok_or(AppError::NotFound)?;
            let found = workspaces::membership(&state.db, &user.id, &slug)
                .await?
                .ok_or(AppError::NotFound)?;
            if let Ok(session) = session {
                session.set_last_workspace(slug.as_str());
            }
            Ok(Self {
                user,
                workspace: found.workspace,
                role: found.role,
            })
        })
    }
}
