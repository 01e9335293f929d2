//! Finding sandbox mail: a [`MessageFilter`] (search terms, credential,
//! tag, received between two times) read a page at a time, counted up to a
//! cap, or deleted. The dashboard's Sandbox list and the REST API both go
//! through [`search`], [`count`] (the dashboard's list through
//! [`search_and_count`]) and [`delete_matching`]. What a search looks in
//! is extracted from each message once, at ingest ([`extract`]), and for
//! mail stored before search existed by [`backfill`] at start-up.
//!
//! Tags come from a message's `X-Tags` header and are edited on its page
//! ([`set_tags`], members and above).

use chrono::NaiveDateTime;
use mail_parser::{Address, MessageParser};

use super::{SandboxUsage, storable};
use crate::db::keyset::{Anchor, Cursor, Page};
pub use crate::db::models::MessageFilter;
use crate::db::models::{MessageText, SandboxMessage, SandboxSummary, Search};
use crate::db::{Db, DbError, write_transaction};
use crate::domain::{CredentialId, MessageId, Tags, WorkspaceId};
use crate::service::audit::{self, Actor};

/// Most characters of the text body a search looks in.
pub const MAX_BODY_CHARS: usize = 64 * 1024;
/// A count of the workspace's mail stops past this many messages.
pub const TOTAL_CAP: i64 = 10_000;
/// A count of the messages a search matches stops past this many.
pub const MATCH_CAP: i64 = 200;
/// Messages deleted per statement by [`delete_matching`].
const BATCH: i64 = 500;
/// Messages extracted per step of [`backfill`].
const BACKFILL_BATCH: i64 = 200;

/// A message in a list, with its tags.
#[derive(Debug, Clone)]
pub struct ListedMessage {
    pub summary: SandboxSummary,
    pub tags: Vec<String>,
}

/// A page of messages, newest first, and where its neighbours start.
#[derive(Debug)]
pub struct MessagePage {
    pub items: Vec<ListedMessage>,
    /// Where the older messages start.
    pub next: Option<Cursor<MessageId>>,
    /// Where the newer messages start.
    pub previous: Option<Cursor<MessageId>>,
}

/// How many messages, counted up to a cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tally {
    /// So many, of so many bytes in all.
    Exactly { messages: i64, bytes: i64 },
    /// More than this many.
    MoreThan(i64),
}

/// What a search looks in, and the tags, as read from a raw message.
#[derive(Debug, Clone)]
pub struct Extracted {
    pub subject: String,
    pub senders: String,
    pub recipients: String,
    pub body: String,
    pub tags: Tags,
}

impl Extracted {
    pub fn text(&self, id: &MessageId) -> MessageText {
        MessageText {
            message_id: id.clone(),
            subject: self.subject.clone(),
            senders: self.senders.clone(),
            recipients: self.recipients.clone(),
            body: self.body.clone(),
        }
    }
}

/// Reads what a search looks in from a message and its envelope: the
/// subject; senders (envelope, From:, Sender:, Reply-To:); recipients
/// (envelope, To:, Cc:); the text body (HTML made text when there is no
/// text part), up to [`MAX_BODY_CHARS`]; and the tags of its `X-Tags`.
pub fn extract(raw: &[u8], mail_from: &str, rcpt_to: &str) -> Extracted {
    let Some(message) = MessageParser::default().parse(raw) else {
        return Extracted {
            subject: String::new(),
            senders: mail_from.to_owned(),
            recipients: rcpt_to.replace('\n', " "),
            body: String::new(),
            tags: Tags::default(),
        };
    };
    let line = |parts: Vec<String>| storable(&parts.join(" "), 4 * MAX_ADDRESS_TEXT);
    let mut senders = vec![mail_from.to_owned()];
    for address in [message.from(), message.sender(), message.reply_to()] {
        senders.extend(address.map(people).unwrap_or_default());
    }
    let mut recipients: Vec<String> = rcpt_to.lines().map(str::to_owned).collect();
    for address in [message.to(), message.cc()] {
        recipients.extend(address.map(people).unwrap_or_default());
    }
    let tag_values: Vec<String> = message
        .headers()
        .iter()
        .filter(|h| h.name().eq_ignore_ascii_case("x-tags"))
        .filter_map(|h| h.value().as_text_list())
        .flat_map(|list| list.iter().map(|t| t.to_string()))
        .collect();
    Extracted {
        subject: message
            .subject()
            .map(|s| storable(s, super::MAX_SUBJECT_CHARS))
            .unwrap_or_default(),
        senders: line(senders),
        recipients: line(recipients),
        body: message
            .body_text(0)
            .map(|t| storable(&t, MAX_BODY_CHARS))
            .unwrap_or_default(),
        tags: Tags::from_header(tag_values.iter().map(String::as_str)),
    }
}

