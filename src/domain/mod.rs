//! Domain types: input is parsed into one of these once, at the edge; past
//! that, the type proves the value is valid.

mod api_scope;
mod credential;
mod domain_name;
mod email_address;
mod expiry;
mod ids;
mod overlap;
mod person;
pub mod policy;
pub mod retention;
mod role;
pub mod search_terms;
mod slug;
pub mod tags;
pub mod text;
mod theme;
mod time;
pub mod username;

pub use api_scope::{ApiAction, ApiScope, ApiScopes, Reach, SandboxAction, ScopeTarget};
pub use credential::{CredentialName, Description, Mode, SendingScope};
pub use domain_name::DomainName;
pub use email_address::EmailAddress;
pub use expiry::{
    EXPIRY_CHOICES, MAX_LIFETIME_DAYS, check_lifetime, parse_expiry, parse_lifetime_days,
};
pub use ids::{
    ApiKeyId, AuditEventId, CredentialId, DomainId, InvitationId, MessageId, SecretId, SessionId,
    UserId, WorkspaceId,
};
pub use overlap::Overlap;
pub use person::{NewPassword, PersonName};
pub use retention::SandboxLimits;
pub use role::Role;
pub use search_terms::{SearchTerms, SearchTermsError};
pub use slug::Slug;
pub use tags::{Tag, Tags, TagsError};
pub use text::{Line, LineError};
pub use theme::Theme;
pub use time::{
    CalendarDate, ExactTime, RelativeTime, calendar_date, exact_time, now, relative_time,
};
pub use username::Username;
