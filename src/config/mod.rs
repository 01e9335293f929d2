//! Configuration: defaults, then an optional TOML file (`--config`), then
//! `POSTERN_*` environment variables. Every bad value becomes a
//! [`ConfigError`] naming the setting, so start-up can stop with one line.

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::db::DatabaseUrl;

/// Everything `postern serve` needs to know.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the SQLite database, session key and TLS certificate live.
    pub data_dir: PathBuf,
    pub database_url: DatabaseUrl,
    pub database_pool_size: u32,
    pub http_addr: SocketAddr,
    /// Signs and encrypts session cookies; generated into `data_dir` when unset.
    pub secret_key: Option<String>,
    /// Sessions (and shared counters) in Redis, for several instances; the
    /// database holds the sessions otherwise.
    pub redis_url: Option<String>,
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
    /// Where production mail is relayed: `smtp://host:port`, `smtp://…?tls=required`, `smtps://…`.
    pub smarthost: Option<String>,
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
    "smarthost",
    "tls_cert",
    "tls_key",
    "api_rate_limit",
    "password_hash_slots",
    "password_hash_wait_ms",
    "log",
    "public_url",
    "trusted_proxies",
];

/// Raw values with the name of the place each came from.
struct Sources {
    values: HashMap<&'static str, (String, String)>,
}

impl Sources {
    fn get(&self, key: &str) -> Option<(&str, &str)> {
        self.values
            .get(key)
            .map(|(value, origin)| (value.as_str(), origin.as_str()))
            .filter(|(value, _)| !value.trim().is_empty())
    }

    fn parse<T>(
        &self,
        key: &str,
        default: T,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<T, ConfigError> {
        match self.get(key) {
            None => Ok(default),
            Some((value, origin)) => parse(value).map_err(|message| ConfigError {
                setting: origin.to_owned(),
                message,
            }),
        }
    }
}

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

