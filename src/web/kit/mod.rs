//! The page kit every dashboard page is built from: the request context
//! extractors, the links, the Settings navigation, the answers (pages,
//! dialogs, finished actions, `no-store`) and the mapping of service errors.

pub mod context;
pub mod errors;
pub mod nav;
pub mod respond;
pub mod urls;

pub use context::{Item, UserPage, WorkspacePage};
pub use nav::Section;
pub use respond::{Done, html, htmx_target, no_store, render, render_secret, see_other};
pub use urls::WorkspaceUrls;
