//! Domain types: input is parsed into one of these once, at the edge; past
//! that, the type proves the value is valid.

mod api_scope;
mod cursor;
mod domain_name;
mod email_address;
mod ids;
mod role;
mod slug;
pub mod text;
mod theme;
mod time;
pub mod username;

pub use api_scope::{ApiAction, ApiScope, ApiScopes, Reach, ScopeTarget};
pub use cursor::{decode_cursor, encode_cursor};
pub use domain_name::DomainName;
pub use email_address::EmailAddress;
pub use ids::{
    ApiKeyId, AuditEventId, CredentialId, DomainId, InvitationId, MessageId, SessionId, UserId,
    WorkspaceId,
};
pub use role::Role;
pub use slug::Slug;
pub use text::{Line, LineError};
pub use theme::Theme;
pub use time::{now, relative_time};
pub use username::Username;
