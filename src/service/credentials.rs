//! SMTP credentials: create, list, edit, regenerate, (de)activate, delete.
//! The dashboard and the REST API both call these; every change is written
//! to the activity log in the same transaction.
//!
//! Every change first locks the workspace's row ([`lock_workspace`]), so a
//! workspace deleted at the same moment either takes the change with it or
//! is already gone (`NotFound`, a 404), never a foreign-key failure. New
//! passwords are hashed in the process's [`Argon2Slots`]: when none comes
//! free in time the change is refused as [`Busy`] and nothing is written.

use chrono::NaiveDateTime;
use validator::Validate;

use crate::auth::password::{Argon2Slots, Busy};
use crate::db::models::smtp_credential::{Anchor, CredentialChanges, Cursor, Direction, SortKey};
use crate::db::models::{Domain, SmtpCredential};
use crate::db::{Db, DbConn, DbError, lock_workspace, write_transaction};
use crate::domain::text;
use crate::domain::username::USERNAME_RULE;
use crate::domain::{
    CredentialId, DomainId, Username, WorkspaceId, decode_cursor, encode_cursor, now,
};
use crate::service::audit::{self, Actor};
use crate::service::is_unique_violation;

/// Rows per page of the dashboard's table.
pub const PAGE_SIZE: i64 = 50;

/// Which sending domains a credential may use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Global,
    /// Only these domains of the workspace (at least one).
    Scoped(Vec<DomainId>),
}

impl Scope {
    /// The domains to store, each once: a form or an API body may name one
    /// twice, and the table holds a (credential, domain) pair only once.
    fn domain_ids(&self) -> Vec<DomainId> {
        let mut unique: Vec<DomainId> = Vec::new();
        if let Self::Scoped(ids) = self {
            for id in ids {
                if !unique.contains(id) {
                    unique.push(id.clone());
                }
            }
        }
        unique
    }

    fn as_str(&self) -> &'static str {
        match self {
            Self::Global => "global",
            Self::Scoped(_) => "scoped",
        }
    }
}

/// The rules for a credential's name, username and description, wherever
/// they come from: the dashboard's form and the REST API check them here.
#[derive(Debug, Validate)]
pub struct CredentialRules {
    #[validate(
        length(min = 1, max = 100, message = "Enter a name (up to 100 characters)."),
        custom(function = "text::single_line")
    )]
    pub name: String,
    #[validate(regex(path = *USERNAME_RULE, message = "Use 4–50 characters: letters, digits and underscores only."))]
    pub username: Option<String>,
    #[validate(
        length(max = 500, message = "Keep the description to 500 characters."),
        custom(function = "text::multi_line")
    )]
    pub description: String,
}

impl CredentialRules {
    pub fn check(&self) -> Result<(), validator::ValidationErrors> {
        self.validate()
    }
}

/// The fields a user chooses, when creating or editing.
#[derive(Debug, Clone)]
pub struct CredentialFields {
    pub name: String,
    pub description: String,
    pub sandbox: bool,
    pub scope: Scope,
}

#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("no such credential")]
    NotFound,
    #[error("this username is already taken")]
    UsernameTaken,
    #[error("a chosen domain does not belong to this workspace")]
    UnknownDomain,
    /// No password hashing slot came free in time; nothing was written.
    #[error(transparent)]
    Busy(#[from] Busy),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for CredentialError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Db(DbError::Query(e))
    }
}

/// A credential as the dashboard and the API show it (no password hash).
#[derive(Debug, Clone)]
pub struct CredentialView {
    pub id: CredentialId,
    pub name: String,
    pub username: String,
    pub description: String,
    pub sandbox: bool,
    pub scoped: bool,
    pub domains: Vec<String>,
    pub domain_ids: Vec<DomainId>,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub last_used_ip: Option<String>,
}

/// A credential with its one-time password (after create or regenerate).
pub struct WithPassword {
    pub credential: CredentialView,
    pub password: String,
}

/// A page of credentials and where the neighbouring pages start.
pub struct CredentialPage {
    pub items: Vec<CredentialView>,
    /// How many match in all, when asked for.
    pub total: Option<i64>,
    pub next: Option<Cursor>,
    pub previous: Option<Cursor>,
}

