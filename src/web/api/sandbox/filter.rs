//! The one reading of the filter parameters that listing, waiting for and
//! deleting sandbox mail share ([`FilterQuery`]) into the dashboard's
//! [`MessageFilter`]: an empty text (`q`, `tag`, `to`, `subject_contains`)
//! is left out; `to` and `subject_contains` out of bounds are refused with
//! 400 (as they always were), every other bad parameter (an empty id or
//! time included) with 422 naming each one.

use chrono::DateTime;

use super::FilterQuery;
use crate::domain::{CredentialId, SearchTerms, Tag, tags::MAX_TAG_CHARS};
use crate::service::sandbox::{EnvelopeFilter, MessageFilter};
use crate::web::api::error::ApiError;
use crate::web::forms::FieldErrors;

/// Longest `to` filter (an address).
pub const MAX_TO: usize = 320;
/// Longest `subject_contains` filter.
pub const MAX_SUBJECT: usize = 300;

const TIME_MESSAGE: &str = "Use an RFC 3339 time, like 2026-11-28T09:15:00Z.";

impl FilterQuery {
    /// The messages these parameters ask for.
    pub fn parse(&self) -> Result<MessageFilter, ApiError> {
        let envelope = EnvelopeFilter {
            to: envelope_field("to", self.to.as_deref(), MAX_TO)?,
            subject_contains: envelope_field(
                "subject_contains",
                self.subject_contains.as_deref(),
                MAX_SUBJECT,
            )?,
        };
        let mut errors = FieldErrors::default();
        let text =
            SearchTerms::parse_exact(self.q.as_deref().unwrap_or("")).unwrap_or_else(|problem| {
                errors.add("q", problem.message());
                SearchTerms::default()
            });
        let credential = present(&self.credential).and_then(|raw| {
            let id = CredentialId::parse(raw);
            if id.is_none() {
                errors.add("credential", "Use a credential's id (a UUID).");
            }
            id
        });
        let tag = given(&self.tag).and_then(|raw| {
            let tag = Tag::parse(raw);
            if tag.is_none() {
                errors.add(
                    "tag",
                    format!("Use 1–{MAX_TAG_CHARS} printable characters, without a comma."),
                );
            }
            tag
        });
        let mut time = |field: &str, raw: &Option<String>| {
            let at = present(raw).map(DateTime::parse_from_rfc3339);
            match at {
                None => None,
                Some(Ok(at)) => Some(at.naive_utc()),
                Some(Err(_)) => {
                    errors.add(field, TIME_MESSAGE);
                    None
                }
            }
        };
        let received_from = time("received_after", &self.received_after);
        let received_before = time("received_before", &self.received_before);
        if let (Some(from), Some(before)) = (received_from, received_before)
            && before <= from
        {
            errors.add("received_before", "Use a time later than received_after.");
        }
        if !errors.is_empty() {
            return Err(ApiError::from_fields(&errors));
        }
        Ok(MessageFilter {
            text,
            credential,
            tag,
            received_from,
            received_before,
            envelope,
        })
    }
}

/// A text parameter's value, trimmed; `None` when left out or empty.
fn given(raw: &Option<String>) -> Option<&str> {
    present(raw).filter(|v| !v.is_empty())
}

/// A typed parameter's value (an id, a time), trimmed; `None` when left
/// out. Empty is no id or time: refused, as the document says.
fn present(raw: &Option<String>) -> Option<&str> {
    raw.as_deref().map(str::trim)
}

/// `to` or `subject_contains`, trimmed: 400 when over `max` characters or
/// holding a control character.
fn envelope_field(name: &str, value: Option<&str>, max: usize) -> Result<Option<String>, ApiError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) if v.chars().count() > max => Err(ApiError::BadRequest(format!(
            "{name} must be at most {max} characters."
        ))),
        Some(v) if v.chars().any(char::is_control) => Err(ApiError::BadRequest(format!(
            "{name} must not contain control characters."
        ))),
        Some(v) => Ok(Some(v.to_owned())),
    }
}