    fn from_raw(src: &Sources) -> Result<Self, ConfigError> {
        let data_dir = src.parse("data_dir", PathBuf::from("postern-data"), |v| {
            Ok(PathBuf::from(v))
        })?;
        let default_db = DatabaseUrl::Sqlite(data_dir.join("postern.db"));
        Ok(Self {
            database_url: src.parse("database_url", default_db, DatabaseUrl::parse)?,
            database_pool_size: src.parse("database_pool_size", 10, |v| {
                match v.parse::<u32>() {
                    Ok(n) if (1..=500).contains(&n) => Ok(n),
                    _ => Err(format!("{v:?} is not a number from 1 to 500")),
                }
            })?,
            http_addr: src.parse("http_addr", ([127, 0, 0, 1], 8080).into(), parse_addr)?,
            secret_key: src.parse("secret_key", None, |v| {
                if v.len() < 32 {
                    Err("must be at least 32 characters (try: openssl rand -hex 32)".into())
                } else {
                    Ok(Some(v.to_owned()))
                }
            })?,
            redis_url: src.parse("redis_url", None, |v| {
                if v.starts_with("redis://")
                    || v.starts_with("rediss://")
                    || v.starts_with("redis+unix://")
                {
                    Ok(Some(v.to_owned()))
                } else {
                    Err(format!("{v:?} is not a redis:// URL"))
                }
            })?,
            redis_prefix: src.parse("redis_prefix", "postern:".to_owned(), |v| {
                if v.len() <= 100 && v.chars().all(|c| c.is_ascii_graphic()) {
                    Ok(v.to_owned())
                } else {
                    Err(format!(
                        "{v:?} must be up to 100 printable ASCII characters without spaces"
                    ))
                }
            })?,
            smtp_addrs: src.parse("smtp_addr", vec![([127, 0, 0, 1], 2525).into()], |v| {
                v.split(',').map(parse_addr).collect::<Result<Vec<_>, _>>()
            })?,
            smtp_hostname: src.parse("smtp_hostname", None, |v| {
                let host = v.trim();
                if host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
                {
                    Ok(Some(host.to_owned()))
                } else {
                    Err(format!("{v:?} is not a host name"))
                }
            })?,
            smtp_allow_plaintext_auth: src.parse("smtp_allow_plaintext_auth", false, parse_bool)?,
            smtp_max_message_bytes: src.parse("smtp_max_message_bytes", 25 * 1024 * 1024, |v| {
                parse_number(v, 1024, 1 << 30)
            })?,
            smtp_max_connections: src.parse("smtp_max_connections", 1000, |v| {
                parse_number(v, 1, 1_000_000)
            })?,
            smtp_max_connections_per_address: src.parse(
                "smtp_max_connections_per_address",
                20,
                |v| parse_number(v, 1, 1_000_000),
            )?,
            smtp_tls_handshake_timeout: src.parse(
                "smtp_tls_handshake_timeout_secs",
                std::time::Duration::from_secs(10),
                |v| parse_number(v, 1, 600).map(|n| std::time::Duration::from_secs(n as u64)),
            )?,
            smtp_max_session: src.parse(
                "smtp_max_session_secs",
                std::time::Duration::from_secs(3600),
                |v| {
                    parse_number(v, 1, 7 * 86_400).map(|n| std::time::Duration::from_secs(n as u64))
                },
            )?,
            smtp_idle_timeout: src.parse(
                "smtp_idle_timeout_secs",
                std::time::Duration::from_secs(300),
                |v| parse_number(v, 1, 86_400).map(|n| std::time::Duration::from_secs(n as u64)),
            )?,
            api_rate_limit: src.parse("api_rate_limit", 100, |v| {
                parse_number(v, 1, 1_000_000).map(|n| n as u32)
            })?,
            password_hash_slots: src.parse(
                "password_hash_slots",
                crate::auth::password::Argon2Slots::cores(),
                |v| parse_number(v, 1, 1024),
            )?,
            password_hash_wait: src.parse(
                "password_hash_wait_ms",
                std::time::Duration::from_secs(3),
                |v| parse_number(v, 0, 60_000).map(|n| std::time::Duration::from_millis(n as u64)),
            )?,
            smarthost: src.parse("smarthost", None, |v| {
                let url = url::Url::parse(v.trim())
                    .map_err(|e| format!("not a URL ({e}); use smtp://host:port"))?;
                match url.scheme() {
                    "smtp" | "smtps" if url.host_str().is_some() => Ok(Some(v.trim().to_owned())),
                    _ => Err(
                        "use smtp://host:port, smtp://host:port?tls=required or smtps://host:port"
                            .into(),
                    ),
                }
            })?,
            tls_cert: src.parse("tls_cert", None, |v| Ok(Some(PathBuf::from(v))))?,
            tls_key: src.parse("tls_key", None, |v| Ok(Some(PathBuf::from(v))))?,
            log: src.parse("log", "info".to_owned(), |v| Ok(v.to_owned()))?,
            public_url: src.parse("public_url", None, |v| parse_public_url(v).map(Some))?,
            trusted_proxies: src.parse("trusted_proxies", Vec::new(), parse_networks)?,
            data_dir,
        })
    }
}

fn parse_bool(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(format!("{value:?} is not true or false")),
    }
}

fn parse_number(value: &str, min: usize, max: usize) -> Result<usize, String> {
    match value.trim().parse::<usize>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!("{value:?} is not a number from {min} to {max}")),
    }
}

fn parse_addr(value: &str) -> Result<SocketAddr, String> {
    value
        .trim()
        .parse()
        .map_err(|_| format!("{value:?} is not an address like 127.0.0.1:8080 or [::]:8080"))
}

/// An origin like `https://postern.example.com` (a trailing `/` is allowed);
/// the dashboard is served at the root, so no path, query or credentials.
fn parse_public_url(value: &str) -> Result<String, String> {
    let hint = "use the dashboard's external URL, like https://postern.example.com";
    let url = url::Url::parse(value.trim()).map_err(|e| format!("not a URL ({e}); {hint}"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!("must not contain a user name or password; {hint}"));
    }
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!("{value:?} is not an http(s) URL; {hint}"));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "{value:?} has a path, query or fragment; the dashboard is served at the root: {hint}"
        ));
    }
    Ok(url.origin().ascii_serialization())
}

/// Comma-separated addresses (`10.0.0.1`) and CIDR ranges (`10.0.0.0/8`).
fn parse_networks(value: &str) -> Result<Vec<ipnet::IpNet>, String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            item.parse::<ipnet::IpNet>()
                .or_else(|_| item.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| format!("{item:?} is not an IP address or CIDR range like 10.0.0.0/8"))
        })
        .collect()
}

