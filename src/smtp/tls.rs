//! The STARTTLS certificate: `POSTERN_TLS_CERT`/`POSTERN_TLS_KEY` (never
//! written to), or an ECDSA P-256 self-signed one kept in the data
//! directory. TLS 1.3 and 1.2 with the ring provider (no OpenSSL, no aws-lc).
//!
//! The generated certificate names every host applications may be shown:
//! the SMTP hostname, the addresses the SMTP and HTTP listeners are bound to
//! (the dashboard shows the host it was reached at; loopback for a wildcard
//! address) and `localhost` — an IP as an IP SAN, a name as a DNS SAN. It is
//! valid from yesterday for [`VALID_DAYS`] days, and made again at start-up
//! when those names change or fewer than [`RENEW_DAYS`] days are left.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;
use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::{ServerConfig, crypto::ring, version};
use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};

use crate::config::{Config, ConfigError};

/// Lifetime of a generated certificate.
const VALID_DAYS: i64 = 365;
/// A generated certificate with fewer days left is replaced at start-up.
const RENEW_DAYS: i64 = 30;
/// The organisation of generated certificates: how Postern knows its own.
const ORGANISATION: &str = "Postern (self-signed)";
/// The subject rcgen gave the certificates of earlier releases.
const OLD_GENERATED_CN: &str = "rcgen self signed cert";

fn error(setting: &str, message: impl std::fmt::Display) -> ConfigError {
    ConfigError {
        setting: setting.to_owned(),
        message: message.to_string(),
    }
}

/// A name a certificate is valid for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum HostName {
    Dns(String),
    Ip(IpAddr),
}

impl HostName {
    fn parse(host: &str) -> Self {
        match host.parse::<IpAddr>() {
            Ok(ip) => HostName::Ip(ip.to_canonical()),
            Err(_) => HostName::Dns(host.to_ascii_lowercase()),
        }
    }
}

/// The names the generated certificate covers (see the module rule).
pub fn certificate_names(config: &Config, hostname: &str) -> BTreeSet<HostName> {
    let mut names = BTreeSet::from([HostName::parse(hostname), HostName::parse("localhost")]);
    let listeners = config.smtp_addrs.iter().chain([&config.http_addr]);
    for addr in listeners {
        if addr.ip().is_unspecified() {
            names.insert(HostName::Ip(Ipv4Addr::LOCALHOST.into()));
            names.insert(HostName::Ip(Ipv6Addr::LOCALHOST.into()));
        } else {
            names.insert(HostName::Ip(addr.ip().to_canonical()));
        }
    }
    names
}

pub fn acceptor(config: &Config, hostname: &str) -> Result<TlsAcceptor, ConfigError> {
    let (cert_path, key_path) = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => (cert.clone(), key.clone()),
        (None, None) => {
            let cert = config.data_dir.join("tls-cert.pem");
            let key = config.data_dir.join(crate::data_dir::TLS_KEY);
            let names = certificate_names(config, hostname);
            if needs_generating(&cert, &key, &names) {
                generate(&cert, &key, hostname, &names)
                    .map_err(|e| error("POSTERN_DATA_DIR", e))?;
            }
            (cert, key)
        }
        (Some(_), None) => {
            return Err(error(
                "POSTERN_TLS_KEY",
                "must be set together with POSTERN_TLS_CERT",
            ));
        }
        (None, Some(_)) => {
            return Err(error(
                "POSTERN_TLS_CERT",
                "must be set together with POSTERN_TLS_KEY",
            ));
        }
    };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&cert_path)
        .and_then(|certs| certs.collect::<Result<_, _>>())
        .map_err(|e| {
            error(
                "POSTERN_TLS_CERT",
                format!("cannot read {}: {e}", cert_path.display()),
            )
        })?;
    if chain.is_empty() {
        return Err(error(
            "POSTERN_TLS_CERT",
            format!("{} holds no certificate", cert_path.display()),
        ));
    }
    let key = PrivateKeyDer::from_pem_file(&key_path).map_err(|e| {
        error(
            "POSTERN_TLS_KEY",
            format!("cannot read {}: {e}", key_path.display()),
        )
    })?;
    let mut server = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_protocol_versions(&[&version::TLS13, &version::TLS12])
        .map_err(|e| error("POSTERN_TLS_CERT", e))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| {
            error(
                "POSTERN_TLS_KEY",
                format!("does not match the certificate: {e}"),
            )
        })?;
    // Clients that reconnect (pooled mailers, MTAs) resume with a ticket and
    // skip the certificate signature. Stateless tickets: nothing is stored
    // per session on the server, and the key rotates by itself.
    server.ticketer = ring::Ticketer::new().map_err(|e| error("POSTERN_TLS_CERT", e))?;
    Ok(TlsAcceptor::from(Arc::new(server)))
}

