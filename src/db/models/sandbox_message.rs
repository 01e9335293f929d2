use chrono::NaiveDateTime;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable};

use crate::db::DbConn;
use crate::db::keyset::{Anchor, Cursor, Direction, keyset};
use crate::db::schema::sandbox_messages;
use crate::domain::{CredentialId, MessageId, WorkspaceId};

mod filter;
pub use filter::EnvelopeFilter;

/// A message sent with a sandbox credential: stored, shown, never relayed.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sandbox_messages)]
pub struct SandboxMessage {
    pub id: MessageId,
    pub workspace_id: WorkspaceId,
    pub credential_id: Option<CredentialId>,
    /// The username it was sent with (kept when the credential is deleted).
    pub username: String,
    pub mail_from: String,
    /// Envelope recipients, one per line.
    pub rcpt_to: String,
    pub subject: String,
    pub size: i64,
    pub raw: Vec<u8>,
    pub received_at: NaiveDateTime,
}

/// A list entry: everything but the raw message.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sandbox_messages)]
pub struct SandboxSummary {
    pub id: MessageId,
    pub username: String,
    pub mail_from: String,
    pub rcpt_to: String,
    pub subject: String,
    pub size: i64,
    pub received_at: NaiveDateTime,
}

impl SandboxMessage {
    pub fn insert(conn: &mut DbConn, message: &SandboxMessage) -> QueryResult<()> {
        diesel::insert_into(sandbox_messages::table)
            .values(message)
            .execute(conn)
            .map(|_| ())
    }

    /// The newest `limit` messages of a workspace, optionally older than a given one.
    pub fn page(
        conn: &mut DbConn,
        workspace: &WorkspaceId,
        before: Option<&(NaiveDateTime, MessageId)>,
        limit: i64,
    ) -> QueryResult<Vec<SandboxSummary>> {
        let query = sandbox_messages::table
            .filter(sandbox_messages::workspace_id.eq(workspace))
            .select(SandboxSummary::as_select())
            .into_boxed();
        let anchor = newest_first_from(before);
        let query = keyset!(
            query,
            sandbox_messages::received_at,
            sandbox_messages::id,
            Direction::Desc,
            anchor,
            limit
        );
        query.load(conn)
    }

    pub fn find_in_workspace(
        conn: &mut DbConn,
        workspace: &WorkspaceId,
        id: &MessageId,
    ) -> QueryResult<Option<SandboxMessage>> {
        sandbox_messages::table
            .filter(sandbox_messages::workspace_id.eq(workspace))
            .filter(sandbox_messages::id.eq(id))
            .select(SandboxMessage::as_select())
            .first(conn)
            .optional()
    }

    /// The workspaces that hold sandbox mail.
    pub fn workspaces_with_mail(conn: &mut DbConn) -> QueryResult<Vec<WorkspaceId>> {
        use crate::db::schema::workspaces;
        workspaces::table
            .filter(diesel::dsl::exists(
                sandbox_messages::table.filter(sandbox_messages::workspace_id.eq(workspaces::id)),
            ))
            .select(workspaces::id)
            .load(conn)
    }

    /// How many messages a workspace holds and their total size.
    pub fn usage(conn: &mut DbConn, workspace: &WorkspaceId) -> QueryResult<(i64, i64)> {
        let (count, bytes) = sandbox_messages::table
            .filter(sandbox_messages::workspace_id.eq(workspace))
            .select((diesel::dsl::count_star(), total_size()))
            .first::<(i64, Option<i64>)>(conn)?;
        Ok((count, bytes.unwrap_or(0)))
    }

    /// The total size of every workspace's sandbox mail.
    pub fn total_bytes(conn: &mut DbConn) -> QueryResult<i64> {
        sandbox_messages::table
            .select(total_size())
            .first::<Option<i64>>(conn)
            .map(Option::unwrap_or_default)
    }

