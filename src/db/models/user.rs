use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{lower, users};
use crate::domain::{EmailAddress, Theme, UserId};

/// A person who signs in to the dashboard.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub is_admin: bool,
    pub disabled: bool,
    /// Bumped to sign out every session of this user.
    pub session_version: i32,
    pub created_at: NaiveDateTime,
    /// A [`crate::domain::Theme`] by name.
    pub theme: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub id: UserId,
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
    pub is_admin: bool,
    pub created_at: NaiveDateTime,
}

impl User {
    pub fn insert(conn: &mut DbConn, new: &NewUser<'_>) -> QueryResult<User> {
        diesel::insert_into(users::table)
            .values(new)
            .execute(conn)?;
        Self::find(conn, &new.id)
    }

    pub fn find(conn: &mut DbConn, id: &UserId) -> QueryResult<User> {
        users::table.find(id).select(User::as_select()).first(conn)
    }

    pub fn find_by_email(conn: &mut DbConn, email: &EmailAddress) -> QueryResult<Option<User>> {
        users::table
            .filter(lower(users::email).eq(email.as_str()))
            .select(User::as_select())
            .first(conn)
            .optional()
    }

    pub fn set_name(conn: &mut DbConn, id: &UserId, name: &str) -> QueryResult<usize> {
        diesel::update(users::table.find(id))
            .set(users::name.eq(name))
            .execute(conn)
    }

    pub fn set_theme(conn: &mut DbConn, id: &UserId, theme: Theme) -> QueryResult<usize> {
        diesel::update(users::table.find(id))
            .set(users::theme.eq(theme.as_str()))
            .execute(conn)
    }

    /// Replaces the password and bumps the session version, which signs out
    /// every session signed in with the old one.
    pub fn set_password_hash(conn: &mut DbConn, id: &UserId, hash: &str) -> QueryResult<usize> {
        diesel::update(users::table.find(id))
            .set((
                users::password_hash.eq(hash),
                users::session_version.eq(users::session_version + 1),
            ))
            .execute(conn)
    }

    pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
        users::table.count().get_result(conn)
    }
}
