use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::db::Db;
use crate::domain::{CredentialId, now};
use crate::service::last_used;

/// At most one write per credential per minute.
const INTERVAL: Duration = Duration::from_secs(60);

/// Records when and from where a credential last authenticated, off the
/// reply path and at most once a minute per credential.
#[derive(Default)]
pub struct LastUsed {
    written: Mutex<HashMap<CredentialId, Instant>>,
}

impl LastUsed {
    pub fn record(&self, db: &Db, id: &CredentialId, ip: &str) {
        {
            let mut written = self.written.lock().unwrap_or_else(PoisonError::into_inner);
            let now = Instant::now();
            if written
                .get(id)
                .is_some_and(|at| now.duration_since(*at) < INTERVAL)
            {
                return;
            }
            if written.len() > 100_000 {
                written.retain(|_, at| now.duration_since(*at) < INTERVAL);
            }
            written.insert(id.clone(), now);
        }
        let (db, id, ip) = (db.clone(), id.clone(), ip.to_owned());
        tokio::spawn(async move {
            let at = now();
            let stale = at - chrono::Duration::seconds(INTERVAL.as_secs() as i64);
            let write = last_used::record(&db, &id, ip, at, stale).await;
            if let Err(error) = write {
                tracing::warn!(%error, "last-used time not recorded");
            }
        });
    }
}
