//! Settings → SMTP Credentials, through the dashboard's own forms.

mod actions;
mod create;
pub mod expiry;
mod list;
mod overlap;
mod policies;
mod roles;
mod search;

use postern::db::models::smtp_credential::CredentialForAuth;
use postern::db::models::{CredentialSecret, SmtpCredential};

use crate::helpers::{Page, TestApp};

pub const LIST: &str = "/w/acme-mail/settings/smtp-credentials";

/// Creates a credential through the form; returns the page that shows it.
pub async fn create(app: &TestApp, name: &str, username: &str) -> Page {
    app.post_form(
        LIST,
        &[
            ("name", name),
            ("username", username),
            ("mode", "production"),
            ("scope", "global"),
        ],
    )
    .await
}

/// The password shown once, from a create or regenerate response.
pub fn shown_password(page: &Page) -> String {
    page.text_of("#shown-password")
        .expect("a password is shown")
}

async fn stored(app: &TestApp, username: &str) -> CredentialForAuth {
    let username = username.to_owned();
    app.db
        .query(move |conn| SmtpCredential::for_auth_by_username(conn, &username))
        .await
        .unwrap()
        .expect("credential exists")
        .0
}

/// The stored hash of a credential's current password.
pub async fn stored_hash(app: &TestApp, username: &str) -> String {
    let id = stored(app, username).await.id;
    app.db
        .query(move |conn| CredentialSecret::valid_of(conn, &id, postern::domain::now()))
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.valid_until.is_none())
        .expect("a current password")
        .password_hash
}

/// The credential's id.
pub async fn id_of(app: &TestApp, username: &str) -> String {
    stored(app, username).await.id.to_string()
}
