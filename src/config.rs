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
    /// Server-side sessions in Redis (for several instances); cookies otherwise.
    pub redis_url: Option<String>,
    /// Where the SMTP submission listener accepts connections.
    pub smtp_addrs: Vec<SocketAddr>,
    /// The host name applications connect to (shown in the dashboard, used in
    /// the SMTP greeting); the dashboard's own host name when unset.
    pub smtp_hostname: Option<String>,
    /// `tracing` filter, e.g. `info` or `postern=debug,actix_web=info`.
    pub log: String,
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
    "smtp_addr",
    "smtp_hostname",
    "log",
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
            log: src.parse("log", "info".to_owned(), |v| Ok(v.to_owned()))?,
            data_dir,
        })
    }
}

fn parse_addr(value: &str) -> Result<SocketAddr, String> {
    value
        .trim()
        .parse()
        .map_err(|_| format!("{value:?} is not an address like 127.0.0.1:8080 or [::]:8080"))
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