/// What to list: order, text filter, and which page.
#[derive(Debug, Clone)]
pub struct ListRequest {
    pub sort: SortKey,
    pub dir: Direction,
    pub filter: Option<String>,
    /// Only scoped credentials all of whose domains are among these names
    /// (what a domain-scoped API key may see); `None` for all.
    pub within_domains: Option<Vec<String>>,
    pub anchor: Anchor,
    pub limit: i64,
    /// Also count every match (a scan of the workspace's rows).
    pub with_total: bool,
}

/// A new password: 24 bytes (192 bits) from the OS CSPRNG, URL-safe.
pub fn generate_password() -> String {
    crate::secrets::random_token(24)
}

/// Creates a credential; a blank username gets a generated one. The password
/// is hashed in one of `argon2`'s slots, or the create is refused as busy.
pub async fn create(
    db: &Db,
    argon2: &Argon2Slots,
    workspace: &WorkspaceId,
    username: Option<Username>,
    fields: CredentialFields,
    actor: Actor,
) -> Result<WithPassword, CredentialError> {
    let password = generate_password();
    let hash = argon2.hash(password.clone()).await?;
    let workspace = workspace.clone();
    let view = db
        .run(move |conn| {
            // A generated username that collides is simply drawn again.
            let attempts = if username.is_some() { 1 } else { 5 };
            let mut outcome = Err(CredentialError::UsernameTaken);
            for _ in 0..attempts {
                let candidate = username.clone().unwrap_or_else(Username::generate);
                outcome = insert(conn, &workspace, &candidate, &fields, &hash, &actor);
                if !matches!(outcome, Err(CredentialError::UsernameTaken)) {
                    break;
                }
            }
            outcome
        })
        .await?;
    Ok(WithPassword {
        credential: view,
        password,
    })
}

fn insert(
    conn: &mut DbConn,
    workspace: &WorkspaceId,
    username: &Username,
    fields: &CredentialFields,
    hash: &str,
    actor: &Actor,
) -> Result<CredentialView, CredentialError> {
    write_transaction(conn, |conn| {
        // A workspace being deleted right now either takes the new
        // credential with it or is gone already (404), whatever the scope.
        lock_workspace(conn, workspace)?;
        check_domains(conn, workspace, &fields.scope)?;
        let at = now();
        let credential = SmtpCredential {
            id: CredentialId::generate(),
            workspace_id: workspace.clone(),
            name: fields.name.clone(),
            username: username.as_str().to_owned(),
            description: fields.description.clone(),
            sandbox: fields.sandbox,
            scope: fields.scope.as_str().to_owned(),
            active: true,
            password_hash: hash.to_owned(),
            created_at: at,
            updated_at: at,
            last_used_at: None,
            last_used_ip: None,
            created_by: actor.user_id.clone(),
        };
        SmtpCredential::insert(conn, &credential).map_err(|e| {
            if is_unique_violation(&e) {
                CredentialError::UsernameTaken
            } else {
                e.into()
            }
        })?;
        SmtpCredential::set_domains(conn, &credential.id, &fields.scope.domain_ids())?;
        audit::record(
            conn,
            workspace,
            actor,
            "smtp_credential.created",
            &target(&credential),
            &mode_details(fields),
        )?;
        Ok(view_one(conn, credential)?)
    })
}

/// Checks a scope's domains; call it after [`lock_workspace`].
fn check_domains(
    conn: &mut DbConn,
    workspace: &WorkspaceId,
    scope: &Scope,
) -> Result<(), CredentialError> {
    if let Scope::Scoped(ids) = scope {
        // The caller holds the workspace lock: a domain being removed right
        // now is either gone or kept in use.
        let known = Domain::of_workspace(conn, workspace)?;
        if ids.is_empty() || !ids.iter().all(|id| known.iter().any(|d| &d.id == id)) {
            return Err(CredentialError::UnknownDomain);
        }
    }
    Ok(())
}

fn target(credential: &SmtpCredential) -> String {
    format!("{} ({})", credential.name, credential.username)
}

fn mode_details(fields: &CredentialFields) -> String {
    let mode = if fields.sandbox {
        "sandbox"
    } else {
        "production"
    };
    format!("{mode}, {}", fields.scope.as_str())
}

