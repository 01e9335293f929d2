//! Sandbox ingest: messages per second Postern stores from 16 concurrent
//! senders, each on one reused connection (connect → EHLO → STARTTLS →
//! EHLO → AUTH PLAIN once, then MAIL / RCPT / DATA for as long as the run
//! lasts), with small messages and with 200 KB ones; p50/p99 of a
//! message's MAIL → final 250, and the server's CPU time per message.
//! Run it with `scripts/bench-sandbox` (release mode).
//!
//! The load client is this same binary started again with
//! `POSTERN_BENCH_CLIENT` set, so the server's CPU (this process's, read
//! from /proc) holds nothing of the client's.
//!
//! Environment: POSTERN_BENCH_CONCURRENCY (default 16),
//! POSTERN_BENCH_SECONDS (default 10), POSTERN_BENCH_DATABASE_URL (default
//! a fresh SQLite file; a `postgres://` URL of an existing, empty database
//! for PostgreSQL).

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use postern::auth::password::Argon2Slots;
use postern::config::Config;
use postern::domain::{EmailAddress, Username};
use postern::service::accounts::{self, NewAccount};
use postern::service::audit::Actor;
use postern::service::credentials::{self, CredentialFields, Scope};
use postern::service::workspaces;
use postern::startup::Application;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::{
    self, DigitallySignedStruct, SignatureScheme, client::danger, pki_types,
};

/// The two message sizes measured: (name, bytes).
const SIZES: [(&str, usize); 2] = [("small", 700), ("200 KB", 200 * 1024)];

fn env(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    if std::env::var("POSTERN_BENCH_CLIENT").is_ok() {
        runtime.block_on(client::run());
    } else {
        runtime.block_on(server());
    }
}

async fn server() {
    let concurrency = env("POSTERN_BENCH_CONCURRENCY", "16");
    let seconds = env("POSTERN_BENCH_SECONDS", "10");
    let dir = tempfile::tempdir().unwrap();
    let database_url = env(
        "POSTERN_BENCH_DATABASE_URL",
        &format!("sqlite://{}/postern.db", dir.path().display()),
    );
    let vars = vec![
        (
            "POSTERN_DATA_DIR".to_owned(),
            dir.path().display().to_string(),
        ),
        ("POSTERN_DATABASE_URL".to_owned(), database_url.clone()),
        ("POSTERN_HTTP_ADDR".to_owned(), "127.0.0.1:0".to_owned()),
        ("POSTERN_SMTP_ADDR".to_owned(), "127.0.0.1:0".to_owned()),
        ("POSTERN_LOG".to_owned(), "error".to_owned()),
        (
            "POSTERN_SMTP_MAX_CONNECTIONS".to_owned(),
            "10000".to_owned(),
        ),
        (
            "POSTERN_SMTP_MAX_CONNECTIONS_PER_ADDRESS".to_owned(),
            "10000".to_owned(),
        ),
    ];
    let app = Application::build(Config::from_sources(None, vars).unwrap())
        .await
        .unwrap();
    let smtp = format!("127.0.0.1:{}", app.smtp_ports()[0]);
    let db = app.db();
    tokio::spawn(app.run_until_stopped());
    let creds = seed(&db, concurrency.parse().unwrap()).await;
    let creds_file = dir.path().join("creds.txt");
    std::fs::write(&creds_file, creds.join("\n")).unwrap();
    let backend = database_url.split(':').next().unwrap_or_default();
    println!(
        "backend={backend} concurrency={concurrency} duration={seconds}s, one reused \
         STARTTLS + AUTH connection per sender, workspace retention at its defaults \
         (client and server share this machine)"
    );
    println!("| messages | msgs/s | p50 | p99 | server CPU per message | failed |");
    println!("|---|---|---|---|---|---|");
    // Warm-up: TLS, the login cache, the database's first pages.
    run_client(&smtp, &creds_file, &concurrency, "2", SIZES[0].1);
    for (name, size) in SIZES {
        let cpu_before = cpu_seconds();
        let line = run_client(&smtp, &creds_file, &concurrency, &seconds, size);
        let cpu = cpu_seconds() - cpu_before;
        let field = |name: &str| -> f64 {
            line.split_whitespace()
                .find_map(|f| f.strip_prefix(name))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0.0)
        };
        let ok = field("ok=");
        println!(
            "| {name} | {:.0} | {:.1} ms | {:.1} ms | {:.0} µs | {} |",
            field("msgs_per_s="),
            field("p50_ms="),
            field("p99_ms="),
            if ok > 0.0 { cpu * 1e6 / ok } else { 0.0 },
            field("fail=")
        );
    }
}

