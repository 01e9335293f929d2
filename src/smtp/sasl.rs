//! Decoding AUTH PLAIN (RFC 4616) and AUTH LOGIN responses.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

#[derive(Debug, PartialEq, Eq)]
pub enum SaslError {
    /// Not base64, or not the expected structure.
    Malformed,
    /// The client sent `*`.
    Cancelled,
}

/// A base64 client response; `=` is the empty response.
pub fn decode(response: &str) -> Result<Vec<u8>, SaslError> {
    match response.trim() {
        "*" => Err(SaslError::Cancelled),
        "=" => Ok(Vec::new()),
        text => STANDARD.decode(text).map_err(|_| SaslError::Malformed),
    }
}

/// `authzid \0 authcid \0 password` → (username, password). An authzid, if
/// given, must equal the username: a credential cannot act as another.
pub fn plain(response: &str) -> Result<(String, String), SaslError> {
    let bytes = decode(response)?;
    let mut parts = bytes.split(|b| *b == 0);
    let (Some(authzid), Some(user), Some(pass), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(SaslError::Malformed);
    };
    let text = |b: &[u8]| String::from_utf8(b.to_vec()).map_err(|_| SaslError::Malformed);
    let (authzid, user, pass) = (text(authzid)?, text(user)?, text(pass)?);
    if !authzid.is_empty() && authzid != user {
        return Err(SaslError::Malformed);
    }
    Ok((user, pass))
}

/// One AUTH LOGIN step (the username or the password).
pub fn login_field(response: &str) -> Result<String, SaslError> {
    String::from_utf8(decode(response)?).map_err(|_| SaslError::Malformed)
}

/// The "Username:" and "Password:" challenges, base64.
pub const USERNAME_CHALLENGE: &str = "VXNlcm5hbWU6";
pub const PASSWORD_CHALLENGE: &str = "UGFzc3dvcmQ6";

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &[u8]) -> String {
        STANDARD.encode(s)
    }

    #[test]
    fn plain_splits_user_and_password() {
        assert_eq!(
            plain(&b64(b"\0alice\0secret")),
            Ok(("alice".into(), "secret".into()))
        );
        assert_eq!(
            plain(&b64(b"alice\0alice\0secret")),
            Ok(("alice".into(), "secret".into()))
        );
    }

    #[test]
    fn plain_refuses_malformed_and_foreign_authzid() {
        assert_eq!(plain("not base64!"), Err(SaslError::Malformed));
        assert_eq!(plain(&b64(b"alice secret")), Err(SaslError::Malformed));
        assert_eq!(plain(&b64(b"\0a\0b\0c")), Err(SaslError::Malformed));
        assert_eq!(
            plain(&b64(b"bob\0alice\0secret")),
            Err(SaslError::Malformed)
        );
        assert_eq!(plain(&b64(b"\0alice\0\xff")), Err(SaslError::Malformed));
    }

    #[test]
    fn a_star_cancels_and_equals_is_empty() {
        assert_eq!(plain("*"), Err(SaslError::Cancelled));
        assert_eq!(decode("="), Ok(Vec::new()));
        assert_eq!(login_field(&b64(b"alice")), Ok("alice".into()));
    }
}
