//! Sandbox mail: captured for inspection in the dashboard, never relayed.

use crate::auth::smtp_login::AuthenticatedCredential;
use crate::db::models::{SandboxMessage, SandboxSummary};
use crate::db::{Db, DbError};
use crate::domain::{MessageId, WorkspaceId, now};

/// Stores a message; returns its id.
pub async fn store(
    db: &Db,
    login: &AuthenticatedCredential,
    from: &str,
    to: &[String],
    raw: Vec<u8>,
) -> Result<MessageId, DbError> {
    let subject = mail_parser::MessageParser::default()
        .parse_headers(&raw)
        .and_then(|m| m.subject().map(|s| s.chars().take(300).collect()))
        .unwrap_or_default();
    let message = SandboxMessage {
        id: MessageId::generate(),
        workspace_id: login.workspace_id.clone(),
        credential_id: Some(login.id.clone()),
        username: login.username.clone(),
        mail_from: from.to_owned(),
        rcpt_to: to.join("\n"),
        subject,
        size: raw.len() as i64,
        raw,
        received_at: now(),
    };
    let id = message.id.clone();
    db.query(move |conn| SandboxMessage::insert(conn, &message))
        .await?;
    Ok(id)
}

pub async fn list(
    db: &Db,
    workspace: &WorkspaceId,
    before: Option<(chrono::NaiveDateTime, MessageId)>,
    limit: i64,
) -> Result<Vec<SandboxSummary>, DbError> {
    let workspace = workspace.clone();
    db.query(move |conn| SandboxMessage::page(conn, &workspace, before.as_ref(), limit))
        .await
}

pub async fn get(
    db: &Db,
    workspace: &WorkspaceId,
    id: MessageId,
) -> Result<Option<SandboxMessage>, DbError> {
    let workspace = workspace.clone();
    db.query(move |conn| SandboxMessage::find_in_workspace(conn, &workspace, &id))
        .await
}
