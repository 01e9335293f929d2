//! Searching and tagging sandbox mail. What ingest extracted from each
//! message (`sandbox_message_text`) is indexed by trigrams: SQLite's FTS5
//! `sandbox_search`, PostgreSQL's `pg_trgm` GIN index on [`DOCUMENT`]. A
//! term of [`TRIGRAM`] characters or more can be found through the index
//! (PostgreSQL's planner often checks each message's text instead, as it
//! walks the list's order), a shorter one only by a scan; either way a term
//! matches wherever it occurs in the subject, a sender, a recipient or the
//! text, in any case. Tags sit in `sandbox_message_tags`.
//!
//! A page walks the list's index from its cursor ([`keyset!`]); a count
//! stops past its cap. On SQLite a term (or a tag) found in more than
//! [`COMMON`] messages is looked for while walking the list's order
//! (matches are dense, a page fills soon) instead of collecting and sorting
//! them all. On PostgreSQL a tag held by no more than [`COMMON`] of the
//! workspace's messages is read first, its messages then sorted (its
//! planner would walk the list's order, probing each message's tags).

use chrono::NaiveDateTime;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text};

use super::{EnvelopeFilter, SandboxSummary};
use crate::db::keyset::{Anchor, Direction, keyset};
use crate::db::schema::{sandbox_message_tags, sandbox_message_text, sandbox_messages};
use crate::db::{DbConn, MultiBackend};
use crate::domain::{CredentialId, MessageId, SearchTerms, Tag, Tags, WorkspaceId};

/// A trigram index answers terms at least this long.
pub const TRIGRAM: usize = 3;

/// On SQLite, a search whose terms are found in more messages than this
/// (in every workspace), or whose tag the workspace's messages hold more
/// often, walks the list's order. On PostgreSQL, a tag held no more often
/// is read first ([`TagRead::Collect`]).
pub const COMMON: i64 = 1_000;

/// Most credentials the credential filter offers.
const MAX_CREDENTIAL_CHOICES: i64 = 200;

/// The text a search looks in: subject, senders, recipients and body,
/// lower-cased, in a column the database generates (PostgreSQL stores it
/// and indexes it; SQLite computes it when read).
pub const DOCUMENT: &str = "sandbox_message_text.document";

/// Which of a workspace's sandbox messages to list, count, wait for or
/// delete. Every part narrows the list (they combine with AND); the default
/// lets every message through. The dashboard's list and delete-matching,
/// and the REST API's list, wait and delete-matching, all read mail
/// through this.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageFilter {
    /// Terms that must all occur, each anywhere (a substring, any case), in
    /// the subject, a sender (envelope or From:), a recipient (envelope,
    /// To: or Cc:) or the text body.
    pub text: SearchTerms,
    /// Only mail sent with this credential.
    pub credential: Option<CredentialId>,
    /// Only mail holding this tag (in any case).
    pub tag: Option<Tag>,
    /// Only mail received at or after this time.
    pub received_from: Option<NaiveDateTime>,
    /// Only mail received before this time.
    pub received_before: Option<NaiveDateTime>,
    /// Only mail to this envelope recipient, with this in the subject (the
    /// REST API's `to` and `subject_contains`).
    pub envelope: EnvelopeFilter,
}

impl MessageFilter {
    /// Lets every message of the workspace through.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// What ingest extracted from a message for search.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = sandbox_message_text)]
pub struct MessageText {
    pub message_id: MessageId,
    pub subject: String,
    pub senders: String,
    pub recipients: String,
    pub body: String,
}

#[derive(Debug, Clone, Insertable, Queryable, Selectable)]
#[diesel(table_name = sandbox_message_tags)]
struct MessageTag {
    message_id: MessageId,
    workspace_id: WorkspaceId,
    tag: String,
    tag_key: String,
}

type Boxed<'a> = sandbox_messages::BoxedQuery<'a, MultiBackend>;
type Condition = Box<dyn BoxableExpression<sandbox_messages::table, MultiBackend, SqlType = Bool>>;

impl MessageText {
    pub fn insert(conn: &mut DbConn, text: &MessageText) -> QueryResult<()> {
        diesel::insert_into(sandbox_message_text::table)
            .values(text)
            .execute(conn)
            .map(|_| ())
    }

