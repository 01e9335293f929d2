//! Reading the settings: where each raw value came from, and turning the
//! raw values into a [`Config`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::values::*;
use super::{Config, ConfigError, SETTINGS};
use crate::db::DatabaseUrl;

/// Raw values with the name of the place each came from.
pub(super) struct Sources {
    pub(super) values: HashMap<&'static str, (String, String)>,
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
    pub(super) fn from_raw(src: &Sources) -> Result<Self, ConfigError> {
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
                    Ok(Some(v.into()))
                }
            })?,
            redis_url: src.parse("redis_url", None, |v| {
                if v.starts_with("redis://")
                    || v.starts_with("rediss://")
                    || v.starts_with("redis+unix://")
                {
                    Ok(Some(v.into()))
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
            sandbox_max_bytes: src
                .parse("sandbox_max_bytes", None, |v| parse_bytes(v).map(Some))?,
            sandbox_retention_interval: src.parse(
                "sandbox_retention_interval_secs",
                std::time::Duration::from_secs(60),
                |v| parse_number(v, 1, 86_400).map(|n| std::time::Duration::from_secs(n as u64)),
            )?,
            smarthost: src.parse("smarthost", None, |v| {
                let url = url::Url::parse(v.trim())
                    .map_err(|e| format!("not a URL ({e}); use smtp://host:port"))?;
                match url.scheme() {
                    "smtp" | "smtps" if url.host_str().is_some() => Ok(Some(v.trim().into())),
                    _ => Err(
                        "use smtp://host:port, smtp://host:port?tls=required or smtps://host:port"
                            .into(),
                    ),
                }
            })?,
            spamd_addr: src.parse("spamd_addr", None, |v| parse_host_port(v).map(Some))?,
            tls_cert: src.parse("tls_cert", None, |v| Ok(Some(PathBuf::from(v))))?,
            tls_key: src.parse("tls_key", None, |v| Ok(Some(PathBuf::from(v))))?,
            log: src.parse("log", "info".to_owned(), |v| Ok(v.to_owned()))?,
            public_url: src.parse("public_url", None, |v| parse_public_url(v).map(Some))?,
            trusted_proxies: src.parse("trusted_proxies", Vec::new(), parse_networks)?,
            data_dir,
        })
    }
}

pub(super) fn read_file(path: &Path) -> Result<Vec<(&'static str, String)>, ConfigError> {
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
