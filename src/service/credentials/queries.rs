//! Reading credentials: one, or a page of the workspace's.

use crate::db::keyset::{Anchor, Cursor, Direction, Page};
use crate::db::models::smtp_credential::{
    Count, CredentialView, Filter, Probes, SmtpCredential, SortKey, TRIGRAM,
};
use crate::db::{Db, DbConn, DbError};
use crate::domain::{CredentialId, WorkspaceId};

use super::CredentialError;

/// Rows per page of the dashboard's table.
pub const PAGE_SIZE: i64 = 50;

/// A credential expiring within this many days is "expiring soon".
pub const EXPIRING_SOON_DAYS: i64 = 14;

/// A page of credentials and where the neighbouring pages start.
pub struct CredentialPage {
    pub items: Vec<CredentialView>,
    /// How many match (exact up to a cap), when asked for.
    pub total: Option<Count>,
    pub next: Option<Cursor<CredentialId>>,
    pub previous: Option<Cursor<CredentialId>>,
}

/// What to list: order, text filter, and which page.
#[derive(Debug, Clone)]
pub struct ListRequest {
    pub sort: SortKey,
    pub dir: Direction,
    pub filter: Option<String>,
    /// Only credentials expiring before this time (or expired).
    pub expiring_before: Option<chrono::NaiveDateTime>,
    /// Only scoped credentials all of whose domains are among these names
    /// (what a domain-scoped API key may see); `None` for all.
    pub within_domains: Option<Vec<String>>,
    pub anchor: Anchor<CredentialId>,
    pub limit: i64,
    /// Also count the matches, up to [`super::COUNT_CAP`].
    pub with_total: bool,
}

/// Loads a credential of this workspace, or `NotFound` (also for another
/// workspace's credential).
pub(super) fn load(
    conn: &mut DbConn,
    workspace: &WorkspaceId,
    id: &CredentialId,
) -> Result<SmtpCredential, CredentialError> {
    SmtpCredential::find_in_workspace(conn, workspace, id)?.ok_or(CredentialError::NotFound)
}

/// One credential of the workspace, or `NotFound`.
pub async fn get(
    db: &Db,
    workspace: &WorkspaceId,
    id: CredentialId,
) -> Result<CredentialView, CredentialError> {
    let workspace = workspace.clone();
    db.run(move |conn| {
        let credential = load(conn, &workspace, &id)?;
        Ok(CredentialView::load_one(conn, credential)?)
    })
    .await
}

/// One page of the workspace's credentials. Its cost does not grow with
/// the workspace, so on SQLite it runs in place like other short reads,
/// unless a filter may scan the rows (a text too short for the trigram
/// index, or the expiry filter).
pub async fn list(
    db: &Db,
    workspace: &WorkspaceId,
    request: ListRequest,
) -> Result<CredentialPage, DbError> {
    let workspace = workspace.clone();
    let scans = request.expiring_before.is_some()
        || request
            .filter
            .as_ref()
            .is_some_and(|f| f.chars().count() < TRIGRAM);
    let rarity = db.rarity();
    let read = move |conn: &mut DbConn| {
        let probes = match request.filter.as_deref() {
            Some(text) => rarity.probes(conn, text)?,
            None => Probes::Whole,
        };
        let filter = Filter {
            text: request.filter.as_deref(),
            expiring_before: request.expiring_before,
            within: request.within_domains.as_deref(),
            probes: &probes,
        };
        // A filtered count decides how the page is read; an unfiltered
        // one comes with the page's rows.
        let mut total = match request.with_total && !filter.is_none() {
            true => Some(SmtpCredential::count(conn, &workspace, &filter)?),
            false => None,
        };
        let rows = SmtpCredential::page(
            conn,
            &workspace,
            &filter,
            request.sort,
            request.dir,
            &request.anchor,
            request.limit + 1,
            total,
        )?;
        if request.with_total && total.is_none() {
            total = match SmtpCredential::total_of(&filter, &rows) {
                Some(count) => Some(count),
                None => Some(SmtpCredential::count(conn, &workspace, &filter)?),
            };
        }
        let rows = rows.into_iter().map(|(credential, _)| credential).collect();
        let page = Page::from_scan(rows, &request.anchor, request.limit, |c| {
            c.cursor(request.sort)
        });
        Ok(CredentialPage {
            items: CredentialView::load(conn, page.items)?,
            total,
            next: page.next,
            previous: page.previous,
        })
    };
    match scans {
        true => db.query(read).await,
        false => db.read(read).await,
    }
}
