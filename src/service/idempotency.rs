//! `Idempotency-Key` on API writes: the first request with a key runs and
//! its response is kept for 24 hours (encrypted: it may hold a one-time
//! password); a retry with the same key and the same request gets that
//! response again, whatever instance it reaches.

use chrono::NaiveDateTime;

use crate::db::models::IdempotencyRecord;
use crate::db::{Db, DbError, write_transaction};
use crate::domain::{ApiKeyId, now};
use crate::secrets::Sealer;
use crate::service::is_unique_violation;

/// How long a key's first response is replayed.
pub const REPLAY_WINDOW: chrono::Duration = chrono::Duration::hours(24);
/// A first request still "running" after this long died with its process:
/// it counts as failed.
const ABANDONED_AFTER: chrono::Duration = chrono::Duration::minutes(1);

/// What to do with a request that carries an `Idempotency-Key`.
#[derive(Debug, PartialEq, Eq)]
pub enum Begin {
    /// The first request with this key: run it, then [`finish`].
    Proceed,
    /// It already succeeded: answer this again.
    Replay { status: u16, body: Vec<u8> },
    /// The first request is still running (409).
    InProgress,
    /// The key was used for a different request (422).
    Mismatch,
    /// The first request failed; a new key is needed (412).
    FirstFailed,
}

pub async fn begin(
    db: &Db,
    sealer: &Sealer,
    api_key: &ApiKeyId,
    key: &str,
    request_hash: String,
) -> Result<Begin, DbError> {
    let (api_key, key, sealer) = (api_key.clone(), key.to_owned(), sealer.clone());
    db.query(move |conn| {
        let at = now();
        let claimed = write_transaction(conn, |conn| {
            IdempotencyRecord::delete_older_than(conn, at - REPLAY_WINDOW)?;
            if let Some(existing) = IdempotencyRecord::find(conn, &api_key, &key)? {
                return Ok(decide(&existing, &request_hash, at, &sealer));
            }
            IdempotencyRecord::insert(
                conn,
                &IdempotencyRecord {
                    api_key_id: api_key.clone(),
                    idempotency_key: key.clone(),
                    request_hash: request_hash.clone(),
                    state: "running".to_owned(),
                    response_status: None,
                    response_body: None,
                    created_at: at,
                },
            )?;
            Ok(Begin::Proceed)
        });
        match claimed {
            // Another instance claimed the key between our read and insert.
            Err(e) if is_unique_violation(&e) => Ok(Begin::InProgress),
            other => other,
        }
    })
    .await
}

fn decide(
    record: &IdempotencyRecord,
    request_hash: &str,
    at: NaiveDateTime,
    sealer: &Sealer,
) -> Begin {
    if record.request_hash != request_hash {
        return Begin::Mismatch;
    }
    match record.state.as_str() {
        "running" if at - record.created_at < ABANDONED_AFTER => Begin::InProgress,
        "succeeded" => {
            let body = record.response_body.as_deref().and_then(|b| sealer.open(b));
            match (record.response_status, body) {
                (Some(status), Some(body)) => Begin::Replay {
                    status: u16::try_from(status).unwrap_or(500),
                    body,
                },
                // Sealed under another server secret: it cannot be replayed.
                _ => Begin::FirstFailed,
            }
        }
        _ => Begin::FirstFailed,
    }
}

/// Records how the first request ended: a 2xx response is kept for replay,
/// anything else marks the key as failed.
pub async fn finish(
    db: &Db,
    sealer: &Sealer,
    api_key: &ApiKeyId,
    key: &str,
    status: u16,
    body: &[u8],
) -> Result<(), DbError> {
    let succeeded = (200..300).contains(&status);
    let sealed = succeeded.then(|| sealer.seal(body));
    let state = if succeeded { "succeeded" } else { "failed" };
    let (api_key, key) = (api_key.clone(), key.to_owned());
    db.query(move |conn| {
        IdempotencyRecord::finish(conn, &api_key, &key, state, i32::from(status), sealed)
    })
    .await
}

/// Forgets the key after a failure that was the server's (5xx): nothing was
/// done, so a retry with the same key may run again.
pub async fn release(db: &Db, api_key: &ApiKeyId, key: &str) -> Result<(), DbError> {
    let (api_key, key) = (api_key.clone(), key.to_owned());
    db.query(move |conn| IdempotencyRecord::delete(conn, &api_key, &key).map(|_| ()))
        .await
}