fn run_client(
    smtp: &str,
    creds: &std::path::Path,
    concurrency: &str,
    seconds: &str,
    size: usize,
) -> String {
    let output = Command::new(std::env::current_exe().unwrap())
        .env("POSTERN_BENCH_CLIENT", "1")
        .env("POSTERN_BENCH_ADDR", smtp)
        .env("POSTERN_BENCH_CREDS", creds)
        .env("POSTERN_BENCH_CONCURRENCY", concurrency)
        .env("POSTERN_BENCH_SECONDS", seconds)
        .env("POSTERN_BENCH_SIZE", size.to_string())
        .output()
        .expect("the load client runs");
    let line = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    assert!(
        line.starts_with("msgs_per_s="),
        "load client: {line} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    line
}

/// User plus system CPU time of this process so far, in seconds.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    // Fields after the command name (which may hold spaces) in parentheses.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    ticks / 100.0
}

/// One workspace with `n` sandbox credentials; returns `user:password` lines.
async fn seed(db: &postern::db::Db, n: usize) -> Vec<String> {
    let account = NewAccount {
        email: EmailAddress::parse("bench@example.com").unwrap(),
        name: "Bench".into(),
        password_hash: postern::auth::password::hash("bench-owner-password"),
        is_admin: false,
    };
    let user = accounts::create_user(db, account).await.unwrap();
    let workspace = workspaces::create(db, &user.id, "Bench").await.unwrap();
    let argon2 = Argon2Slots::new(Argon2Slots::cores(), Duration::from_secs(600));
    let mut lines = Vec::new();
    for i in 0..n {
        let username = format!("ingest_{i:03}");
        let fields = CredentialFields {
            name: username.clone(),
            description: String::new(),
            sandbox: true,
            scope: Scope::Global,
        };
        let actor = Actor {
            label: "bench".into(),
            user_id: None,
            ip: None,
        };
        let created = credentials::create(
            db,
            &argon2,
            &workspace.id,
            Some(Username::parse(&username).unwrap()),
            fields,
            None,
            actor,
        )
        .await
        .unwrap();
        lines.push(format!("{username}:{}", created.password));
    }
    lines
}

/// The load client (run in its own process).
mod client {
    use super::*;

    #[derive(Debug)]
    struct AnyCert;