    /// Whether a message's text was extracted.
    pub fn exists(conn: &mut DbConn, id: &MessageId) -> QueryResult<bool> {
        diesel::select(diesel::dsl::exists(
            sandbox_message_text::table.filter(sandbox_message_text::message_id.eq(id)),
        ))
        .get_result(conn)
    }

    /// Up to `limit` messages with nothing extracted yet (stored before
    /// search existed): (id, workspace, raw, envelope from, envelope to).
    #[allow(clippy::type_complexity)]
    pub fn missing(
        conn: &mut DbConn,
        limit: i64,
    ) -> QueryResult<Vec<(MessageId, WorkspaceId, Vec<u8>, String, String)>> {
        sandbox_messages::table
            .filter(diesel::dsl::not(diesel::dsl::exists(
                sandbox_message_text::table
                    .filter(sandbox_message_text::message_id.eq(sandbox_messages::id)),
            )))
            .select((
                sandbox_messages::id,
                sandbox_messages::workspace_id,
                sandbox_messages::raw,
                sandbox_messages::mail_from,
                sandbox_messages::rcpt_to,
            ))
            .limit(limit)
            .load(conn)
    }
}

/// The workspace's messages `filter` lets through. `indexed` (SQLite): long
/// terms through the FTS5 index, unless `walk`: then every term is looked
/// for row by row in the list's order.
fn filtered<'a>(workspace: &'a WorkspaceId, filter: &MessageFilter, plan: Plan) -> Boxed<'a> {
    let Plan {
        indexed,
        walk,
        tag_read,
    } = plan;
    let mut query = sandbox_messages::table
        .filter(sandbox_messages::workspace_id.eq(workspace))
        .into_boxed();
    if let Some(credential) = &filter.credential {
        query = query.filter(sandbox_messages::credential_id.eq(credential.clone()));
    }
    if let Some(from) = filter.received_from {
        query = query.filter(sandbox_messages::received_at.ge(from));
    }
    if let Some(before) = filter.received_before {
        query = query.filter(sandbox_messages::received_at.lt(before));
    }
    if let Some(tag) = &filter.tag {
        query = query.filter(tagged(workspace, tag, tag_read));
    }
    query = filter.envelope.apply(query);
    let terms = filter.text.terms();
    let (by_index, by_scan): (Vec<&String>, Vec<&String>) = terms
        .iter()
        .partition(|t| indexed && !walk && t.chars().count() >= TRIGRAM);
    debug_assert!(indexed || !walk);
    if !by_index.is_empty() {
        query = query.filter(in_search_index(&by_index));
    }
    for term in by_scan {
        // On SQLite a scan anyway: row by row, in the list's order.
        query = query.filter(contains(term, indexed));
    }
    query
}

/// Reads and counts messages by [`MessageFilter`].
pub struct Search;

impl Search {
    /// Up to `limit` messages from `anchor` on, newest first, in scan
    /// order (see [`crate::db::keyset::Page::from_scan`]).
    pub fn page(
        conn: &mut DbConn,
        workspace: &WorkspaceId,
        filter: &MessageFilter,
        anchor: &Anchor<MessageId>,
        limit: i64,
    ) -> QueryResult<Vec<SandboxSummary>> {
        let plan = plan(conn, workspace, filter)?;
        serial(conn, filter, |conn| {
            let query = filtered(workspace, filter, plan).select(SandboxSummary::as_select());
            keyset!(
                query,
                sandbox_messages::received_at,
                sandbox_messages::id,
                Direction::Desc,
                anchor,
                limit
            )
            .load(conn)
        })
    }

    /// How many messages match, reading at most `cap` + 1, and their total
    /// size: `(count, bytes)`, where a count past `cap` means "more than".
    pub fn count(
        conn: &mut DbConn,
        workspace: &WorkspaceId,
        filter: &MessageFilter,
        cap: i64,
    ) -> QueryResult<(i64, i64)> {
        let plan = plan(conn, workspace, filter)?;
        let postgres = !matches!(conn, DbConn::Sqlite(_));
        let sizes: Vec<i64> = serial(conn, filter, |conn| {
            let mut query = filtered(workspace, filter, plan).select(sandbox_messages::size);
            if postgres {
                // In the list's order, PostgreSQL plans the count as it
                // plans the page (a walk of the newest that stops at the
                // cap); unordered, it merge-joined two whole trigram scans
                // of the text (at 100,000 messages 40 ms instead of ~10).
                query = query.order((
                    sandbox_messages::received_at.desc(),
                    sandbox_messages::id.desc(),
                ));
            }
            query.limit(cap + 1).load(conn)
        })?;
        Ok((sizes.len() as i64, sizes.iter().sum()))
    }

