//! The workspace a `/w/{slug}/…` request is about, and the caller's role in
//! it. Anyone who is not a member gets 404, whether or not it exists.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};

use crate::domain::{Role, Slug};
use crate::error::{AppError, AppResult};
use crate::service::accounts::{self, User, Workspace};
use crate::service::audit::Actor;
use crate::service::workspaces::WorkspaceWithRole;
use crate::startup::AppState;
use crate::web::{CurrentUser, TypedSession};

pub struct WorkspaceAccess {
    pub user: User,
    pub workspace: Workspace,
    pub role: Role,
    /// Every workspace the user belongs to, by name (the frame's switcher).
    pub workspaces: Vec<WorkspaceWithRole>,
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
        let session = TypedSession::from_request(req, payload).into_inner();
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::unexpected("AppState missing"))?;
            let session = session.map_err(AppError::unexpected)?;
            // The user and all their memberships in one read: the role here
            // and the frame's workspace switcher come from the same rows.
            let signed_in = match session.user() {
                Some((id, version)) => accounts::signed_in_member(&state.db, id, version).await?,
                None => None,
            };
            let Some((user, workspaces)) = signed_in else {
                return Err(CurrentUser::sign_out(&session));
            };
            // Checked before use: PostgreSQL refuses a NUL even in a lookup.
            let slug = slug
                .and_then(|s| Slug::parse(&s))
                .ok_or(AppError::NotFound)?;
            let found = workspaces
                .iter()
                .find(|w| w.workspace.slug == slug.as_str())
                .cloned()
                .ok_or(AppError::NotFound)?;
            session.set_last_workspace(slug.as_str());
            Ok(Self {
                user,
                workspace: found.workspace,
                role: found.role,
                workspaces,
            })
        })
    }
}
