//! Dashboard handlers, one file per resource.

pub mod account;
pub mod activity;
pub mod api_keys;
pub mod credentials;
pub mod domains;
pub mod general;
pub mod health;
pub mod index;
pub mod invitations;
pub mod login;
pub mod members;
pub mod sandbox;
pub mod sessions;
pub mod setup;
pub mod theme;
pub mod workspaces;
