use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::api_keys;
use crate::domain::{ApiKeyId, UserId, WorkspaceId};

/// A REST API key of one workspace. The secret exists only as its SHA-256;
/// `prefix` is its first characters, shown so people can tell keys apart.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = api_keys)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub workspace_id: WorkspaceId,
    pub label: String,
    pub prefix: String,
    pub secret_hash: String,
    /// Space-separated scopes (`domain::ApiScopes::to_stored`).
    pub scopes: String,
    pub created_at: NaiveDateTime,
    pub created_by: Option<UserId>,
    pub last_used_at: Option<NaiveDateTime>,
}

impl ApiKey {
    pub fn insert(conn: &mut DbConn, key: &ApiKey) -> QueryResult<()> {
        diesel::insert_into(api_keys::table)
            .values(key)
            .execute(conn)
            .map(|_| ())
    }

    /// The workspace's keys, newest first.
    pub fn of_workspace(conn: &mut DbConn, workspace: &WorkspaceId) -> QueryResult<Vec<ApiKey>> {
        api_keys::table
            .filter(api_keys::workspace_id.eq(workspace))
            .order((api_keys::created_at.desc(), api_keys::id.desc()))
            .select(ApiKey::as_select())
            .load(conn)
    }

    pub fn find_in_workspace(
        conn: &mut DbConn,
        workspace: &WorkspaceId,
        id: &ApiKeyId,
    ) -> QueryResult<Option<ApiKey>> {
        api_keys::table
            .filter(api_keys::workspace_id.eq(workspace))
            .filter(api_keys::id.eq(id))
            .select(ApiKey::as_select())
            .first(conn)
            .optional()
    }

    pub fn find_by_secret_hash(conn: &mut DbConn, hash: &str) -> QueryResult<Option<ApiKey>> {
        api_keys::table
            .filter(api_keys::secret_hash.eq(hash))
            .select(ApiKey::as_select())
            .first(conn)
            .optional()
    }

    /// Records use, at most once per `gate` (earlier writes within it are skipped).
    pub fn touch(
        conn: &mut DbConn,
        id: &ApiKeyId,
        now: NaiveDateTime,
        gate: chrono::Duration,
    ) -> QueryResult<usize> {
        diesel::update(
            api_keys::table.find(id).filter(
                api_keys::last_used_at
                    .is_null()
                    .or(api_keys::last_used_at.lt(now - gate)),
            ),
        )
        .set(api_keys::last_used_at.eq(now))
        .execute(conn)
    }

    pub fn delete(conn: &mut DbConn, id: &ApiKeyId) -> QueryResult<usize> {
        diesel::delete(api_keys::table.find(id)).execute(conn)
    }
}
