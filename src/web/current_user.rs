use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};

use crate::db::Db;
use crate::error::AppError;
use crate::service::accounts;
use crate::service::accounts::User;
use crate::web::TypedSession;

/// The signed-in user, read from the database on every request, so that a
/// disabled account or a bumped session version signs the session out at once.
pub struct CurrentUser(pub User);

impl CurrentUser {
    /// Loads the session's user, `None` when nobody (valid) is signed in.
    pub async fn load(db: &Db, session: &TypedSession) -> Result<Option<User>, AppError> {
        let Some((id, version)) = session.user() else {
            return Ok(None);
        };
        Ok(accounts::signed_in(db, id, version).await?)
    }

    /// What a request whose session names nobody (valid) gets: the session
    /// ended, and the sign-in page.
    pub fn sign_out(session: &TypedSession) -> AppError {
        session.log_out();
        AppError::LoginRequired
    }
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let db = req.app_data::<web::Data<Db>>().cloned();
        let session = TypedSession::from_request(req, payload).into_inner();
        Box::pin(async move {
            let db = db.ok_or_else(|| AppError::unexpected("Db missing from the app data"))?;
            let session = session.map_err(AppError::unexpected)?;
            match CurrentUser::load(&db, &session).await? {
                Some(user) => Ok(CurrentUser(user)),
                None => Err(CurrentUser::sign_out(&session)),
            }
        })
    }
}
