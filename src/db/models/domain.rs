use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{domains, smtp_credential_domains};
use crate::domain::{DomainId, WorkspaceId};

/// A sending domain of a workspace; scoped credentials may only send from these.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = domains)]
pub struct Domain {
    pub id: DomainId,
    pub workspace_id: WorkspaceId,
    pub name: String,
    pub created_at: NaiveDateTime,
}

/// A domain with the number of credentials scoped to it.
#[derive(Debug, Clone)]
pub struct DomainUsage {
    pub domain: Domain,
    pub credentials: i64,
}

impl Domain {
    pub fn insert(conn: &mut DbConn, domain: &Domain) -> QueryResult<()> {
        diesel::insert_into(domains::table)
            .values(domain)
            .execute(conn)
            .map(|_| ())
    }

    /// The workspace's domains by name.
    pub fn of_workspace(conn: &mut DbConn, workspace: &WorkspaceId) -> QueryResult<Vec<Domain>> {
        domains::table
            .filter(domains::workspace_id.eq(workspace))
            .order(domains::name.asc())
            .select(Domain::as_select())
            .load(conn)
    }

    /// The workspace's domains with how many credentials use each.
    pub fn usage(conn: &mut DbConn, workspace: &WorkspaceId) -> QueryResult<Vec<DomainUsage>> {
        let all = Self::of_workspace(conn, workspace)?;
        let ids: Vec<&DomainId> = all.iter().map(|d| &d.id).collect();
        let links: Vec<DomainId> = smtp_credential_domains::table
            .filter(smtp_credential_domains::domain_id.eq_any(ids))
            .select(smtp_credential_domains::domain_id)
            .load(conn)?;
        Ok(all
            .into_iter()
            .map(|domain| {
                let credentials = links.iter().filter(|l| **l == domain.id).count() as i64;
                DomainUsage {
                    domain,
                    credentials,
                }
            })
            .collect())
    }

    pub fn find_in_workspace(
        conn: &mut DbConn,
        workspace: &WorkspaceId,
        id: &DomainId,
    ) -> QueryResult<Option<Domain>> {
        domains::table
            .filter(domains::workspace_id.eq(workspace))
            .filter(domains::id.eq(id))
            .select(Domain::as_select())
            .first(conn)
            .optional()
    }

    pub fn delete(conn: &mut DbConn, id: &DomainId) -> QueryResult<usize> {
        diesel::delete(domains::table.find(id)).execute(conn)
    }
}