    /// The position (time, id) of the `n`-th newest message, counting from
    /// zero: with `n` the number to keep, the newest one to delete.
    pub fn nth_newest(
        conn: &mut DbConn,
        workspace: &WorkspaceId,
        n: i64,
    ) -> QueryResult<Option<(NaiveDateTime, MessageId)>> {
        sandbox_messages::table
            .filter(sandbox_messages::workspace_id.eq(workspace))
            .select((sandbox_messages::received_at, sandbox_messages::id))
            .order((
                sandbox_messages::received_at.desc(),
                sandbox_messages::id.desc(),
            ))
            .offset(n)
            .first(conn)
            .optional()
    }

    /// Up to `limit` (time, id, size) positions, newest first, from after
    /// `after` (exclusive) on: a walk down the index for the size limit.
    pub fn sizes_newest_first(
        conn: &mut DbConn,
        workspace: &WorkspaceId,
        after: Option<&(NaiveDateTime, MessageId)>,
        limit: i64,
    ) -> QueryResult<Vec<(NaiveDateTime, MessageId, i64)>> {
        let query = sandbox_messages::table
            .filter(sandbox_messages::workspace_id.eq(workspace))
            .select((
                sandbox_messages::received_at,
                sandbox_messages::id,
                sandbox_messages::size,
            ))
            .into_boxed();
        let anchor = newest_first_from(after);
        let query = keyset!(
            query,
            sandbox_messages::received_at,
            sandbox_messages::id,
            Direction::Desc,
            anchor,
            limit
        );
        query.load(conn)
    }

    /// The (id, size) of up to `limit` of the workspace's oldest messages
    /// received at or before `upto` (and, at the same time, with an id up
    /// to its id, when one is given).
    pub fn oldest_upto(
        conn: &mut DbConn,
        workspace: &WorkspaceId,
        upto: &(NaiveDateTime, Option<MessageId>),
        limit: i64,
    ) -> QueryResult<Vec<(MessageId, i64)>> {
        let (at, id) = upto;
        let mut query = sandbox_messages::table
            .filter(sandbox_messages::workspace_id.eq(workspace))
            .select((sandbox_messages::id, sandbox_messages::size))
            .into_boxed();
        query = match id {
            Some(id) => query.filter(
                sandbox_messages::received_at
                    .lt(*at)
                    .or(sandbox_messages::received_at
                        .eq(*at)
                        .and(sandbox_messages::id.le(id.clone()))),
            ),
            None => query.filter(sandbox_messages::received_at.le(*at)),
        };
        query
            .order((
                sandbox_messages::received_at.asc(),
                sandbox_messages::id.asc(),
            ))
            .limit(limit)
            .load(conn)
    }

    /// The (id, size) of those of `ids` that are in the workspace.
    pub fn sizes_of(
        conn: &mut DbConn,
        workspace: &WorkspaceId,
        ids: &[MessageId],
    ) -> QueryResult<Vec<(MessageId, i64)>> {
        sandbox_messages::table
            .filter(sandbox_messages::workspace_id.eq(workspace))
            .filter(sandbox_messages::id.eq_any(ids))
            .select((sandbox_messages::id, sandbox_messages::size))
            .load(conn)
    }

    /// Deletes those of `ids` that are in the workspace; returns how many.
    pub fn delete_ids(
        conn: &mut DbConn,
        workspace: &WorkspaceId,
        ids: &[MessageId],
    ) -> QueryResult<usize> {
        diesel::delete(
            sandbox_messages::table
                .filter(sandbox_messages::workspace_id.eq(workspace))
                .filter(sandbox_messages::id.eq_any(ids)),
        )
        .execute(conn)
    }
}

/// `SUM(size)` as a BIGINT on both backends (PostgreSQL sums a bigint to a
/// numeric).
fn total_size() -> diesel::expression::SqlLiteral<Nullable<BigInt>> {
    sql::<Nullable<BigInt>>("CAST(SUM(size) AS BIGINT)")
}

/// The anchor of a newest-first walk that resumes after `(time, id)`.
fn newest_first_from(after: Option<&(NaiveDateTime, MessageId)>) -> Anchor<MessageId> {
    match after {
        Some((at, id)) => Anchor::After(Cursor {
            at: *at,
            id: id.clone(),
        }),
        None => Anchor::First,
    }
}
