//! Builds the application (database, migrations, session store, bound
//! listeners) and exposes its ports before running it, so tests can bind
//! port 0 and callers learn where it listens.

use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use actix_session::SessionMiddleware;
use actix_session::config::PersistentSession;
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use secrecy::{ExposeSecret, SecretString};
use tracing_actix_web::TracingLogger;

use tokio_util::sync::CancellationToken;

use crate::auth::password::Argon2Slots;
use crate::auth::smtp_login::SmtpLoginVerifier;
use crate::auth::{FailureThrottle, LoginThrottle};
use crate::config::{Config, ConfigError};
use crate::db::Db;
use crate::secrets::Sealer;
use crate::service::sandbox::{self, SandboxEvents, SandboxUsage, Slots};
use crate::service::send_usage::SendCounter;
use crate::smtp::{self, SmtpServer};
use crate::web::api::rate_limit::ApiRateLimiter;
use crate::web::client::Proxies;
use crate::web::csrf;
use crate::web::session_store::{self, Backing, Bounded};
use crate::web::sessions::Sessions;

/// What request handlers share.
pub struct AppState {
    pub db: Db,
    pub login_throttle: LoginThrottle,
    /// Every argon2 hash and verify of the process (SMTP AUTH's too).
    pub argon2: Argon2Slots,
    /// Shown in the dashboard's connection settings ([`Config::smtp_host_name`]).
    pub smtp_hostname: Option<String>,
    pub smtp_port: u16,
    /// Production mail can be relayed (else the dashboard says why it cannot).
    pub smarthost_configured: bool,
    /// The smarthost sandbox mail is released through (the SMTP listener's
    /// own), when one is configured.
    pub relay: Option<Arc<smtp::Relay>>,
    /// The spamd that scores sandbox mail (`POSTERN_SPAMD_ADDR`).
    pub spamd_addr: Option<String>,
    pub api_limiter: ApiRateLimiter,
    /// Encrypts stored API responses (idempotent replays).
    pub sealer: Sealer,
    /// The dashboard's sessions (listed and signed out on /account).
    pub sessions: Sessions,
    /// Sandbox mail held, against `POSTERN_SANDBOX_MAX_BYTES`.
    pub sandbox: SandboxUsage,
    /// New sandbox mail, for the API's waits and the page's live list.
    pub sandbox_events: SandboxEvents,
    /// The API's waits in progress, per workspace.
    pub sandbox_waits: Slots,
    /// The Sandbox page's live lists open, per session.
    pub sandbox_streams: Slots,
    /// Messages counted against credentials' send limits (the SMTP
    /// listener's own counter), for the usage the dashboard shows.
    pub send_counter: Arc<SendCounter>,
}

pub struct Application {
    http_port: u16,
    smtp_ports: Vec<u16>,
    server: Server,
    smtp: SmtpServer,
    db: Db,
    sandbox: SandboxUsage,
    sandbox_events: SandboxEvents,
    retention_interval: Duration,
}

/// Most API waits on one workspace at once (per instance).
pub const MAX_WAITS_PER_WORKSPACE: usize = 32;
/// Most live Sandbox lists one session keeps open at once (tabs).
pub const MAX_STREAMS_PER_SESSION: usize = 4;

fn redis_unreachable(error: impl std::fmt::Display) -> ConfigError {
    setting_error("POSTERN_REDIS_URL", format!("cannot connect: {error}"))
}

fn setting_error(setting: &str, message: impl std::fmt::Display) -> ConfigError {
    ConfigError {
        setting: setting.to_owned(),
        message: message.to_string(),
    }
}

