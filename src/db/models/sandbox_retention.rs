use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::sandbox_retention;
use crate::domain::WorkspaceId;

/// A workspace's sandbox limits as set by its admins (no row: defaults).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sandbox_retention)]
pub struct SandboxRetention {
    pub workspace_id: WorkspaceId,
    pub max_messages: i64,
    pub max_age_days: i64,
    pub max_bytes: i64,
    pub updated_at: NaiveDateTime,
}

impl SandboxRetention {
    pub fn find(conn: &mut DbConn, workspace: &WorkspaceId) -> QueryResult<Option<Self>> {
        sandbox_retention::table
            .find(workspace)
            .select(Self::as_select())
            .first(conn)
            .optional()
    }

    /// Replaces the workspace's row, or inserts it. Call it with the
    /// workspace locked (`lock_workspace`), so two first saves cannot both
    /// insert.
    pub fn save(conn: &mut DbConn, row: &Self) -> QueryResult<()> {
        let updated = diesel::update(sandbox_retention::table.find(&row.workspace_id))
            .set((
                sandbox_retention::max_messages.eq(row.max_messages),
                sandbox_retention::max_age_days.eq(row.max_age_days),
                sandbox_retention::max_bytes.eq(row.max_bytes),
                sandbox_retention::updated_at.eq(row.updated_at),
            ))
            .execute(conn)?;
        if updated == 0 {
            diesel::insert_into(sandbox_retention::table)
                .values(row)
                .execute(conn)?;
        }
        Ok(())
    }
}
