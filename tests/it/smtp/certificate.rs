//! The self-signed STARTTLS certificate: it names the hosts applications
//! are told to connect to, so a verifying client accepts it.

use std::net::IpAddr;
use std::path::Path;

use postern::config::Config;
use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};

use super::client::Client;
use crate::helpers::{spawn_app, spawn_app_with};

const DAY: i64 = 86_400;

/// What a client sees in a certificate.
#[derive(Debug)]
struct Seen {
    common_name: String,
    dns: Vec<String>,
    ips: Vec<IpAddr>,
    not_before: i64,
    not_after: i64,
}

fn read_certificate(path: &Path) -> Seen {
    let pem = std::fs::read(path).unwrap();
    let der = rustls_pki_types::pem::PemObject::from_pem_slice(&pem)
        .map(|der: rustls_pki_types::CertificateDer<'static>| der)
        .unwrap();
    let (_, cert) = X509Certificate::from_der(&der).unwrap();
    let mut seen = Seen {
        common_name: cert
            .subject()
            .iter_common_name()
            .next()
            .and_then(|cn| cn.as_str().ok())
            .unwrap_or_default()
            .to_owned(),
        dns: Vec::new(),
        ips: Vec::new(),
        not_before: cert.validity().not_before.timestamp(),
        not_after: cert.validity().not_after.timestamp(),
    };
    let san = cert.subject_alternative_name().unwrap().expect("has SANs");
    for name in &san.value.general_names {
        match name {
            GeneralName::DNSName(dns) => seen.dns.push((*dns).to_owned()),
            GeneralName::IPAddress(bytes) => seen.ips.push(match bytes.len() {
                4 => IpAddr::from(<[u8; 4]>::try_from(*bytes).unwrap()),
                _ => IpAddr::from(<[u8; 16]>::try_from(*bytes).unwrap()),
            }),
            other => panic!("unexpected SAN {other:?}"),
        }
    }
    seen
}

fn config(dir: &Path, pairs: &[(&str, &str)]) -> Config {
    let mut env = vec![("POSTERN_DATA_DIR".to_owned(), dir.display().to_string())];
    env.extend(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    Config::from_sources(None, env).unwrap()
}

fn hostname(config: &Config) -> String {
    config
        .smtp_host_name()
        .unwrap_or_else(|| "localhost".into())
}

fn generate(config: &Config) {
    postern::smtp::tls::acceptor(config, &hostname(config)).unwrap();
}

#[tokio::test]
async fn a_client_verifying_the_certificate_for_the_host_the_dashboard_shows_connects() {
    let app = spawn_app().await;
    app.signed_in_owner().await;
    let page = app.get("/w/acme-mail/settings/smtp-credentials").await;
    let shown = page.text_of("#smtp-host").expect("the host is shown");
    assert_eq!(shown, "127.0.0.1");
    let (mut client, _) = Client::connect(&app).await;
    client.cmd("EHLO verifying.example").await;
    assert_eq!(client.cmd("STARTTLS").await.code, 220);
    client
        .start_tls_as(&shown)
        .await
        .expect("the certificate is valid for the shown host");
    assert_eq!(client.cmd("EHLO verifying.example").await.code, 250);
}

#[tokio::test]
async fn with_a_public_url_the_dashboard_the_greeting_and_the_certificate_name_its_host() {
    let app = spawn_app_with(|c| c.public_url = Some("https://postern.example.test".into())).await;
    app.signed_in_owner().await;
    let page = app.get("/w/acme-mail/settings/smtp-credentials").await;
    let shown = page.text_of("#smtp-host").expect("the host is shown");
    assert_eq!(shown, "postern.example.test");
    let (mut client, greeting) = Client::connect(&app).await;
    assert_eq!(greeting.code, 220);
    assert!(
        greeting.text.starts_with("220 postern.example.test "),
        "{greeting:?}"
    );
    let seen = read_certificate(&app.data_dir().join("tls-cert.pem"));
    assert!(seen.dns.contains(&shown), "{seen:?}");
    client.cmd("EHLO verifying.example").await;
    assert_eq!(client.cmd("STARTTLS").await.code, 220);
    client
        .start_tls_as(&shown)
        .await
        .expect("the certificate is valid for the shown host");
}

#[tokio::test]
async fn the_smtp_hostname_wins_over_the_public_url() {
    let app = spawn_app_with(|c| {
        c.public_url = Some("https://postern.example.test".into());
        c.smtp_hostname = Some("mail.example.test".into());
    })
    .await;
    app.signed_in_owner().await;
    let page = app.get("/w/acme-mail/settings/smtp-credentials").await;
    assert_eq!(
        page.text_of("#smtp-host").as_deref(),
        Some("mail.example.test")
    );
    let (_, greeting) = Client::connect(&app).await;
    assert!(
        greeting.text.starts_with("220 mail.example.test "),
        "{greeting:?}"
    );
    let seen = read_certificate(&app.data_dir().join("tls-cert.pem"));
    assert!(
        seen.dns.contains(&"mail.example.test".to_owned()),
        "{seen:?}"
    );
    assert!(
        !seen.dns.contains(&"postern.example.test".to_owned()),
        "{seen:?}"
    );
}

#[test]
fn the_generated_certificate_names_its_hosts_and_is_valid_for_about_a_year() {
    let dir = tempfile::tempdir().unwrap();
    generate(&config(
        dir.path(),
        &[
            ("POSTERN_SMTP_HOSTNAME", "mail.example.test"),
            ("POSTERN_SMTP_ADDR", "192.0.2.10:587,[::]:2525"),
        ],
    ));
    let seen = read_certificate(&dir.path().join("tls-cert.pem"));
    assert_eq!(seen.common_name, "mail.example.test", "{seen:?}");
    assert!(
        seen.dns.contains(&"mail.example.test".to_owned()),
        "{seen:?}"
    );
    assert!(seen.dns.contains(&"localhost".to_owned()), "{seen:?}");
    for ip in ["192.0.2.10", "127.0.0.1", "::1"] {
        assert!(seen.ips.contains(&ip.parse().unwrap()), "{ip}: {seen:?}");
    }
    let now = chrono::Utc::now().timestamp();
    assert!(
        seen.not_before <= now && seen.not_before > now - 2 * DAY,
        "{seen:?}"
    );
    assert!(seen.not_after > now + 300 * DAY, "{seen:?}");
    assert!(seen.not_after < now + 400 * DAY, "{seen:?}");
}

#[test]
fn an_ip_hostname_gets_an_ip_name_and_a_changed_hostname_a_new_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tls-cert.pem");
    let named = config(
        dir.path(),
        &[("POSTERN_SMTP_HOSTNAME", "mail.example.test")],
    );
    generate(&named);
    let first = std::fs::read(&path).unwrap();
    generate(&named);
    assert_eq!(std::fs::read(&path).unwrap(), first, "same names: kept");

    generate(&config(
        dir.path(),
        &[("POSTERN_SMTP_HOSTNAME", "203.0.113.5")],
    ));
    assert_ne!(std::fs::read(&path).unwrap(), first, "new names: replaced");
    let seen = read_certificate(&path);
    assert!(
        seen.ips.contains(&"203.0.113.5".parse().unwrap()),
        "{seen:?}"
    );
    assert!(
        !seen.dns.iter().any(|d| d.contains("203.0.113.5")),
        "{seen:?}"
    );
    assert!(
        !seen.dns.contains(&"mail.example.test".to_owned()),
        "{seen:?}"
    );
    assert_eq!(seen.common_name, "203.0.113.5");
}

#[test]
fn an_operators_own_certificate_is_never_overwritten() {
    let own = tempfile::tempdir().unwrap();
    generate(&config(
        own.path(),
        &[("POSTERN_SMTP_HOSTNAME", "old.example.test")],
    ));
    let (cert, key) = (
        own.path().join("tls-cert.pem"),
        own.path().join("tls-key.pem"),
    );
    let before = (std::fs::read(&cert).unwrap(), std::fs::read(&key).unwrap());

    let data = tempfile::tempdir().unwrap();
    generate(&config(
        data.path(),
        &[
            ("POSTERN_SMTP_HOSTNAME", "new.example.test"),
            ("POSTERN_TLS_CERT", cert.to_str().unwrap()),
            ("POSTERN_TLS_KEY", key.to_str().unwrap()),
        ],
    ));
    assert_eq!(
        (std::fs::read(&cert).unwrap(), std::fs::read(&key).unwrap()),
        before
    );
    assert!(!data.path().join("tls-cert.pem").exists());
}
