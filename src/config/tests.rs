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
    let err = Config::from_sources(None, env(&[("POSTERN_HTTP_ADDR", "localhost")])).unwrap_err();
    assert_eq!(err.setting, "POSTERN_HTTP_ADDR");
    assert!(err.to_string().starts_with("POSTERN_HTTP_ADDR: "));
}

#[test]
fn smtp_settings_are_checked() {
    let err =
        Config::from_sources(None, env(&[("POSTERN_SMARTHOST", "mail.example.com")])).unwrap_err();
    assert_eq!(err.setting, "POSTERN_SMARTHOST");
    let err = Config::from_sources(None, env(&[("POSTERN_SMTP_ALLOW_PLAINTEXT_AUTH", "maybe")]))
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
    let err = Config::from_sources(None, env(&[("POSTERN_PASSWORD_HASH_SLOTS", "0")])).unwrap_err();
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

#[test]
fn debug_output_shows_no_secret_key_and_no_password_in_a_url() {
    let config = Config::from_sources(
        None,
        env(&[
            ("POSTERN_SECRET_KEY", "s3cret-s3cret-s3cret-s3cret-s3cret"),
            ("POSTERN_REDIS_URL", "redis://:redis-pw@127.0.0.1:6379"),
            (
                "POSTERN_SMARTHOST",
                "smtp://relay:relay-pw@relay.example:587",
            ),
            (
                "POSTERN_DATABASE_URL",
                "postgres://postern:db-pw@127.0.0.1/postern",
            ),
        ]),
    )
    .unwrap();
    let printed = format!("{config:?}");
    for secret in ["s3cret", "redis-pw", "relay-pw", "db-pw"] {
        assert!(!printed.contains(secret), "{secret} in {printed}");
    }
}

#[test]
fn the_sandbox_ceiling_reads_sizes_and_names_the_variable() {
    let config = Config::from_sources(None, env(&[])).unwrap();
    assert_eq!(config.sandbox_max_bytes, None);
    let config = Config::from_sources(None, env(&[("POSTERN_SANDBOX_MAX_BYTES", "5GB")])).unwrap();
    assert_eq!(config.sandbox_max_bytes, Some(5_000_000_000));
    let config =
        Config::from_sources(None, env(&[("POSTERN_SANDBOX_MAX_BYTES", "2 MiB")])).unwrap();
    assert_eq!(config.sandbox_max_bytes, Some(2 << 20));
    for bad in ["lots", "0", "5XB", "-1"] {
        let error = Config::from_sources(None, env(&[("POSTERN_SANDBOX_MAX_BYTES", bad)]))
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("POSTERN_SANDBOX_MAX_BYTES: "), "{error}");
    }
}

#[test]
fn the_spamd_address_is_a_host_and_a_port() {
    let config = Config::from_sources(None, env(&[])).unwrap();
    assert_eq!(config.spamd_addr, None);
    for good in ["127.0.0.1:783", "spamd.internal:783", "[::1]:783"] {
        let config = Config::from_sources(None, env(&[("POSTERN_SPAMD_ADDR", good)])).unwrap();
        assert_eq!(config.spamd_addr.as_deref(), Some(good));
    }
    for bad in [
        "spamd",
        "spamd:",
        "spamd:0",
        ":783",
        "spamd:99999",
        "sp amd:783",
    ] {
        let err = Config::from_sources(None, env(&[("POSTERN_SPAMD_ADDR", bad)])).unwrap_err();
        assert_eq!(err.setting, "POSTERN_SPAMD_ADDR", "{bad}");
    }
}
