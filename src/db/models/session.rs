//! Dashboard sessions kept on the server (see `web::session_store`). A row
//! is found by the SHA-256 of the session key; the key is never stored.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::sessions;
use crate::domain::{SessionId, UserId};

/// What a request needs of its session: one indexed read by key hash.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct StoredSession {
    pub id: SessionId,
    pub user_id: Option<UserId>,
    pub state: String,
    pub last_seen_at: NaiveDateTime,
}

/// A signed-in browser, as the Account page lists it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct SessionSummary {
    pub id: SessionId,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = sessions)]
pub struct NewSession<'a> {
    pub id: SessionId,
    pub key_hash: &'a str,
    pub user_id: Option<UserId>,
    pub state: &'a str,
    pub user_agent: Option<&'a str>,
    pub ip: Option<&'a str>,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

/// A changed session's state and who it belongs to.
#[derive(Debug, AsChangeset)]
#[diesel(table_name = sessions, treat_none_as_null = true)]
pub struct SessionUpdate<'a> {
    pub user_id: Option<UserId>,
    pub state: &'a str,
    pub expires_at: NaiveDateTime,
}

impl StoredSession {
    pub fn insert(conn: &mut DbConn, new: &NewSession<'_>) -> QueryResult<()> {
        diesel::insert_into(sessions::table)
            .values(new)
            .execute(conn)
            .map(|_| ())
    }

    /// The unexpired session with this key hash.
    pub fn find_live(
        conn: &mut DbConn,
        key_hash: &str,
        now: NaiveDateTime,
    ) -> QueryResult<Option<StoredSession>> {
        sessions::table
            .filter(sessions::key_hash.eq(key_hash))
            .filter(sessions::expires_at.gt(now))
            .select(StoredSession::as_select())
            .first(conn)
            .optional()
    }

    /// Writes a changed session; `false` when it no longer exists (signed
    /// out meanwhile), which must not bring it back.
    pub fn update(
        conn: &mut DbConn,
        key_hash: &str,
        changes: &SessionUpdate<'_>,
    ) -> QueryResult<bool> {
        diesel::update(sessions::table.filter(sessions::key_hash.eq(key_hash)))
            .set(changes)
            .execute(conn)
            .map(|n| n > 0)
    }

    pub fn extend(conn: &mut DbConn, key_hash: &str, expires_at: NaiveDateTime) -> QueryResult<()> {
        diesel::update(sessions::table.filter(sessions::key_hash.eq(key_hash)))
            .set(sessions::expires_at.eq(expires_at))
            .execute(conn)
            .map(|_| ())
    }

    /// Records that the session was used, at most once per `gate`.
    pub fn touch(
        conn: &mut DbConn,
        key_hash: &str,
        now: NaiveDateTime,
        gate: chrono::Duration,
    ) -> QueryResult<()> {
        diesel::update(
            sessions::table
                .filter(sessions::key_hash.eq(key_hash))
                .filter(sessions::last_seen_at.lt(now - gate)),
        )
        .set(sessions::last_seen_at.eq(now))
        .execute(conn)
        .map(|_| ())
    }

    /// Deletes every expired session; returns how many.
    pub fn delete_expired(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<usize> {
        diesel::delete(sessions::table.filter(sessions::expires_at.le(now))).execute(conn)
    }
}

impl SessionSummary {
    /// The user's live sessions, most recently seen first.
    pub fn of_user(
        conn: &mut DbConn,
        user: &UserId,
        now: NaiveDateTime,
    ) -> QueryResult<Vec<SessionSummary>> {
        sessions::table
            .filter(sessions::user_id.eq(user))
            .filter(sessions::expires_at.gt(now))
            .order((sessions::last_seen_at.desc(), sessions::id.desc()))
            .select(SessionSummary::as_select())
            .load(conn)
    }
}

/// Which of a user's sessions to end.
#[derive(Debug, Clone)]
pub enum Revoke {
    One(SessionId),
    AllBut(SessionId),
    All,
}

/// The key hashes of the chosen sessions of `user` (never another user's).
pub fn key_hashes(conn: &mut DbConn, user: &UserId, which: &Revoke) -> QueryResult<Vec<String>> {
    let mine = sessions::user_id.eq(user);
    match which {
        Revoke::One(id) => sessions::table
            .filter(mine.and(sessions::id.eq(id)))
            .select(sessions::key_hash)
            .load(conn),
        Revoke::AllBut(id) => sessions::table
            .filter(mine.and(sessions::id.ne(id)))
            .select(sessions::key_hash)
            .load(conn),
        Revoke::All => sessions::table
            .filter(mine)
            .select(sessions::key_hash)
            .load(conn),
    }
}

pub fn delete_by_key_hashes(conn: &mut DbConn, hashes: &[String]) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::key_hash.eq_any(hashes))).execute(conn)
}
