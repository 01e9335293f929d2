//! Postern: a self-hosted SMTP credential manager and authenticated
//! submission gateway. `main.rs` parses the command line; everything else
//! lives here so integration tests can build the same application.

/// mimalloc: many short-lived connections allocate and free small buffers
/// on several threads; glibc's allocator spent twice the time of mimalloc
/// on that pattern in the SMTP AUTH benchmark.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod auth;
pub mod cli;
pub mod config;
pub mod data_dir;
pub mod db;
pub mod domain;
pub mod error;
#[cfg(test)]
mod layers;
pub mod redis;
pub mod secrets;
pub mod service;
pub mod smtp;
pub mod spamd;
pub mod startup;
pub mod telemetry;
pub mod web;
