//! Sandbox mail: captured for inspection in the dashboard, never relayed
//! on its own (a member may release a copy to addresses they name:
//! `release`); searched and tagged (`search`); deleted by hand or by the
//! workspace's retention limits.

pub mod checks;
mod delete;
pub mod events;
pub mod find;
pub mod parts;
pub mod preview;
pub mod reading;
pub mod release;
pub mod retention;
pub mod search;
mod usage;
mod writer;

pub use self::delete::{MAX_SELECTED, delete, delete_all};
pub use self::events::{SandboxEvents, Slot, Slots};
pub use self::search::{
    ListedMessage, MessageFilter, MessagePage, Tally, count, delete_matching, search,
    search_and_count, set_tags, tags,
};
pub use self::usage::SandboxUsage;
use crate::auth::smtp_login::AuthenticatedCredential;
pub use crate::db::models::{EnvelopeFilter, SandboxMessage, SandboxSummary};
use crate::db::{Db, DbError};
use crate::domain::{MessageId, WorkspaceId, now};

/// How storing a message came out.
#[derive(Debug)]
pub enum Stored {
    /// Kept under this id.
    Kept(MessageId),
    /// The credential has been deleted meanwhile; the message is not kept.
    CredentialGone,
    /// The instance holds `POSTERN_SANDBOX_MAX_BYTES` of sandbox mail.
    Full,
}

/// Stores a message, unless the instance's ceiling is reached. The text
/// columns hold only printable characters (see `storable`), so no message
/// can make the insert fail; the raw message is kept byte for byte. When
/// the workspace's limits are due, they are enforced off the reply path.
pub async fn store(
    db: &Db,
    usage: &SandboxUsage,
    login: &AuthenticatedCredential,
    from: &str,
    to: &[String],
    raw: Vec<u8>,
) -> Result<Stored, DbError> {
    if !usage.has_room_for(raw.len()) {
        return Ok(Stored::Full);
    }
    let workspace = login.workspace_id.clone();
    let (credential, username) = (login.id.clone(), login.username.clone());
    let from = storable(from, MAX_ADDRESS_CHARS);
    let rcpt_to = to
        .iter()
        .map(|address| storable(address, MAX_ADDRESS_CHARS))
        .collect::<Vec<_>>()
        .join("\n");
    let id = MessageId::generate();
    let stored = id.clone();
    let size = raw.len();
    // Parsed once, here, on the blocking pool: what search looks in and
    // the tags are kept beside the message, in its transaction (written with
    // the other messages waiting meanwhile: `writer`).
    let (text, tags, message) = tokio::task::spawn_blocking(move || {
        let extracted = search::extract(&raw, &from, &rcpt_to);
        let message = SandboxMessage {
            id: stored,
            workspace_id: workspace,
            credential_id: Some(credential),
            username,
            mail_from: from,
            rcpt_to,
            subject: extracted.subject.clone(),
            size: raw.len() as i64,
            raw,
            received_at: now(),
        };
        (extracted.text(&message.id), extracted.tags, message)
    })
    .await
    .unwrap_or_else(|join_error| std::panic::resume_unwind(join_error.into_panic()));
    match writer::write(db, usage.writes(), message, text, tags).await {
        Ok(_) => {
            if usage.added(&login.workspace_id, size) {
                retention::enforce_soon(db, usage, &login.workspace_id);
            }
            Ok(Stored::Kept(id))
        }
        Err(DbError::Query(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::ForeignKeyViolation,
            _,
        ))) => Ok(Stored::CredentialGone),
        Err(error) => Err(error),
    }
}

/// Longest subject kept for the list.
const MAX_SUBJECT_CHARS: usize = 300;
/// Longest envelope address kept.
const MAX_ADDRESS_CHARS: usize = 320;

/// Text from a message, fit for a `text` column on every backend (PostgreSQL
/// refuses NUL) and for one line of the page: tabs and line breaks become a
/// space, other control characters U+FFFD; at most `max` characters.
fn storable(text: &str, max: usize) -> String {
    text.chars()
        .map(|c| match c {
            '\t' | '\r' | '\n' => ' ',
            c if c.is_control() => char::REPLACEMENT_CHARACTER,
            c => c,
        })
        .take(max)
        .collect()
}

pub async fn list(
    db: &Db,
    workspace: &WorkspaceId,
    before: Option<(chrono::NaiveDateTime, MessageId)>,
    limit: i64,
) -> Result<Vec<SandboxSummary>, DbError> {
    let workspace = workspace.clone();
    db.query(move |conn| SandboxMessage::page(conn, &workspace, before.as_ref(), limit))
        .await
}

/// How many messages the workspace's sandbox holds, and their total size.
pub async fn usage(db: &Db, workspace: &WorkspaceId) -> Result<(i64, i64), DbError> {
    let workspace = workspace.clone();
    db.query(move |conn| SandboxMessage::usage(conn, &workspace))
        .await
}

pub async fn get(
    db: &Db,
    workspace: &WorkspaceId,
    id: MessageId,
) -> Result<Option<SandboxMessage>, DbError> {
    let workspace = workspace.clone();
    db.query(move |conn| SandboxMessage::find_in_workspace(conn, &workspace, &id))
        .await
}

#[cfg(test)]
mod tests {
    use super::storable;

    #[test]
    fn control_characters_never_reach_a_text_column() {
        assert_eq!(
            storable("a\0b\u{7f}c\u{85}", 300),
            "a\u{fffd}b\u{fffd}c\u{fffd}"
        );
        assert_eq!(storable("folded\r\n\tline", 300), "folded   line");
        assert_eq!(storable("Grüße, 日本", 300), "Grüße, 日本");
        assert_eq!(storable("abcdef", 3), "abc");
    }
}
