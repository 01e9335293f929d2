use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::workspaces;
use crate::domain::{Slug, WorkspaceId};

/// A team's space: its credentials, members, keys and domains live here.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = workspaces)]
pub struct Workspace {
    pub id: WorkspaceId,
    pub slug: String,
    pub name: String,
    pub created_at: NaiveDateTime,
}

/// What a workspace asks of its credentials: a maximum lifetime, and the
/// send limits new credentials start with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Queryable, Selectable, AsChangeset)]
#[diesel(table_name = workspaces, treat_none_as_null = true)]
pub struct CredentialRules {
    pub max_credential_lifetime_days: Option<i32>,
    pub default_max_per_minute: Option<i32>,
    pub default_max_per_hour: Option<i32>,
    pub default_max_per_day: Option<i32>,
    pub default_max_recipients: Option<i32>,
}

impl CredentialRules {
    pub fn of(conn: &mut DbConn, id: &WorkspaceId) -> QueryResult<CredentialRules> {
        workspaces::table
            .find(id)
            .select(CredentialRules::as_select())
            .first(conn)
    }

    pub fn set(conn: &mut DbConn, id: &WorkspaceId, rules: &CredentialRules) -> QueryResult<()> {
        diesel::update(workspaces::table.find(id))
            .set(rules)
            .execute(conn)
            .map(|_| ())
    }
}

impl Workspace {
    /// Inserts a workspace under the first free variant of `slug`
    /// (`acme`, `acme-2`, `acme-3`, …).
    pub fn insert_with_free_slug(
        conn: &mut DbConn,
        name: &str,
        slug: &Slug,
        now: NaiveDateTime,
    ) -> QueryResult<Workspace> {
        let taken: Vec<String> = workspaces::table
            .filter(workspaces::slug.like(format!("{}%", slug.as_str())))
            .select(workspaces::slug)
            .load(conn)?;
        let free = std::iter::once(slug.clone())
            .chain((2..).map(|n| slug.with_suffix(n)))
            .find(|candidate| !taken.iter().any(|t| t == candidate.as_str()))
            .expect("an unbounded sequence always has a free slug");
        let workspace = Workspace {
            id: WorkspaceId::generate(),
            slug: free.as_str().to_owned(),
            name: name.to_owned(),
            created_at: now,
        };
        diesel::insert_into(workspaces::table)
            .values(&workspace)
            .execute(conn)?;
        Ok(workspace)
    }

    pub fn rename(conn: &mut DbConn, id: &WorkspaceId, name: &str) -> QueryResult<usize> {
        diesel::update(workspaces::table.find(id))
            .set(workspaces::name.eq(name))
            .execute(conn)
    }

    /// Deletes the workspace and, by cascade, everything in it.
    pub fn delete(conn: &mut DbConn, id: &WorkspaceId) -> QueryResult<usize> {
        diesel::delete(workspaces::table.find(id)).execute(conn)
    }

    pub fn find(conn: &mut DbConn, id: &WorkspaceId) -> QueryResult<Workspace> {
        workspaces::table
            .find(id)
            .select(Workspace::as_select())
            .first(conn)
    }

    pub fn find_by_slug(conn: &mut DbConn, slug: &str) -> QueryResult<Option<Workspace>> {
        workspaces::table
            .filter(workspaces::slug.eq(slug))
            .select(Workspace::as_select())
            .first(conn)
            .optional()
    }
}
