//! `/account`: a person's own name and password, their signed-in sessions
//! (`sessions.rs`) and the workspaces they belong to. Changing the password
//! signs out every other session.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::auth::login_throttle::{self, SignInKeys};
use crate::domain::Line;
use crate::error::{AppError, AppResult};
use crate::service::accounts;
use crate::service::sessions::Revoke;
use crate::startup::AppState;
use crate::web::client::ClientInfo;
use crate::web::forms::{FieldErrors, check_new_password};
use crate::web::frame::Frame;
use crate::web::pages::sessions::{self, SessionRow};
use crate::web::pages::setup::account_error;
use crate::web::{CurrentUser, TypedSession};
use crate::web::{render, see_other};

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

async fn page(
    state: &AppState,
    session: &TypedSession,
    user: &crate::db::models::User,
    name: &str,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    render_page(state, session, user, name, errors, status, None).await
}

/// The page with a confirm dialog open (see `sessions.rs`).
pub async fn page_with_dialog(
    state: &AppState,
    session: &TypedSession,
    user: &crate::db::models::User,
    dialog: String,
) -> AppResult<HttpResponse> {
    let (name, errors) = (&user.name, FieldErrors::default());
    render_page(
        state,
        session,
        user,
        name,
        errors,
        StatusCode::OK,
        Some(dialog),
    )
    .await
}

async fn render_page(
    state: &AppState,
    session: &TypedSession,
    user: &crate::db::models::User,
    name: &str,
    errors: FieldErrors,
    status: StatusCode,
    modal: Option<String>,
) -> AppResult<HttpResponse> {
    let page = AccountPage {
        csrf_token: session.csrf_token(),
        frame: Frame::for_user(state, user).await?,
        name,
        errors,
        flash: session.take_flash(),
        sessions: sessions::rows(state, session, user).await?,
        modal,
    };
    render(status, &page)
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
        &user.name,
        FieldErrors::default(),
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
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return page(&state, &session, &user, form.name.trim(), errors, status).await;
        }
    };
    accounts::rename(&state.db, &user.id, name.into_string())
        .await
        .map_err(account_error)?;
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
        return page(&state, &session, &user, &user.name, errors, status).await;
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
            return page(&state, &session, &user, &user.name, errors, status).await;
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
            page(&state, &session, &user, &user.name, errors, status).await
        }
        Err(error) => {
            throttle.release(reservation).await;
            Err(account_error(error))
        }
    }
}
