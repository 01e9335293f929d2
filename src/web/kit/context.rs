//! What a workspace page handler starts from, extracted once: the request,
//! the app state, the session and the caller's access to the workspace
//! (404 for non-members before any handler runs). The CSRF token and the
//! page frame are built only when a page asks for them.

use std::future::{Future, Ready, ready};
use std::pin::Pin;
use std::str::FromStr;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};

use crate::domain::Role;
use crate::error::{AppError, AppResult};
use crate::service::accounts::User;
use crate::service::audit::Actor;
use crate::startup::AppState;
use crate::web::frame::Frame;
use crate::web::kit::nav::Section;
use crate::web::kit::urls::WorkspaceUrls;
use crate::web::workspace::WorkspaceAccess;
use crate::web::{CurrentUser, TypedSession};

/// A request to a `/w/{slug}/…` page by a member of that workspace.
pub struct WorkspacePage {
    pub req: HttpRequest,
    pub state: web::Data<AppState>,
    pub session: TypedSession,
    pub access: WorkspaceAccess,
}

impl WorkspacePage {
    /// 403 unless the caller's role allows the action.
    pub fn require(&self, allowed: fn(Role) -> bool) -> AppResult<()> {
        self.access.require(allowed)
    }

    /// 403 unless the caller's role may open this Settings section.
    pub fn require_section(&self, section: Section) -> AppResult<()> {
        if section.allows(self.access.role) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The signed-in user as the activity log names them.
    pub fn actor(&self) -> Actor {
        self.access.actor(&self.req)
    }

    /// The links of this workspace's pages.
    pub fn urls(&self) -> WorkspaceUrls {
        WorkspaceUrls::new(&self.access.workspace.slug)
    }

    /// The session's CSRF token for the page's forms (created on first use).
    pub fn csrf_token(&self) -> String {
        self.session.csrf_token()
    }

    /// The top bar and Settings navigation, with `section` highlighted.
    pub async fn frame(&self, section: Section) -> AppResult<Frame> {
        Ok(Frame::for_workspace(&self.access, section))
    }

    /// Takes the message the previous action left for this page.
    pub fn take_flash(&self) -> Option<String> {
        self.session.take_flash()
    }
}

impl FromRequest for WorkspacePage {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        extract(req, payload, |req, state, session, access| Self {
            req,
            state,
            session,
            access,
        })
    }
}

/// A request to one of the signed-in user's own pages, outside any
/// workspace (the account, the workspace list).
pub struct UserPage {
    pub req: HttpRequest,
    pub state: web::Data<AppState>,
    pub session: TypedSession,
    pub user: User,
}

impl UserPage {
    /// The session's CSRF token for the page's forms (created on first use).
    pub fn csrf_token(&self) -> String {
        self.session.csrf_token()
    }

    /// The top bar, no workspace current.
    pub async fn frame(&self) -> AppResult<Frame> {
        Frame::for_user(&self.state, &self.user).await
    }

    /// Takes the message the previous action left for this page.
    pub fn take_flash(&self) -> Option<String> {
        self.session.take_flash()
    }
}

impl FromRequest for UserPage {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        extract(req, payload, |req, state, session, CurrentUser(user)| {
            Self {
                req,
                state,
                session,
                user,
            }
        })
    }
}

/// Extracts a page context: the request, the state and the session, and
/// the `Subject` whose extraction decides whether the page may be seen at
/// all (the signed-in user, or their access to a workspace).
fn extract<Subject, Context>(
    req: &HttpRequest,
    payload: &mut Payload,
    build: fn(HttpRequest, web::Data<AppState>, TypedSession, Subject) -> Context,
) -> Pin<Box<dyn Future<Output = AppResult<Context>>>>
where
    Subject: FromRequest<Error = AppError> + 'static,
    Subject::Future: 'static,
    Context: 'static,
{
    let req = req.clone();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let session = TypedSession::from_request(&req, payload).into_inner();
    let subject = Subject::from_request(&req, payload);
    Box::pin(async move {
        let subject = subject.await?;
        let state = state.ok_or_else(|| AppError::unexpected("AppState missing"))?;
        let session = session.map_err(AppError::unexpected)?;
        Ok(build(req, state, session, subject))
    })
}

/// The `{id}` of an item's path, parsed into its typed id; 404 for
/// anything that is not one.
pub struct Item<T>(pub T);

impl<T: FromStr + 'static> FromRequest for Item<T> {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.match_info()
                .get("id")
                .and_then(|raw| raw.parse().ok())
                .map(Item)
                .ok_or(AppError::NotFound),
        )
    }
}

#[cfg(test)]
mod tests {
    use actix_web::FromRequest;
    use actix_web::test::TestRequest;

    use super::Item;
    use crate::domain::CredentialId;
    use crate::error::AppError;

    async fn item(id: &str) -> Result<Item<CredentialId>, AppError> {
        let (req, mut payload) = TestRequest::default()
            .param("id", id.to_owned())
            .to_http_parts();
        Item::<CredentialId>::from_request(&req, &mut payload).await
    }

    #[actix_web::test]
    async fn an_item_path_with_a_well_formed_id_gives_the_typed_id() {
        let id = CredentialId::generate();
        let Item(parsed) = item(id.as_str()).await.unwrap();
        assert_eq!(parsed, id);
    }

    #[actix_web::test]
    async fn an_item_path_with_anything_else_is_not_found() {
        for raw in ["", "1", "not-a-uuid", "../etc"] {
            assert!(matches!(item(raw).await, Err(AppError::NotFound)), "{raw}");
        }
    }
}
