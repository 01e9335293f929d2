//! What an API key may do: `smtp-credentials:{read|write|delete}:{all|domain}`
//! with SMTP credentials, and `sandbox:{read|delete}` with the workspace's
//! sandbox mail.
//!
//! A scope for `all` covers every credential of the workspace; a scope for a
//! domain covers a credential only when *all* of the credential's domains are
//! covered, so a key for `a.example` never reaches a global credential or
//! one that may also send as `b.example`. Sandbox scopes cover the whole
//! sandbox (mail is not tied to a sending domain); neither kind implies the
//! other.

use std::fmt;

use crate::domain::DomainName;

/// The three things a key can be allowed to do with SMTP credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApiAction {
    Read,
    Write,
    Delete,
}

impl ApiAction {
    pub const ALL: [ApiAction; 3] = [Self::Read, Self::Write, Self::Delete];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
            Self::Delete => "delete",
        }
    }

    /// What the API keys page calls it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Read => "Read",
            Self::Write => "Create",
            Self::Delete => "Delete",
        }
    }
}

/// Which credentials a scope reaches.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ScopeTarget {
    All,
    Domain(DomainName),
}

/// What a key can be allowed to do with the sandbox's mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SandboxAction {
    /// List, read, download and wait for messages.
    Read,
    /// Delete one message or all (matching a filter).
    Delete,
}

impl SandboxAction {
    pub const ALL: [SandboxAction; 2] = [Self::Read, Self::Delete];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Delete => "delete",
        }
    }

    /// What the API keys page calls it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Read => "Read",
            Self::Delete => "Delete",
        }
    }

    /// The scope as stored and as the key form posts it.
    pub fn scope(self) -> String {
        format!("{SANDBOX}:{}", self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ApiScope {
    /// `smtp-credentials:{action}:{all|domain}`.
    Credentials {
        action: ApiAction,
        target: ScopeTarget,
    },
    /// `sandbox:{action}`.
    Sandbox(SandboxAction),
}

const RESOURCE: &str = "smtp-credentials";
const SANDBOX: &str = "sandbox";

impl ApiScope {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let invalid = || {
            format!(
                "\"{raw}\" is not a scope like smtp-credentials:read:all, smtp-credentials:write:mail.example.com or sandbox:read"
            )
        };
        if let Some(action) = raw.strip_prefix("sandbox:") {
            return SandboxAction::ALL
                .into_iter()
                .find(|a| a.as_str() == action)
                .map(Self::Sandbox)
                .ok_or_else(invalid);
        }
        let mut parts = raw.splitn(3, ':');
        let (Some(RESOURCE), Some(action), Some(target)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid());
        };
        let action = ApiAction::ALL
            .into_iter()
            .find(|a| a.as_str() == action)
            .ok_or_else(invalid)?;
        let target = match target {
            "all" => ScopeTarget::All,
            domain => ScopeTarget::Domain(DomainName::parse(domain).map_err(|_| invalid())?),
        };
        Ok(Self::Credentials { action, target })
    }
}

impl fmt::Display for ApiScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Credentials { action, target } => {
                let target = match target {
                    ScopeTarget::All => "all",
                    ScopeTarget::Domain(d) => d.as_str(),
                };
                write!(f, "{RESOURCE}:{}:{target}", action.as_str())
            }
            Self::Sandbox(action) => f.write_str(&action.scope()),
        }
    }
}

/// A key's scopes, as stored (space-separated) and as checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiScopes(Vec<ApiScope>);

/// How far a key's scopes reach for one action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    Nothing,
    All,
    /// Only credentials all of whose domains are among these.
    Domains(Vec<String>),
}

