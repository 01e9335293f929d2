use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::{ClientConfig, HandshakeKind, RootCertStore, crypto::ring};

use crate::helpers::TestApp;

/// A line-by-line SMTP client for protocol tests.
pub struct Client {
    plain: Option<BufReader<TcpStream>>,
    tls: Option<BufReader<TlsStream<TcpStream>>>,
    config: Arc<ClientConfig>,
}

/// A reply: its code and its whole text (all lines).
#[derive(Debug)]
pub struct Reply {
    pub code: u16,
    pub text: String,
}

impl Client {
    /// Connects and reads the greeting; TLS will trust the app's own certificate.
    pub async fn connect(app: &TestApp) -> (Client, Reply) {
        Client::connect_with(app, trusting(app)).await
    }

    /// Connects with a given TLS configuration (and so its session cache).
    pub async fn connect_with(app: &TestApp, config: Arc<ClientConfig>) -> (Client, Reply) {
        let stream = TcpStream::connect(("127.0.0.1", app.smtp_port))
            .await
            .unwrap();
        Client::greeted(stream, config).await
    }

    /// Connects from another loopback address (e.g. `127.0.0.2`), as a
    /// second client machine would.
    pub async fn connect_from(app: &TestApp, local: std::net::IpAddr) -> (Client, Reply) {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind((local, 0).into()).unwrap();
        let stream = socket
            .connect(([127, 0, 0, 1], app.smtp_port).into())
            .await
            .unwrap();
        Client::greeted(stream, trusting(app)).await
    }

    /// Reads the greeting on a stream already connected to the app.
    pub async fn over(app: &TestApp, stream: TcpStream) -> (Client, Reply) {
        Client::greeted(stream, trusting(app)).await
    }

    async fn greeted(stream: TcpStream, config: Arc<ClientConfig>) -> (Client, Reply) {
        let mut client = Client {
            plain: Some(BufReader::new(stream)),
            tls: None,
            config,
        };
        let greeting = client.read().await;
        (client, greeting)
    }

    /// Connects, says EHLO, and starts TLS.
    pub async fn connect_tls(app: &TestApp) -> Client {
        let (mut client, _) = Client::connect(app).await;
        client.secure().await;
        client
    }

    /// Says EHLO, starts TLS and says EHLO again.
    pub async fn secure(&mut self) {
        self.cmd("EHLO test.example").await;
        assert_eq!(self.cmd("STARTTLS").await.code, 220);
        self.start_tls().await;
        self.cmd("EHLO test.example").await;
    }

    pub async fn start_tls(&mut self) {
        self.start_tls_as("localhost").await.unwrap();
    }

    /// Starts TLS verifying the certificate for `name` (a DNS name or an IP).
    pub async fn start_tls_as(&mut self, name: &str) -> std::io::Result<()> {
        let stream = self.plain.take().expect("plain connection").into_inner();
        let name = rustls_pki_types::ServerName::try_from(name.to_owned()).unwrap();
        let tls = TlsConnector::from(self.config.clone())
            .connect(name, stream)
            .await?;
        self.tls = Some(BufReader::new(tls));
        Ok(())
    }

    /// The TLS configuration, to reconnect with the same session cache.
    pub fn config(&self) -> Arc<ClientConfig> {
        self.config.clone()
    }

    /// Whether the TLS handshake resumed an earlier session.
    pub fn resumed(&self) -> bool {
        let tls = self.tls.as_ref().expect("TLS started");
        tls.get_ref().get_ref().1.handshake_kind() == Some(HandshakeKind::Resumed)
    }

    pub async fn send(&mut self, data: &str) {
        self.send_bytes(data.as_bytes()).await;
    }

    pub async fn send_bytes(&mut self, data: &[u8]) {
        if let Some(tls) = &mut self.tls {
            tls.get_mut().write_all(data).await.unwrap();
            tls.get_mut().flush().await.unwrap();
        } else {
            self.plain
                .as_mut()
                .unwrap()
                .get_mut()
                .write_all(data)
                .await
                .unwrap();
        }
    }

    /// Reads one (possibly multi-line) reply; code 0 when the server closed.
    pub async fn read(&mut self) -> Reply {
        let mut text = String::new();
        loop {
            let mut line = String::new();
            let n = match &mut self.tls {
                Some(tls) => tls.read_line(&mut line).await.unwrap_or(0),
                None => self
                    .plain
                    .as_mut()
                    .unwrap()
                    .read_line(&mut line)
                    .await
                    .unwrap_or(0),
            };
            if n == 0 {
                return Reply { code: 0, text };
            }
            text.push_str(&line);
            if line.as_bytes().get(3) != Some(&b'-') {
                let code = line.get(..3).and_then(|c| c.parse().ok()).unwrap_or(0);
                return Reply { code, text };
            }
        }
    }

    /// Sends one command line and reads its reply.
    pub async fn cmd(&mut self, line: &str) -> Reply {
        self.send(&format!("{line}\r\n")).await;
        self.read().await
    }

    /// `AUTH PLAIN` with an initial response; returns the reply.
    pub async fn auth_plain(&mut self, username: &str, password: &str) -> Reply {
        self.cmd(&format!("AUTH PLAIN {}", super::plain(username, password)))
            .await
    }

    /// MAIL, RCPT and DATA, each asserted accepted: the message text is next.
    pub async fn start_data(&mut self, from: &str, to: &str) {
        for (line, code) in [
            (format!("MAIL FROM:<{from}>"), 250),
            (format!("RCPT TO:<{to}>"), 250),
            ("DATA".to_owned(), 354),
        ] {
            let reply = self.cmd(&line).await;
            assert_eq!(reply.code, code, "{line}: {}", reply.text);
        }
    }
}

/// A TLS client configuration whose only root is the app's own certificate.
pub fn trusting(app: &TestApp) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    let pem = app.data_dir().join("tls-cert.pem");
    for cert in rustls_pki_types::pem::PemObject::pem_file_iter(&pem).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let config = ClientConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
}