/// Whether the data directory's certificate is missing, or one Postern
/// made for other names or about to expire. A certificate someone else put
/// there is left alone.
fn needs_generating(cert_path: &Path, key_path: &Path, names: &BTreeSet<HostName>) -> bool {
    if !cert_path.exists() || !key_path.exists() {
        return true;
    }
    let Some(existing) = read_generated(cert_path) else {
        return false;
    };
    let renew_after = chrono::Utc::now().timestamp() + RENEW_DAYS * 86_400;
    if existing.names != *names || existing.not_after < renew_after {
        tracing::info!(path = %cert_path.display(), "the self-signed TLS certificate names other hosts or expires soon: making a new one");
        return true;
    }
    false
}

struct Generated {
    names: BTreeSet<HostName>,
    not_after: i64,
}

/// The names and expiry of a certificate Postern generated; `None` for any
/// other (or unreadable) certificate.
fn read_generated(cert_path: &Path) -> Option<Generated> {
    let der = CertificateDer::from_pem_file(cert_path).ok()?;
    let (_, cert) = X509Certificate::from_der(&der).ok()?;
    let subject = cert.subject();
    let ours = subject
        .iter_organization()
        .any(|o| o.as_str().ok() == Some(ORGANISATION))
        || subject
            .iter_common_name()
            .any(|cn| cn.as_str().ok() == Some(OLD_GENERATED_CN));
    if !ours {
        return None;
    }
    let mut names = BTreeSet::new();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for name in &san.value.general_names {
            match name {
                GeneralName::DNSName(dns) => {
                    names.insert(HostName::Dns(dns.to_ascii_lowercase()));
                }
                GeneralName::IPAddress(bytes) => {
                    let ip = match bytes.len() {
                        4 => IpAddr::from(<[u8; 4]>::try_from(*bytes).ok()?),
                        16 => IpAddr::from(<[u8; 16]>::try_from(*bytes).ok()?),
                        _ => return None,
                    };
                    names.insert(HostName::Ip(ip.to_canonical()));
                }
                _ => {}
            }
        }
    }
    Some(Generated {
        names,
        not_after: cert.validity().not_after.timestamp(),
    })
}

fn generate(
    cert_path: &Path,
    key_path: &Path,
    hostname: &str,
    names: &BTreeSet<HostName>,
) -> Result<(), String> {
    let key =
        rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(|e| e.to_string())?;
    let mut params = rcgen::CertificateParams::default();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, hostname);
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, ORGANISATION);
    params.subject_alt_names = names
        .iter()
        .map(|name| match name {
            HostName::Ip(ip) => Ok(rcgen::SanType::IpAddress(*ip)),
            HostName::Dns(dns) => dns
                .as_str()
                .try_into()
                .map(rcgen::SanType::DnsName)
                .map_err(|e| format!("{dns:?} cannot be a certificate name: {e}")),
        })
        .collect::<Result<_, String>>()?;
    let today = chrono::Utc::now().date_naive();
    let day = |date: chrono::NaiveDate| {
        use chrono::Datelike;
        rcgen::date_time_ymd(date.year(), date.month() as u8, date.day() as u8)
    };
    params.not_before = day(today - chrono::Days::new(1));
    params.not_after = day(today + chrono::Days::new(VALID_DAYS as u64));
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let cert = params.self_signed(&key).map_err(|e| e.to_string())?;
    if let Some(dir) = cert_path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    // Written beside and renamed over, so a reader never sees half a file.
    let new_key = key_path.with_extension("pem.new");
    let new_cert = cert_path.with_extension("pem.new");
    let _ = std::fs::remove_file(&new_key);
    crate::data_dir::write_private(&new_key, &key.serialize_pem())
        .and_then(|()| std::fs::write(&new_cert, cert.pem()))
        .and_then(|()| std::fs::rename(&new_key, key_path))
        .and_then(|()| std::fs::rename(&new_cert, cert_path))
        .map_err(|e| format!("cannot write {}: {e}", cert_path.display()))?;
    tracing::info!(path = %cert_path.display(), ?names, "generated a self-signed TLS certificate for STARTTLS");
    Ok(())
}
