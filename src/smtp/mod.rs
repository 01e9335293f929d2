//! The SMTP submission listener: STARTTLS, AUTH PLAIN/LOGIN against the
//! credentials the dashboard shows, then sandbox capture or smarthost relay.
//!
//! `session` is the protocol as a pure state machine (bytes in, replies and
//! effects out); `connection` drives it over a socket and performs its
//! effects.
//!
//! Rules: the credential row is read on every AUTH and again at every MAIL
//! FROM, so revocation takes effect at once; the database being down is a
//! 4xx reply, never a dropped connection; passwords are never logged.

mod connection;
mod connections;
mod last_used;
mod message;
mod proxy_protocol;
mod relay;
pub mod release;
pub mod reply;
pub mod sasl;
mod session;
pub mod tls;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use self::connections::ConnectionLimits;
use self::connections::Refused;
pub use self::last_used::LastUsed;
pub use self::relay::Relay;
use crate::auth::FailureThrottle;
use crate::auth::smtp_login::SmtpLoginVerifier;
use crate::db::Db;
use crate::service::sandbox::SandboxUsage;
use crate::service::send_usage::SendCounter;

/// Failed AUTHs allowed per client address per minute before `421`.
pub const AUTH_FAILURES_ALLOWED: usize = 10;

/// What every SMTP session shares.
pub struct SmtpContext {
    pub hostname: String,
    pub db: Db,
    pub verifier: SmtpLoginVerifier,
    pub tls: TlsAcceptor,
    pub relay: Option<Arc<Relay>>,
    pub allow_plaintext_auth: bool,
    pub max_message_bytes: usize,
    pub idle_timeout: Duration,
    /// A STARTTLS handshake not finished by then is dropped.
    pub tls_handshake_timeout: Duration,
    /// A session is ended at the next command boundary after this long.
    pub max_session: Duration,
    pub auth_throttle: FailureThrottle,
    pub last_used: LastUsed,
    /// Sandbox mail held, against `POSTERN_SANDBOX_MAX_BYTES`.
    pub sandbox: SandboxUsage,
    /// Peers that must start with a PROXY protocol header, whose source
    /// address is then the client's (`POSTERN_TRUSTED_PROXIES`).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Messages counted against credentials' send limits (shared with the
    /// dashboard, which shows them).
    pub send_counter: Arc<SendCounter>,
}

/// Bound listeners, ready to serve.
pub struct SmtpServer {
    listeners: Vec<TcpListener>,
    ctx: Arc<SmtpContext>,
    connections: Arc<ConnectionLimits>,
}

impl SmtpServer {
    pub fn new(listeners: Vec<TcpListener>, ctx: SmtpContext, limits: ConnectionLimits) -> Self {
        Self {
            listeners,
            ctx: Arc::new(ctx),
            connections: Arc::new(limits),
        }
    }

    /// Accepts until `shutdown`, then gives open sessions 10 s to finish.
    pub async fn run(self, shutdown: CancellationToken) {
        let sessions = TaskTracker::new();
        let mut accept_loops = Vec::new();
        for listener in self.listeners {
            let (ctx, connections, sessions, shutdown) = (
                self.ctx.clone(),
                self.connections.clone(),
                sessions.clone(),
                shutdown.clone(),
            );
            accept_loops.push(tokio::spawn(async move {
                loop {
                    let accepted = tokio::select! {
                        _ = shutdown.cancelled() => break,
                        accepted = listener.accept() => accepted,
                    };
                    let (stream, peer) = match accepted {
                        Ok(accepted) => accepted,
                        Err(error) => {
                            tracing::warn!(%error, "SMTP accept failed");
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            continue;
                        }
                    };
                    let (ctx, connections, shutdown) =
                        (ctx.clone(), connections.clone(), shutdown.clone());
                    sessions.spawn(async move {
                        let Some((stream, client)) = open(stream, peer, &ctx).await else {
                            return;
                        };
                        let _admitted = match connections.admit(client.ip()) {
                            Ok(admitted) => admitted,
                            Err(refused) => {
                                let reply = match refused {
                                    Refused::Busy => reply::BUSY,
                                    Refused::BusyFromAddress => reply::BUSY_FROM_ADDRESS,
                                };
                                tracing::debug!(%client, ?refused, "SMTP connection turned away");
                                let mut stream = stream;
                                let _ = stream.write_all(reply.to_line().as_bytes()).await;
                                return;
                            }
                        };
                        tokio::select! {
                            _ = connection::serve(stream, client, &ctx) => {}
                            _ = async { shutdown.cancelled().await; tokio::time::sleep(Duration::from_secs(10)).await } => {}
                        }
                    });
                }
            }));
        }
        shutdown.cancelled().await;
        for accept in accept_loops {
            let _ = accept.await;
        }
        sessions.close();
        sessions.wait().await;
    }
}

/// The connection and its client's address: the peer's own, or, from a
/// trusted proxy, the one its PROXY protocol header gives (read within the
/// TLS handshake timeout). `None` when a trusted proxy sent no valid header:
/// the connection is answered `421` and closed.
async fn open(
    mut stream: TcpStream,
    peer: SocketAddr,
    ctx: &SmtpContext,
) -> Option<(TcpStream, SocketAddr)> {
    let from = peer.ip().to_canonical();
    if !ctx.trusted_proxies.iter().any(|net| net.contains(&from)) {
        return Some((stream, peer));
    }
    let header = tokio::time::timeout(
        ctx.tls_handshake_timeout,
        proxy_protocol::read_client(&mut stream, peer),
    )
    .await;
    match header {
        Ok(Ok(client)) => return Some((stream, client)),
        // A connection closed at once: a plain TCP health check.
        Ok(Err(proxy_protocol::HeaderError::Io(error))) => {
            tracing::debug!(%peer, %error, "SMTP connection from a trusted proxy ended");
            return None;
        }
        Ok(Err(error)) => {
            tracing::warn!(%peer, %error, "SMTP connection from a trusted proxy refused");
        }
        Err(_) => tracing::warn!(%peer, "no PROXY protocol header from a trusted proxy in time"),
    }
    let _ = stream
        .write_all(reply::PROXY_HEADER_REQUIRED.to_line().as_bytes())
        .await;
    None
}

/// Binds every address, or says which one failed.
pub fn bind(
    addrs: &[SocketAddr],
) -> Result<Vec<std::net::TcpListener>, (SocketAddr, std::io::Error)> {
    addrs
        .iter()
        .map(|addr| {
            let listener = std::net::TcpListener::bind(addr).map_err(|e| (*addr, e))?;
            listener.set_nonblocking(true).map_err(|e| (*addr, e))?;
            Ok(listener)
        })
        .collect()
}
