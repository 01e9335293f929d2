//! Structured logs on stderr via `tracing`; each HTTP request gets a span
//! with its own `request_id` (tracing-actix-web).

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber; `filter` is `RUST_LOG`-style (`info`,
/// `postern=debug,actix_web=info`). Calling it twice is harmless.
pub fn init(filter: &str) -> Result<(), String> {
    let filter = EnvFilter::try_new(filter).map_err(|e| format!("POSTERN_LOG: {e}"))?;
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr)
        .try_init();
    Ok(())
}
