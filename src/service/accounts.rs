//! Users: first-run setup, creation, and password sign-in.

use chrono::Utc;
use diesel::{OptionalExtension, QueryResult};

use crate::auth::password::{self, Argon2Slots};
use crate::db::models::{Membership, NewUser};
pub use crate::db::models::{User, Workspace};
use crate::db::{Db, DbConn, DbError, GlobalLock, lock_global, write_transaction};
use crate::domain::{EmailAddress, Role, Theme, UserId, WorkspaceId};
use crate::service::{is_unique_violation, workspaces};

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error("setup has already been completed")]
    SetupDone,
    #[error(transparent)]
    Busy(#[from] password::Busy),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for AccountError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Db(DbError::Query(e))
    }
}

/// The fields of a new account; the password is already hashed.
pub struct NewAccount {
    pub email: EmailAddress,
    pub name: String,
    pub password_hash: String,
    pub is_admin: bool,
}

/// Creates a user; [`AccountError::EmailTaken`] when the email has an account.
pub async fn create_user(db: &Db, account: NewAccount) -> Result<User, AccountError> {
    db.run(move |conn| insert_user(conn, &account)).await
}

/// [`create_user`] inside a transaction of the caller's.
pub(crate) fn insert_user(conn: &mut DbConn, account: &NewAccount) -> Result<User, AccountError> {
    let new = NewUser {
        id: UserId::generate(),
        email: account.email.as_str(),
        name: &account.name,
        password_hash: &account.password_hash,
        is_admin: account.is_admin,
        created_at: Utc::now().naive_utc(),
    };
    User::insert(conn, &new).map_err(|e| {
        if is_unique_violation(&e) {
            AccountError::EmailTaken
        } else {
            e.into()
        }
    })
}

/// First run: creates the first user (a server admin) as owner of a first
/// workspace. Refused once any user exists, even when two requests race.
pub async fn create_first_admin(
    db: &Db,
    account: NewAccount,
    workspace_name: String,
) -> Result<(User, Workspace), AccountError> {
    db.run(move |conn| {
        write_transaction(conn, |conn| {
            lock_global(conn, GlobalLock::FirstRun)?;
            if User::count(conn)? > 0 {
                return Err(AccountError::SetupDone);
            }
            let user = insert_user(conn, &account)?;
            let workspace = workspaces::insert(conn, &user.id, &workspace_name)?;
            Ok((user, workspace))
        })
    })
    .await
}

/// True while no user exists (the dashboard then offers `/setup`).
pub async fn needs_setup(db: &Db) -> Result<bool, DbError> {
    db.query(|conn| Ok(User::count(conn)? == 0)).await
}

/// The user a session names, `None` once the account is gone or disabled,
/// or signed out everywhere since (its session version moved on).
pub async fn signed_in(db: &Db, id: UserId, version: i32) -> Result<Option<User>, DbError> {
    db.read(move |conn| find_signed_in(conn, &id, version))
        .await
}

/// [`signed_in`] and every workspace the user belongs to (by name, with
/// their role), read on one connection in one trip: what a workspace page
/// needs before its own content (who asks, their role in the workspace of
/// the URL, the switcher's list). Nothing is cached, so a disabled account,
/// a bumped session version or a removed membership counts at once.
pub async fn signed_in_member(
    db: &Db,
    id: UserId,
    version: i32,
) -> Result<Option<(User, Vec<workspaces::WorkspaceWithRole>)>, DbError> {
    let found = db
        .read(move |conn| Membership::user_with_workspaces(conn, &id))
        .await?;
    Ok(found.filter(|(user, _)| signed_in_as(user, version)))
}

/// Whether a session signed in at `version` still stands for `user`.
fn signed_in_as(user: &User, version: i32) -> bool {
    !user.disabled && user.session_version == version
}

fn find_signed_in(conn: &mut DbConn, id: &UserId, version: i32) -> QueryResult<Option<User>> {
    let user = User::find(conn, id).optional()?;
    Ok(user.filter(|u| signed_in_as(u, version)))
}

/// Checks an email and password. Unknown emails cost an argon2 verify too,
/// so response time does not tell which accounts exist.
pub async fn authenticate(
    db: &Db,
    argon2: &Argon2Slots,
    email: EmailAddress,
    password: String,
) -> Result<Option<User>, AccountError> {
    let user = db
        .run(move |conn| User::find_by_email(conn, &email).map_err(AccountError::from))
        .await?
        .filter(|u| !u.disabled);
    let phc = user.as_ref().map(|u| u.password_hash.clone());
    let matches = argon2.verify_or_dummy(password, phc).await?;
    Ok(user.filter(|_| matches))
}

/// Gives `user` a role in a workspace (used by setup, the CLI and tests).
pub async fn add_member(
    db: &Db,
    workspace: &WorkspaceId,
    user: &UserId,
    role: Role,
) -> Result<(), DbError> {
    let (workspace, user) = (workspace.clone(), user.clone());
    db.query(move |conn| Membership::insert(conn, &workspace, &user, role, Utc::now().naive_utc()))
        .await
}

/// The user with this email, disabled or not.
pub async fn find_by_email(db: &Db, email: &EmailAddress) -> Result<Option<User>, DbError> {
    let email = email.clone();
    db.query(move |conn| User::find_by_email(conn, &email))
        .await
}

/// Changes the user's display name.
pub async fn rename(db: &Db, user: &UserId, name: String) -> Result<User, AccountError> {
    let user = user.clone();
    db.run(move |conn| {
        User::set_name(conn, &user, &name)?;
        Ok(User::find(conn, &user)?)
    })
    .await
}

/// Remembers the user's choice of light, dark or system colours.
pub async fn set_theme(db: &Db, user: &UserId, theme: Theme) -> Result<(), DbError> {
    let user = user.clone();
    db.query(move |conn| User::set_theme(conn, &user, theme).map(drop))
        .await
}

/// Changes the password after checking the current one (`Ok(None)` when it
/// is wrong). Every session of the user is signed out by the bumped session
/// version; the caller signs the current one in again with the returned user.
pub async fn change_password(
    db: &Db,
    argon2: &Argon2Slots,
    user: &User,
    current: String,
    new: String,
) -> Result<Option<User>, AccountError> {
    if !argon2.verify(current, user.password_hash.clone()).await? {
        return Ok(None);
    }
    let hash = argon2.hash(new).await?;
    let id = user.id.clone();
    db.run(move |conn| {
        User::set_password_hash(conn, &id, &hash)?;
        Ok(Some(User::find(conn, &id)?))
    })
    .await
}
