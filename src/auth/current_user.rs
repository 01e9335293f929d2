use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use diesel::OptionalExtension;

use crate::auth::TypedSession;
use crate::db::models::User;
use crate::error::AppError;
use crate::startup::AppState;

/// The signed-in user, read from the database on every request, so that a
/// disabled account or a bumped session version signs the session out at once.
pub struct CurrentUser(pub User);

impl CurrentUser {
    /// Loads the session's user, `None` when nobody (valid) is signed in.
    pub async fn load(state: &AppState, session: &TypedSession) -> Result<Option<User>, AppError> {
        let Some((id, version)) = session.user() else {
            return Ok(None);
        };
        let user = state
            .db
            .query(move |conn| User::find(conn, &id).optional())
            .await?;
        Ok(user.filter(|u| !u.disabled && u.session_version == version))
    }
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let session = TypedSession::from_request(req, payload).into_inner();
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::unexpected("AppState missing"))?;
            let session = session.map_err(AppError::unexpected)?;
            match CurrentUser::load(&state, &session).await? {
                Some(user) => Ok(CurrentUser(user)),
                None => {
                    session.log_out();
                    Err(AppError::LoginRequired)
                }
            }
        })
    }
}
