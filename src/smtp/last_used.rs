use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::db::Db;
use crate::domain::{CredentialId, SecretId, now};
use crate::service::last_used;

/// At most one write per secret per minute.
const INTERVAL: Duration = Duration::from_secs(60);

/// Records when and from where a credential last authenticated, off the
/// reply path and at most once a minute per secret (during a rotation's
/// overlap each of the two passwords shows its own last use).
#[derive(Default)]
pub struct LastUsed {
    written: Mutex<HashMap<SecretId, Instant>>,
}

impl LastUsed {
    pub fn record(&self, db: &Db, id: &CredentialId, secret: &SecretId, ip: &str) {
        {
            let mut written = self.written.lock().unwrap_or_else(PoisonError::into_inner);
            let now = Instant::now();
            if written
                .get(secret)
                .is_some_and(|at| now.duration_since(*at) < INTERVAL)
            {
                return;
            }
            if written.len() > 100_000 {
                written.retain(|_, at| now.duration_since(*at) < INTERVAL);
            }
            written.insert(secret.clone(), now);
        }
        let (db, id, secret, ip) = (db.clone(), id.clone(), secret.clone(), ip.to_owned());
        tokio::spawn(async move {
            let at = now();
            let stale = at - chrono::Duration::seconds(INTERVAL.as_secs() as i64);
            let write = last_used::record(&db, &id, &secret, ip, at, stale).await;
            if let Err(error) = write {
                tracing::warn!(%error, "last-used time not recorded");
            }
        });
    }
}
