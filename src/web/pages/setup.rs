//! First run: while no user exists, `/setup` creates the first admin and
//! their first workspace, then signs them in. Once anyone exists a post is
//! sent to sign-in before its password is looked at, so `/setup` costs no
//! argon2 work after the first run; during it, hashing waits for a slot of
//! the shared [`crate::auth::password::Argon2Slots`] like every other.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use validator::Validate;

use crate::domain::{EmailAddress, NewPassword, PersonName};
use crate::error::AppResult;
use crate::service::accounts::{self, AccountError, NewAccount};
use crate::startup::AppState;
use crate::web::TypedSession;
use crate::web::forms::FieldErrors;
use crate::web::kit::{WorkspaceUrls, render, see_other};

/// The first-run form. Its name and password follow [`PersonName`] and
/// [`NewPassword`]; its `Debug` leaves the passwords out.
#[derive(Default, Deserialize, Validate)]
pub struct SetupForm {
    pub name: String,
    #[validate(email(message = "Enter a valid email address."))]
    pub email: String,
    pub password: String,
    #[validate(must_match(other = "password", message = "The passwords do not match."))]
    pub password_confirm: String,
    #[validate(
        length(
            min = 1,
            max = 80,
            message = "Name the workspace (up to 80 characters)."
        ),
        custom(function = "crate::domain::text::single_line")
    )]
    pub workspace: String,
}

impl std::fmt::Debug for SetupForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SetupForm")
            .field("name", &self.name)
            .field("email", &self.email)
            .field("password", &"[REDACTED]")
            .field("password_confirm", &"[REDACTED]")
            .field("workspace", &self.workspace)
            .finish()
    }
}

#[derive(Template)]
#[template(path = "pages/setup.html")]
struct SetupPage<'a> {
    csrf_token: String,
    form: &'a SetupForm,
    errors: FieldErrors,
}

pub async fn setup_form(
    state: web::Data<AppState>,
    session: TypedSession,
) -> AppResult<HttpResponse> {
    if !accounts::needs_setup(&state.db).await? {
        return Ok(see_other("/login"));
    }
    let form = SetupForm {
        workspace: "My workspace".into(),
        ..SetupForm::default()
    };
    render(
        StatusCode::OK,
        &SetupPage {
            csrf_token: session.csrf_token(),
            form: &form,
            errors: FieldErrors::default(),
        },
    )
}

pub async fn setup(
    state: web::Data<AppState>,
    session: TypedSession,
    web::Form(mut form): web::Form<SetupForm>,
) -> AppResult<HttpResponse> {
    // Before any validation or hashing: once set up, this form does nothing.
    if !accounts::needs_setup(&state.db).await? {
        return Ok(see_other("/login"));
    }
    form.name = form.name.trim().to_owned();
    form.email = form.email.trim().to_owned();
    form.workspace = form.workspace.trim().to_owned();
    let mut errors = FieldErrors::default();
    if let Err(message) = PersonName::parse(&form.name) {
        errors.add("name", message);
    }
    if let Err(e) = form.validate() {
        for (field, message) in FieldErrors::from_validation(&e).iter() {
            errors.add(field, message);
        }
    }
    if let Err(message) = NewPassword::parse(form.password.clone()) {
        errors.add("password", message);
    }
    let email = EmailAddress::parse(&form.email);
    if let Err(message) = &email {
        errors.add("email", message.clone());
    }
    let email = match email {
        Ok(email) if errors.is_empty() => email,
        _ => return invalid(&session, form, errors),
    };
    let hash = state.argon2.hash(form.password.clone()).await?;
    let account = NewAccount {
        email,
        name: form.name.clone(),
        password_hash: hash,
        is_admin: true,
    };
    let created = accounts::create_first_admin(&state.db, account, form.workspace.clone()).await;
    match created {
        Ok((user, workspace)) => {
            tracing::info!(user = %user.id, workspace = %workspace.slug, "first admin created");
            session.log_in(&user)?;
            session.set_last_workspace(&workspace.slug);
            Ok(see_other(
                &WorkspaceUrls::new(&workspace.slug).credentials(),
            ))
        }
        Err(AccountError::SetupDone) => Ok(see_other("/login")),
        Err(e) => Err(e.into()),
    }
}

fn invalid(
    session: &TypedSession,
    mut form: SetupForm,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    form.password.clear();
    form.password_confirm.clear();
    render(
        StatusCode::UNPROCESSABLE_ENTITY,
        &SetupPage {
            csrf_token: session.csrf_token(),
            form: &form,
            errors,
        },
    )
}