/// Loads a credential of this workspace, or `NotFound` (also for another
/// workspace's credential).
fn load(
    conn: &mut DbConn,
    workspace: &WorkspaceId,
    id: &CredentialId,
) -> Result<SmtpCredential, CredentialError> {
    SmtpCredential::find_in_workspace(conn, workspace, id)?.ok_or(CredentialError::NotFound)
}

pub async fn get(
    db: &Db,
    workspace: &WorkspaceId,
    id: CredentialId,
) -> Result<CredentialView, CredentialError> {
    let workspace = workspace.clone();
    db.run(move |conn| {
        let credential = load(conn, &workspace, &id)?;
        Ok(view_one(conn, credential)?)
    })
    .await
}

/// Replaces the password; the old one stops working at once. The new one
/// is hashed as in [`create`].
pub async fn regenerate(
    db: &Db,
    argon2: &Argon2Slots,
    workspace: &WorkspaceId,
    id: CredentialId,
    actor: Actor,
) -> Result<WithPassword, CredentialError> {
    let password = generate_password();
    let hash = argon2.hash(password.clone()).await?;
    let workspace = workspace.clone();
    let view = db
        .run(move |conn| {
            write_transaction(conn, |conn| {
                lock_workspace(conn, &workspace)?;
                let credential = load(conn, &workspace, &id)?;
                SmtpCredential::set_password_hash(conn, &id, &hash, now())?;
                audit::record(
                    conn,
                    &workspace,
                    &actor,
                    "smtp_credential.regenerated",
                    &target(&credential),
                    "",
                )?;
                let credential = load(conn, &workspace, &id)?;
                Ok::<_, CredentialError>(view_one(conn, credential)?)
            })
        })
        .await?;
    Ok(WithPassword {
        credential: view,
        password,
    })
}

pub async fn set_active(
    db: &Db,
    workspace: &WorkspaceId,
    id: CredentialId,
    active: bool,
    actor: Actor,
) -> Result<CredentialView, CredentialError> {
    let workspace = workspace.clone();
    db.run(move |conn| {
        write_transaction(conn, |conn| {
            lock_workspace(conn, &workspace)?;
            let credential = load(conn, &workspace, &id)?;
            if credential.active != active {
                SmtpCredential::set_active(conn, &id, active, now())?;
                let action = if active {
                    "smtp_credential.activated"
                } else {
                    "smtp_credential.deactivated"
                };
                audit::record(conn, &workspace, &actor, action, &target(&credential), "")?;
            }
            let credential = load(conn, &workspace, &id)?;
            Ok(view_one(conn, credential)?)
        })
    })
    .await
}

/// Changes name, description, mode and scope (the username stays).
pub async fn update(
    db: &Db,
    workspace: &WorkspaceId,
    id: CredentialId,
    fields: CredentialFields,
    actor: Actor,
) -> Result<CredentialView, CredentialError> {
    let workspace = workspace.clone();
    db.run(move |conn| {
        write_transaction(conn, |conn| {
            lock_workspace(conn, &workspace)?;
            let before = load(conn, &workspace, &id)?;
            check_domains(conn, &workspace, &fields.scope)?;
            let changes = CredentialChanges {
                name: &fields.name,
                description: &fields.description,
                sandbox: fields.sandbox,
                scope: fields.scope.as_str(),
                updated_at: now(),
            };
            SmtpCredential::update(conn, &id, &changes)?;
            SmtpCredential::set_domains(conn, &id, &fields.scope.domain_ids())?;
            audit::record(
                conn,
                &workspace,
                &actor,
                "smtp_credential.updated",
                &target(&before),
                &mode_details(&fields),
            )?;
            let credential = load(conn, &workspace, &id)?;
            Ok(view_one(conn, credential)?)
        })
    })
    .await
}

/// Deletes a credential; it fails SMTP AUTH from the next attempt on.
pub async fn delete(
    db: &Db,
    workspace: &WorkspaceId,
    id: CredentialId,
    actor: Actor,
) -> Result<CredentialView, CredentialError> {
    let workspace = workspace.clone();
    db.run(move |conn| {
        write_transaction(conn, |conn| {
            lock_workspace(conn, &workspace)?;
            let credential = load(conn, &workspace, &id)?;
            let view = view_one(conn, credential.clone())?;
            SmtpCredential::delete(conn, &id)?;
            audit::record(
                conn,
                &workspace,
                &actor,
                "smtp_credential.deleted",
                &target(&credential),
                "",
            )?;
            Ok(view)
        })
    })
    .await
}