fn read_file(path: &Path) -> Result<Vec<(&'static str, String)>, ConfigError> {
    let error = |message: String| ConfigError {
        setting: format!("--config {}", path.display()),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| error(format!("cannot read: {e}")))?;
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| error(e.message().to_owned()))?;
    let mut values = Vec::new();
    for (key, value) in table {
        let known = SETTINGS
            .iter()
            .find(|k| **k == key)
            .ok_or_else(|| error(format!("unknown setting {key:?}")))?;
        let value = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(n) => n.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            other => return Err(error(format!("{key}: unsupported value {other}"))),
        };
        values.push((*known, value));
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn no_configuration_gives_working_defaults() {
        let config = Config::from_sources(None, env(&[])).unwrap();
        assert_eq!(config.http_addr.to_string(), "127.0.0.1:8080");
        assert_eq!(
            config.database_url,
            DatabaseUrl::Sqlite("postern-data/postern.db".into())
        );
    }

    #[test]
    fn a_bad_address_names_the_variable() {
        let err =
            Config::from_sources(None, env(&[("POSTERN_HTTP_ADDR", "localhost")])).unwrap_err();
        assert_eq!(err.setting, "POSTERN_HTTP_ADDR");
        assert!(err.to_string().starts_with("POSTERN_HTTP_ADDR: "));
    }

    #[test]
    fn smtp_settings_are_checked() {
        let err = Config::from_sources(None, env(&[("POSTERN_SMARTHOST", "mail.example.com")]))
            .unwrap_err();
        assert_eq!(err.setting, "POSTERN_SMARTHOST");
        let err =
            Config::from_sources(None, env(&[("POSTERN_SMTP_ALLOW_PLAINTEXT_AUTH", "maybe")]))
                .unwrap_err();
        assert_eq!(err.setting, "POSTERN_SMTP_ALLOW_PLAINTEXT_AUTH");
        let config = Config::from_sources(
            None,
            env(&[
                ("POSTERN_SMTP_ADDR", "127.0.0.1:2525,127.0.0.1:587"),
                ("POSTERN_SMARTHOST", "smtp://relay:25"),
            ]),
        )
        .unwrap();
        assert_eq!(config.smtp_addrs.len(), 2);
        assert_eq!(config.smtp_max_message_bytes, 25 * 1024 * 1024);
    }

    #[test]
    fn connection_limits_have_defaults_and_bad_values_name_the_variable() {
        let config = Config::from_sources(None, env(&[])).unwrap();
        assert_eq!(config.smtp_max_connections_per_address, 20);
        assert_eq!(config.smtp_tls_handshake_timeout.as_secs(), 10);
        assert_eq!(config.smtp_max_session.as_secs(), 3600);
        for var in [
            "POSTERN_SMTP_MAX_CONNECTIONS_PER_ADDRESS",
            "POSTERN_SMTP_TLS_HANDSHAKE_TIMEOUT_SECS",
            "POSTERN_SMTP_MAX_SESSION_SECS",
        ] {
            for bad in ["0", "ten", "-1"] {
                let err = Config::from_sources(None, env(&[(var, bad)])).unwrap_err();
                assert!(err.to_string().starts_with(&format!("{var}: ")), "{err}");
            }
        }
        let config = Config::from_sources(
            None,
            env(&[
                ("POSTERN_SMTP_MAX_CONNECTIONS_PER_ADDRESS", "5"),
                ("POSTERN_SMTP_TLS_HANDSHAKE_TIMEOUT_SECS", "3"),
                ("POSTERN_SMTP_MAX_SESSION_SECS", "600"),
            ]),
        )
        .unwrap();
        assert_eq!(config.smtp_max_connections_per_address, 5);
        assert_eq!(config.smtp_tls_handshake_timeout.as_secs(), 3);
        assert_eq!(config.smtp_max_session.as_secs(), 600);
    }

    #[test]
    fn password_hashing_settings_are_checked() {
        let config = Config::from_sources(
            None,
            env(&[
                ("POSTERN_PASSWORD_HASH_SLOTS", "3"),
                ("POSTERN_PASSWORD_HASH_WAIT_MS", "0"),
            ]),
        )
        .unwrap();
        assert_eq!(config.password_hash_slots, 3);
        assert_eq!(config.password_hash_wait, std::time::Duration::ZERO);
        let err =
            Config::from_sources(None, env(&[("POSTERN_PASSWORD_HASH_SLOTS", "0")])).unwrap_err();
        assert_eq!(err.setting, "POSTERN_PASSWORD_HASH_SLOTS");
    }

    #[test]
    fn the_redis_prefix_defaults_and_is_checked() {
        let config = Config::from_sources(None, env(&[])).unwrap();
        assert_eq!(config.redis_prefix, "postern:");
        let config = Config::from_sources(None, env(&[("POSTERN_REDIS_PREFIX", "eu-1:")])).unwrap();
        assert_eq!(config.redis_prefix, "eu-1:");
        let err = Config::from_sources(None, env(&[("POSTERN_REDIS_PREFIX", "a b")])).unwrap_err();
        assert_eq!(err.setting, "POSTERN_REDIS_PREFIX");
    }

    #[test]
    fn proxy_settings_are_parsed_and_checked() {
        let config = Config::from_sources(
            None,
            env(&[
                ("POSTERN_PUBLIC_URL", "https://Postern.Example.com/"),
                ("POSTERN_TRUSTED_PROXIES", "10.0.0.0/8, 192.168.1.4,::1"),
            ]),
        )
        .unwrap();
        assert_eq!(
            config.public_url.as_deref(),
            Some("https://postern.example.com")
        );
        let trusted: Vec<String> = config
            .trusted_proxies
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(trusted, ["10.0.0.0/8", "192.168.1.4/32", "::1/128"]);
        assert!(
            Config::from_sources(None, env(&[]))
                .unwrap()
                .trusted_proxies
                .is_empty()
        );
        for (var, value) in [
            ("POSTERN_TRUSTED_PROXIES", "10.0.0.0/33"),
            ("POSTERN_TRUSTED_PROXIES", "proxy.internal"),
            ("POSTERN_PUBLIC_URL", "postern.example.com"),
            ("POSTERN_PUBLIC_URL", "ftp://postern.example.com"),
            ("POSTERN_PUBLIC_URL", "https://postern.example.com/dash"),
            ("POSTERN_PUBLIC_URL", "https://user:pw@postern.example.com"),
        ] {
            let err = Config::from_sources(None, env(&[(var, value)])).unwrap_err();
            assert_eq!(err.setting, var, "{value}: {err}");
        }
    }

    #[test]
    fn the_smtp_host_name_is_the_setting_else_the_public_urls_host() {
        let host = |pairs: &[(&str, &str)]| {
            Config::from_sources(None, env(pairs))
                .unwrap()
                .smtp_host_name()
        };
        assert_eq!(host(&[]), None);
        assert_eq!(
            host(&[("POSTERN_PUBLIC_URL", "https://Postern.Example.com:8443")]).as_deref(),
            Some("postern.example.com")
        );
        assert_eq!(
            host(&[("POSTERN_PUBLIC_URL", "http://192.0.2.7")]).as_deref(),
            Some("192.0.2.7")
        );
        assert_eq!(
            host(&[("POSTERN_PUBLIC_URL", "http://[2001:db8::1]")]),
            None
        );
        assert_eq!(
            host(&[
                ("POSTERN_PUBLIC_URL", "https://postern.example.com"),
                ("POSTERN_SMTP_HOSTNAME", "mail.example.com"),
            ])
            .as_deref(),
            Some("mail.example.com")
        );
    }

    #[test]
    fn a_short_secret_key_is_refused() {
        let err = Config::from_sources(None, env(&[("POSTERN_SECRET_KEY", "short")])).unwrap_err();
        assert_eq!(err.setting, "POSTERN_SECRET_KEY");
    }

    #[test]
    fn the_environment_overrides_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("postern.toml");
        std::fs::write(&path, "http_addr = \"0.0.0.0:9000\"\nlog = \"debug\"\n").unwrap();
        let config = Config::from_sources(Some(&path), env(&[("POSTERN_LOG", "warn")])).unwrap();
        assert_eq!(config.http_addr.to_string(), "0.0.0.0:9000");
        assert_eq!(config.log, "warn");
    }

    #[test]
    fn an_unknown_file_setting_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("postern.toml");
        std::fs::write(&path, "htp_addr = \"0.0.0.0:9000\"\n").unwrap();
        let err = Config::from_sources(Some(&path), env(&[])).unwrap_err();
        assert!(err.message.contains("htp_addr"), "{err}");
    }
}
