//! Counts in Redis, shared by every instance.

use super::Slot;

/// Checks then counts every window in one atomic step. KEYS: one per
/// window; ARGV: each window's limit and lifetime in seconds, in turn.
/// Returns 0 when counted, else the (1-based) index of the first full one.
const RESERVE: &str = r"
for i, key in ipairs(KEYS) do
  local used = tonumber(redis.call('GET', key) or '0')
  if used >= tonumber(ARGV[2 * i - 1]) then return i end
end
for i, key in ipairs(KEYS) do
  redis.call('INCR', key)
  redis.call('EXPIRE', key, ARGV[2 * i])
end
return 0
";

/// Gives one message back to every window still counted.
const RELEASE: &str = r"
for _, key in ipairs(KEYS) do
  local used = tonumber(redis.call('GET', key) or '0')
  if used > 0 then redis.call('DECR', key) end
end
return 0
";

pub(super) struct SharedCounts {
    redis: deadpool_redis::Pool,
    reserve: redis::Script,
    release: redis::Script,
    /// `POSTERN_REDIS_PREFIX`.
    prefix: String,
}

impl SharedCounts {
    pub(super) fn new(redis: deadpool_redis::Pool, prefix: &str) -> Self {
        Self {
            redis,
            reserve: redis::Script::new(RESERVE),
            release: redis::Script::new(RELEASE),
            prefix: prefix.to_owned(),
        }
    }

    fn key(&self, slot: &Slot) -> String {
        format!(
            "{}send:{}:{}:{}",
            self.prefix,
            slot.credential,
            slot.window.noun(),
            slot.start
        )
    }

    /// As [`super::local::LocalCounts::reserve`].
    pub(super) async fn reserve(&self, wanted: &[(Slot, u32)]) -> Result<Option<usize>, String> {
        let mut invocation = self.reserve.prepare_invoke();
        for (slot, limit) in wanted {
            // Kept a minute past the window, for a late release.
            let lifetime = slot.window.seconds() + 60;
            invocation.key(self.key(slot)).arg(*limit).arg(lifetime);
        }
        let mut connection = self.redis.get().await.map_err(|e| e.to_string())?;
        let full: usize = invocation
            .invoke_async(&mut connection)
            .await
            .map_err(|e| e.to_string())?;
        Ok(full.checked_sub(1))
    }

    pub(super) async fn release(&self, slots: &[Slot]) -> Result<(), String> {
        let mut invocation = self.release.prepare_invoke();
        for slot in slots {
            invocation.key(self.key(slot));
        }
        let mut connection = self.redis.get().await.map_err(|e| e.to_string())?;
        invocation
            .invoke_async::<()>(&mut connection)
            .await
            .map_err(|e| e.to_string())
    }

    pub(super) async fn counts(&self, slots: &[Slot]) -> Result<Vec<u32>, String> {
        if slots.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<String> = slots.iter().map(|s| self.key(s)).collect();
        let mut connection = self.redis.get().await.map_err(|e| e.to_string())?;
        let counts: Vec<Option<u32>> = redis::cmd("MGET")
            .arg(&keys)
            .query_async(&mut connection)
            .await
            .map_err(|e| e.to_string())?;
        Ok(counts.into_iter().map(Option::unwrap_or_default).collect())
    }
}
