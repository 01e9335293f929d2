//! argon2id hashing (m = 19 MiB, t = 2, p = 1: argon2's defaults, OWASP's
//! recommendation). Hashing and verifying are slow and take 19 MiB each on
//! purpose, so async code runs them through [`Argon2Slots`]: on the blocking
//! pool, at most one per slot (one per core by default) at a time, however
//! many requests arrive. A request that finds no free slot within a short
//! wait is told [`Busy`] (the dashboard answers 503 with `Retry-After`).

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use argon2::password_hash::phc::PasswordHash;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Hashes a password into a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`).
pub fn hash(password: &str) -> String {
    Argon2::default()
        .hash_password(password.as_bytes())
        .expect("argon2 with default parameters accepts any password")
        .to_string()
}

/// Checks a password against a PHC string; a malformed hash never matches.
pub fn verify(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(hash) => Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok(),
        Err(_) => false,
    }
}

/// A real hash of a random password, verified against when the account does
/// not exist, so that "unknown email" costs as much time as "wrong password".
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| hash(&crate::secrets::random_token(16)));

/// Verifies `password` against `phc`, or against the dummy hash when there is
/// no account; true only for a real match.
pub fn verify_or_dummy(password: &str, phc: Option<&str>) -> bool {
    match phc {
        Some(phc) => verify(password, phc),
        None => {
            verify(password, &DUMMY_HASH);
            false
        }
    }
}

/// No argon2 slot came free within the wait.
#[derive(Debug, thiserror::Error)]
#[error("every password hashing slot is busy")]
pub struct Busy;

/// How long a client told [`Busy`] should wait before trying again.
pub const BUSY_RETRY_AFTER: Duration = Duration::from_secs(5);

/// The process's argon2 work: at most `slots` hashes or verifies at once
/// (about 19 MiB each), shared by the dashboard and the SMTP listener.
/// Cloning shares the slots.
#[derive(Clone)]
pub struct Argon2Slots {
    slots: Arc<Semaphore>,
    wait: Duration,
}

impl Argon2Slots {
    /// `slots` computations at once; a dashboard request waits at most
    /// `wait` for one.
    pub fn new(slots: usize, wait: Duration) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(slots.max(1))),
            wait,
        }
    }

    /// The default number of slots: one per core.
    pub fn cores() -> usize {
        std::thread::available_parallelism().map_or(2, |n| n.get())
    }

    /// Hashes `password` ([`hash`]).
    pub async fn hash(&self, password: String) -> Result<String, Busy> {
        let permit = self.acquire().await?;
        Ok(run(permit, move || hash(&password)).await)
    }

    /// Checks `password` against `phc` ([`verify`]).
    pub async fn verify(&self, password: String, phc: String) -> Result<bool, Busy> {
        let permit = self.acquire().await?;
        Ok(run(permit, move || verify(&password, &phc)).await)
    }

    /// [`verify_or_dummy`]: an unknown account costs a verify too.
    pub async fn verify_or_dummy(
        &self,
        password: String,
        phc: Option<String>,
    ) -> Result<bool, Busy> {
        let permit = self.acquire().await?;
        Ok(run(permit, move || verify_or_dummy(&password, phc.as_deref())).await)
    }

    /// As [`Self::verify_or_dummy`], but waiting as long as it takes for a
    /// slot (SMTP AUTH, whose connections are bounded on their own).
    pub async fn verify_or_dummy_queued(&self, password: String, phc: Option<String>) -> bool {
        let permit = Arc::clone(&self.slots)
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        run(permit, move || verify_or_dummy(&password, phc.as_deref())).await
    }

    async fn acquire(&self) -> Result<OwnedSemaphorePermit, Busy> {
        // `timeout` polls the acquisition once before looking at the clock,
        // so a zero wait still takes a free slot.
        match tokio::time::timeout(self.wait, Arc::clone(&self.slots).acquire_owned()).await {
            Ok(permit) => Ok(permit.expect("the semaphore is never closed")),
            Err(_) => Err(Busy),
        }
    }
}

/// Runs `work` on the blocking pool holding `permit` until it is done, even
/// when the request that asked for it has gone away meanwhile.
async fn run<T: Send + 'static>(
    permit: OwnedSemaphorePermit,
    work: impl FnOnce() -> T + Send + 'static,
) -> T {
    let task = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let value = work();
        // argon2's block is freed on this thread, which may now sit idle.
        crate::allocator::release_freed();
        value
    });
    match task.await {
        Ok(value) => value,
        Err(join_error) => std::panic::resume_unwind(join_error.into_panic()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_and_nothing_else() {
        let phc = hash("correct horse battery staple");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify("correct horse battery staple", &phc));
        assert!(!verify("correct horse battery stapler", &phc));
    }

    #[test]
    fn unknown_accounts_never_verify() {
        assert!(!verify_or_dummy("anything", None));
        assert!(!verify("anything", "not a phc string"));
    }

    #[tokio::test]
    async fn with_every_slot_taken_a_request_is_told_busy_after_the_wait() {
        let slots = Argon2Slots::new(1, Duration::from_millis(50));
        let held = Arc::clone(&slots.slots).acquire_owned().await.unwrap();
        assert!(slots.hash("a password".into()).await.is_err());
        drop(held);
        let phc = slots.hash("a password".into()).await.unwrap();
        assert!(slots.verify("a password".into(), phc).await.unwrap());
    }

    #[tokio::test]
    async fn a_zero_wait_still_takes_a_free_slot() {
        let slots = Argon2Slots::new(1, Duration::ZERO);
        assert_eq!(
            slots.verify_or_dummy("x".into(), None).await.ok(),
            Some(false)
        );
    }
}
