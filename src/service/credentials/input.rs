//! Reading a credential's fields from the dashboard's form or an API body:
//! one set of rules ([`check`]), reported per field as [`Problem`]s that the
//! dashboard and the API each word in their own voice.

use crate::db::Db;
use crate::db::DbError;
use crate::db::models::Domain;
use crate::domain::{
    CredentialName, Description, DomainId, Mode, SendingScope, Username, WorkspaceId,
};

use super::{CredentialFields, Scope};

/// The sending domains asked for: by id (the form's checkboxes) or by name
/// (the API).
#[derive(Debug, Clone)]
pub enum Domains {
    Ids(Vec<String>),
    Names(Vec<String>),
}

/// A credential's fields as given, before any check.
#[derive(Debug, Clone)]
pub struct CredentialInput {
    pub name: String,
    /// `None` to have one generated.
    pub username: Option<String>,
    pub description: String,
    /// `production` or `sandbox`; blank is production.
    pub mode: String,
    /// `global` or `scoped`.
    pub scope: Option<String>,
    pub domains: Domains,
}

/// The checked fields.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub username: Option<Username>,
    pub fields: CredentialFields,
    /// The names of the chosen domains (none when global).
    pub domain_names: Vec<String>,
}

/// Why a field was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    Name(String),
    Username(String),
    Description(String),
    Mode,
    Scope,
    /// Scoped, but no (well-formed) domain given.
    NoDomains,
    /// Global, yet domains given.
    DomainsOnGlobal,
    /// Not a domain of the workspace, as given.
    UnknownDomain(String),
}

impl Problem {
    /// The field the problem is shown beside.
    pub fn field(&self) -> &'static str {
        match self {
            Self::Name(_) => "name",
            Self::Username(_) => "username",
            Self::Description(_) => "description",
            Self::Mode => "mode",
            Self::Scope => "scope",
            Self::NoDomains | Self::DomainsOnGlobal | Self::UnknownDomain(_) => "domains",
        }
    }

    /// The message the dashboard's form shows.
    pub fn dashboard_message(&self) -> String {
        match self {
            Self::Scope => "Choose Global or Specific domains.".into(),
            Self::NoDomains => "Choose at least one domain, or make the credential global.".into(),
            Self::UnknownDomain(_) => "Choose domains of this workspace.".into(),
            other => other.api_message(),
        }
    }

    /// The message the API's 422 lists.
    pub fn api_message(&self) -> String {
        match self {
            Self::Name(m) | Self::Username(m) | Self::Description(m) => m.clone(),
            Self::Mode => "Choose Production or Sandbox.".into(),
            Self::Scope => format!(
                "Use \"{}\" or \"{}\".",
                SendingScope::Global.as_str(),
                SendingScope::Scoped.as_str()
            ),
            Self::NoDomains => "A scoped credential needs at least one sending domain.".into(),
            Self::DomainsOnGlobal => "Only a scoped credential has domains.".into(),
            Self::UnknownDomain(name) => format!("{name} is not a sending domain of this account."),
        }
    }
}

/// Every problem found, in field order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InputErrors(pub Vec<Problem>);

/// Checks `input` against the workspace's domains (loaded here); the outer
/// `Err` only when the database cannot be read.
pub async fn parse(
    db: &Db,
    workspace: &WorkspaceId,
    input: CredentialInput,
) -> Result<Result<Parsed, InputErrors>, DbError> {
    let known = crate::service::domains::of_workspace(db, workspace).await?;
    Ok(check(input, &known))
}

/// The rules, given the workspace's domains. Texts are checked as given
/// and kept trimmed.
pub fn check(input: CredentialInput, known: &[Domain]) -> Result<Parsed, InputErrors> {
    let mut problems = Vec::new();
    let name = CredentialName::parse(&input.name)
        .map_err(|m| problems.push(Problem::Name(m)))
        .ok();
    let username = match input.username.as_deref().map(Username::parse) {
        Some(Err(m)) => {
            problems.push(Problem::Username(m));
            None
        }
        parsed => parsed.and_then(Result::ok),
    };
    let description = Description::parse(&input.description)
        .map_err(|m| problems.push(Problem::Description(m)))
        .ok();
    let mode = match input.mode.as_str() {
        "" => Some(Mode::Production),
        raw => Mode::parse(raw).or_else(|| {
            problems.push(Problem::Mode);
            None
        }),
    };
    let (scope, domain_names) = scope(&input, known, &mut problems);
    match (name, description, mode, scope) {
        (Some(name), Some(description), Some(mode), Some(scope)) if problems.is_empty() => {
            Ok(Parsed {
                username,
                fields: CredentialFields {
                    name: name.into_string(),
                    description: description.into_string(),
                    sandbox: mode.is_sandbox(),
                    scope,
                },
                domain_names,
            })
        }
        _ => Err(InputErrors(problems)),
    }
}

