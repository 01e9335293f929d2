//! The activity log: who did what to which credential, from where.

use crate::db::keyset::{Anchor, Page};
pub use crate::db::models::AuditEvent;
use crate::db::{Db, DbConn, DbError};
use crate::domain::{AuditEventId, UserId, WorkspaceId, now};

/// Who is acting: a signed-in user (by email) or an API key (by label).
#[derive(Debug, Clone)]
pub struct Actor {
    pub label: String,
    pub user_id: Option<UserId>,
    pub ip: Option<String>,
}

/// Writes one event, inside the transaction of the change it records.
pub(crate) fn record(
    conn: &mut DbConn,
    workspace: &WorkspaceId,
    actor: &Actor,
    action: &str,
    target: &str,
    details: &str,
) -> diesel::QueryResult<()> {
    AuditEvent::insert(
        conn,
        &AuditEvent {
            id: AuditEventId::generate(),
            workspace_id: workspace.clone(),
            actor: actor.label.clone(),
            action: action.to_owned(),
            target: target.to_owned(),
            ip: actor.ip.clone(),
            at: now(),
            details: details.to_owned(),
        },
    )
}

/// Up to `limit` entries of the workspace's log from `anchor` on, newest
/// first.
pub async fn page(
    db: &Db,
    workspace: &WorkspaceId,
    anchor: Anchor<AuditEventId>,
    limit: i64,
) -> Result<Page<AuditEvent, AuditEventId>, DbError> {
    page_about(db, workspace, None, anchor, limit).await
}

/// As [`page`], only the entries about the credential with this username
/// (its target names it as `Name (username)`; usernames never change).
pub async fn page_about(
    db: &Db,
    workspace: &WorkspaceId,
    username: Option<&str>,
    anchor: Anchor<AuditEventId>,
    limit: i64,
) -> Result<Page<AuditEvent, AuditEventId>, DbError> {
    let workspace = workspace.clone();
    let suffix = username.map(|u| format!("({u})"));
    db.query(move |conn| {
        let rows = AuditEvent::page(conn, &workspace, suffix.as_deref(), &anchor, limit + 1)?;
        Ok(Page::from_scan(rows, &anchor, limit, AuditEvent::cursor))
    })
    .await
}

/// How the activity page names an action.
pub fn action_label(action: &str) -> &str {
    match action {
        "smtp_credential.created" => "Created SMTP credential",
        "smtp_credential.regenerated" => "Regenerated password",
        "smtp_credential.activated" => "Activated SMTP credential",
        "smtp_credential.deactivated" => "Deactivated SMTP credential",
        "smtp_credential.updated" => "Edited SMTP credential",
        "smtp_credential.deleted" => "Deleted SMTP credential",
        "smtp_credential.renewed" => "Renewed SMTP credential",
        "smtp_credential.previous_password_revoked" => "Revoked previous password",
        "smtp_credential.policies_changed" => "Changed credential policies",
        "workspace.credential_lifetime_changed" => "Changed maximum credential lifetime",
        "domain.added" => "Added sending domain",
        "domain.removed" => "Removed sending domain",
        "api_key.created" => "Created API key",
        "api_key.revoked" => "Revoked API key",
        "member.invited" => "Invited",
        "invitation.revoked" => "Revoked invitation",
        "member.joined" => "Joined",
        "member.role_changed" => "Changed role",
        "member.removed" => "Removed member",
        "member.left" => "Left the workspace",
        "workspace.renamed" => "Renamed workspace",
        "sandbox.deleted" => "Deleted sandbox mail",
        "sandbox.emptied" => "Deleted all sandbox mail",
        "sandbox.deleted_matching" => "Deleted sandbox mail matching a search",
        "sandbox.tagged" => "Tagged sandbox mail",
        "sandbox.retention_changed" => "Changed sandbox retention",
        "sandbox.released" => "Released sandbox mail",
        other => other,
    }
}
