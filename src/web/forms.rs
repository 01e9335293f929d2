//! Form helpers: per-field error messages for re-rendered forms, and a 400
//! page (not a bare text body) for forms that do not even deserialize.

use std::collections::HashMap;

use actix_web::web;
use validator::ValidationErrors;

use crate::domain::NewPassword;
use crate::domain::policy::{Limit, SendLimits};
use crate::error::AppError;
use crate::service::credentials::{InputErrors, Problem};

/// The first error message of each invalid field, shown beside the field.
#[derive(Debug, Default)]
pub struct FieldErrors(HashMap<String, String>);

impl FieldErrors {
    pub fn from_validation(errors: &ValidationErrors) -> Self {
        let mut out = Self::default();
        for (field, errs) in errors.field_errors() {
            if let Some(message) = errs.iter().find_map(|e| e.message.as_ref()) {
                out.add(&field, message.to_string());
            }
        }
        out
    }

    /// The credential input's problems beside their fields, each worded by
    /// `wording` (the form's or the API's).
    pub fn from_problems(
        InputErrors(problems): InputErrors,
        wording: impl Fn(&Problem) -> String,
    ) -> Self {
        let mut out = Self::default();
        for problem in &problems {
            out.add(problem.field(), wording(problem));
        }
        out
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0
            .entry(field.to_owned())
            .or_insert_with(|| message.into());
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    /// Whether the field has an error.
    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    /// The attributes that mark an invalid field's control and name its
    /// message (` aria-invalid="true" aria-describedby="{field}-error"`),
    /// empty for a valid one. Field names are the templates' own literals.
    pub fn aria(&self, field: &str) -> String {
        if self.has(field) {
            format!(r#" aria-invalid="true" aria-describedby="{field}-error""#)
        } else {
            String::new()
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every (field, message), in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(f, m)| (f.as_str(), m.as_str()))
    }
}

/// The rules for a new password and its confirmation (joining, changing).
pub fn check_new_password(password: &str, confirm: &str, errors: &mut FieldErrors) {
    if let Err(message) = NewPassword::parse(password.to_owned()) {
        errors.add("password", message);
    } else if password != confirm {
        errors.add("password_confirm", "The passwords do not match.");
    }
}

pub fn form_config() -> web::FormConfig {
    web::FormConfig::default()
        .limit(256 * 1024)
        .error_handler(|error, _req| AppError::BadRequest(error.to_string()).into())
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default()
        .error_handler(|error, _req| AppError::BadRequest(error.to_string()).into())
}

/// A url-encoded form body that may repeat a key (`domains=a&domains=b`),
/// which `web::Form` cannot read into a `Vec`.
pub struct HtmlForm<T>(pub T);

impl<T: serde::de::DeserializeOwned + 'static> actix_web::FromRequest for HtmlForm<T> {
    type Error = AppError;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self, AppError>>>>;

    fn from_request(
        req: &actix_web::HttpRequest,
        payload: &mut actix_web::dev::Payload,
    ) -> Self::Future {
        let body = <web::Bytes as actix_web::FromRequest>::from_request(req, payload);
        Box::pin(async move {
            let body = body
                .await
                .map_err(|e| AppError::BadRequest(e.to_string()))?;
            serde_html_form::from_bytes(&body)
                .map(HtmlForm)
                .map_err(|e| AppError::BadRequest(e.to_string()))
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::web::pages::{account, invitations, login, setup};

    const SECRET: &str = "correct-horse-battery";

    fn read<T: serde::de::DeserializeOwned>(body: &str) -> T {
        serde_html_form::from_str(&body.replace("{}", SECRET)).unwrap()
    }

    #[test]
    fn forms_holding_a_password_never_print_it() {
        let printed = [
            format!(
                "{:?}",
                read::<login::LoginForm>("email=a%40b.example&password={}")
            ),
            format!(
                "{:?}",
                read::<account::PasswordForm>(
                    "current_password={}&password={}&password_confirm={}"
                )
            ),
            format!(
                "{:?}",
                read::<invitations::JoinForm>("name=Ada&password={}&password_confirm={}")
            ),
            format!(
                "{:?}",
                read::<setup::SetupForm>(
                    "name=Ada&email=a%40b.example&password={}&password_confirm={}&workspace=W"
                )
            ),
        ];
        for form in printed {
            assert!(!form.contains(SECRET), "{form}");
            assert!(form.contains("REDACTED"), "{form}");
        }
    }
}

/// A form's four send-limit fields (blank: no limit), as stored or as
/// posted: a credential's policies and the workspace's defaults.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct LimitFields {
    pub max_per_minute: String,
    pub max_per_hour: String,
    pub max_per_day: String,
    pub max_recipients: String,
}

impl LimitFields {
    pub fn of(limits: SendLimits) -> Self {
        let [minute, hour, day, recipients] =
            Limit::ALL.map(|l| limits.get(l).map(|v| v.to_string()).unwrap_or_default());
        Self {
            max_per_minute: minute,
            max_per_hour: hour,
            max_per_day: day,
            max_recipients: recipients,
        }
    }

    /// The limits, or `None` with each refused field's message in `errors`.
    pub fn parse(&self, errors: &mut FieldErrors) -> Option<SendLimits> {
        SendLimits::parse([
            &self.max_per_minute,
            &self.max_per_hour,
            &self.max_per_day,
            &self.max_recipients,
        ])
        .map_err(|problems| {
            for problem in problems {
                errors.add(problem.limit.field(), problem.message);
            }
        })
        .ok()
    }
}
