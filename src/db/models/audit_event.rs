use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::audit_events;
use crate::domain::{AuditEventId, WorkspaceId};

/// One entry of a workspace's activity log.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_events)]
pub struct AuditEvent {
    pub id: AuditEventId,
    pub workspace_id: WorkspaceId,
    /// Who did it: a user's email, or `API key "label"`.
    pub actor: String,
    /// What was done, e.g. `smtp_credential.created`.
    pub action: String,
    /// What it was done to, e.g. `Billing app (smtp_ab12cd34)`.
    pub target: String,
    pub ip: Option<String>,
    pub at: NaiveDateTime,
    pub details: String,
}

impl AuditEvent {
    pub fn insert(conn: &mut DbConn, event: &AuditEvent) -> QueryResult<()> {
        diesel::insert_into(audit_events::table)
            .values(event)
            .execute(conn)
            .map(|_| ())
    }

    /// Newest first; `before` continues from an earlier page's last entry.
    pub fn page(
        conn: &mut DbConn,
        workspace: &WorkspaceId,
        before: Option<&(NaiveDateTime, AuditEventId)>,
        limit: i64,
    ) -> QueryResult<Vec<AuditEvent>> {
        let mut query = audit_events::table
            .filter(audit_events::workspace_id.eq(workspace))
            .select(AuditEvent::as_select())
            .into_boxed();
        if let Some((at, id)) = before {
            query = query.filter(
                audit_events::at.lt(*at).or(audit_events::at
                    .eq(*at)
                    .and(audit_events::id.lt(id.clone()))),
            );
        }
        query
            .order((audit_events::at.desc(), audit_events::id.desc()))
            .limit(limit)
            .load(conn)
    }
}
