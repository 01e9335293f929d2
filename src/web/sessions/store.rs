//! [`Sessions`] as actix-session's store: see the parent module for where
//! the state lives and what each operation costs.

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};

use super::{
    Sessions, State, TOUCH_EVERY, Ttl, ensure_id, expiry, key_hash, keys, lifetime, new_key, other,
    signed_out, value,
};
use crate::domain::UserId;
use crate::service::sessions::{self as rows, NewStoredSession};

impl SessionStore for Sessions {
    async fn load(&self, key: &SessionKey) -> Result<Option<State>, LoadError> {
        let hash = key_hash(key);
        let now = crate::domain::now();
        let (state, signed_in, seen) = match &self.0.redis {
            None => {
                let found = rows::find_live(&self.0.db, hash.clone(), now)
                    .await
                    .map_err(|e| LoadError::Other(other(e)))?;
                let Some(row) = found else { return Ok(None) };
                (row.state, row.user_id.is_some(), Some(row.last_seen_at))
            }
            Some(redis) => {
                let body: Option<String> = redis
                    .call(redis::cmd("GET").arg(redis.key(&hash)).clone())
                    .await
                    .map_err(LoadError::Other)?;
                let Some(body) = body else { return Ok(None) };
                let seen = self.0.touched.get(&hash);
                (body, true, seen)
            }
        };
        let state: State = serde_json::from_str(&state)
            .map_err(|e| LoadError::Deserialization(anyhow::Error::new(e)))?;
        let signed_in = signed_in && state.contains_key(keys::USER_ID);
        if signed_in && seen.is_none_or(|seen| seen < now - TOUCH_EVERY) {
            if self.0.redis.is_some() {
                self.0.touched.insert(hash.clone(), now);
            }
            self.touch(hash, now);
        }
        Ok(Some(state))
    }

    async fn save(&self, mut state: State, ttl: &Ttl) -> Result<SessionKey, SaveError> {
        let ttl = &lifetime(&state, ttl);
        let id = ensure_id(&mut state);
        let key = new_key();
        let hash = key_hash(&key);
        let now = crate::domain::now();
        let body = serde_json::to_string(&state)
            .map_err(|e| SaveError::Serialization(anyhow::Error::new(e)))?;
        let user_id = value::<UserId>(&state, keys::USER_ID);
        let in_redis = self.0.redis.is_some();
        if !in_redis || user_id.is_some() {
            let new = NewStoredSession {
                id,
                key_hash: hash.clone(),
                user_id,
                state: if in_redis { "{}".into() } else { body.clone() },
                user_agent: value::<String>(&state, keys::USER_AGENT),
                ip: value::<String>(&state, keys::IP),
                now,
                expires_at: expiry(now, ttl),
            };
            rows::insert(&self.0.db, new)
                .await
                .map_err(|e| SaveError::Other(other(e)))?;
        }
        if let Some(redis) = &self.0.redis {
            let set = redis::cmd("SET")
                .arg(redis.key(&hash))
                .arg(&body)
                .arg("NX")
                .arg("EX")
                .arg(ttl.whole_seconds())
                .clone();
            redis.call::<()>(set).await.map_err(SaveError::Other)?;
        }
        self.clean_up_now_and_then(now).await;
        Ok(key)
    }

    async fn update(
        &self,
        key: SessionKey,
        mut state: State,
        ttl: &Ttl,
    ) -> Result<SessionKey, UpdateError> {
        let full_ttl = ttl;
        let ttl = &lifetime(&state, ttl);
        ensure_id(&mut state);
        let hash = key_hash(&key);
        let now = crate::domain::now();
        let body = serde_json::to_string(&state)
            .map_err(|e| UpdateError::Serialization(anyhow::Error::new(e)))?;
        let expires_at = expiry(now, ttl);
        let still_there = match &self.0.redis {
            None => {
                let user_id = value::<UserId>(&state, keys::USER_ID);
                rows::update(&self.0.db, hash, user_id, body.clone(), expires_at)
                    .await
                    .map_err(|e| UpdateError::Other(other(e)))?
            }
            Some(redis) => {
                let set = redis::cmd("SET")
                    .arg(redis.key(&hash))
                    .arg(&body)
                    .arg("XX")
                    .arg("EX")
                    .arg(ttl.whole_seconds())
                    .clone();
                let reply: redis::Value = redis.call(set).await.map_err(UpdateError::Other)?;
                let updated = !matches!(reply, redis::Value::Nil);
                if updated && state.contains_key(keys::USER_ID) {
                    rows::extend(&self.0.db, hash, expires_at)
                        .await
                        .map_err(|e| UpdateError::Other(other(e)))?;
                }
                updated
            }
        };
        if still_there {
            return Ok(key);
        }
        self.save(signed_out(state), full_ttl)
            .await
            .map_err(|error| match error {
                SaveError::Serialization(e) => UpdateError::Serialization(e),
                SaveError::Other(e) => UpdateError::Other(e),
            })
    }

    /// Only called under `TtlExtensionPolicy::OnEveryRequest`, which
    /// Postern does not use: sessions are extended when they change.
    async fn update_ttl(&self, key: &SessionKey, ttl: &Ttl) -> anyhow::Result<()> {
        let hash = key_hash(key);
        let expires_at = expiry(crate::domain::now(), ttl);
        if let Some(redis) = &self.0.redis {
            let expire = redis::cmd("EXPIRE")
                .arg(redis.key(&hash))
                .arg(ttl.whole_seconds())
                .clone();
            redis.call::<()>(expire).await?;
        }
        rows::extend(&self.0.db, hash, expires_at)
            .await
            .map_err(other)
    }

    async fn delete(&self, key: &SessionKey) -> anyhow::Result<()> {
        let hash = key_hash(key);
        if let Some(redis) = &self.0.redis {
            redis
                .call::<()>(redis::cmd("DEL").arg(redis.key(&hash)).clone())
                .await?;
        }
        rows::delete(&self.0.db, vec![hash])
            .await
            .map(|_| ())
            .map_err(other)
    }
}