/// The scope asked for, with its domains' names.
fn scope(
    input: &CredentialInput,
    known: &[Domain],
    problems: &mut Vec<Problem>,
) -> (Option<Scope>, Vec<String>) {
    let given = match &input.domains {
        Domains::Ids(ids) | Domains::Names(ids) => ids,
    };
    match input.scope.as_deref().and_then(SendingScope::parse) {
        None => {
            problems.push(Problem::Scope);
            (None, Vec::new())
        }
        Some(SendingScope::Global) if given.is_empty() => (Some(Scope::Global), Vec::new()),
        Some(SendingScope::Global) => {
            problems.push(Problem::DomainsOnGlobal);
            (None, Vec::new())
        }
        Some(SendingScope::Scoped) => {
            let chosen = match &input.domains {
                Domains::Ids(ids) => by_id(ids, known),
                Domains::Names(names) => Some(by_name(names, known)),
            };
            let chosen = match chosen {
                Some(chosen) if !chosen.is_empty() => chosen,
                _ => {
                    problems.push(Problem::NoDomains);
                    return (None, Vec::new());
                }
            };
            let mut found = Vec::new();
            for (given, domain) in chosen {
                match domain {
                    Some(domain) => found.push(domain),
                    None => problems.push(Problem::UnknownDomain(given)),
                }
            }
            let ids = found.iter().map(|d| d.id.clone()).collect();
            let names = found.iter().map(|d| d.name.clone()).collect();
            (Some(Scope::Scoped(ids)), names)
        }
    }
}

/// Each id as given with its domain; `None` when one is not an id at all.
fn by_id<'a>(ids: &[String], known: &'a [Domain]) -> Option<Vec<(String, Option<&'a Domain>)>> {
    ids.iter()
        .map(|raw| {
            let id = DomainId::parse(raw)?;
            Some((raw.clone(), known.iter().find(|d| d.id == id)))
        })
        .collect()
}

/// Each name as given (trimmed, lower-cased, without a final dot) with its
/// domain.
fn by_name<'a>(names: &[String], known: &'a [Domain]) -> Vec<(String, Option<&'a Domain>)> {
    names
        .iter()
        .map(|raw| {
            let name = raw.trim().trim_end_matches('.').to_lowercase();
            let domain = known.iter().find(|d| d.name == name);
            (name, domain)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::now;

    fn input(scope: &str, domains: Domains) -> CredentialInput {
        CredentialInput {
            name: " App ".into(),
            username: None,
            description: String::new(),
            mode: String::new(),
            scope: Some(scope.into()),
            domains,
        }
    }

    fn domain(name: &str) -> Domain {
        Domain {
            id: DomainId::generate(),
            workspace_id: crate::domain::WorkspaceId::generate(),
            name: name.into(),
            created_at: now(),
        }
    }

    #[test]
    fn domains_are_found_by_id_or_by_name_alike() {
        let known = [domain("a.example"), domain("b.example")];
        let by_id = check(
            input("scoped", Domains::Ids(vec![known[1].id.to_string()])),
            &known,
        )
        .unwrap();
        let by_name = check(
            input("scoped", Domains::Names(vec![" B.example. ".into()])),
            &known,
        )
        .unwrap();
        assert_eq!(by_id.fields.scope, by_name.fields.scope);
        assert_eq!(by_name.domain_names, ["b.example"]);
        assert_eq!(by_name.fields.name, "App");
    }

    #[test]
    fn every_problem_is_reported_beside_its_field() {
        let bad = CredentialInput {
            name: String::new(),
            username: Some("no".into()),
            description: "a\u{1b}".into(),
            mode: "loud".into(),
            scope: Some("scoped".into()),
            domains: Domains::Names(vec!["nowhere.example".into()]),
        };
        let InputErrors(problems) = check(bad, &[]).unwrap_err();
        let fields: Vec<_> = problems.iter().map(Problem::field).collect();
        assert_eq!(
            fields,
            ["name", "username", "description", "mode", "domains"]
        );
        assert_eq!(
            problems[4].api_message(),
            "nowhere.example is not a sending domain of this account."
        );
    }

    #[test]
    fn a_global_credential_takes_no_domains_and_a_scoped_one_needs_some() {
        let problems = |scope: &str, domains| check(input(scope, domains), &[]).unwrap_err().0;
        assert_eq!(
            problems("global", Domains::Names(vec!["a.example".into()])),
            [Problem::DomainsOnGlobal]
        );
        assert_eq!(
            problems("scoped", Domains::Ids(vec![])),
            [Problem::NoDomains]
        );
        assert_eq!(
            problems("scoped", Domains::Ids(vec!["not-an-id".into()])),
            [Problem::NoDomains]
        );
        assert_eq!(problems("sideways", Domains::Ids(vec![])), [Problem::Scope]);
    }
}
