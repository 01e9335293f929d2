//! The SMTP submission listener end to end, over raw TCP and with lettre.
//! The protocol itself is tested without a socket, against the session
//! state machine (`src/smtp/session/tests`); these prove the driver passes
//! it through, and cover what needs the real thing (TLS, the database,
//! the smarthost, timing).

mod certificate;
pub mod client;
mod commands;
mod connections;
mod data;
pub mod delivery;
mod lifetime;
mod log;
mod policies;
mod protocol;
mod proxy;
mod relay;
mod remembered;
mod revocation;
pub mod sink;

use std::time::Duration;

use postern::auth::password::Argon2Slots;
use postern::db::models::{SandboxMessage, Workspace};
use postern::service::audit::Actor;
use postern::service::credentials::{self, CredentialFields, Scope};
use postern::service::sandbox;

use self::client::Client;
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
    let argon2 = Argon2Slots::new(1, Duration::from_secs(60));
    credentials::create(
        &app.db,
        &argon2,
        &workspace.id,
        Some(username),
        fields,
        None,
        actor,
    )
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

/// Adds a sending domain to the workspace; returns the scope of just it.
pub async fn domain_scope(app: &TestApp, workspace: &Workspace, name: &str) -> Scope {
    app.post_form(
        &format!("/w/{}/settings/domains", workspace.slug),
        &[("name", name)],
    )
    .await;
    let id = workspace.id.clone();
    let domains = app
        .db
        .query(move |c| postern::db::models::Domain::of_workspace(c, &id))
        .await
        .unwrap();
    let domain = domains.into_iter().find(|d| d.name == name).unwrap();
    Scope::Scoped(vec![domain.id])
}

/// A TLS session authenticated with a new credential.
pub async fn authenticated(
    app: &TestApp,
    workspace: &Workspace,
    username: &str,
    sandbox: bool,
    scope: Scope,
) -> Client {
    let password = credential(app, workspace, username, sandbox, scope).await;
    let mut client = Client::connect_tls(app).await;
    let auth = client.auth_plain(username, &password).await;
    assert_eq!(auth.code, 235, "{}", auth.text);
    client
}

/// Sends MAIL, RCPT and DATA, then `message` (ending with CRLF) and the
/// final `.`; returns the reply to the message.
pub async fn send_message(
    client: &mut Client,
    from: &str,
    to: &str,
    message: &str,
) -> client::Reply {
    client.start_data(from, to).await;
    client.send(&format!("{message}.\r\n")).await;
    client.read().await
}

/// The messages the workspace's sandbox holds, newest first.
pub async fn stored(app: &TestApp, workspace: &Workspace) -> Vec<SandboxMessage> {
    let mut messages = Vec::new();
    for summary in sandbox::list(&app.db, &workspace.id, None, 100)
        .await
        .unwrap()
    {
        let message = sandbox::get(&app.db, &workspace.id, summary.id)
            .await
            .unwrap();
        messages.push(message.unwrap());
    }
    messages
}

/// Whether `data` holds a CR not followed by LF or an LF not after a CR.
pub fn has_bare_line_ending(data: &[u8]) -> bool {
    data.iter().enumerate().any(|(i, b)| match b {
        b'\r' => data.get(i + 1) != Some(&b'\n'),
        b'\n' => i == 0 || data[i - 1] != b'\r',
        _ => false,
    })
}
