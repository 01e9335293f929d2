use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::invitations;
use crate::domain::{InvitationId, UserId, WorkspaceId};

/// An invitation to join a workspace with a role. The link's token exists
/// only as its digest; the link works once, until `expires_at`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = invitations)]
pub struct Invitation {
    pub id: InvitationId,
    pub workspace_id: WorkspaceId,
    pub email: String,
    pub role: String,
    pub token_hash: String,
    pub invited_by: Option<UserId>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub accepted_at: Option<NaiveDateTime>,
    pub accepted_by: Option<UserId>,
}

impl Invitation {
    pub fn insert(conn: &mut DbConn, invitation: &Invitation) -> QueryResult<()> {
        diesel::insert_into(invitations::table)
            .values(invitation)
            .execute(conn)
            .map(|_| ())
    }

    /// Not yet accepted and not expired at `now`, newest first.
    pub fn pending(
        conn: &mut DbConn,
        workspace: &WorkspaceId,
        now: NaiveDateTime,
    ) -> QueryResult<Vec<Invitation>> {
        invitations::table
            .filter(invitations::workspace_id.eq(workspace))
            .filter(invitations::accepted_at.is_null())
            .filter(invitations::expires_at.gt(now))
            .order((invitations::created_at.desc(), invitations::id.desc()))
            .select(Invitation::as_select())
            .load(conn)
    }

    pub fn find_in_workspace(
        conn: &mut DbConn,
        workspace: &WorkspaceId,
        id: &InvitationId,
    ) -> QueryResult<Option<Invitation>> {
        invitations::table
            .filter(invitations::workspace_id.eq(workspace))
            .filter(invitations::id.eq(id))
            .select(Invitation::as_select())
            .first(conn)
            .optional()
    }

    pub fn find_by_token_hash(conn: &mut DbConn, hash: &str) -> QueryResult<Option<Invitation>> {
        invitations::table
            .filter(invitations::token_hash.eq(hash))
            .select(Invitation::as_select())
            .first(conn)
            .optional()
    }

    /// Marks it used, unless it already was; returns whether this call did.
    pub fn mark_accepted(
        conn: &mut DbConn,
        id: &InvitationId,
        by: &UserId,
        at: NaiveDateTime,
    ) -> QueryResult<bool> {
        diesel::update(
            invitations::table
                .find(id)
                .filter(invitations::accepted_at.is_null()),
        )
        .set((
            invitations::accepted_at.eq(at),
            invitations::accepted_by.eq(by),
        ))
        .execute(conn)
        .map(|n| n == 1)
    }

    pub fn delete(conn: &mut DbConn, id: &InvitationId) -> QueryResult<usize> {
        diesel::delete(invitations::table.find(id)).execute(conn)
    }
}
