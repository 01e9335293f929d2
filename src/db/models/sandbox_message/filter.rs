//! Sandbox messages matching an envelope filter (a recipient, words of the
//! subject), as the REST API asks (part of a `MessageFilter`):
//! a newest-first page for the live list, and the newest position of a
//! workspace (what tells waiters that mail arrived).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{SandboxMessage, SandboxSummary};
use crate::db::keyset::{Anchor, Direction, keyset};
use crate::db::schema::{lower, sandbox_messages};
use crate::db::{DbConn, MultiBackend, like_escaped};
use crate::domain::{MessageId, WorkspaceId};

/// Which messages to list, wait for or delete; each field given must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvelopeFilter {
    /// One of the envelope recipients is this address (any case).
    pub to: Option<String>,
    /// The subject contains this (any case).
    pub subject_contains: Option<String>,
}

type Boxed<'a> = sandbox_messages::BoxedQuery<'a, MultiBackend>;

impl EnvelopeFilter {
    /// Restricts `query` to the messages this filter lets through.
    pub(in crate::db::models) fn apply<'a>(&self, mut query: Boxed<'a>) -> Boxed<'a> {
        if let Some(to) = &self.to {
            // Recipients are stored one per line: match a whole line.
            let address = like_escaped(to);
            let recipients = || lower(sandbox_messages::rcpt_to);
            query = query.filter(
                recipients()
                    .like(address.clone())
                    .escape('\\')
                    .or(recipients().like(format!("{address}\n%")).escape('\\'))
                    .or(recipients().like(format!("%\n{address}")).escape('\\'))
                    .or(recipients().like(format!("%\n{address}\n%")).escape('\\')),
            );
        }
        if let Some(text) = &self.subject_contains {
            query = query.filter(
                lower(sandbox_messages::subject)
                    .like(format!("%{}%", like_escaped(text)))
                    .escape('\\'),
            );
        }
        query
    }
}

impl SandboxMessage {
    /// The message as a list shows it, and its raw bytes.
    pub fn into_summary(self) -> (SandboxSummary, Vec<u8>) {
        let summary = SandboxSummary {
            id: self.id,
            username: self.username,
            mail_from: self.mail_from,
            rcpt_to: self.rcpt_to,
            subject: self.subject,
            size: self.size,
            received_at: self.received_at,
        };
        (summary, self.raw)
    }

    fn matching<'a>(workspace: &'a WorkspaceId, filter: &EnvelopeFilter) -> Boxed<'a> {
        let query = sandbox_messages::table
            .filter(sandbox_messages::workspace_id.eq(workspace))
            .into_boxed();
        filter.apply(query)
    }

    /// Up to `limit` matching messages from `anchor` on, newest first, in
    /// scan order (see [`keyset!`]).
    pub fn search(
        conn: &mut DbConn,
        workspace: &WorkspaceId,
        filter: &EnvelopeFilter,
        anchor: &Anchor<MessageId>,
        limit: i64,
    ) -> QueryResult<Vec<SandboxSummary>> {
        let query = Self::matching(workspace, filter).select(SandboxSummary::as_select());
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

    /// The (time, id) of each workspace's newest message, for those that
    /// hold any (one index lookup each).
    pub fn newest_of(
        conn: &mut DbConn,
        workspaces: &[WorkspaceId],
    ) -> QueryResult<Vec<(WorkspaceId, NaiveDateTime, MessageId)>> {
        let mut newest = Vec::with_capacity(workspaces.len());
        for workspace in workspaces {
            let found = sandbox_messages::table
                .filter(sandbox_messages::workspace_id.eq(workspace))
                .select((sandbox_messages::received_at, sandbox_messages::id))
                .order((
                    sandbox_messages::received_at.desc(),
                    sandbox_messages::id.desc(),
                ))
                .first::<(NaiveDateTime, MessageId)>(conn)
                .optional()?;
            if let Some((at, id)) = found {
                newest.push((workspace.clone(), at, id));
            }
        }
        Ok(newest)
    }
}
