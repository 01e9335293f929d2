//! The STARTTLS certificate: `POSTERN_TLS_CERT`/`POSTERN_TLS_KEY`, or an
//! ECDSA P-256 self-signed one generated once into the data directory.
//! TLS 1.3 and 1.2 with the ring provider (no OpenSSL, no aws-lc).

use std::path::Path;
use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::{ServerConfig, crypto::ring, version};

use crate::config::{Config, ConfigError};

fn error(setting: &str, message: impl std::fmt::Display) -> ConfigError {
    ConfigError {
        setting: setting.to_owned(),
        message: message.to_string(),
    }
}

pub fn acceptor(config: &Config, hostname: &str) -> Result<TlsAcceptor, ConfigError> {
    let (cert_path, key_path) = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => (cert.clone(), key.clone()),
        (None, None) => {
            let cert = config.data_dir.join("tls-cert.pem");
            let key = config.data_dir.join("tls-key.pem");
            if !cert.exists() || !key.exists() {
                generate(&cert, &key, hostname).map_err(|e| error("POSTERN_DATA_DIR", e))?;
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

fn generate(cert_path: &Path, key_path: &Path, hostname: &str) -> Result<(), String> {
    let key =
        rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(|e| e.to_string())?;
    let mut names = vec![hostname.to_owned()];
    if hostname != "localhost" {
        names.push("localhost".into());
    }
    let params = rcgen::CertificateParams::new(names).map_err(|e| e.to_string())?;
    let cert = params.self_signed(&key).map_err(|e| e.to_string())?;
    if let Some(dir) = cert_path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    std::fs::write(cert_path, cert.pem())
        .map_err(|e| format!("cannot write {}: {e}", cert_path.display()))?;
    crate::startup::write_private(key_path, &key.serialize_pem())
        .map_err(|e| format!("cannot write {}: {e}", key_path.display()))?;
    tracing::info!(path = %cert_path.display(), "generated a self-signed TLS certificate for STARTTLS");
    Ok(())
}
