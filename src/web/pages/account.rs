//! `/account`: a person's own name and password, their signed-in sessions
//! (`sessions.rs`) and the workspaces they belong to. Changing the password
//! signs out every other session.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::auth::login_throttle::{self, SignInKeys};
use crate::domain::PersonName;
use crate::error::{AppError, AppResult};
use crate::service::accounts;
use crate::service::sessions::Revoke;
use crate::web::client::ClientInfo;
use crate::web::forms::{FieldErrors, check_new_password};
use crate::web::frame::Frame;
use crate::web::kit::{UserPage, render, see_other};
use crate::web::pages::sessions::{self, SessionRow};

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
    cx: &UserPage,
    extras: Extras<'_>,
    modal: Option<String>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let page = AccountPage {
        csrf_token: cx.csrf_token(),
        frame: cx.frame().await?,
        name: extras.name.unwrap_or(&cx.user.name),
        errors: extras.errors,
        flash: cx.take_flash(),
        sessions: sessions::rows(cx).await?,
        modal,
    };
    render(status, &page)
}

/// The page again with the forms' errors.
async fn invalid(
    cx: &UserPage,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let extras = Extras { name: None, errors };
    page(cx, extras, None, status).await
}

pub async fn show(cx: UserPage) -> AppResult<HttpResponse> {
    page(&cx, Extras::default(), None, StatusCode::OK).await
}

pub async fn rename(cx: UserPage, web::Form(form): web::Form<NameForm>) -> AppResult<HttpResponse> {
    let name = match PersonName::parse(&form.name) {
        Ok(name) => name,
        Err(message) => {
            let mut errors = FieldErrors::default();
            errors.add("name", message);
            let extras = Extras {
                name: Some(form.name.trim()),
                errors,
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return page(&cx, extras, None, status).await;
        }
    };
    accounts::rename(&cx.state.db, &cx.user.id, name.into_string()).await?;
    cx.session.flash("Your name was saved.");
    Ok(see_other("/account"))
}

pub async fn change_password(
    cx: UserPage,
    web::Form(form): web::Form<PasswordForm>,
) -> AppResult<HttpResponse> {
    let (state, session) = (&cx.state, &cx.session);
    let mut errors = FieldErrors::default();
    check_new_password(
        form.password.expose_secret(),
        form.password_confirm.expose_secret(),
        &mut errors,
    );
    if !errors.is_empty() {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return invalid(&cx, errors, status).await;
    }
    // Guesses of the current password count against the account like
    // failed sign-ins do (a stolen session must not become a guessing oracle).
    let throttle = &state.login_throttle;
    let keys = SignInKeys::new(&cx.user.email, ClientInfo::of(&cx.req).ip);
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
            return invalid(&cx, errors, status).await;
        }
    };
    let changed = accounts::change_password(
        &state.db,
        &state.argon2,
        &cx.user,
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
            invalid(&cx, errors, status).await
        }
        Err(error) => {
            throttle.release(reservation).await;
            Err(error.into())
        }
    }
}