    /// The first matching message received at or after `since` (what a
    /// waiting test asks).
    pub fn first_since(
        conn: &mut DbConn,
        workspace: &WorkspaceId,
        filter: &MessageFilter,
        since: NaiveDateTime,
    ) -> QueryResult<Option<SandboxSummary>> {
        let plan = plan(conn, workspace, filter)?;
        filtered(workspace, filter, plan)
            .filter(sandbox_messages::received_at.ge(since))
            .select(SandboxSummary::as_select())
            .order((
                sandbox_messages::received_at.asc(),
                sandbox_messages::id.asc(),
            ))
            .first(conn)
            .optional()
    }

    /// The (id, size) of up to `limit` of the matching messages received
    /// at or before `upto`, oldest first: a batch for delete-matching.
    pub fn oldest_matching(
        conn: &mut DbConn,
        workspace: &WorkspaceId,
        filter: &MessageFilter,
        upto: NaiveDateTime,
        limit: i64,
    ) -> QueryResult<Vec<(MessageId, i64)>> {
        let plan = plan(conn, workspace, filter)?;
        filtered(workspace, filter, plan)
            .filter(sandbox_messages::received_at.le(upto))
            .select((sandbox_messages::id, sandbox_messages::size))
            .order((
                sandbox_messages::received_at.asc(),
                sandbox_messages::id.asc(),
            ))
            .limit(limit)
            .load(conn)
    }

    /// The tags of these messages, as (message, tag), by message then tag.
    pub fn tags_of(conn: &mut DbConn, ids: &[MessageId]) -> QueryResult<Vec<(MessageId, String)>> {
        sandbox_message_tags::table
            .filter(sandbox_message_tags::message_id.eq_any(ids))
            .select((sandbox_message_tags::message_id, sandbox_message_tags::tag))
            .order((
                sandbox_message_tags::message_id,
                sandbox_message_tags::tag_key,
            ))
            .load(conn)
    }

    /// Replaces a message's tags (the caller holds the message's row).
    pub fn replace_tags(
        conn: &mut DbConn,
        workspace: &WorkspaceId,
        id: &MessageId,
        tags: &Tags,
    ) -> QueryResult<()> {
        diesel::delete(sandbox_message_tags::table.filter(sandbox_message_tags::message_id.eq(id)))
            .execute(conn)?;
        Self::add_tags(conn, workspace, id, tags)
    }

    /// Adds tags to a message that has none.
    pub fn add_tags(
        conn: &mut DbConn,
        workspace: &WorkspaceId,
        id: &MessageId,
        tags: &Tags,
    ) -> QueryResult<()> {
        // One row at a time: a multi-row insert is no portable statement
        // (SQLite has no DEFAULT keyword), and a message has few tags.
        for tag in tags.iter() {
            let row = MessageTag {
                message_id: id.clone(),
                workspace_id: workspace.clone(),
                tag: tag.as_str().to_owned(),
                tag_key: tag.key(),
            };
            diesel::insert_into(sandbox_message_tags::table)
                .values(&row)
                .execute(conn)?;
        }
        Ok(())
    }

    /// The workspace's sandbox credentials, (id, name, username), by name:
    /// what the credential filter offers.
    pub fn sandbox_credentials(
        conn: &mut DbConn,
        workspace: &WorkspaceId,
    ) -> QueryResult<Vec<(CredentialId, String, String)>> {
        use crate::db::schema::smtp_credentials;
        smtp_credentials::table
            .filter(smtp_credentials::workspace_id.eq(workspace))
            .filter(smtp_credentials::sandbox.eq(true))
            .select((
                smtp_credentials::id,
                smtp_credentials::name,
                smtp_credentials::username,
            ))
            .order((smtp_credentials::name, smtp_credentials::id))
            .limit(MAX_CREDENTIAL_CHOICES)
            .load(conn)
    }

