//! REST API keys: created by workspace admins (the secret shown once),
//! listed, revoked, and looked up on every API request.

use crate::auth::api_key;
pub use crate::db::models::ApiKey;
use crate::db::models::Domain;
use crate::db::{Db, DbError, lock_workspace, write_transaction};
use crate::domain::{ApiKeyId, ApiScope, ApiScopes, ScopeTarget, WorkspaceId, now};
use crate::service::audit::{self, Actor};

/// Use is recorded at most once a minute per key.
const LAST_USED_GATE: chrono::Duration = chrono::Duration::seconds(60);

#[derive(Debug, thiserror::Error)]
pub enum ApiKeyError {
    #[error("no such API key")]
    NotFound,
    /// A scope names a domain the workspace does not have.
    #[error("{0} is not a sending domain of this workspace.")]
    UnknownDomain(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for ApiKeyError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Db(DbError::Query(e))
    }
}

/// A key with its secret, right after it was made (the only time it exists).
pub struct NewApiKey {
    pub key: ApiKey,
    pub secret: String,
}

/// How the activity log names a key.
pub fn actor_label(key: &ApiKey) -> String {
    format!("API key \"{}\"", key.label)
}

/// Makes a key with these scopes; a scope may only name one of the
/// workspace's sending domains (checked in the transaction that inserts).
pub async fn create(
    db: &Db,
    workspace: &WorkspaceId,
    label: String,
    scopes: ApiScopes,
    actor: Actor,
) -> Result<NewApiKey, ApiKeyError> {
    let made = api_key::generate();
    let key = ApiKey {
        id: ApiKeyId::generate(),
        workspace_id: workspace.clone(),
        label,
        prefix: made.prefix,
        secret_hash: made.hash,
        scopes: scopes.to_stored(),
        created_at: now(),
        created_by: actor.user_id.clone(),
        last_used_at: None,
    };
    let stored = key.clone();
    db.run(move |conn| {
        write_transaction(conn, |conn| {
            // Like a domain's removal, which waits for this (or this for it).
            lock_workspace(conn, &stored.workspace_id)?;
            let domains = Domain::of_workspace(conn, &stored.workspace_id)?;
            let unknown = scopes.iter().find_map(|scope| match scope {
                ApiScope::Credentials {
                    target: ScopeTarget::Domain(name),
                    ..
                } if !domains.iter().any(|d| d.name == name.as_str()) => {
                    Some(name.as_str().to_owned())
                }
                _ => None,
            });
            if let Some(name) = unknown {
                return Err(ApiKeyError::UnknownDomain(name));
            }
            ApiKey::insert(conn, &stored)?;
            audit::record(
                conn,
                &stored.workspace_id,
                &actor,
                "api_key.created",
                &format!("{} ({}…)", stored.label, stored.prefix),
                &stored.scopes,
            )
            .map_err(ApiKeyError::from)
        })
    })
    .await?;
    Ok(NewApiKey {
        key,
        secret: made.secret,
    })
}

pub async fn list(db: &Db, workspace: &WorkspaceId) -> Result<Vec<ApiKey>, DbError> {
    let workspace = workspace.clone();
    db.query(move |conn| ApiKey::of_workspace(conn, &workspace))
        .await
}

pub async fn find(db: &Db, workspace: &WorkspaceId, id: ApiKeyId) -> Result<ApiKey, ApiKeyError> {
    let workspace = workspace.clone();
    db.run(move |conn| {
        ApiKey::find_in_workspace(conn, &workspace, &id)?.ok_or(ApiKeyError::NotFound)
    })
    .await
}

/// Deletes the key: the very next request made with it gets 401.
pub async fn revoke(
    db: &Db,
    workspace: &WorkspaceId,
    id: ApiKeyId,
    actor: Actor,
) -> Result<ApiKey, ApiKeyError> {
    let workspace = workspace.clone();
    db.run(move |conn| {
        write_transaction(conn, |conn| {
            let key =
                ApiKey::find_in_workspace(conn, &workspace, &id)?.ok_or(ApiKeyError::NotFound)?;
            ApiKey::delete(conn, &id)?;
            audit::record(
                conn,
                &workspace,
                &actor,
                "api_key.revoked",
                &format!("{} ({}…)", key.label, key.prefix),
                "",
            )?;
            Ok(key)
        })
    })
    .await
}

/// The key a bearer secret belongs to, or `None`. Records its use (at most
/// once a minute, off the caller's path).
pub async fn authenticate(db: &Db, secret: &str) -> Result<Option<ApiKey>, DbError> {
    let hash = api_key::hash(secret);
    let key = db
        .read(move |conn| ApiKey::find_by_secret_hash(conn, &hash))
        .await?;
    if let Some(key) = &key {
        let at = now();
        if key.last_used_at.is_none_or(|t| t < at - LAST_USED_GATE) {
            let (db, id) = (db.clone(), key.id.clone());
            tokio::spawn(async move {
                let write = db
                    .query(move |conn| ApiKey::touch(conn, &id, at, LAST_USED_GATE))
                    .await;
                if let Err(error) = write {
                    tracing::warn!(%error, "API key last-used time not recorded");
                }
            });
        }
    }
    Ok(key)
}
