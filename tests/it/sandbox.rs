//! The Sandbox's mail beyond capture: deleting it, the workspace's
//! retention limits, the instance's ceiling.

mod ceiling;
mod delete;
mod retention;

use chrono::Duration;
use postern::db::models::{SandboxMessage, Workspace};
use postern::domain::{MessageId, now};

use crate::helpers::TestApp;

/// Inserts `n` messages of `size` bytes directly, the first received
/// `first_age` ago and each next one a second later; returns their ids,
/// oldest first. Subjects are `Message 0`, `Message 1`, …
pub async fn seed_messages(
    app: &TestApp,
    workspace: &Workspace,
    n: usize,
    size: usize,
    first_age: Duration,
) -> Vec<MessageId> {
    let workspace = workspace.id.clone();
    app.db
        .query(move |conn| {
            let start = now() - first_age;
            let mut ids = Vec::new();
            for i in 0..n {
                let header = format!("Subject: Message {i}\r\n\r\n");
                let mut raw = header.into_bytes();
                raw.resize(size.max(raw.len()), b'x');
                let message = SandboxMessage {
                    id: MessageId::generate(),
                    workspace_id: workspace.clone(),
                    credential_id: None,
                    username: "seeded".into(),
                    mail_from: "app@example.com".into(),
                    rcpt_to: format!("user{i}@example.net"),
                    subject: format!("Message {i}"),
                    size: raw.len() as i64,
                    raw,
                    received_at: start + Duration::seconds(i as i64),
                };
                SandboxMessage::insert(conn, &message)?;
                ids.push(message.id);
            }
            Ok(ids)
        })
        .await
        .unwrap()
}

/// The subjects the workspace's sandbox holds, newest first.
pub async fn subjects(app: &TestApp, workspace: &Workspace) -> Vec<String> {
    postern::service::sandbox::list(&app.db, &workspace.id, None, 10_000)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.subject)
        .collect()
}
