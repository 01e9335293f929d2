use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::idempotency_keys;
use crate::domain::ApiKeyId;

/// The first request made with an `Idempotency-Key`, and how it ended.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = idempotency_keys)]
pub struct IdempotencyRecord {
    pub api_key_id: ApiKeyId,
    pub idempotency_key: String,
    /// SHA-256 of method, path and body: a retry must send the same request.
    pub request_hash: String,
    /// `running`, `succeeded` or `failed`.
    pub state: String,
    pub response_status: Option<i32>,
    /// The response body, encrypted with the server key.
    pub response_body: Option<Vec<u8>>,
    pub created_at: NaiveDateTime,
}

impl IdempotencyRecord {
    pub fn insert(conn: &mut DbConn, record: &IdempotencyRecord) -> QueryResult<()> {
        diesel::insert_into(idempotency_keys::table)
            .values(record)
            .execute(conn)
            .map(|_| ())
    }

    pub fn find(
        conn: &mut DbConn,
        api_key: &ApiKeyId,
        key: &str,
    ) -> QueryResult<Option<IdempotencyRecord>> {
        idempotency_keys::table
            .filter(idempotency_keys::api_key_id.eq(api_key))
            .filter(idempotency_keys::idempotency_key.eq(key))
            .select(IdempotencyRecord::as_select())
            .first(conn)
            .optional()
    }

    /// Stores how the first request ended.
    pub fn finish(
        conn: &mut DbConn,
        api_key: &ApiKeyId,
        key: &str,
        state: &str,
        status: i32,
        body: Option<Vec<u8>>,
    ) -> QueryResult<()> {
        diesel::update(
            idempotency_keys::table
                .filter(idempotency_keys::api_key_id.eq(api_key))
                .filter(idempotency_keys::idempotency_key.eq(key)),
        )
        .set((
            idempotency_keys::state.eq(state),
            idempotency_keys::response_status.eq(Some(status)),
            idempotency_keys::response_body.eq(body),
        ))
        .execute(conn)
        .map(|_| ())
    }

    pub fn delete(conn: &mut DbConn, api_key: &ApiKeyId, key: &str) -> QueryResult<usize> {
        diesel::delete(
            idempotency_keys::table
                .filter(idempotency_keys::api_key_id.eq(api_key))
                .filter(idempotency_keys::idempotency_key.eq(key)),
        )
        .execute(conn)
    }

    /// Forgets every record made before `cutoff`.
    pub fn delete_older_than(conn: &mut DbConn, cutoff: NaiveDateTime) -> QueryResult<usize> {
        diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(cutoff)))
            .execute(conn)
    }
}
