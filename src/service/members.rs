//! Who belongs to a workspace, and with which role. The rules:
//! admins and owners manage members; only owners grant or take away the
//! owner role; a workspace always keeps at least one owner. Membership is
//! read from the database on every request, so a change applies to the
//! person's very next request, in every open session. Every change locks
//! the workspace first ([`lock_workspace`]), so two owners demoting each
//! other, or the last owners leaving, at the same moment still leave one.

pub use crate::db::models::Member;
use crate::db::models::{Membership, User};
use crate::db::{Db, DbConn, DbError, lock_workspace, write_transaction};
use crate::domain::{Role, UserId, WorkspaceId};
use crate::service::audit::{self, Actor};

#[derive(Debug, thiserror::Error)]
pub enum MemberError {
    #[error("no such member")]
    NotFound,
    #[error("your role does not allow this")]
    Forbidden,
    #[error("a workspace needs at least one owner")]
    LastOwner,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for MemberError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Db(DbError::Query(e))
    }
}

/// Whether someone with role `actor` may move a member from `from` to `to`
/// (`to == None`: remove them). Owners may do anything; admins anything
/// that neither involves nor grants the owner role.
pub fn may_manage(actor: Role, from: Role, to: Option<Role>) -> bool {
    actor.is_owner() || (actor.can_administer() && from != Role::Owner && to != Some(Role::Owner))
}

pub async fn list(db: &Db, workspace: &WorkspaceId) -> Result<Vec<Member>, DbError> {
    let workspace = workspace.clone();
    db.query(move |conn| Membership::members_of(conn, &workspace))
        .await
}

/// The member's current role, or `NotFound`.
fn role_of(conn: &mut DbConn, workspace: &WorkspaceId, user: &UserId) -> Result<Role, MemberError> {
    Membership::role_of(conn, workspace, user)?.ok_or(MemberError::NotFound)
}

/// Refuses a change that would leave the workspace without an owner.
fn keep_an_owner(
    conn: &mut DbConn,
    workspace: &WorkspaceId,
    from: Role,
    to: Option<Role>,
) -> Result<(), MemberError> {
    if from == Role::Owner
        && to != Some(Role::Owner)
        && Membership::count_owners(conn, workspace)? <= 1
    {
        return Err(MemberError::LastOwner);
    }
    Ok(())
}

pub async fn change_role(
    db: &Db,
    workspace: &WorkspaceId,
    actor_role: Role,
    target: UserId,
    to: Role,
    actor: Actor,
) -> Result<User, MemberError> {
    let workspace = workspace.clone();
    db.run(move |conn| {
        write_transaction(conn, |conn| {
            lock_workspace(conn, &workspace)?;
            let from = role_of(conn, &workspace, &target)?;
            if !may_manage(actor_role, from, Some(to)) {
                return Err(MemberError::Forbidden);
            }
            keep_an_owner(conn, &workspace, from, Some(to))?;
            let user = User::find(conn, &target)?;
            if from != to {
                Membership::set_role(conn, &workspace, &target, to)?;
                audit::record(
                    conn,
                    &workspace,
                    &actor,
                    "member.role_changed",
                    &user.email,
                    &format!("{} → {}", from.label(), to.label()),
                )?;
            }
            Ok(user)
        })
    })
    .await
}

/// Removes a member (`actor_role` decides what is allowed) or, when the
/// actor is the member, lets them leave.
pub async fn remove(
    db: &Db,
    workspace: &WorkspaceId,
    actor_role: Role,
    target: UserId,
    actor: Actor,
) -> Result<User, MemberError> {
    let workspace = workspace.clone();
    db.run(move |conn| {
        write_transaction(conn, |conn| {
            lock_workspace(conn, &workspace)?;
            let from = role_of(conn, &workspace, &target)?;
            let leaving = actor.user_id.as_ref() == Some(&target);
            if !leaving && !may_manage(actor_role, from, None) {
                return Err(MemberError::Forbidden);
            }
            keep_an_owner(conn, &workspace, from, None)?;
            let user = User::find(conn, &target)?;
            Membership::delete(conn, &workspace, &target)?;
            let action = if leaving {
                "member.left"
            } else {
                "member.removed"
            };
            audit::record(conn, &workspace, &actor, action, &user.email, from.label())?;
            Ok(user)
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use Role::*;

    #[test]
    fn admins_manage_everyone_but_owners_and_never_grant_owner() {
        assert!(may_manage(Admin, Viewer, Some(Member)));
        assert!(may_manage(Admin, Admin, Some(Viewer)));
        assert!(may_manage(Admin, Member, None));
        assert!(!may_manage(Admin, Member, Some(Owner)));
        assert!(!may_manage(Admin, Owner, Some(Admin)));
        assert!(!may_manage(Admin, Owner, None));
    }

    #[test]
    fn owners_manage_everyone_and_members_no_one() {
        assert!(may_manage(Owner, Owner, Some(Admin)));
        assert!(may_manage(Owner, Viewer, Some(Owner)));
        assert!(may_manage(Owner, Owner, None));
        assert!(!may_manage(Member, Viewer, Some(Member)));
        assert!(!may_manage(Viewer, Viewer, None));
    }
}