    /// Locks a message of the workspace for a change of its tags (on
    /// PostgreSQL; SQLite's writer holds the database); false when it is
    /// not there.
    pub fn lock(conn: &mut DbConn, workspace: &WorkspaceId, id: &MessageId) -> QueryResult<bool> {
        let row = sandbox_messages::table
            .filter(sandbox_messages::workspace_id.eq(workspace))
            .filter(sandbox_messages::id.eq(id))
            .select(sandbox_messages::id);
        let found = match conn {
            DbConn::Postgresql(pg) => row.for_update().first::<MessageId>(pg).optional()?,
            DbConn::Sqlite(sqlite) => row.first::<MessageId>(sqlite).optional()?,
        };
        Ok(found.is_some())
    }
}

/// How a search is read (on PostgreSQL, whose planner picks its own
/// indexes and order, only how a rare tag is read).
#[derive(Debug, Clone, Copy)]
struct Plan {
    /// SQLite's FTS5 index answers the long terms.
    indexed: bool,
    /// The terms are common: look for them row by row in the list's order.
    walk: bool,
    /// How the tag is looked for.
    tag_read: TagRead,
}

/// How [`tagged`] finds the messages that hold a tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TagRead {
    /// `IN` the tagged messages: SQLite reads them first; PostgreSQL's
    /// planner picks (for a common tag, a walk of the list's order).
    Planned,
    /// SQLite, a common tag: checked row by row in the list's order.
    Walk,
    /// PostgreSQL, a rare tag: its message ids read once, then each
    /// message by primary key, sorted. The planner would walk the list's
    /// order probing every message's tags instead (at 100,000 messages,
    /// 20,100 probes to count 201 of a tag's 1,000).
    Collect,
}

/// Runs a page or count query of `filter` on PostgreSQL without parallel
/// workers (`SET LOCAL`, this transaction only): such a query stops after a
/// page or a capped count, and starting workers cost more than it (at
/// 100,000 messages, 26 → 8 ms for a page of a one-in-twenty term, 39 →
/// 16 ms for its count; `EXPLAIN ANALYZE`). A term shorter than [`TRIGRAM`]
/// reads every row, which workers do share: it keeps them.
fn serial<T>(
    conn: &mut DbConn,
    filter: &MessageFilter,
    query: impl FnOnce(&mut DbConn) -> QueryResult<T>,
) -> QueryResult<T> {
    let scans = filter
        .text
        .terms()
        .iter()
        .any(|t| t.chars().count() < TRIGRAM);
    if matches!(conn, DbConn::Sqlite(_)) || scans {
        return query(conn);
    }
    conn.transaction(|conn| {
        diesel::sql_query("SET LOCAL max_parallel_workers_per_gather = 0").execute(conn)?;
        query(conn)
    })
}

fn plan(conn: &mut DbConn, workspace: &WorkspaceId, filter: &MessageFilter) -> QueryResult<Plan> {
    let common_tag = match &filter.tag {
        Some(tag) => tagged_more_than(conn, workspace, tag, COMMON)?,
        None => false,
    };
    if !matches!(conn, DbConn::Sqlite(_)) {
        return Ok(Plan {
            indexed: false,
            walk: false,
            tag_read: match common_tag {
                true => TagRead::Planned,
                false => TagRead::Collect,
            },
        });
    }
    let long: Vec<&String> = filter
        .text
        .terms()
        .iter()
        .filter(|t| t.chars().count() >= TRIGRAM)
        .collect();
    let walk = !long.is_empty() && found_in_more_than(conn, &long, COMMON)?;
    Ok(Plan {
        indexed: true,
        walk,
        tag_read: match common_tag {
            true => TagRead::Walk,
            false => TagRead::Planned,
        },
    })
}

/// Whether more than `n` of the workspace's messages hold the tag, reading
/// no more than `n` + 1 index entries.
fn tagged_more_than(
    conn: &mut DbConn,
    workspace: &WorkspaceId,
    tag: &Tag,
    n: i64,
) -> QueryResult<bool> {
    // One boolean back: whether an (n + 1)th entry exists. Loading the
    // entries themselves cost a common tag 1–4 ms of page time.
    diesel::select(diesel::dsl::exists(
        sandbox_message_tags::table
            .filter(sandbox_message_tags::workspace_id.eq(workspace))
            .filter(sandbox_message_tags::tag_key.eq(tag.key()))
            .select(sandbox_message_tags::message_id)
            .offset(n),
    ))
    .get_result(conn)
}