/// Longest address text read from one header.
const MAX_ADDRESS_TEXT: usize = 2_000;

/// "Name address" for each person of an address header.
fn people(address: &Address<'_>) -> Vec<String> {
    address
        .iter()
        .map(|a| {
            [a.name(), a.address()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// A page of the workspace's messages that `filter` lets through, newest
/// first, from `anchor` on; with each message's tags.
pub async fn search(
    db: &Db,
    workspace: &WorkspaceId,
    filter: MessageFilter,
    anchor: Anchor<MessageId>,
    limit: i64,
) -> Result<MessagePage, DbError> {
    let workspace = workspace.clone();
    db.query(move |conn| {
        let rows = Search::page(conn, &workspace, &filter, &anchor, limit + 1)?;
        listed(conn, rows, &anchor, limit)
    })
    .await
}

/// [`search`] and [`count`] of a filter, as the dashboard shows them. The
/// first page is the head of the capped count (both walk the list's order
/// from its newest message), so one query reads both there.
pub async fn search_and_count(
    db: &Db,
    workspace: &WorkspaceId,
    filter: MessageFilter,
    anchor: Anchor<MessageId>,
    limit: i64,
) -> Result<(MessagePage, Tally), DbError> {
    let cap = cap_of(&filter);
    if !matches!(anchor, Anchor::First) || limit > cap {
        let page = search(db, workspace, filter.clone(), anchor, limit).await?;
        return Ok((page, count(db, workspace, filter).await?));
    }
    let workspace = workspace.clone();
    db.query(move |conn| {
        let mut rows = Search::page(conn, &workspace, &filter, &anchor, cap + 1)?;
        let bytes = rows.iter().map(|m| m.size).sum();
        let tally = tally(rows.len() as i64, bytes, cap);
        rows.truncate(limit as usize + 1);
        Ok((listed(conn, rows, &anchor, limit)?, tally))
    })
    .await
}

/// The page `rows` (read from `anchor`, one more than `limit` if there are
/// more) make, with each message's tags.
fn listed(
    conn: &mut crate::db::DbConn,
    rows: Vec<SandboxSummary>,
    anchor: &Anchor<MessageId>,
    limit: i64,
) -> diesel::QueryResult<MessagePage> {
    let page = Page::from_scan(rows, anchor, limit, |m| Cursor {
        at: m.received_at,
        id: m.id.clone(),
    });
    let ids: Vec<MessageId> = page.items.iter().map(|m| m.id.clone()).collect();
    let mut tags = Search::tags_of(conn, &ids)?;
    let items = page
        .items
        .into_iter()
        .map(|summary| {
            let (mine, rest) = tags.drain(..).partition(|(id, _)| *id == summary.id);
            tags = rest;
            ListedMessage {
                tags: mine.into_iter().map(|(_, tag)| tag).collect::<Vec<_>>(),
                summary,
            }
        })
        .collect();
    Ok(MessagePage {
        items,
        next: page.next,
        previous: page.previous,
    })
}

/// How many of the workspace's messages `filter` lets through, and their
/// size: exact up to [`TOTAL_CAP`] (no filter) or [`MATCH_CAP`], never
/// reading more than that.
pub async fn count(
    db: &Db,
    workspace: &WorkspaceId,
    filter: MessageFilter,
) -> Result<Tally, DbError> {
    let workspace = workspace.clone();
    let cap = cap_of(&filter);
    let (messages, bytes) = db
        .read(move |conn| Search::count(conn, &workspace, &filter, cap))
        .await?;
    Ok(tally(messages, bytes, cap))
}

/// Where a count of `filter` stops: [`TOTAL_CAP`] or [`MATCH_CAP`].
fn cap_of(filter: &MessageFilter) -> i64 {
    match filter.is_empty() {
        true => TOTAL_CAP,
        false => MATCH_CAP,
    }
}

/// `messages` read, of `bytes` in all, by a count that stops past `cap`.
fn tally(messages: i64, bytes: i64, cap: i64) -> Tally {
    match messages > cap {
        true => Tally::MoreThan(cap),
        false => Tally::Exactly { messages, bytes },
    }
}

/// The workspace's sandbox credentials as the credential filter offers
/// them: (id, "name (username)").
pub async fn credential_choices(
    db: &Db,
    workspace: &WorkspaceId,
) -> Result<Vec<(CredentialId, String)>, DbError> {
    let workspace = workspace.clone();
    let rows = db
        .read(move |conn| Search::sandbox_credentials(conn, &workspace))
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, username)| (id, format!("{name} ({username})")))
        .collect())
}

/// A message's tags, by name in any case.
pub async fn tags(db: &Db, id: &MessageId) -> Result<Vec<String>, DbError> {
    let ids = vec![id.clone()];
    let tags = db.read(move |conn| Search::tags_of(conn, &ids)).await?;
    Ok(tags.into_iter().map(|(_, tag)| tag).collect())
}

/// Sets a message's tags (recorded in the activity log); false when the
/// workspace holds no such message. The message's row is locked, so edits
/// at once leave the tags of one of them.
pub async fn set_tags(
    db: &Db,
    workspace: &WorkspaceId,
    id: MessageId,
    tags: Tags,
    actor: Actor,
) -> Result<bool, DbError> {
    let workspace = workspace.clone();
    db.run(move |conn| {
        write_transaction(conn, |conn| {
            if !Search::lock(conn, &workspace, &id)? {
                return Ok(false);
            }
            Search::replace_tags(conn, &workspace, &id, &tags)?;
            let names: Vec<&str> = tags.iter().map(|t| t.as_str()).collect();
            let details = match names.is_empty() {
                true => "no tags".to_owned(),
                false => names.join(", "),
            };
            audit::record(
                conn,
                &workspace,
                &actor,
                "sandbox.tagged",
                id.as_str(),
                &details,
            )?;
            Ok(true)
        })
        .map_err(DbError::Query)
    })
    .await
}

/// Deletes every message `filter` lets through that the workspace had
/// received when asked (matching mail arriving meanwhile stays), in
/// batches; recorded in the activity log; returns how many.
pub async fn delete_matching(
    db: &Db,
    usage: &SandboxUsage,
    workspace: &WorkspaceId,
    filter: MessageFilter,
    actor: Actor,
) -> Result<u64, DbError> {
    let workspace = workspace.clone();
    let upto: NaiveDateTime = crate::domain::now();
    let (count, bytes) = db
        .query(move |conn| {
            let (mut count, mut bytes) = (0u64, 0i64);
            loop {
                let batch = Search::oldest_matching(conn, &workspace, &filter, upto, BATCH)?;
                if batch.is_empty() {
                    break;
                }
                let ids: Vec<MessageId> = batch.iter().map(|(id, _)| id.clone()).collect();
                count += SandboxMessage::delete_ids(conn, &workspace, &ids)? as u64;
                bytes += batch.iter().map(|(_, size)| size).sum::<i64>();
            }
            let target = format!("{count} message{}", if count == 1 { "" } else { "s" });
            audit::record(
                conn,
                &workspace,
                &actor,
                "sandbox.deleted_matching",
                &target,
                &describe(&filter),
            )?;
            Ok((count, bytes))
        })
        .await?;
    usage.removed(bytes);
    Ok(count)
}

/// The filter in words, for the activity log.
pub fn describe(filter: &MessageFilter) -> String {
    let mut parts = Vec::new();
    if !filter.text.is_empty() {
        parts.push(format!("search “{}”", filter.text.to_query()));
    }
    if let Some(tag) = &filter.tag {
        parts.push(format!("tag {tag}"));
    }
    if let Some(credential) = &filter.credential {
        parts.push(format!("credential {credential}"));
    }
    if let Some(from) = filter.received_from {
        parts.push(format!("from {}", day_or_time(from)));
    }
    if let Some(before) = filter.received_before {
        parts.push(format!("before {}", day_or_time(before)));
    }
    if let Some(to) = &filter.envelope.to {
        parts.push(format!("to {to}"));
    }
    if let Some(text) = &filter.envelope.subject_contains {
        parts.push(format!("subject contains “{text}”"));
    }
    parts.join(", ")
}

/// The day of a midnight (the dashboard's whole days), else the time to
/// the second (the API's).
fn day_or_time(at: NaiveDateTime) -> String {
    match at.time() == chrono::NaiveTime::MIN {
        true => at.format("%Y-%m-%d").to_string(),
        false => at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
    }
}

/// Extracts what search needs from mail stored before search existed (or
/// by an instance that had not yet migrated), a batch at a time; returns
/// how many messages it did. Runs once at start-up, off the request path.
pub async fn backfill(db: &Db) -> Result<u64, DbError> {
    let mut done = 0u64;
    loop {
        let batch = db
            .query(|conn| MessageText::missing(conn, BACKFILL_BATCH))
            .await?;
        if batch.is_empty() {
            return Ok(done);
        }
        done += batch.len() as u64;
        db.query(move |conn| {
            for (id, workspace, raw, from, to) in &batch {
                let extracted = extract(raw, from, to);
                write_transaction(conn, |conn| {
                    // Another instance may have done this one meanwhile.
                    if MessageText::exists(conn, id)? {
                        return Ok(());
                    }
                    MessageText::insert(conn, &extracted.text(id))?;
                    Search::add_tags(conn, workspace, id, &extracted.tags)
                })?;
            }
            Ok(())
        })
        .await?;
    }
}