impl Application {
    /// Connects, migrates and binds; nothing is served until [`Self::run_until_stopped`].
    pub async fn build(config: Config) -> Result<Self, ConfigError> {
        crate::data_dir::prepare(&config.data_dir).map_err(|e| {
            setting_error(
                "POSTERN_DATA_DIR",
                format!("cannot create {}: {e}", config.data_dir.display()),
            )
        })?;
        let db = Db::connect(&config.database_url, config.database_pool_size).map_err(|e| {
            setting_error(
                "POSTERN_DATABASE_URL",
                format!("cannot open {} ({e})", config.database_url),
            )
        })?;
        let applied = db
            .migrate()
            .map_err(|e| setting_error("POSTERN_DATABASE_URL", e))?;
        for name in applied {
            tracing::info!(migration = %name, "migration applied");
        }
        let secret = server_secret(&config)?;
        let secret = secret.expose_secret();
        let key = Key::derive_from(secret.as_bytes());
        let argon2 = Argon2Slots::new(config.password_hash_slots, config.password_hash_wait);
        let redis = match &config.redis_url {
            Some(url) => {
                let pool = crate::redis::pool(url.expose_secret()).map_err(redis_unreachable)?;
                crate::redis::ping(&pool).await.map_err(redis_unreachable)?;
                Some(pool)
            }
            None => None,
        };
        let send_counter = Arc::new(match &redis {
            Some(pool) => SendCounter::shared(pool.clone(), &config.redis_prefix),
            None => SendCounter::new(),
        });
        let smtp_host_name = config.smtp_host_name();
        let sandbox = SandboxUsage::new(config.sandbox_max_bytes);
        let relay = relay(&config, smtp_host_name.as_deref())?;
        let sandbox_events = SandboxEvents::default();
        let smtp = smtp_server(
            &config,
            smtp_host_name.clone(),
            relay.clone(),
            &db,
            secret,
            &argon2,
            &sandbox,
            send_counter.clone(),
        )?;
        let smtp_ports = smtp.1;
        let smtp = smtp.0;
        let listener = TcpListener::bind(config.http_addr).map_err(|e| {
            setting_error(
                "POSTERN_HTTP_ADDR",
                format!("cannot listen on {}: {e}", config.http_addr),
            )
        })?;
        let http_port = listener
            .local_addr()
            .map_err(|e| setting_error("POSTERN_HTTP_ADDR", e))?
            .port();
        let prefix = &config.redis_prefix;
        let (api_limiter, login_throttle, sessions, backing) = match redis {
            Some(pool) => (
                ApiRateLimiter::shared(config.api_rate_limit, pool.clone(), prefix),
                LoginThrottle::shared(pool.clone(), prefix),
                Sessions::in_redis(db.clone(), pool, prefix),
                Backing::Redis,
            ),
            None => (
                ApiRateLimiter::new(config.api_rate_limit),
                LoginThrottle::new(),
                Sessions::in_database(db.clone()),
                Backing::Database,
            ),
        };
        let state = web::Data::new(AppState {
            db: db.clone(),
            login_throttle,
            argon2,
            smtp_hostname: smtp_host_name,
            smtp_port: smtp_ports.first().copied().unwrap_or(2525),
            smarthost_configured: config.smarthost.is_some(),
            relay,
            spamd_addr: config.spamd_addr.clone(),
            api_limiter,
            sealer: Sealer::derive(secret.as_bytes(), "postern idempotent replays v1"),
            sessions: sessions.clone(),
            sandbox: sandbox.clone(),
            sandbox_events: sandbox_events.clone(),
            sandbox_waits: Slots::new(MAX_WAITS_PER_WORKSPACE),
            sandbox_streams: Slots::new(MAX_STREAMS_PER_SESSION),
            send_counter,
        });
        let proxies = web::Data::new(Proxies {
            trusted: config.trusted_proxies.clone(),
            public_url: config.public_url.clone(),
        });
        // Redis calls have their own (short) deadline inside; this one
        // bounds the database's waits.
        let store = Bounded::new(sessions, SESSION_DB_DEADLINE, backing);
        let server = http_server(listener, state, proxies, key, store)
            .map_err(|e| setting_error("POSTERN_HTTP_ADDR", e))?;
        Ok(Self {
            http_port,
            smtp_ports,
            server,
            smtp,
            db,
            sandbox,
            sandbox_events,
            retention_interval: config.sandbox_retention_interval,
        })
    }

    pub fn http_port(&self) -> u16 {
        self.http_port
    }

    /// The SMTP listeners' ports, in the order of `POSTERN_SMTP_ADDR`.
    pub fn smtp_ports(&self) -> &[u16] {
        &self.smtp_ports
    }

    pub fn db(&self) -> Db {
        self.db.clone()
    }

    /// A handle to stop the server gracefully.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGINT/SIGTERM (then finishes in-flight requests) or `stop`.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let shutdown = CancellationToken::new();
        let smtp = tokio::spawn(self.smtp.run(shutdown.clone()));
        tokio::spawn(backfill_search(self.db.clone()));
        let retention = tokio::spawn(sandbox::retention::run(
            self.db.clone(),
            self.sandbox,
            self.retention_interval,
            shutdown.clone(),
        ));
        let events = tokio::spawn(
            self.sandbox_events
                .clone()
                .run(self.db.clone(), shutdown.clone()),
        );
        // Waits still open at a stop are cut by the server's shutdown
        // timeout; their clients ask again (another instance, or this one
        // restarted).
        let served = self.server.await;
        shutdown.cancel();
        let _ = smtp.await;
        let _ = retention.await;
        let _ = events.await;
        served
    }
}

/// Makes mail stored before sandbox search existed searchable, once, off
/// the request path.
async fn backfill_search(db: Db) {
    match sandbox::search::backfill(&db).await {
        Ok(0) => {}
        Ok(done) => tracing::info!(messages = done, "sandbox mail made searchable"),
        Err(error) => tracing::warn!(%error, "making sandbox mail searchable failed"),
    }
}

/// How long a session read or write may wait for the database before the
/// request gets the 503 page (the pool gives up on a connection sooner).
const SESSION_DB_DEADLINE: Duration = Duration::from_secs(10);

