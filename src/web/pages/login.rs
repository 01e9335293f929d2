//! Sign-in and sign-out. Failures are throttled per client address and per
//! email: after 5 in 15 minutes the next attempt gets 429.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::{CurrentUser, TypedSession, login_throttle};
use crate::domain::EmailAddress;
use crate::error::AppResult;
use crate::service::accounts;
use crate::startup::AppState;
use crate::web::pages::setup::account_error;
use crate::web::{render, see_other};

#[derive(Debug, Default, Deserialize)]
pub struct LoginForm {
    pub email: String,
    pub password: String,
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
    if CurrentUser::load(&state, &session).await?.is_some() {
        return Ok(see_other("/"));
    }
    if state.db.query(accounts::needs_setup).await? {
        return Ok(see_other("/setup"));
    }
    page(&session, StatusCode::OK, "", None)
}

/// The outcome of checking an email and password at sign-in.
pub enum SignIn {
    /// Too many failures from this address or for this email: wait this long.
    Throttled(std::time::Duration),
    Failed,
    Succeeded(crate::db::models::User),
}

/// Checks a password sign-in, throttled per client address and per email
/// (the sign-in page and the invitation page both sign people in here).
pub async fn check_sign_in(
    req: &HttpRequest,
    state: &AppState,
    email: &str,
    password: String,
) -> AppResult<SignIn> {
    let address_key = format!(
        "ip:{}",
        crate::web::client::ClientInfo::of(req)
            .ip_string()
            .unwrap_or_default()
    );
    let email_key = login_throttle::account_key(email);
    let throttle = &state.login_throttle;
    if let Some(wait) = throttle
        .blocked_for(&address_key)
        .await
        .or(throttle.blocked_for(&email_key).await)
    {
        tracing::warn!(address = %address_key, "sign-in throttled");
        return Ok(SignIn::Throttled(wait));
    }
    let user = match EmailAddress::parse(email) {
        Ok(email) => accounts::authenticate(&state.db, email, password)
            .await
            .map_err(account_error)?,
        Err(_) => None,
    };
    let Some(user) = user else {
        throttle.record_failure(&address_key).await;
        throttle.record_failure(&email_key).await;
        tracing::info!(address = %address_key, "sign-in failed");
        return Ok(SignIn::Failed);
    };
    throttle.clear(&email_key).await;
    Ok(SignIn::Succeeded(user))
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
    match check_sign_in(&req, &state, &form.email, form.password).await? {
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
