use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::models::{User, Workspace};
use crate::db::schema::{memberships, users, workspaces};
use crate::domain::{Role, UserId, WorkspaceId};

/// A user's role in one workspace.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = memberships)]
pub struct Membership {
    pub workspace_id: WorkspaceId,
    pub user_id: UserId,
    pub role: String,
    pub created_at: NaiveDateTime,
}

/// A member of a workspace as the members page shows them.
#[derive(Debug, Clone)]
pub struct Member {
    pub user: User,
    pub role: Role,
    pub joined_at: NaiveDateTime,
}

/// A workspace as seen by one of its members.
#[derive(Debug, Clone)]
pub struct WorkspaceWithRole {
    pub workspace: Workspace,
    pub role: Role,
}

impl Membership {
    pub fn insert(
        conn: &mut DbConn,
        workspace_id: &WorkspaceId,
        user_id: &UserId,
        role: Role,
        now: NaiveDateTime,
    ) -> QueryResult<()> {
        diesel::insert_into(memberships::table)
            .values(Membership {
                workspace_id: workspace_id.clone(),
                user_id: user_id.clone(),
                role: role.as_str().to_owned(),
                created_at: now,
            })
            .execute(conn)
            .map(|_| ())
    }

    /// The user's role in the workspace with this slug, or `None` when the
    /// workspace does not exist or the user is not a member (callers answer
    /// both with 404 so existence does not leak).
    pub fn find_by_slug(
        conn: &mut DbConn,
        user_id: &UserId,
        slug: &str,
    ) -> QueryResult<Option<WorkspaceWithRole>> {
        let row: Option<(Workspace, String)> = workspaces::table
            .inner_join(memberships::table)
            .filter(workspaces::slug.eq(slug))
            .filter(memberships::user_id.eq(user_id))
            .select((Workspace::as_select(), memberships::role))
            .first(conn)
            .optional()?;
        Ok(row.and_then(into_with_role))
    }

    /// Every workspace the user belongs to, by name.
    pub fn workspaces_of(
        conn: &mut DbConn,
        user_id: &UserId,
    ) -> QueryResult<Vec<WorkspaceWithRole>> {
        let rows: Vec<(Workspace, String)> = workspaces::table
            .inner_join(memberships::table)
            .filter(memberships::user_id.eq(user_id))
            .order((workspaces::name.asc(), workspaces::slug.asc()))
            .select((Workspace::as_select(), memberships::role))
            .load(conn)?;
        Ok(rows.into_iter().filter_map(into_with_role).collect())
    }

    /// The user and [`Membership::workspaces_of`] them in one statement
    /// (read on every dashboard request).
    pub fn user_with_workspaces(
        conn: &mut DbConn,
        user_id: &UserId,
    ) -> QueryResult<Option<(User, Vec<WorkspaceWithRole>)>> {
        type Joined = (User, Option<Workspace>, Option<String>);
        let rows: Vec<Joined> = users::table
            .left_join(memberships::table.inner_join(workspaces::table))
            .filter(users::id.eq(user_id))
            .order((workspaces::name.asc(), workspaces::slug.asc()))
            .select((
                User::as_select(),
                Option::<Workspace>::as_select(),
                memberships::role.nullable(),
            ))
            .load(conn)?;
        let membership = |(_, workspace, role): Joined| workspace.zip(role);
        let mut rows = rows.into_iter().peekable();
        let Some(user) = rows.peek().map(|(user, _, _)| user.clone()) else {
            return Ok(None);
        };
        let workspaces = rows
            .filter_map(membership)
            .filter_map(into_with_role)
            .collect();
        Ok(Some((user, workspaces)))
    }
}

impl Membership {
    /// The workspace's members, owners first, then by name.
    pub fn members_of(conn: &mut DbConn, workspace: &WorkspaceId) -> QueryResult<Vec<Member>> {
        let rows: Vec<(User, String, NaiveDateTime)> = memberships::table
            .inner_join(users::table)
            .filter(memberships::workspace_id.eq(workspace))
            .order((users::name.asc(), users::email.asc()))
            .select((
                User::as_select(),
                memberships::role,
                memberships::created_at,
            ))
            .load(conn)?;
        let mut members: Vec<Member> = rows
            .into_iter()
            .filter_map(|(user, role, joined_at)| {
                Role::parse(&role).map(|role| Member {
                    user,
                    role,
                    joined_at,
                })
            })
            .collect();
        members.sort_by_key(|m| std::cmp::Reverse(m.role));
        Ok(members)
    }

    /// The user's role in the workspace, if they are a member.
    pub fn role_of(
        conn: &mut DbConn,
        workspace: &WorkspaceId,
        user: &UserId,
    ) -> QueryResult<Option<Role>> {
        let role: Option<String> = memberships::table
            .filter(memberships::workspace_id.eq(workspace))
            .filter(memberships::user_id.eq(user))
            .select(memberships::role)
            .first(conn)
            .optional()?;
        Ok(role.as_deref().and_then(Role::parse))
    }

    pub fn set_role(
        conn: &mut DbConn,
        workspace: &WorkspaceId,
        user: &UserId,
        role: Role,
    ) -> QueryResult<usize> {
        diesel::update(
            memberships::table
                .filter(memberships::workspace_id.eq(workspace))
                .filter(memberships::user_id.eq(user)),
        )
        .set(memberships::role.eq(role.as_str()))
        .execute(conn)
    }

    pub fn delete(conn: &mut DbConn, workspace: &WorkspaceId, user: &UserId) -> QueryResult<usize> {
        diesel::delete(
            memberships::table
                .filter(memberships::workspace_id.eq(workspace))
                .filter(memberships::user_id.eq(user)),
        )
        .execute(conn)
    }

    pub fn count_owners(conn: &mut DbConn, workspace: &WorkspaceId) -> QueryResult<i64> {
        memberships::table
            .filter(memberships::workspace_id.eq(workspace))
            .filter(memberships::role.eq(Role::Owner.as_str()))
            .count()
            .get_result(conn)
    }
}

fn into_with_role((workspace, role): (Workspace, String)) -> Option<WorkspaceWithRole> {
    Role::parse(&role).map(|role| WorkspaceWithRole { workspace, role })
}