/// One page of the workspace's credentials.
pub async fn list(
    db: &Db,
    workspace: &WorkspaceId,
    request: ListRequest,
) -> Result<CredentialPage, DbError> {
    let workspace = workspace.clone();
    db.query(move |conn| {
        let filter = request.filter.as_deref();
        let within = request.within_domains.as_deref();
        let total = match request.with_total {
            true => Some(SmtpCredential::count(conn, &workspace, filter, within)?),
            false => None,
        };
        let mut rows = SmtpCredential::page(
            conn,
            &workspace,
            filter,
            within,
            request.sort,
            request.dir,
            &request.anchor,
            request.limit + 1,
        )?;
        let more = rows.len() as i64 > request.limit;
        if more {
            // The extra row tells that another page exists in the reading direction.
            if matches!(request.anchor, Anchor::Before(_)) {
                rows.remove(0);
            } else {
                rows.pop();
            }
        }
        let cursor = |c: &SmtpCredential| Cursor {
            at: c.sort_value(request.sort),
            id: c.id.clone(),
        };
        let (next, previous) = match request.anchor {
            Anchor::First => (more.then(|| rows.last().map(cursor)).flatten(), None),
            Anchor::After(_) => (
                more.then(|| rows.last().map(cursor)).flatten(),
                rows.first().map(cursor),
            ),
            Anchor::Before(_) => (
                rows.last().map(cursor),
                more.then(|| rows.first().map(cursor)).flatten(),
            ),
        };
        Ok(CredentialPage {
            items: views(conn, rows)?,
            total,
            next,
            previous,
        })
    })
    .await
}

fn view_one(conn: &mut DbConn, credential: SmtpCredential) -> diesel::QueryResult<CredentialView> {
    Ok(views(conn, vec![credential])?.remove(0))
}

fn views(conn: &mut DbConn, rows: Vec<SmtpCredential>) -> diesel::QueryResult<Vec<CredentialView>> {
    let ids: Vec<CredentialId> = rows
        .iter()
        .filter(|c| c.scope == "scoped")
        .map(|c| c.id.clone())
        .collect();
    let links = if ids.is_empty() {
        Vec::new()
    } else {
        SmtpCredential::domains_of(conn, &ids)?
    };
    Ok(rows
        .into_iter()
        .map(|c| {
            let mine: Vec<_> = links.iter().filter(|(cid, _, _)| *cid == c.id).collect();
            CredentialView {
                domains: mine.iter().map(|(_, _, name)| name.clone()).collect(),
                domain_ids: mine.iter().map(|(_, id, _)| id.clone()).collect(),
                scoped: c.scope == "scoped",
                id: c.id,
                name: c.name,
                username: c.username,
                description: c.description,
                sandbox: c.sandbox,
                active: c.active,
                created_at: c.created_at,
                updated_at: c.updated_at,
                last_used_at: c.last_used_at,
                last_used_ip: c.last_used_ip,
            }
        })
        .collect())
}

impl Cursor {
    /// An opaque, URL-safe form of the cursor.
    pub fn encode(&self) -> String {
        encode_cursor(self.at, self.id.as_str())
    }

    /// `None` for anything [`Cursor::encode`] did not produce.
    pub fn decode(raw: &str) -> Option<Self> {
        let (at, id) = decode_cursor(raw)?;
        Some(Self {
            at,
            id: CredentialId::parse(&id)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let cursor = Cursor {
            at: now(),
            id: CredentialId::generate(),
        };
        assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        assert_eq!(Cursor::decode("not a cursor"), None);
        assert_eq!(Cursor::decode(&encode_cursor(now(), "not-a-uuid")), None);
    }

    #[test]
    fn generated_passwords_carry_at_least_128_bits() {
        let password = generate_password();
        assert_eq!(password.len(), 32, "24 random bytes in base64url");
        assert_ne!(password, generate_password());
    }
}
