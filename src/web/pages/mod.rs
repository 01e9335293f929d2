//! Dashboard handlers, one file per resource.

pub mod activity;
pub mod api_keys;
pub mod credentials;
pub mod domains;
pub mod health;
pub mod index;
pub mod login;
pub mod sandbox;
pub mod setup;
pub mod workspaces;
