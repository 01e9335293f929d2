//! Changing credentials: create, (de)activate, edit, renew, delete.

use crate::auth::password::Argon2Slots;
use chrono::NaiveDateTime;

use crate::db::models::smtp_credential::{
    CredentialChanges, CredentialView, NewSmtpCredential, Policies,
};
use crate::db::models::{CredentialRules, Domain, SmtpCredential};
use crate::db::{Db, DbConn, lock_workspace, write_transaction};
use crate::domain::{CredentialId, Username, WorkspaceId, check_lifetime, now};
use crate::service::audit::{self, Actor};
use crate::service::is_unique_violation;

use super::queries::load;
use super::{CredentialError, CredentialFields, Scope, WithPassword, generate_password};

/// Creates a credential expiring at `expires_at` (within the workspace's
/// maximum lifetime) with the workspace's default send limits; a blank
/// username gets a generated one. The password is hashed in one of
/// `argon2`'s slots, or the create is refused as busy.
pub async fn create(
    db: &Db,
    argon2: &Argon2Slots,
    workspace: &WorkspaceId,
    username: Option<Username>,
    fields: CredentialFields,
    expires_at: Option<NaiveDateTime>,
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
                let new = NewSmtpCredential {
                    description: fields.description.clone(),
                    sandbox: fields.sandbox,
                    scope: fields.scope.kind(),
                    created_by: actor.user_id.clone(),
                    policies: Policies {
                        expires_at,
                        ..Policies::default()
                    },
                    ..NewSmtpCredential::new(
                        workspace.clone(),
                        &fields.name,
                        candidate.as_str(),
                        &hash,
                    )
                };
                outcome = insert(conn, &new, &fields, &actor);
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
    new: &NewSmtpCredential,
    fields: &CredentialFields,
    actor: &Actor,
) -> Result<CredentialView, CredentialError> {
    write_transaction(conn, |conn| {
        // A workspace being deleted right now either takes the new
        // credential with it or is gone already (404), whatever the scope.
        lock_workspace(conn, &new.workspace_id)?;
        check_domains(conn, &new.workspace_id, &fields.scope)?;
        let rules = CredentialRules::of(conn, &new.workspace_id)?;
        check_lifetime(
            new.policies.expires_at,
            rules.max_credential_lifetime_days,
            now(),
        )
        .map_err(CredentialError::Lifetime)?;
        let new = &with_default_limits(new, &rules);
        let credential = SmtpCredential::insert(conn, new).map_err(|e| {
            if is_unique_violation(&e) {
                CredentialError::UsernameTaken
            } else {
                e.into()
            }
        })?;
        SmtpCredential::set_domains(conn, &credential.id, &fields.scope.domain_ids())?;
        record(
            conn,
            &credential,
            actor,
            "smtp_credential.created",
            &fields.details(),
        )?;
        Ok(CredentialView::load_one(conn, credential)?)
    })
}

/// `new` with the workspace's default send limits wherever it sets none.
fn with_default_limits(new: &NewSmtpCredential, rules: &CredentialRules) -> NewSmtpCredential {
    let (minute, hour, day, recipients) = (
        rules.default_max_per_minute,
        rules.default_max_per_hour,
        rules.default_max_per_day,
        rules.default_max_recipients,
    );
    let mut new = new.clone();
    let policies = &mut new.policies;
    for (limit, default) in [
        (&mut policies.max_per_minute, minute),
        (&mut policies.max_per_hour, hour),
        (&mut policies.max_per_day, day),
        (&mut policies.max_recipients, recipients),
    ] {
        *limit = limit.or(default);
    }
    new
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

/// Writes `action` on `credential` to the activity log, naming the
/// credential by name and username.
pub(super) fn record(
    conn: &mut DbConn,
    credential: &SmtpCredential,
    actor: &Actor,
    action: &str,
    details: &str,
) -> diesel::QueryResult<()> {
    let target = format!("{} ({})", credential.name, credential.username);
    audit::record(
        conn,
        &credential.workspace_id,
        actor,
        action,
        &target,
        details,
    )
}

/// Runs `change` on a credential of the workspace under the workspace's
/// lock, and answers with the credential as it is then.
pub(super) async fn change<F>(
    db: &Db,
    workspace: &WorkspaceId,
    id: CredentialId,
    change: F,
) -> Result<CredentialView, CredentialError>
where
    F: FnOnce(&mut DbConn, &SmtpCredential) -> Result<(), CredentialError> + Send + 'static,
{
    let workspace = workspace.clone();
    db.run(move |conn| {
        write_transaction(conn, |conn| {
            lock_workspace(conn, &workspace)?;
            let before = load(conn, &workspace, &id)?;
            change(conn, &before)?;
            let after = load(conn, &workspace, &id)?;
            Ok(CredentialView::load_one(conn, after)?)
        })
    })
    .await
}

/// Activates or deactivates a credential (logged only when it changes);
/// an inactive one fails SMTP AUTH from the next attempt on.
pub async fn set_active(
    db: &Db,
    workspace: &WorkspaceId,
    id: CredentialId,
    active: bool,
    actor: Actor,
) -> Result<CredentialView, CredentialError> {
    change(db, workspace, id, move |conn, credential| {
        if credential.active != active {
            SmtpCredential::set_active(conn, &credential.id, active, now())?;
            let action = if active {
                "smtp_credential.activated"
            } else {
                "smtp_credential.deactivated"
            };
            record(conn, credential, &actor, action, "")?;
        }
        Ok(())
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
    change(db, workspace, id, move |conn, before| {
        check_domains(conn, &before.workspace_id, &fields.scope)?;
        let changes = CredentialChanges {
            name: &fields.name,
            description: &fields.description,
            sandbox: fields.sandbox,
            scope: fields.scope.kind(),
            updated_at: now(),
        };
        SmtpCredential::update(conn, &before.id, &changes)?;
        SmtpCredential::set_domains(conn, &before.id, &fields.scope.domain_ids())?;
        record(
            conn,
            before,
            &actor,
            "smtp_credential.updated",
            &fields.details(),
        )?;
        Ok(())
    })
    .await
}

/// Sets when the credential expires (`None`: never), within the workspace's
/// maximum lifetime; its password stays. An expired credential works again
/// from the next AUTH on.
pub async fn renew(
    db: &Db,
    workspace: &WorkspaceId,
    id: CredentialId,
    expires_at: Option<NaiveDateTime>,
    actor: Actor,
) -> Result<CredentialView, CredentialError> {
    change(db, workspace, id, move |conn, credential| {
        let at = now();
        let rules = CredentialRules::of(conn, &credential.workspace_id)?;
        check_lifetime(expires_at, rules.max_credential_lifetime_days, at)
            .map_err(CredentialError::Lifetime)?;
        let policies = Policies {
            expires_at,
            ..credential.policies.clone()
        };
        SmtpCredential::set_policies(conn, &credential.id, &policies, at)?;
        let details = match expires_at {
            Some(t) => format!("expires {}", t.format("%Y-%m-%d %H:%M UTC")),
            None => "never expires".to_owned(),
        };
        record(
            conn,
            credential,
            &actor,
            "smtp_credential.renewed",
            &details,
        )?;
        Ok(())
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
            let view = CredentialView::load_one(conn, credential.clone())?;
            SmtpCredential::delete(conn, &id)?;
            record(conn, &credential, &actor, "smtp_credential.deleted", "")?;
            Ok(view)
        })
    })
    .await
}
