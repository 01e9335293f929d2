//! Invitations: an admin invites an email address with a role; the link
//! (shown once to the admin, who passes it on) works once, for 7 days. The
//! person opening it joins with that role, signing in first or creating an
//! account for that email. Inviting, revoking and accepting lock the
//! workspace first, so a link accepted twice at once admits once and a
//! revocation racing an acceptance has one outcome.

use chrono::NaiveDateTime;

pub use crate::db::models::Invitation;
use crate::db::models::{Membership, User, Workspace};
use crate::db::{Db, DbError, lock_workspace, write_transaction};
use crate::domain::{EmailAddress, InvitationId, Role, WorkspaceId, now};
use crate::service::accounts::{self, AccountError, NewAccount};
use crate::service::audit::{self, Actor};
use crate::service::members::may_manage;

/// How long an invitation link works.
pub const VALID_FOR: chrono::Duration = chrono::Duration::days(7);

#[derive(Debug, thiserror::Error)]
pub enum InvitationError {
    #[error("no such invitation")]
    NotFound,
    #[error("your role does not allow inviting with this role")]
    Forbidden,
    #[error("this person is already a member")]
    AlreadyMember,
    #[error("an invitation for this email is already pending")]
    AlreadyInvited,
    #[error("this invitation link is not valid")]
    Unusable(Unusable),
    #[error("this invitation is for another email address")]
    WrongAccount,
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error(transparent)]
    Busy(#[from] crate::auth::password::Busy),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for InvitationError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Db(DbError::Query(e))
    }
}

impl From<AccountError> for InvitationError {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::EmailTaken => Self::EmailTaken,
            AccountError::Db(e) => Self::Db(e),
            AccountError::Busy(busy) => Self::Busy(busy),
            AccountError::SetupDone => Self::Db(DbError::Query(diesel::result::Error::NotFound)),
        }
    }
}

/// Why a link cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unusable {
    Unknown,
    Expired,
    Used,
}

/// A new invitation with its link token (the only time it exists).
pub struct NewInvitation {
    pub invitation: Invitation,
    pub token: String,
}

/// What the invitation page shows.
pub struct Details {
    pub invitation: Invitation,
    pub role: Role,
    pub workspace: Workspace,
    pub invited_by: Option<String>,
    /// The account of the invited email, if one exists.
    pub account: Option<User>,
}

pub async fn invite(
    db: &Db,
    workspace: &WorkspaceId,
    inviter_role: Role,
    email: EmailAddress,
    role: Role,
    actor: Actor,
) -> Result<NewInvitation, InvitationError> {
    if !may_manage(inviter_role, Role::Viewer, Some(role)) {
        return Err(InvitationError::Forbidden);
    }
    let token = crate::secrets::random_token(32);
    let hash = crate::secrets::digest(&token);
    let workspace = workspace.clone();
    let invitation = db
        .run(move |conn| {
            write_transaction(conn, |conn| {
                lock_workspace(conn, &workspace)?;
                let at = now();
                if let Some(user) = User::find_by_email(conn, &email)?
                    && Membership::role_of(conn, &workspace, &user.id)?.is_some()
                {
                    return Err(InvitationError::AlreadyMember);
                }
                let pending = Invitation::pending(conn, &workspace, at)?;
                if pending.iter().any(|i| i.email == email.as_str()) {
                    return Err(InvitationError::AlreadyInvited);
                }
                let invitation = Invitation {
                    id: InvitationId::generate(),
                    workspace_id: workspace.clone(),
                    email: email.as_str().to_owned(),
                    role: role.as_str().to_owned(),
                    token_hash: hash,
                    invited_by: actor.user_id.clone(),
                    created_at: at,
                    expires_at: at + VALID_FOR,
                    accepted_at: None,
                    accepted_by: None,
                };
                Invitation::insert(conn, &invitation)?;
                audit::record(
                    conn,
                    &workspace,
                    &actor,
                    "member.invited",
                    &invitation.email,
                    role.label(),
                )?;
                Ok(invitation)
            })
        })
        .await?;
    Ok(NewInvitation { invitation, token })
}

pub async fn pending(db: &Db, workspace: &WorkspaceId) -> Result<Vec<Invitation>, DbError> {
    let workspace = workspace.clone();
    db.query(move |conn| Invitation::pending(conn, &workspace, now()))
        .await
}

pub async fn find(
    db: &Db,
    workspace: &WorkspaceId,
    id: InvitationId,
) -> Result<Invitation, InvitationError> {
    let workspace = workspace.clone();
    db.run(move |conn| {
        Invitation::find_in_workspace(conn, &workspace, &id)?.ok_or(InvitationError::NotFound)
    })
    .await
}

