//! One file per table: the row struct, its insert form, and its queries.

pub mod membership;
pub mod user;
pub mod workspace;

pub use membership::{Membership, WorkspaceWithRole};
pub use user::{NewUser, User};
pub use workspace::Workspace;
