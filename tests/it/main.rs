//! Postern's integration tests: one binary, every test with its own app and
//! database (SQLite in a temp dir, or a fresh PostgreSQL database when
//! POSTERN_TEST_POSTGRES_URL is set), so they run in parallel.

mod helpers;

mod api;
mod cli;
mod credentials;
mod data_dir;
mod domains;
mod e2e;
mod health;
mod input;
mod login;
mod members;
mod password_hashing;
mod proxies;
mod races;
mod sandbox;
mod security;
mod sessions;
mod setup;
mod smtp;
mod theme;
mod workspaces;
