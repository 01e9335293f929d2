use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDateTime;

/// An opaque, URL-safe position in a list ordered by (time, id): what
/// "Older"/"Newer" links and API cursors carry.
pub fn encode_cursor(at: NaiveDateTime, id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}.{id}", at.and_utc().timestamp_micros()))
}

/// The (time, id) of a cursor made by [`encode_cursor`]; `None` for anything else.
pub fn decode_cursor(raw: &str) -> Option<(NaiveDateTime, String)> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(raw).ok()?).ok()?;
    let (micros, id) = text.split_once('.')?;
    let at = chrono::DateTime::from_timestamp_micros(micros.parse().ok()?)?.naive_utc();
    Some((at, id.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let at = crate::domain::now();
        assert_eq!(
            decode_cursor(&encode_cursor(at, "abc")),
            Some((at, "abc".into()))
        );
        assert_eq!(decode_cursor("not a cursor"), None);
    }
}
