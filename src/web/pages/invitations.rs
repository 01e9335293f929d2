//! `/invitations/{token}`: the link an admin passed on. Whoever opens it
//! signs in (if the invited email has an account) or sets a name and
//! password, and joins the workspace with the invited role. Unknown,
//! expired and used links get a page that says which.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::db::models::User;
use crate::domain::PersonName;
use crate::error::{AppError, AppResult, BUSY_MESSAGE, busy_retry_after};
use crate::service::invitations::{self, Details, InvitationError, Joiner, Unusable};
use crate::startup::AppState;
use crate::web::forms::{FieldErrors, check_new_password};
use crate::web::kit::{WorkspaceUrls, render, see_other};
use crate::web::pages::login::{SignIn, check_sign_in, throttled_message};
use crate::web::{CurrentUser, TypedSession};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct JoinForm {
    pub name: String,
    pub password: SecretString,
    pub password_confirm: SecretString,
}

/// Which form the page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Signed in as the invited email: one button.
    Join,
    /// Signed in as someone else.
    WrongAccount,
    /// The invited email has an account: its password.
    SignIn,
    /// No account yet: name and password.
    CreateAccount,
}

#[derive(Template)]
#[template(path = "pages/invitation.html")]
struct InvitationPage<'a> {
    csrf_token: String,
    action: String,
    details: &'a Details,
    step: Step,
    signed_in_as: Option<String>,
    form: &'a JoinForm,
    errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "pages/invitation_unusable.html")]
struct UnusablePage {
    csrf_token: String,
    title: &'static str,
    message: &'static str,
}

fn unusable(session: &TypedSession, why: Unusable) -> AppResult<HttpResponse> {
    let (status, title, message) = match why {
        Unusable::Unknown => (
            StatusCode::NOT_FOUND,
            "This invitation link is not valid",
            "Check that you copied the whole link, or ask a workspace admin for a new invitation.",
        ),
        Unusable::Expired => (
            StatusCode::GONE,
            "This invitation has expired",
            "Invitation links work for 7 days. Ask a workspace admin to invite you again.",
        ),
        Unusable::Used => (
            StatusCode::GONE,
            "This invitation has already been used",
            "Each invitation link works once. If you accepted it, sign in; otherwise ask a workspace admin for a new one.",
        ),
    };
    render(
        status,
        &UnusablePage {
            csrf_token: session.csrf_token(),
            title,
            message,
        },
    )
}

fn step_for(details: &Details, user: Option<&User>) -> Step {
    match (user, &details.account) {
        (Some(user), _) if user.email.eq_ignore_ascii_case(&details.invitation.email) => Step::Join,
        (Some(_), _) => Step::WrongAccount,
        (None, Some(_)) => Step::SignIn,
        (None, None) => Step::CreateAccount,
    }
}

#[allow(clippy::too_many_arguments)]
fn page(
    session: &TypedSession,
    token: &str,
    details: &Details,
    user: Option<&User>,
    form: &JoinForm,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    // The link is a secret: web::security keeps this page out of caches
    // and Referer headers (SECRET_ROUTES).
    render(
        status,
        &InvitationPage {
            csrf_token: session.csrf_token(),
            action: format!("/invitations/{token}"),
            step: step_for(details, user),
            signed_in_as: user.map(|u| u.email.clone()),
            details,
            form,
            errors,
        },
    )
}

pub async fn show(
    state: web::Data<AppState>,
    session: TypedSession,
    token: web::Path<String>,
) -> AppResult<HttpResponse> {
    let details = match invitations::lookup(&state.db, &token).await? {
        Ok(details) => details,
        Err(why) => return unusable(&session, why),
    };
    let user = CurrentUser::load(&state.db, &session).await?;
    page(
        &session,
        &token,
        &details,
        user.as_ref(),
        &JoinForm::default(),
        FieldErrors::default(),
        StatusCode::OK,
    )
}

pub async fn accept(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    token: web::Path<String>,
    web::Form(mut form): web::Form<JoinForm>,
) -> AppResult<HttpResponse> {
    let details = match invitations::lookup(&state.db, &token).await? {
        Ok(details) => details,
        Err(why) => return unusable(&session, why),
    };
    let user = CurrentUser::load(&state.db, &session).await?;
    let again = |errors: FieldErrors, status: StatusCode, form: &JoinForm| {
        page(
            &session,
            &token,
            &details,
            user.as_ref(),
            form,
            errors,
            status,
        )
    };
    let ip = crate::web::client::ClientInfo::of(&req).ip_string();
    let joined = match step_for(&details, user.as_ref()) {
        Step::Join => {
            let user = user.as_ref().ok_or(AppError::LoginRequired)?;
            invitations::accept(&state.db, &token, Joiner::Existing(user), ip).await
        }
        Step::WrongAccount => {
            return again(FieldErrors::default(), StatusCode::FORBIDDEN, &form);
        }
        Step::SignIn => {
            let email = details.invitation.email.clone();
            match check_sign_in(
                &req,
                &state,
                &email,
                form.password.expose_secret().to_owned(),
            )
            .await?
            {
                SignIn::Throttled(wait) => {
                    let mut errors = FieldErrors::default();
                    let (message, retry_after) = throttled_message(wait);
                    errors.add("password", message);
                    let mut response = again(errors, StatusCode::TOO_MANY_REQUESTS, &form)?;
                    response
                        .headers_mut()
                        .insert(header::RETRY_AFTER, header::HeaderValue::from(retry_after));
                    return Ok(response);
                }
                SignIn::Busy => {
                    let mut errors = FieldErrors::default();
                    errors.add("password", BUSY_MESSAGE);
                    let mut response = again(errors, StatusCode::SERVICE_UNAVAILABLE, &form)?;
                    let (name, value) = busy_retry_after();
                    response.headers_mut().insert(name, value);
                    return Ok(response);
                }
                SignIn::Failed => {
                    let mut errors = FieldErrors::default();
                    errors.add("password", "The password is incorrect.");
                    return again(errors, StatusCode::UNAUTHORIZED, &form);
                }
                SignIn::Succeeded(user) => {
                    invitations::accept(&state.db, &token, Joiner::Existing(&user), ip).await
                }
            }
        }
        Step::CreateAccount => {
            form.name = form.name.trim().to_owned();
            let mut errors = FieldErrors::default();
            if let Err(message) = PersonName::parse(&form.name) {
                errors.add("name", message);
            }
            check_new_password(
                form.password.expose_secret(),
                form.password_confirm.expose_secret(),
                &mut errors,
            );
            if !errors.is_empty() {
                return again(errors, StatusCode::UNPROCESSABLE_ENTITY, &form);
            }
            let hash = state
                .argon2
                .hash(form.password.expose_secret().to_owned())
                .await?;
            let joiner = Joiner::NewAccount {
                name: &form.name,
                password_hash: &hash,
            };
            invitations::accept(&state.db, &token, joiner, ip).await
        }
    };
    match joined {
        Ok((user, workspace)) => {
            session.log_in(&user)?;
            session.flash(&format!("Welcome to {}.", workspace.name));
            tracing::info!(user = %user.id, workspace = %workspace.id, "invitation accepted");
            Ok(see_other(
                &WorkspaceUrls::new(&workspace.slug).credentials(),
            ))
        }
        Err(InvitationError::Unusable(why)) => unusable(&session, why),
        Err(other) => Err(other.into()),
    }
}
