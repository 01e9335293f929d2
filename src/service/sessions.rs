//! The dashboard's server-side sessions as rows (see `web::sessions`, which
//! keeps them for actix-session, in the database or beside Redis). A row is
//! found by the SHA-256 of its session key; the key is never stored.

use chrono::NaiveDateTime;

pub use crate::db::models::SessionSummary;
use crate::db::models::StoredSession;
pub use crate::db::models::session::Revoke;
use crate::db::models::session::{self, NewSession, SessionUpdate};
use crate::db::{Db, DbError};
use crate::domain::{SessionId, UserId};

/// A session to store; `state` is its JSON.
pub struct NewStoredSession {
    pub id: SessionId,
    pub key_hash: String,
    pub user_id: Option<UserId>,
    pub state: String,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    pub now: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

/// The unexpired session with this key hash (a short read on every request).
pub async fn find_live(
    db: &Db,
    key_hash: String,
    now: NaiveDateTime,
) -> Result<Option<StoredSession>, DbError> {
    db.read(move |conn| StoredSession::find_live(conn, &key_hash, now))
        .await
}

pub async fn insert(db: &Db, new: NewStoredSession) -> Result<(), DbError> {
    db.query(move |conn| {
        StoredSession::insert(
            conn,
            &NewSession {
                id: new.id,
                key_hash: &new.key_hash,
                user_id: new.user_id,
                state: &new.state,
                user_agent: new.user_agent.as_deref(),
                ip: new.ip.as_deref(),
                created_at: new.now,
                last_seen_at: new.now,
                expires_at: new.expires_at,
            },
        )
    })
    .await
}

/// Stores a changed session; `false` when its row is gone.
pub async fn update(
    db: &Db,
    key_hash: String,
    user_id: Option<UserId>,
    state: String,
    expires_at: NaiveDateTime,
) -> Result<bool, DbError> {
    db.query(move |conn| {
        let changes = SessionUpdate {
            user_id,
            state: &state,
            expires_at,
        };
        StoredSession::update(conn, &key_hash, &changes)
    })
    .await
}

pub async fn extend(db: &Db, key_hash: String, expires_at: NaiveDateTime) -> Result<(), DbError> {
    db.query(move |conn| StoredSession::extend(conn, &key_hash, expires_at))
        .await
}

/// Notes that the session was used at `now`, unless it was within `gate`.
pub async fn touch(
    db: &Db,
    key_hash: String,
    now: NaiveDateTime,
    gate: chrono::Duration,
) -> Result<(), DbError> {
    db.query(move |conn| StoredSession::touch(conn, &key_hash, now, gate))
        .await
}

/// Deletes the expired rows; returns how many there were.
pub async fn delete_expired(db: &Db, now: NaiveDateTime) -> Result<usize, DbError> {
    db.query(move |conn| StoredSession::delete_expired(conn, now))
        .await
}

/// The user's signed-in browsers, most recently seen first.
pub async fn of_user(
    db: &Db,
    user: &UserId,
    now: NaiveDateTime,
) -> Result<Vec<SessionSummary>, DbError> {
    let user = user.clone();
    db.query(move |conn| SessionSummary::of_user(conn, &user, now))
        .await
}

/// The key hashes of the chosen sessions of `user`.
pub async fn key_hashes(db: &Db, user: &UserId, which: Revoke) -> Result<Vec<String>, DbError> {
    let user = user.clone();
    db.query(move |conn| session::key_hashes(conn, &user, &which))
        .await
}

/// Deletes the sessions with these key hashes; returns how many there were.
pub async fn delete(db: &Db, key_hashes: Vec<String>) -> Result<usize, DbError> {
    db.query(move |conn| session::delete_by_key_hashes(conn, &key_hashes))
        .await
}
