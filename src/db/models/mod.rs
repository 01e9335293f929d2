//! One file per table: the row struct, its insert form, and its queries.

pub mod api_key;
pub mod audit_event;
pub mod credential_secret;
pub mod domain;
pub mod idempotency_key;
pub mod invitation;
pub mod membership;
pub mod sandbox_message;
pub mod sandbox_retention;
pub mod sandbox_search;
pub mod session;
pub mod smtp_credential;
pub mod user;
pub mod workspace;

pub use api_key::ApiKey;
pub use audit_event::AuditEvent;
pub use credential_secret::CredentialSecret;
pub use domain::{Domain, DomainUsage};
pub use idempotency_key::IdempotencyRecord;
pub use invitation::Invitation;
pub use membership::{Member, Membership, WorkspaceWithRole};
pub use sandbox_message::{EnvelopeFilter, SandboxMessage, SandboxSummary};
pub use sandbox_retention::SandboxRetention;
pub use sandbox_search::{MessageFilter, MessageText, Search};
pub use session::{SessionSummary, StoredSession};
pub use smtp_credential::{CredentialView, NewSmtpCredential, Rarity, SmtpCredential};
pub use user::{NewUser, User};
pub use workspace::{CredentialRules, Workspace};
