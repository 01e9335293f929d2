//! `/account`: a person's own name and password, their signed-in sessions
//! (`sessions.rs`) and the workspaces they belong to. Changing the password
//! signs out every other session.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::auth::login_throttle::{self, SignInKeys};
use crate::db::models::User;
use crate::domain::Line;
use crate::error::{AppError, AppResult};
use crate::service::accounts;
use crate::service::sessions::Revoke;
use crate::startup::AppState;
use crate::web::client::ClientInfo;
use crate::web::forms::{FieldErrors, check_new_password};
use crate::web::frame::Frame;
use crate::web::kit::{render, see_other};
use crate::web::pages::sessions::{self, SessionRow};
use crate::web::{CurrentUser, TypedSession};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NameForm {
    pub name: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PasswordForm {
    pub current_password: SecretString,
    pub password: SecretString,
    pub password_confirm: SecretString,
}

#[derive(Template)]
#[template(path = "pages/account.html")]
struct AccountPage<'a> {
    csrf_token: String,
    frame: Frame,
    name: &'a str,
    errors: FieldErrors,
    flash: Option<String>,
    sessions: Vec<SessionRow>,
    /// A confirm dialog rendered open (the JavaScript-free flow).
    modal: Option<String>,
}

/// What the page shows besides the account: the name as typed and the
/// forms' errors.
#[derive(Default)]
pub struct Extras<'a> {
    pub name: Option<&'a str>,
    pub errors: FieldErrors,
}

pub async fn page(
    state: &AppState,
    session: &TypedSession,
    user: &User,
    extras: Extras<'_>,
    modal: Option<String>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let page = AccountPage {
        csrf_token: session.csrf_token(),
        frame: Frame::for_user(state, user).await?,
        name: extras.name.unwrap_or(&user.name),
        errors: extras.errors,
        flash: session.take_flash(),
        sessions: sessions::rows(state, session, user).await?,
        modal,
    };
    render(status, &page)
}

/// The page again with the forms' errors.
async fn invalid(
    state: &AppState,
    session: &TypedSession,
    user: &User,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let extras = Extras { name: None, errors };
    page(state, session, user, extras, None, status).await
}

pub async fn show(
    state: web::Data<AppState>,
    session: TypedSession,
    CurrentUser(user): CurrentUser,
) -> AppResult<HttpResponse> {
    page(
        &state,
        &session,
        &user,
        Extras::default(),
        None,
        StatusCode::OK,
    )
    .await
}

pub async fn rename(
    state: web::Data<AppState>,
    session: TypedSession,
    CurrentUser(user): CurrentUser,
    web::Form(form): web::Form<NameForm>,
) -> AppResult<HttpResponse> {
    let name = match Line::parse(&form.name, 100) {
        Ok(name) => name,
        Err(error) => {
            let mut errors = FieldErrors::default();
            errors.add(
                "name",
                Line::message(error, "Enter your name (up to 100 characters)."),
            );
            let extras = Extras {
                name: Some(form.name.trim()),
                errors,
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return page(&state, &session, &user, extras, None, status).await;
        }
    };
    accounts::rename(&state.db, &user.id, name.into_string()).await?;
    session.flash("Your name was saved.");
    Ok(see_other("/account"))
}

pub async fn change_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    CurrentUser(user): CurrentUser,
    web::Form(form): web::Form<PasswordForm>,
) -> AppResult<HttpResponse> {
    let mut errors = FieldErrors::default();
    check_new_password(
        form.password.expose_secret(),
        form.password_confirm.expose_secret(),
        &mut errors,
    );
    if !errors.is_empty() {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return invalid(&state, &session, &user, errors, status).await;
    }
    // Guesses of the current password count against the account like
    // failed sign-ins do (a stolen session must not become a guessing oracle).
    let throttle = &state.login_throttle;
    let keys = SignInKeys::new(&user.email, ClientInfo::of(&req).ip);
    let reservation = match throttle.reserve(&keys).await {
        Ok(reservation) => reservation,
        Err(wait) => {
            let minutes = login_throttle::minutes(wait);
            errors.add(
                "current_password",
                format!(
                    "Too many wrong passwords for this account. Try again in {minutes} minute(s)."
                ),
            );
            let status = StatusCode::TOO_MANY_REQUESTS;
            return invalid(&state, &session, &user, errors, status).await;
        }
    };
    let changed = accounts::change_password(
        &state.db,
        &state.argon2,
        &user,
        form.current_password.expose_secret().to_owned(),
        form.password.expose_secret().to_owned(),
    )
    .await;
    match changed {
        Ok(Some(user)) => {
            throttle.release(reservation).await;
            throttle.forgive(&keys).await;
            // The new session version signed every session out; their
            // stored sessions go too. This one continues under a new key.
            state
                .sessions
                .sign_out(&user.id, Revoke::All)
                .await
                .map_err(AppError::unexpected)?;
            session.log_in(&user)?;
            session.flash("Your password was changed. Your other sessions were signed out.");
            tracing::info!(user = %user.id, "password changed");
            Ok(see_other("/account"))
        }
        Ok(None) => {
            reservation.keep();
            errors.add("current_password", "The current password is incorrect.");
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            invalid(&state, &session, &user, errors, status).await
        }
        Err(error) => {
            throttle.release(reservation).await;
            Err(error.into())
        }
    }
}
