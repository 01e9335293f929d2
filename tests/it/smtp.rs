//! The SMTP submission listener, over raw TCP and with lettre.

mod certificate;
pub mod client;
mod connections;
pub mod delivery;
mod protocol;
mod revocation;
mod sink;

use postern::db::models::Workspace;
use postern::service::audit::Actor;
use postern::service::credentials::{self, CredentialFields, Scope};

use crate::helpers::TestApp;

/// Creates a credential through the service; returns its one-time password.
pub async fn credential(
    app: &TestApp,
    workspace: &Workspace,
    username: &str,
    sandbox: bool,
    scope: Scope,
) -> String {
    let actor = Actor {
        label: "test".into(),
        user_id: None,
        ip: None,
    };
    let fields = CredentialFields {
        name: username.into(),
        description: String::new(),
        sandbox,
        scope,
    };
    let username = postern::domain::Username::parse(username).unwrap();
    credentials::create(&app.db, &workspace.id, Some(username), fields, actor)
        .await
        .unwrap()
        .password
}

pub fn b64(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// `AUTH PLAIN` initial response for a username and password.
pub fn plain(user: &str, password: &str) -> String {
    b64(&format!("\0{user}\0{password}"))
}
