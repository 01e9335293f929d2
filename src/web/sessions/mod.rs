//! Dashboard sessions kept on the server, so that signing out — here, from
//! another browser on the Account page, or by changing the password — ends
//! them at once. The cookie carries only the (encrypted) session key; the
//! server keeps a SHA-256 of it, never the key.
//!
//! Where the state lives:
//! - by default in the database (`sessions` rows): one indexed read per
//!   request; a write only when the state changed, or to note the session
//!   was seen (at most once a minute);
//! - with `POSTERN_REDIS_URL`, in Redis under `POSTERN_REDIS_PREFIX` +
//!   `session:` + key hash, each Redis call given up after
//!   [`STORE_DEADLINE`] (the 503 page, see `session_store`). Signed-in
//!   sessions then also get a database row without their state: it lists
//!   them on the Account page and names the Redis keys to delete when they
//!   are signed out. Requests read Redis only.
//!
//! A session signed out while one of its requests was in flight is never
//! brought back by that request's write: the write finds no session and
//! starts a new, signed-out one.
//!
//! How long: a signed-in session is kept 14 days from its last change (the
//! middleware's TTL); one without a signed-in user — a visitor's sign-in
//! form, which needs a CSRF token — only [`ANONYMOUS_TTL`] (its row's
//! `expires_at`, or its Redis TTL). Each cookieless view of a page with a
//! form costs one such row (or Redis key); pages without a form make none.
//! Expired rows are deleted by the next new session, at most once a minute
//! per instance.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use actix_session::storage::SessionKey;
use chrono::NaiveDateTime;

use crate::db::{Db, DbError};
use crate::domain::{SessionId, UserId};
use crate::redis::within;
use crate::service::sessions::SessionSummary;
use crate::service::sessions::{self as rows, Revoke};
use crate::web::session::keys;
use crate::web::session_store::STORE_DEADLINE;

mod store;

/// How often a session's "last seen" time is written, at most.
const TOUCH_EVERY: chrono::Duration = chrono::Duration::seconds(60);
/// How often (seconds, per instance) expired rows are deleted, at most.
const CLEAN_EVERY_SECS: i64 = 60;

type State = HashMap<String, String>;
type Ttl = actix_web::cookie::time::Duration;

/// How long a session without a signed-in user is kept, at most.
pub const ANONYMOUS_TTL: Ttl = Ttl::hours(1);

/// The session store and the sign-out operations of the Account page.
#[derive(Clone)]
pub struct Sessions(Arc<Inner>);

struct Inner {
    db: Db,
    redis: Option<Redis>,
    /// Unix seconds of the last clean-up of expired rows.
    cleaned_at: AtomicI64,
    /// Redis mode: when this instance last wrote each session's last-seen
    /// time (Redis mode reads no row to tell).
    touched: quick_cache::sync::Cache<String, NaiveDateTime>,
}

struct Redis {
    pool: deadpool_redis::Pool,
    prefix: String,
}

impl Redis {
    fn key(&self, key_hash: &str) -> String {
        format!("{}session:{key_hash}", self.prefix)
    }

    async fn call<T: redis::FromRedisValue>(&self, cmd: redis::Cmd) -> anyhow::Result<T> {
        within(STORE_DEADLINE, async {
            let mut connection = self.pool.get().await.map_err(|e| e.to_string())?;
            cmd.query_async::<T>(&mut connection)
                .await
                .map_err(|e| e.to_string())
        })
        .await
        .map_err(anyhow::Error::msg)
    }
}

/// The stored form of a session key.
fn key_hash(key: &SessionKey) -> String {
    crate::secrets::digest(key.as_ref())
}

fn new_key() -> SessionKey {
    SessionKey::try_from(crate::secrets::random_token(48)).expect("64 characters is a valid key")
}

/// A value the typed session stored (JSON), if it is there and readable.
fn value<T: serde::de::DeserializeOwned>(state: &State, key: &str) -> Option<T> {
    serde_json::from_str(state.get(key)?).ok()
}

/// The session's id, given one when it has none yet.
fn ensure_id(state: &mut State) -> SessionId {
    if let Some(id) = value::<String>(state, keys::SESSION_ID).and_then(|s| SessionId::parse(&s)) {
        return id;
    }
    let id = SessionId::generate();
    state.insert(keys::SESSION_ID.to_owned(), json(id.as_str()));
    id
}

fn json(value: &str) -> String {
    serde_json::Value::from(value).to_string()
}

/// What is left of a state whose session was signed out meanwhile.
fn signed_out(mut state: State) -> State {
    for key in keys::SIGNED_IN {
        state.remove(*key);
    }
    state
}

