use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::sandbox_messages;
use crate::domain::{CredentialId, MessageId, WorkspaceId};

/// A message sent with a sandbox credential: stored, shown, never relayed.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sandbox_messages)]
pub struct SandboxMessage {
    pub id: MessageId,
    pub workspace_id: WorkspaceId,
    pub credential_id: Option<CredentialId>,
    /// The username it was sent with (kept when the credential is deleted).
    pub username: String,
    pub mail_from: String,
    /// Envelope recipients, one per line.
    pub rcpt_to: String,
    pub subject: String,
    pub size: i64,
    pub raw: Vec<u8>,
    pub received_at: NaiveDateTime,
}

/// A list entry: everything but the raw message.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sandbox_messages)]
pub struct SandboxSummary {
    pub id: MessageId,
    pub username: String,
    pub mail_from: String,
    pub rcpt_to: String,
    pub subject: String,
    pub size: i64,
    pub received_at: NaiveDateTime,
}

impl SandboxMessage {
    pub fn insert(conn: &mut DbConn, message: &SandboxMessage) -> QueryResult<()> {
        diesel::insert_into(sandbox_messages::table)
            .values(message)
            .execute(conn)
            .map(|_| ())
    }

    /// The newest `limit` messages of a workspace, optionally older than a given one.
    pub fn page(
        conn: &mut DbConn,
        workspace: &WorkspaceId,
        before: Option<&(NaiveDateTime, MessageId)>,
        limit: i64,
    ) -> QueryResult<Vec<SandboxSummary>> {
        let mut query = sandbox_messages::table
            .filter(sandbox_messages::workspace_id.eq(workspace))
            .select(SandboxSummary::as_select())
            .into_boxed();
        if let Some((at, id)) = before {
            query = query.filter(
                sandbox_messages::received_at
                    .lt(*at)
                    .or(sandbox_messages::received_at
                        .eq(*at)
                        .and(sandbox_messages::id.lt(id.clone()))),
            );
        }
        query
            .order((
                sandbox_messages::received_at.desc(),
                sandbox_messages::id.desc(),
            ))
            .limit(limit)
            .load(conn)
    }

    pub fn find_in_workspace(
        conn: &mut DbConn,
        workspace: &WorkspaceId,
        id: &MessageId,
    ) -> QueryResult<Option<SandboxMessage>> {
        sandbox_messages::table
            .filter(sandbox_messages::workspace_id.eq(workspace))
            .filter(sandbox_messages::id.eq(id))
            .select(SandboxMessage::as_select())
            .first(conn)
            .optional()
    }
}
