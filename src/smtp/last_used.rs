use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use diesel::prelude::*;

use crate::db::Db;
use crate::db::schema::smtp_credentials;
use crate::domain::{CredentialId, now};

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
            // Other instances write too: the condition keeps it to one a minute overall.
            let stale = at - chrono::Duration::seconds(INTERVAL.as_secs() as i64);
            let write = db
                .query(move |conn| {
                    diesel::update(
                        smtp_credentials::table.find(&id).filter(
                            smtp_credentials::last_used_at
                                .is_null()
                                .or(smtp_credentials::last_used_at.lt(stale)),
                        ),
                    )
                    .set((
                        smtp_credentials::last_used_at.eq(at),
                        smtp_credentials::last_used_ip.eq(ip),
                    ))
                    .execute(conn)
                })
                .await;
            if let Err(error) = write {
                tracing::warn!(%error, "last-used time not recorded");
            }
        });
    }
}