fn http_server(
    listener: TcpListener,
    state: web::Data<AppState>,
    proxies: web::Data<Proxies>,
    key: Key,
    store: Bounded<Sessions>,
) -> std::io::Result<Server> {
    let server = HttpServer::new(move || {
        let sessions = SessionMiddleware::builder(store.clone(), key.clone())
            .cookie_name("postern_session".into())
            .cookie_http_only(true)
            .cookie_same_site(SameSite::Lax)
            // `Secure` is added per request by web::security when over TLS.
            .cookie_secure(false)
            .session_lifecycle(
                PersistentSession::default()
                    .session_ttl(actix_web::cookie::time::Duration::days(14)),
            )
            .build();
        App::new()
            .app_data(state.clone())
            .app_data(web::Data::new(state.db.clone()))
            .app_data(proxies.clone())
            .configure(crate::web::routes)
            .wrap(from_fn(csrf::verify))
            .wrap(from_fn(crate::web::refuse_other_methods))
            .wrap(from_fn(session_store::guard))
            .wrap(sessions)
            .wrap(from_fn(session_store::answer_write_failures))
            .wrap(from_fn(crate::web::security::headers))
            .wrap(TracingLogger::<crate::telemetry::RequestSpan>::new())
    })
    .listen(listener)?
    .shutdown_timeout(10)
    .run();
    Ok(server)
}

/// The server secret (session cookies, the SMTP login cache): from
/// `POSTERN_SECRET_KEY`, else from (or newly into) `<data dir>/secret.key`,
/// so sessions survive restarts.
fn server_secret(config: &Config) -> Result<SecretString, ConfigError> {
    match &config.secret_key {
        Some(secret) => Ok(secret.clone()),
        None => load_or_create_secret(&config.data_dir.join(crate::data_dir::SECRET_KEY))
            .map(SecretString::from)
            .map_err(|e| setting_error("POSTERN_DATA_DIR", e)),
    }
}

/// The smarthost of `POSTERN_SMARTHOST`, greeted with the SMTP host name.
fn relay(
    config: &Config,
    host_name: Option<&str>,
) -> Result<Option<Arc<smtp::Relay>>, ConfigError> {
    let Some(url) = &config.smarthost else {
        return Ok(None);
    };
    smtp::Relay::new(url.expose_secret(), host_name.unwrap_or("localhost"))
        .map(|relay| Some(Arc::new(relay)))
        .map_err(|e| setting_error("POSTERN_SMARTHOST", e))
}

/// Binds the SMTP listeners and prepares TLS and the verifier.
#[allow(clippy::too_many_arguments)]
fn smtp_server(
    config: &Config,
    host_name: Option<String>,
    relay: Option<Arc<smtp::Relay>>,
    db: &Db,
    secret: &str,
    argon2: &Argon2Slots,
    sandbox: &SandboxUsage,
    send_counter: Arc<SendCounter>,
) -> Result<(SmtpServer, Vec<u16>), ConfigError> {
    let hostname = host_name.unwrap_or_else(|| "localhost".to_owned());
    let tls = smtp::tls::acceptor(config, &hostname)?;
    let listeners = smtp::bind(&config.smtp_addrs).map_err(|(addr, e)| {
        setting_error("POSTERN_SMTP_ADDR", format!("cannot listen on {addr}: {e}"))
    })?;
    let mut ports = Vec::new();
    let mut bound = Vec::new();
    for listener in listeners {
        ports.push(
            listener
                .local_addr()
                .map_err(|e| setting_error("POSTERN_SMTP_ADDR", e))?
                .port(),
        );
        bound.push(
            tokio::net::TcpListener::from_std(listener)
                .map_err(|e| setting_error("POSTERN_SMTP_ADDR", e))?,
        );
    }
    let ctx = smtp::SmtpContext {
        hostname,
        db: db.clone(),
        verifier: SmtpLoginVerifier::new(db.clone(), secret.as_bytes(), argon2.clone()),
        tls,
        relay,
        allow_plaintext_auth: config.smtp_allow_plaintext_auth,
        max_message_bytes: config.smtp_max_message_bytes,
        idle_timeout: config.smtp_idle_timeout,
        tls_handshake_timeout: config.smtp_tls_handshake_timeout,
        max_session: config.smtp_max_session,
        auth_throttle: FailureThrottle::new(smtp::AUTH_FAILURES_ALLOWED, Duration::from_secs(60)),
        last_used: smtp::LastUsed::default(),
        sandbox: sandbox.clone(),
        trusted_proxies: config.trusted_proxies.clone(),
        send_counter,
    };
    Ok((
        SmtpServer::new(
            bound,
            ctx,
            smtp::ConnectionLimits::new(
                config.smtp_max_connections,
                config.smtp_max_connections_per_address,
            ),
        ),
        ports,
    ))
}

fn load_or_create_secret(path: &Path) -> Result<String, String> {
    match std::fs::read_to_string(path) {
        Ok(secret) if secret.trim().len() >= 32 => return Ok(secret.trim().to_owned()),
        Ok(_) => {
            return Err(format!(
                "{} is too short; delete it to generate a new one",
                path.display()
            ));
        }
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(format!("cannot read {}: {e}", path.display()));
        }
        Err(_) => {}
    }
    if let Some(dir) = path.parent() {
        crate::data_dir::create_private_dir(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let secret = crate::secrets::random_token(64);
    crate::data_dir::write_private(path, &secret)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    tracing::info!(path = %path.display(), "generated a new secret key");
    Ok(secret)
}
