//! argon2id hashing (m = 19 MiB, t = 2, p = 1: argon2's defaults, OWASP's
//! recommendation). Hashing and verifying are slow on purpose, so async code
//! calls them through `spawn_blocking`.

use std::sync::LazyLock;

use argon2::password_hash::phc::PasswordHash;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};

/// Hashes a password into a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`).
pub fn hash(password: &str) -> String {
    Argon2::default()
        .hash_password(password.as_bytes())
        .expect("argon2 with default parameters accepts any password")
        .to_string()
}

/// [`hash`] on the blocking thread pool, for async callers.
pub async fn hash_blocking(password: String) -> String {
    match tokio::task::spawn_blocking(move || hash(&password)).await {
        Ok(phc) => phc,
        Err(join_error) => std::panic::resume_unwind(join_error.into_panic()),
    }
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
}
