//! REST API key secrets: `postern_` and 32 random bytes (256 bits) in
//! base64url. Only their SHA-256 is stored; a slow hash would add nothing
//! to a secret that cannot be guessed, and would cost every API request.

/// Whether `path` is the REST API's: bearer keys, no session, no CSRF token.
pub fn is_api_path(path: &str) -> bool {
    path.starts_with("/v2/")
}

/// Every key starts with this, so people and leak scanners recognise it.
pub const KEY_PREFIX: &str = "postern_";
/// Characters of the key shown on the API keys page (prefix + 8).
const VISIBLE: usize = KEY_PREFIX.len() + 8;
/// 32 bytes in base64url, without padding.
const RANDOM_CHARS: usize = 43;

/// A newly made key: the secret (shown once), its stored hash and its
/// visible prefix.
pub struct NewSecret {
    pub secret: String,
    pub hash: String,
    pub prefix: String,
}

pub fn generate() -> NewSecret {
    let secret = format!("{KEY_PREFIX}{}", crate::secrets::random_token(32));
    NewSecret {
        hash: hash(&secret),
        prefix: secret[..VISIBLE].to_owned(),
        secret,
    }
}

/// The stored form of a secret.
pub fn hash(secret: &str) -> String {
    crate::secrets::digest(secret)
}

/// The key in an `Authorization: Bearer …` header value, if it has the shape
/// of one (anything else is refused without asking the database).
pub fn from_authorization(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    let token = token.trim();
    let well_formed = scheme.eq_ignore_ascii_case("bearer")
        && token.len() == KEY_PREFIX.len() + RANDOM_CHARS
        && token.starts_with(KEY_PREFIX)
        && token[KEY_PREFIX.len()..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    well_formed.then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_key_is_recognised_and_hashes_to_its_stored_form() {
        let key = generate();
        assert!(key.secret.starts_with(&key.prefix));
        assert_eq!(key.prefix.len(), 16);
        let header = format!("Bearer {}", key.secret);
        assert_eq!(from_authorization(&header), Some(key.secret.as_str()));
        assert_eq!(hash(&key.secret), key.hash);
        assert_ne!(generate().secret, key.secret);
    }

    #[test]
    fn other_authorization_values_are_refused() {
        let key = generate().secret;
        for header in [
            format!("Basic {key}"),
            "Bearer postern_short".to_owned(),
            format!("Bearer {}", key.replace("postern_", "postman_")),
            format!("Bearer {}!", &key[..key.len() - 1]),
            "Bearer".to_owned(),
        ] {
            assert_eq!(from_authorization(&header), None, "{header}");
        }
    }
}
