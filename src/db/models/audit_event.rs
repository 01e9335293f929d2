use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::keyset::{Anchor, Cursor, Direction, keyset};
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

    /// Up to `limit` entries from `anchor` on, newest first, in scan order
    /// (see [`crate::db::keyset::Page::from_scan`]).
    /// With `target_suffix`, only entries whose target ends with it.
    pub fn page(
        conn: &mut DbConn,
        workspace: &WorkspaceId,
        target_suffix: Option<&str>,
        anchor: &Anchor<AuditEventId>,
        limit: i64,
    ) -> QueryResult<Vec<AuditEvent>> {
        let mut query = audit_events::table
            .filter(audit_events::workspace_id.eq(workspace))
            .select(AuditEvent::as_select())
            .into_boxed();
        if let Some(suffix) = target_suffix {
            let escaped: String = suffix
                .chars()
                .flat_map(|c| match c {
                    '%' | '_' | '\\' => vec!['\\', c],
                    c => vec![c],
                })
                .collect();
            query = query.filter(
                audit_events::target
                    .like(format!("%{escaped}"))
                    .escape('\\'),
            );
        }
        let (at, id) = (audit_events::at, audit_events::id);
        keyset!(query, at, id, Direction::Desc, anchor, limit).load(conn)
    }

    /// This entry's place in the log.
    pub fn cursor(&self) -> Cursor<AuditEventId> {
        Cursor {
            at: self.at,
            id: self.id.clone(),
        }
    }
}
