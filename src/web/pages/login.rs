//! Sign-in and sign-out. Failures are throttled (5 per email from one
//! address, 50 per email, 20 per address in 15 minutes; see
//! [`login_throttle`]): beyond them the next attempt gets 429. When every
//! password hashing slot is busy the form comes back with 503.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::auth::login_throttle::{self, SignInKeys};
use crate::domain::EmailAddress;
use crate::error::{AppResult, BUSY_MESSAGE, busy_retry_after};
use crate::service::accounts::{self, AccountError};
use crate::startup::AppState;
use crate::web::kit::{render, see_other};
use crate::web::{CurrentUser, TypedSession};

/// The sign-in form; `Debug` shows the password as redacted.
#[derive(Debug, Default, Deserialize)]
pub struct LoginForm {
    pub email: String,
    pub password: SecretString,
}

#[derive(Template)]
#[template(path = "pages/login.html")]
struct LoginPage<'a> {
    csrf_token: String,
    email: &'a str,
    error: Option<&'a str>,
}

pub async fn login_form(
    state: web::Data<AppState>,
    session: TypedSession,
) -> AppResult<HttpResponse> {
    if CurrentUser::load(&state.db, &session).await?.is_some() {
        return Ok(see_other("/"));
    }
    if accounts::needs_setup(&state.db).await? {
        return Ok(see_other("/setup"));
    }
    page(&session, StatusCode::OK, "", None)
}

/// The outcome of checking an email and password at sign-in.
pub enum SignIn {
    /// Too many failures from this address or for this email: wait this long.
    Throttled(std::time::Duration),
    /// Every password hashing slot is busy: try again in a few seconds.
    Busy,
    Failed,
    Succeeded(crate::db::models::User),
}

/// Checks a password sign-in, throttled per email and address, per email and
/// per address (see [`login_throttle`]; the sign-in page and the invitation
/// page both sign people in here). The attempt counts as a failure before
/// the password is checked, so parallel guesses get no more checks than the
/// limit; it is uncounted when the password is right or was never checked.
pub async fn check_sign_in(
    req: &HttpRequest,
    state: &AppState,
    email: &str,
    password: String,
) -> AppResult<SignIn> {
    let address = crate::web::client::ClientInfo::of(req).ip;
    let keys = SignInKeys::new(email, address);
    let throttle = &state.login_throttle;
    let reservation = match throttle.reserve(&keys).await {
        Ok(reservation) => reservation,
        Err(wait) => {
            tracing::info!(address = ?address, "sign-in throttled");
            return Ok(SignIn::Throttled(wait));
        }
    };
    let checked = match EmailAddress::parse(email) {
        Ok(email) => accounts::authenticate(&state.db, &state.argon2, email, password).await,
        Err(_) => Ok(None),
    };
    match checked {
        Ok(None) => {
            reservation.keep();
            tracing::info!(address = ?address, "sign-in failed");
            Ok(SignIn::Failed)
        }
        Ok(Some(user)) => {
            throttle.release(reservation).await;
            throttle.forgive(&keys).await;
            Ok(SignIn::Succeeded(user))
        }
        Err(AccountError::Busy(_)) => {
            throttle.release(reservation).await;
            tracing::warn!("sign-in refused: every password hashing slot is busy");
            Ok(SignIn::Busy)
        }
        Err(error) => {
            throttle.release(reservation).await;
            Err(error.into())
        }
    }
}

/// "Try again in N minute(s)", and the `Retry-After` seconds.
pub fn throttled_message(wait: std::time::Duration) -> (String, u64) {
    let minutes = login_throttle::minutes(wait);
    (
        format!("Too many failed sign-in attempts. Try again in {minutes} minute(s)."),
        wait.as_secs().max(1),
    )
}

pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    web::Form(form): web::Form<LoginForm>,
) -> AppResult<HttpResponse> {
    match check_sign_in(
        &req,
        &state,
        &form.email,
        form.password.expose_secret().to_owned(),
    )
    .await?
    {
        SignIn::Throttled(wait) => {
            let (message, retry_after) = throttled_message(wait);
            let mut response = page(
                &session,
                StatusCode::TOO_MANY_REQUESTS,
                &form.email,
                Some(&message),
            )?;
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(retry_after));
            Ok(response)
        }
        SignIn::Busy => {
            let mut response = page(
                &session,
                StatusCode::SERVICE_UNAVAILABLE,
                &form.email,
                Some(BUSY_MESSAGE),
            )?;
            let (name, value) = busy_retry_after();
            response.headers_mut().insert(name, value);
            Ok(response)
        }
        SignIn::Failed => page(
            &session,
            StatusCode::UNAUTHORIZED,
            &form.email,
            Some("The email or password is incorrect."),
        ),
        SignIn::Succeeded(user) => {
            session.log_in(&user)?;
            tracing::info!(user = %user.id, "signed in");
            Ok(see_other("/"))
        }
    }
}

pub async fn logout(session: TypedSession) -> HttpResponse {
    session.log_out();
    see_other("/login")
}

fn page(
    session: &TypedSession,
    status: StatusCode,
    email: &str,
    error: Option<&str>,
) -> AppResult<HttpResponse> {
    render(
        status,
        &LoginPage {
            csrf_token: session.csrf_token(),
            email,
            error,
        },
    )
}