/// Deletes a pending invitation: its link stops working.
pub async fn revoke(
    db: &Db,
    workspace: &WorkspaceId,
    id: InvitationId,
    actor: Actor,
) -> Result<Invitation, InvitationError> {
    let workspace = workspace.clone();
    db.run(move |conn| {
        write_transaction(conn, |conn| {
            lock_workspace(conn, &workspace)?;
            let invitation = Invitation::find_in_workspace(conn, &workspace, &id)?
                .filter(|i| i.accepted_at.is_none())
                .ok_or(InvitationError::NotFound)?;
            Invitation::delete(conn, &id)?;
            audit::record(
                conn,
                &workspace,
                &actor,
                "invitation.revoked",
                &invitation.email,
                "",
            )?;
            Ok(invitation)
        })
    })
    .await
}

fn usable(invitation: Option<Invitation>, at: NaiveDateTime) -> Result<Invitation, Unusable> {
    let invitation = invitation.ok_or(Unusable::Unknown)?;
    if invitation.accepted_at.is_some() {
        Err(Unusable::Used)
    } else if invitation.expires_at <= at {
        Err(Unusable::Expired)
    } else {
        Ok(invitation)
    }
}

/// What the link `token` leads to, or why it cannot be used.
pub async fn lookup(db: &Db, token: &str) -> Result<Result<Details, Unusable>, DbError> {
    let hash = crate::secrets::digest(token);
    db.query(move |conn| {
        let invitation = match usable(Invitation::find_by_token_hash(conn, &hash)?, now()) {
            Ok(invitation) => invitation,
            Err(why) => return Ok(Err(why)),
        };
        let workspace = Workspace::find(conn, &invitation.workspace_id)?;
        let invited_by = match &invitation.invited_by {
            Some(id) => Some(User::find(conn, id)?.name),
            None => None,
        };
        let email = EmailAddress::parse(&invitation.email).ok();
        let account = match &email {
            Some(email) => User::find_by_email(conn, email)?,
            None => None,
        };
        Ok(Ok(Details {
            role: Role::parse(&invitation.role).unwrap_or(Role::Viewer),
            invitation,
            workspace,
            invited_by,
            account,
        }))
    })
    .await
}

/// Who accepts: an existing (signed-in) user, or a new account.
pub enum Joiner<'a> {
    Existing(&'a User),
    NewAccount {
        name: &'a str,
        password_hash: &'a str,
    },
}

/// Uses the link: the invited person joins the workspace with the role
/// (an existing member keeps their role). Checked again inside the
/// transaction, so a link can never be used twice.
pub async fn accept(
    db: &Db,
    token: &str,
    joiner: Joiner<'_>,
    ip: Option<String>,
) -> Result<(User, Workspace), InvitationError> {
    let hash = crate::secrets::digest(token);
    let existing = match &joiner {
        Joiner::Existing(user) => Some((*user).clone()),
        Joiner::NewAccount { .. } => None,
    };
    let new_account = match joiner {
        Joiner::NewAccount {
            name,
            password_hash,
        } => Some((name.to_owned(), password_hash.to_owned())),
        Joiner::Existing(_) => None,
    };
    db.run(move |conn| {
        write_transaction(conn, |conn| {
            let found = Invitation::find_by_token_hash(conn, &hash)?
                .ok_or(InvitationError::Unusable(Unusable::Unknown))?;
            lock_workspace(conn, &found.workspace_id)?;
            let at = now();
            // Read again under the lock: a concurrent accept or revoke is over.
            let invitation = usable(Invitation::find_by_token_hash(conn, &hash)?, at)
                .map_err(InvitationError::Unusable)?;
            let email = EmailAddress::parse(&invitation.email)
                .map_err(|_| InvitationError::Unusable(Unusable::Unknown))?;
            let user = match (existing, new_account) {
                (Some(user), _) if user.email.eq_ignore_ascii_case(email.as_str()) => user,
                (Some(_), _) => return Err(InvitationError::WrongAccount),
                (None, Some((name, password_hash))) => accounts::insert_user(
                    conn,
                    &NewAccount {
                        email: email.clone(),
                        name,
                        password_hash,
                        is_admin: false,
                    },
                )?,
                (None, None) => return Err(InvitationError::NotFound),
            };
            if !Invitation::mark_accepted(conn, &invitation.id, &user.id, at)? {
                return Err(InvitationError::Unusable(Unusable::Used));
            }
            let workspace = Workspace::find(conn, &invitation.workspace_id)?;
            let role = Role::parse(&invitation.role).unwrap_or(Role::Viewer);
            if Membership::role_of(conn, &workspace.id, &user.id)?.is_none() {
                Membership::insert(conn, &workspace.id, &user.id, role, at)?;
                let actor = Actor {
                    label: user.email.clone(),
                    user_id: Some(user.id.clone()),
                    ip,
                };
                audit::record(
                    conn,
                    &workspace.id,
                    &actor,
                    "member.joined",
                    &user.email,
                    role.label(),
                )?;
            }
            Ok((user, workspace))
        })
    })
    .await
}