impl ApiScopes {
    /// Parses each scope; duplicates are dropped, the order is kept.
    pub fn parse<'a>(raw: impl IntoIterator<Item = &'a str>) -> Result<Self, String> {
        let mut scopes: Vec<ApiScope> = Vec::new();
        for item in raw {
            let scope = ApiScope::parse(item.trim())?;
            if !scopes.contains(&scope) {
                scopes.push(scope);
            }
        }
        Ok(Self(scopes))
    }

    /// Reads the stored form; scopes that no longer parse are ignored.
    pub fn from_stored(stored: &str) -> Self {
        Self(
            stored
                .split_whitespace()
                .filter_map(|s| ApiScope::parse(s).ok())
                .collect(),
        )
    }

    pub fn to_stored(&self) -> String {
        self.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" ")
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &ApiScope> {
        self.0.iter()
    }

    pub fn reach(&self, action: ApiAction) -> Reach {
        let mut domains = Vec::new();
        let targets = self.0.iter().filter_map(|scope| match scope {
            ApiScope::Credentials { action: a, target } if *a == action => Some(target),
            _ => None,
        });
        for target in targets {
            match target {
                ScopeTarget::All => return Reach::All,
                ScopeTarget::Domain(d) => domains.push(d.as_str().to_owned()),
            }
        }
        if domains.is_empty() {
            Reach::Nothing
        } else {
            Reach::Domains(domains)
        }
    }

    /// Whether the key may do `action` with the sandbox's mail.
    pub fn allows_sandbox(&self, action: SandboxAction) -> bool {
        self.0.contains(&ApiScope::Sandbox(action))
    }

    /// Whether the key may do `action` to a credential that is global
    /// (`domains` empty) or scoped to `domains`.
    pub fn allows(&self, action: ApiAction, domains: &[String]) -> bool {
        match self.reach(action) {
            Reach::Nothing => false,
            Reach::All => true,
            Reach::Domains(covered) => {
                !domains.is_empty() && domains.iter().all(|d| covered.contains(d))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scopes(raw: &[&str]) -> ApiScopes {
        ApiScopes::parse(raw.iter().copied()).unwrap()
    }

    #[test]
    fn scopes_round_trip_through_their_text() {
        for raw in [
            "smtp-credentials:read:all",
            "smtp-credentials:write:mail.example.com",
            "smtp-credentials:delete:a.example",
            "sandbox:read",
            "sandbox:delete",
        ] {
            assert_eq!(ApiScope::parse(raw).unwrap().to_string(), raw);
        }
        let stored = scopes(&[
            "smtp-credentials:read:all",
            "smtp-credentials:write:a.example",
        ]);
        assert_eq!(ApiScopes::from_stored(&stored.to_stored()), stored);
    }

    #[test]
    fn malformed_scopes_are_refused() {
        for raw in [
            "",
            "smtp-credentials:read",
            "smtp-credentials:admin:all",
            "domains:read:all",
            "smtp-credentials:read:not a domain",
            "sandbox:write",
            "sandbox:read:all",
            "sandbox",
        ] {
            assert!(ApiScope::parse(raw).is_err(), "{raw:?} was accepted");
        }
    }

    #[test]
    fn a_domain_scope_covers_only_credentials_entirely_within_its_domains() {
        let key = scopes(&["smtp-credentials:read:a.example"]);
        let a = vec!["a.example".to_owned()];
        let ab = vec!["a.example".to_owned(), "b.example".to_owned()];
        assert!(key.allows(ApiAction::Read, &a));
        assert!(!key.allows(ApiAction::Read, &ab));
        assert!(!key.allows(ApiAction::Read, &[]), "global credential");
        assert!(!key.allows(ApiAction::Write, &a), "other action");
    }

    #[test]
    fn an_all_scope_covers_global_and_scoped_credentials() {
        let key = scopes(&[
            "smtp-credentials:delete:all",
            "smtp-credentials:delete:a.example",
        ]);
        assert_eq!(key.reach(ApiAction::Delete), Reach::All);
        assert!(key.allows(ApiAction::Delete, &[]));
        assert!(key.allows(ApiAction::Delete, &["z.example".to_owned()]));
        assert_eq!(key.reach(ApiAction::Read), Reach::Nothing);
    }

    #[test]
    fn sandbox_scopes_are_their_own_and_imply_nothing_else() {
        let key = scopes(&["sandbox:read"]);
        assert!(key.allows_sandbox(SandboxAction::Read));
        assert!(!key.allows_sandbox(SandboxAction::Delete));
        assert_eq!(key.reach(ApiAction::Read), Reach::Nothing);
        let credentials = scopes(&["smtp-credentials:read:all", "smtp-credentials:delete:all"]);
        assert!(!credentials.allows_sandbox(SandboxAction::Read));
        assert!(!credentials.allows_sandbox(SandboxAction::Delete));
    }
}
