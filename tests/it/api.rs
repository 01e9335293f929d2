//! The REST API (`/v2/`): every response these tests get is also checked
//! against the OpenAPI document the app serves (see `api::helpers`).

mod conformance;
mod endpoints;
mod errors;
pub mod helpers;
mod idempotency;
mod keys_page;
mod pagination;
mod policies;
mod rate_limit;
pub mod sandbox;
mod sandbox_search;
mod sandbox_wait;
mod scopes;
mod shapes;