/// How long to keep `state`: the middleware's `ttl` when someone is
/// signed in, at most [`ANONYMOUS_TTL`] otherwise.
fn lifetime(state: &State, ttl: &Ttl) -> Ttl {
    if state.contains_key(keys::USER_ID) {
        *ttl
    } else {
        (*ttl).min(ANONYMOUS_TTL)
    }
}

fn expiry(now: NaiveDateTime, ttl: &Ttl) -> NaiveDateTime {
    now + chrono::Duration::seconds(ttl.whole_seconds())
}

fn other(error: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("session store: {error}")
}

impl Sessions {
    /// Sessions in the database.
    pub fn in_database(db: Db) -> Self {
        Self::new(db, None)
    }

    /// Sessions in Redis (through `pool`, keys starting with `prefix`),
    /// signed-in ones listed in the database.
    pub fn in_redis(db: Db, pool: deadpool_redis::Pool, prefix: &str) -> Self {
        let redis = Redis {
            pool,
            prefix: prefix.to_owned(),
        };
        Self::new(db, Some(redis))
    }

    fn new(db: Db, redis: Option<Redis>) -> Self {
        Self(Arc::new(Inner {
            db,
            redis,
            cleaned_at: AtomicI64::new(0),
            touched: quick_cache::sync::Cache::new(100_000),
        }))
    }

    /// The user's signed-in browsers, most recently seen first.
    pub async fn of_user(&self, user: &UserId) -> Result<Vec<SessionSummary>, DbError> {
        rows::of_user(&self.0.db, user, crate::domain::now()).await
    }

    /// Signs out the chosen sessions of `user`; returns how many there were.
    pub async fn sign_out(&self, user: &UserId, which: Revoke) -> anyhow::Result<usize> {
        let hashes = rows::key_hashes(&self.0.db, user, which)
            .await
            .map_err(other)?;
        if hashes.is_empty() {
            return Ok(0);
        }
        // Redis first: a row whose Redis key could not be deleted stays
        // listed, so the person can try again.
        if let Some(redis) = &self.0.redis {
            let mut del = redis::cmd("DEL");
            for hash in &hashes {
                del.arg(redis.key(hash));
            }
            redis.call::<()>(del).await?;
        }
        let count = hashes.len();
        rows::delete(&self.0.db, hashes).await.map_err(other)?;
        Ok(count)
    }

    /// Notes that a signed-in session was used, at most once per
    /// [`TOUCH_EVERY`], without making the request wait for the write.
    fn touch(&self, hash: String, now: NaiveDateTime) {
        let db = self.0.db.clone();
        tokio::spawn(async move {
            if let Err(error) = rows::touch(&db, hash, now, TOUCH_EVERY).await {
                tracing::warn!(%error, "could not record a session's last use");
            }
        });
    }

    /// Deletes expired rows, at most once per [`CLEAN_EVERY_SECS`] per instance.
    async fn clean_up_now_and_then(&self, now: NaiveDateTime) {
        let last = self.0.cleaned_at.load(Ordering::Relaxed);
        let now_secs = now.and_utc().timestamp();
        if now_secs - last < CLEAN_EVERY_SECS
            || self
                .0
                .cleaned_at
                .compare_exchange(last, now_secs, Ordering::Relaxed, Ordering::Relaxed)
                .is_err()
        {
            return;
        }
        match rows::delete_expired(&self.0.db, now).await {
            Ok(0) => {}
            Ok(deleted) => tracing::debug!(deleted, "expired sessions deleted"),
            Err(error) => tracing::warn!(%error, "could not delete expired sessions"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_signed_out_meanwhile_keeps_only_its_signed_out_state() {
        let state = State::from([
            (keys::USER_ID.to_owned(), json("u")),
            (keys::SESSION_VERSION.to_owned(), "1".to_owned()),
            (keys::SESSION_ID.to_owned(), json("s")),
            ("flash".to_owned(), json("hello")),
        ]);
        let left = signed_out(state);
        assert_eq!(left.keys().collect::<Vec<_>>(), ["flash"]);
    }

    #[test]
    fn only_a_signed_in_session_is_kept_the_full_ttl() {
        let ttl = Ttl::days(14);
        let mut state = State::from([("csrf".to_owned(), json("t"))]);
        assert_eq!(lifetime(&state, &ttl), ANONYMOUS_TTL);
        assert_eq!(lifetime(&state, &Ttl::minutes(5)), Ttl::minutes(5));
        state.insert(keys::USER_ID.to_owned(), json("u"));
        assert_eq!(lifetime(&state, &ttl), ttl);
    }

    #[test]
    fn a_session_gets_one_id_and_keeps_it() {
        let mut state = State::new();
        let id = ensure_id(&mut state);
        assert_eq!(ensure_id(&mut state), id);
        assert_eq!(state.len(), 1);
    }
}
