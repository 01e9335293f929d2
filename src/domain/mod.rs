//! Domain types: input is parsed into one of these once, at the edge; past
//! that, the type proves the value is valid.

mod email_address;
mod ids;
mod role;
mod slug;

pub use email_address::EmailAddress;
pub use ids::{UserId, WorkspaceId};
pub use role::Role;
pub use slug::Slug;
