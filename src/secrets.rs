//! Random secrets from the operating system's CSPRNG.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// `bytes` random bytes as URL-safe base64 without padding
/// (16 bytes → 22 characters, 128 bits).
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("the operating system's random source failed");
    URL_SAFE_NO_PAD.encode(buf)
}

/// The stored form of a random secret (API key, invitation token): SHA-256
/// in base64url. A slow hash would add nothing to 256 random bits.
pub fn digest(secret: &str) -> String {
    use sha2::Digest;
    URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(secret.as_bytes()))
}

/// Encrypts small records at rest (XChaCha20-Poly1305 under a key derived
/// from the server secret), e.g. stored API responses that carry a password.
#[derive(Clone)]
pub struct Sealer(chacha20poly1305::Key);

const NONCE_BYTES: usize = 24;

impl Sealer {
    /// A key for one purpose, derived from the server secret.
    pub fn derive(server_secret: &[u8], purpose: &str) -> Self {
        use hmac::{KeyInit, Mac};
        let mut mac =
            hmac::Hmac::<sha2::Sha256>::new_from_slice(server_secret).expect("HMAC takes any key");
        mac.update(purpose.as_bytes());
        Self(mac.finalize().into_bytes())
    }

    pub fn seal(&self, plaintext: &[u8]) -> Vec<u8> {
        use chacha20poly1305::aead::Aead;
        use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
        let mut nonce = [0u8; NONCE_BYTES];
        getrandom::fill(&mut nonce).expect("the operating system's random source failed");
        let sealed = XChaCha20Poly1305::new(&self.0)
            .encrypt(&XNonce::from(nonce), plaintext)
            .expect("encryption of an in-memory buffer cannot fail");
        [nonce.as_slice(), &sealed].concat()
    }

    /// `None` when the data was not sealed with this key (or was altered).
    pub fn open(&self, sealed: &[u8]) -> Option<Vec<u8>> {
        use chacha20poly1305::aead::Aead;
        use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
        let (nonce, ciphertext) = sealed.split_at_checked(NONCE_BYTES)?;
        let nonce = XNonce::try_from(nonce).ok()?;
        XChaCha20Poly1305::new(&self.0)
            .decrypt(&nonce, ciphertext)
            .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::{Sealer, random_token};

    #[test]
    fn sealed_data_opens_only_with_the_same_key_and_unaltered() {
        let sealer = Sealer::derive(b"server secret", "purpose");
        let sealed = sealer.seal(b"password");
        assert!(!sealed.windows(8).any(|w| w == b"password"));
        assert_eq!(sealer.open(&sealed).as_deref(), Some(&b"password"[..]));
        assert_eq!(
            Sealer::derive(b"other secret", "purpose").open(&sealed),
            None
        );
        let mut altered = sealed.clone();
        *altered.last_mut().unwrap() ^= 1;
        assert_eq!(sealer.open(&altered), None);
    }

    #[test]
    fn tokens_are_url_safe_and_differ() {
        let a = random_token(24);
        let b = random_token(24);
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
    }
}