#[derive(QueryableByName)]
struct Counted {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Whether the FTS5 index finds these terms in more than `n` messages of
/// any workspace, reading no more than `n` + 1 of them.
fn found_in_more_than(conn: &mut DbConn, terms: &[&String], n: i64) -> QueryResult<bool> {
    let counted: Counted = diesel::sql_query(
        "SELECT count(*) AS n FROM (SELECT 1 FROM sandbox_search WHERE sandbox_search MATCH ? LIMIT ?)",
    )
    .bind::<Text, _>(match_expression(terms))
    .bind::<BigInt, _>(n + 1)
    .get_result(conn)?;
    Ok(counted.n > n)
}

/// The FTS5 query for terms that must all occur: a phrase of each one's
/// trigrams, which matches exactly where the term occurs, in any case.
fn match_expression(terms: &[&String]) -> String {
    terms
        .iter()
        .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// The terms occur (each at least [`TRIGRAM`] long), as SQLite's FTS5
/// trigram index finds them.
fn in_search_index(terms: &[&String]) -> Condition {
    Box::new(
        sql::<Bool>(
            "sandbox_messages.id IN (SELECT sandbox_message_text.message_id FROM sandbox_search \
             JOIN sandbox_message_text ON sandbox_message_text.doc = sandbox_search.rowid \
             WHERE sandbox_search MATCH ",
        )
        .bind::<Text, _>(match_expression(terms))
        .sql(")"),
    )
}

/// The term occurs, in any case: a `LIKE` on the message's [`DOCUMENT`],
/// which PostgreSQL answers with its trigram index or by checking the text
/// of each message it walks; `walk`: checked row by row.
fn contains(term: &str, walk: bool) -> Condition {
    let pattern = like_pattern(term);
    let condition = match walk {
        true => sql::<Bool>(
            "EXISTS (SELECT 1 FROM sandbox_message_text \
             WHERE sandbox_message_text.message_id = sandbox_messages.id AND ",
        ),
        false => sql::<Bool>(
            "sandbox_messages.id IN (SELECT sandbox_message_text.message_id \
             FROM sandbox_message_text WHERE ",
        ),
    };
    Box::new(
        condition
            .sql(DOCUMENT)
            .sql(" LIKE ")
            .bind::<Text, _>(pattern)
            .sql(" ESCAPE '\\')"),
    )
}

/// The message holds the tag (in any case), found as `read` says.
fn tagged(workspace: &WorkspaceId, tag: &Tag, read: TagRead) -> Condition {
    let (condition, close) = match read {
        TagRead::Walk => (
            "EXISTS (SELECT 1 FROM sandbox_message_tags \
             WHERE sandbox_message_tags.message_id = sandbox_messages.id AND ",
            ")",
        ),
        TagRead::Planned => (
            "sandbox_messages.id IN (SELECT sandbox_message_tags.message_id \
             FROM sandbox_message_tags WHERE ",
            ")",
        ),
        // An array, not a subquery: PostgreSQL evaluates it once (an
        // InitPlan) and cannot turn it into a join that walks the list.
        TagRead::Collect => (
            "sandbox_messages.id = ANY(ARRAY(SELECT sandbox_message_tags.message_id \
             FROM sandbox_message_tags WHERE ",
            "))",
        ),
    };
    Box::new(
        sql::<Bool>(condition)
            .sql("sandbox_message_tags.workspace_id = ")
            .bind::<Text, _>(workspace.as_str().to_owned())
            .sql(" AND sandbox_message_tags.tag_key = ")
            .bind::<Text, _>(tag.key())
            .sql(close),
    )
}

/// `%term%`, lower-cased, with LIKE's wildcards escaped.
fn like_pattern(term: &str) -> String {
    let mut pattern = String::with_capacity(term.len() + 2);
    pattern.push('%');
    for c in term.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_become_phrases_and_patterns_that_match_literally() {
        let (a, b) = ("reset".to_owned(), "say \"hi\"".to_owned());
        assert_eq!(
            match_expression(&[&a, &b]),
            "\"reset\" AND \"say \"\"hi\"\"\""
        );
        assert_eq!(like_pattern("50%_OFF\\"), "%50\\%\\_off\\\\%");
    }
}