    impl danger::ServerCertVerifier for AnyCert {
        fn verify_server_cert(
            &self,
            _: &pki_types::CertificateDer,
            _: &[pki_types::CertificateDer],
            _: &pki_types::ServerName,
            _: &[u8],
            _: pki_types::UnixTime,
        ) -> Result<danger::ServerCertVerified, rustls::Error> {
            Ok(danger::ServerCertVerified::assertion())
        }
        fn verify_tls12_signature(
            &self,
            _: &[u8],
            _: &pki_types::CertificateDer,
            _: &DigitallySignedStruct,
        ) -> Result<danger::HandshakeSignatureValid, rustls::Error> {
            Ok(danger::HandshakeSignatureValid::assertion())
        }
        fn verify_tls13_signature(
            &self,
            _: &[u8],
            _: &pki_types::CertificateDer,
            _: &DigitallySignedStruct,
        ) -> Result<danger::HandshakeSignatureValid, rustls::Error> {
            Ok(danger::HandshakeSignatureValid::assertion())
        }
        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            rustls::crypto::ring::default_provider()
                .signature_verification_algorithms
                .supported_schemes()
        }
    }

    /// Reads one (possibly multi-line) reply; returns its code.
    async fn reply<R: AsyncRead + Unpin>(r: &mut BufReader<R>) -> std::io::Result<u16> {
        let mut line = String::new();
        loop {
            line.clear();
            if r.read_line(&mut line).await? == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            if line.len() < 4 || line.as_bytes()[3] != b'-' {
                return Ok(line.get(..3).and_then(|c| c.parse().ok()).unwrap_or(0));
            }
        }
    }

    async fn send<S: AsyncRead + AsyncWrite + Unpin>(
        s: &mut BufReader<S>,
        bytes: &[u8],
    ) -> std::io::Result<u16> {
        s.get_mut().write_all(bytes).await?;
        s.get_mut().flush().await?;
        reply(s).await
    }

    /// A message of about `size` bytes: headers and lines of 76 characters,
    /// none starting with a dot, then the end of DATA.
    fn message(size: usize, n: usize) -> Vec<u8> {
        let mut out = format!(
            "From: app@bench.example\r\nTo: user{n}@bench.example\r\nSubject: Bench message {n}\r\n\
             Date: Fri, 27 Nov 2026 23:45:00 +0000\r\nMessage-ID: <{n}@bench.example>\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\r\n"
        )
        .into_bytes();
        let filler = base64::engine::general_purpose::STANDARD.encode([n as u8; 57]);
        while out.len() + 78 <= size {
            out.extend_from_slice(filler.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"Thanks.\r\n.\r\n");
        out
    }

    /// One sender: one connection, messages until the deadline.
    async fn sender(
        addr: String,
        tls: TlsConnector,
        plain: String,
        size: usize,
        deadline: Instant,
    ) -> std::io::Result<(Vec<f64>, u64)> {
        let tcp = TcpStream::connect(&addr).await?;
        tcp.set_nodelay(true)?;
        let mut s = BufReader::new(tcp);
        reply(&mut s).await?;
        send(&mut s, b"EHLO load.example\r\n").await?;
        send(&mut s, b"STARTTLS\r\n").await?;
        let name = pki_types::ServerName::try_from("localhost").unwrap();
        let mut s = BufReader::new(tls.connect(name, s.into_inner()).await?);
        send(&mut s, b"EHLO load.example\r\n").await?;
        let auth = send(&mut s, format!("AUTH PLAIN {plain}\r\n").as_bytes()).await?;
        assert_eq!(auth, 235, "AUTH failed");
        let (mut latencies, mut failed) = (Vec::new(), 0);
        let mut n = 0;
        while Instant::now() < deadline {
            let body = message(size, n);
            let started = Instant::now();
            let ok = send(&mut s, b"MAIL FROM:<app@bench.example>\r\n").await? == 250
                && send(
                    &mut s,
                    format!("RCPT TO:<user{n}@bench.example>\r\n").as_bytes(),
                )
                .await?
                    == 250
                && send(&mut s, b"DATA\r\n").await? == 354
                && send(&mut s, &body).await? == 250;
            if ok {
                latencies.push(started.elapsed().as_secs_f64() * 1000.0);
            } else {
                failed += 1;
                send(&mut s, b"RSET\r\n").await?;
            }
            n += 1;
        }
        let _ = send(&mut s, b"QUIT\r\n").await;
        Ok((latencies, failed))
    }

    pub async fn run() {
        let addr = env("POSTERN_BENCH_ADDR", "127.0.0.1:2525");
        let concurrency: usize = env("POSTERN_BENCH_CONCURRENCY", "16").parse().unwrap();
        let seconds: u64 = env("POSTERN_BENCH_SECONDS", "10").parse().unwrap();
        let size: usize = env("POSTERN_BENCH_SIZE", "700").parse().unwrap();
        let creds: Vec<String> = std::fs::read_to_string(env("POSTERN_BENCH_CREDS", "creds.txt"))
            .unwrap()
            .lines()
            .filter_map(|l| l.split_once(':'))
            .map(|(u, p)| base64::engine::general_purpose::STANDARD.encode(format!("\0{u}\0{p}")))
            .collect();
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyCert))
        .with_no_client_auth();
        let tls = TlsConnector::from(Arc::new(config));
        let started = Instant::now();
        let deadline = started + Duration::from_secs(seconds);
        let mut tasks = Vec::new();
        for i in 0..concurrency {
            let plain = creds[i % creds.len()].clone();
            tasks.push(tokio::spawn(sender(
                addr.clone(),
                tls.clone(),
                plain,
                size,
                deadline,
            )));
        }
        let (mut latencies, mut failed) = (Vec::new(), 0);
        for task in tasks {
            match task.await.unwrap() {
                Ok((l, f)) => {
                    latencies.extend(l);
                    failed += f;
                }
                Err(error) => {
                    eprintln!("sender failed: {error}");
                    failed += 1;
                }
            }
        }
        let elapsed = started.elapsed().as_secs_f64();
        latencies.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let pct = |p: f64| {
            latencies
                .get(((latencies.len() as f64 - 1.0) * p) as usize)
                .copied()
                .unwrap_or(0.0)
        };
        println!(
            "msgs_per_s={:.0} ok={} fail={failed} p50_ms={:.2} p99_ms={:.2}",
            latencies.len() as f64 / elapsed,
            latencies.len(),
            pct(0.5),
            pct(0.99)
        );
    }
}
