//! Configuration: defaults, then an optional TOML file (`--config`), then
//! `POSTERN_*` environment variables. Every bad value becomes a
//! [`ConfigError`] naming the setting, so start-up can stop with one line.

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use secrecy::SecretString;

use crate::db::DatabaseUrl;
use sources::{Sources, read_file};

mod sources;
mod values;

/// Everything `postern serve` needs to know. The secret key and the URLs
/// that may hold a password are [`SecretString`]s, which `Debug` prints as
/// redacted.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the SQLite database, session key and TLS certificate live.
    pub data_dir: PathBuf,
    pub database_url: DatabaseUrl,
    pub database_pool_size: u32,
    pub http_addr: SocketAddr,
    /// Signs and encrypts session cookies; generated into `data_dir` when unset.
    pub secret_key: Option<SecretString>,
    /// Sessions (and shared counters) in Redis, for several instances; the
    /// database holds the sessions otherwise.
    pub redis_url: Option<SecretString>,
    /// Put before every Redis key, so several deployments (or tests) can
    /// share one Redis.
    pub redis_prefix: String,
    /// Where the SMTP submission listener accepts connections.
    pub smtp_addrs: Vec<SocketAddr>,
    /// The host name applications connect to, as set; see
    /// [`Config::smtp_host_name`] for the one the service uses.
    pub smtp_hostname: Option<String>,
    /// AUTH without TLS, but only from loopback clients (for local testing).
    pub smtp_allow_plaintext_auth: bool,
    /// Larger messages get `552`.
    pub smtp_max_message_bytes: usize,
    pub smtp_max_connections: usize,
    /// Open SMTP connections one client address (an IPv6 /64) may hold.
    pub smtp_max_connections_per_address: usize,
    /// A STARTTLS handshake not finished within this is dropped.
    pub smtp_tls_handshake_timeout: std::time::Duration,
    /// A session is ended (`421 4.4.2`, at a command boundary) after this long.
    pub smtp_max_session: std::time::Duration,
    /// An idle SMTP client is disconnected after this long.
    pub smtp_idle_timeout: std::time::Duration,
    /// The most bytes of sandbox mail the instance keeps (all workspaces);
    /// at it, new sandbox mail gets `452 4.3.1`. No ceiling when unset.
    pub sandbox_max_bytes: Option<u64>,
    /// How often the sandbox retention job runs.
    pub sandbox_retention_interval: std::time::Duration,
    /// Where production mail is relayed: `smtp://host:port`, `smtp://…?tls=required`, `smtps://…`.
    pub smarthost: Option<SecretString>,
    /// A SpamAssassin `spamd` (`host:port`) that scores sandbox mail on its
    /// page; no score shown when unset.
    pub spamd_addr: Option<String>,
    /// PEM certificate chain and private key for STARTTLS; self-signed when unset.
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// REST API requests per second per key (bursts of twice as many).
    pub api_rate_limit: u32,
    /// argon2 hashes and verifies run at once (about 19 MiB each).
    pub password_hash_slots: usize,
    /// How long a dashboard request waits for a hashing slot before 503.
    pub password_hash_wait: std::time::Duration,
    /// `tracing` filter, e.g. `info` or `postern=debug,actix_web=info`.
    pub log: String,
    /// The dashboard's external URL (`https://host[:port]`, no trailing
    /// slash), used for every absolute link; the request's own when unset.
    pub public_url: Option<String>,
    /// Peers whose `X-Forwarded-*` headers are believed (none by default).
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

impl Config {
    /// The one host name of the SMTP service — shown in the dashboard, said
    /// in the greeting and the smarthost EHLO, named by the generated
    /// certificate: `POSTERN_SMTP_HOSTNAME`, else the host of
    /// `POSTERN_PUBLIC_URL` (a name or an IPv4 address), else none (the
    /// dashboard then shows the host it was reached at, the listener says
    /// `localhost`).
    pub fn smtp_host_name(&self) -> Option<String> {
        if let Some(host) = &self.smtp_hostname {
            return Some(host.clone());
        }
        let url = url::Url::parse(self.public_url.as_deref()?).ok()?;
        match url.host()? {
            url::Host::Domain(name) => Some(name.to_owned()),
            url::Host::Ipv4(ip) => Some(ip.to_string()),
            url::Host::Ipv6(_) => None,
        }
    }
}

/// A setting that could not be used, with where it came from.
#[derive(Debug)]
pub struct ConfigError {
    pub setting: String,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.setting, self.message)
    }
}

impl std::error::Error for ConfigError {}

/// The settings Postern reads, by their file key; the environment variable is
/// `POSTERN_` + the key in upper case.
pub const SETTINGS: &[&str] = &[
    "data_dir",
    "database_url",
    "database_pool_size",
    "http_addr",
    "secret_key",
    "redis_url",
    "redis_prefix",
    "smtp_addr",
    "smtp_hostname",
    "smtp_allow_plaintext_auth",
    "smtp_max_message_bytes",
    "smtp_max_connections",
    "smtp_max_connections_per_address",
    "smtp_tls_handshake_timeout_secs",
    "smtp_max_session_secs",
    "smtp_idle_timeout_secs",
    "sandbox_max_bytes",
    "sandbox_retention_interval_secs",
    "smarthost",
    "spamd_addr",
    "tls_cert",
    "tls_key",
    "api_rate_limit",
    "password_hash_slots",
    "password_hash_wait_ms",
    "log",
    "public_url",
    "trusted_proxies",
];

impl Config {
    /// Reads the optional file, then the environment.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        Self::from_sources(file, std::env::vars())
    }

    /// As [`Config::load`], with the environment given (for tests).
    pub fn from_sources(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let mut values = HashMap::new();
        if let Some(path) = file {
            for (key, value) in read_file(path)? {
                values.insert(key, (value, format!("{key} in {}", path.display())));
            }
        }
        let env: HashMap<String, String> = env.into_iter().collect();
        for key in SETTINGS {
            let var = format!("POSTERN_{}", key.to_uppercase());
            if let Some(value) = env.get(&var) {
                values.insert(*key, (value.clone(), var));
            }
        }
        Self::from_raw(&Sources { values })
    }
}

#[cfg(test)]
mod tests;
