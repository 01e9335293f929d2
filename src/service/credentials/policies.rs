//! Changing what a credential may do: its address allowlist, sender
//! patterns and send limits, checked beforehand by the domain types
//! ([`crate::domain::policy`]) and logged with what they became.

use crate::db::Db;
use crate::db::models::SmtpCredential;
use crate::domain::policy::{Limit, Policies as Rules};
use crate::domain::{CredentialId, WorkspaceId, now};
use crate::service::audit::Actor;

use super::changes::{change, record};
use super::{CredentialError, CredentialView, Policies};

/// Replaces the credential's allowlist, sender patterns and limits (its
/// expiry stays); logged when anything changed. The next AUTH or MAIL FROM
/// on any instance reads them.
pub async fn set_policies(
    db: &Db,
    workspace: &WorkspaceId,
    id: CredentialId,
    rules: Rules,
    actor: Actor,
) -> Result<CredentialView, CredentialError> {
    change(db, workspace, id, move |conn, credential| {
        let [max_per_minute, max_per_hour, max_per_day, max_recipients] = rules.limits.to_columns();
        let policies = Policies {
            allowed_ips: rules.allowed_ips.to_strings().join("\n"),
            allowed_senders: rules.allowed_senders.to_strings().join("\n"),
            max_per_minute,
            max_per_hour,
            max_per_day,
            max_recipients,
            ..credential.policies.clone()
        };
        if policies != credential.policies {
            SmtpCredential::set_policies(conn, &credential.id, &policies, now())?;
            let details = summary(&rules);
            record(
                conn,
                credential,
                &actor,
                "smtp_credential.policies_changed",
                &details,
            )?;
        }
        Ok(())
    })
    .await
}

/// "allowed IPs: 192.0.2.0/24; senders: any; limits: 100/hour, 10 recipients".
fn summary(rules: &Rules) -> String {
    let list = |entries: Vec<String>| match entries.is_empty() {
        true => "any".to_owned(),
        false => entries.join(", "),
    };
    let limits: Vec<String> = Limit::ALL
        .iter()
        .filter_map(|limit| {
            let value = rules.limits.get(*limit)?;
            Some(match limit.window() {
                Some(window) => format!("{value}/{}", window.noun()),
                None => format!("{value} recipients"),
            })
        })
        .collect();
    format!(
        "allowed IPs: {}; senders: {}; limits: {}",
        list(rules.allowed_ips.to_strings()),
        list(rules.allowed_senders.to_strings()),
        if limits.is_empty() {
            "none".to_owned()
        } else {
            limits.join(", ")
        }
    )
}

/// The credential's allowlist, sender patterns and limits as the domain
/// types read them (a value they refuse, written by hand, reads as none).
pub fn rules_of(credential: &CredentialView) -> Rules {
    crate::auth::stored_policies::parse(&credential.policies).unwrap_or_default()
}
