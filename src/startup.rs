//! Builds the application (database, migrations, session store, bound
//! listeners) and exposes its ports before running it, so tests can bind
//! port 0 and callers learn where it listens.

use std::net::TcpListener;
use std::path::Path;
use std::time::Duration;

use actix_session::SessionMiddleware;
use actix_session::config::PersistentSession;
use actix_session::storage::{CookieSessionStore, RedisSessionStore, SessionStore};
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use tracing_actix_web::TracingLogger;

use crate::auth::{FailureThrottle, csrf};
use crate::config::{Config, ConfigError};
use crate::db::Db;

/// What request handlers share.
pub struct AppState {
    pub db: Db,
    pub login_throttle: FailureThrottle,
    /// Shown in the dashboard's connection settings.
    pub smtp_hostname: Option<String>,
    pub smtp_port: u16,
}

/// Sign-in failures allowed per address or email before 429.
pub const LOGIN_FAILURES_ALLOWED: usize = 5;
pub const LOGIN_FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);

pub struct Application {
    http_port: u16,
    server: Server,
    db: Db,
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
        let key = session_key(&config)?;
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
        let state = web::Data::new(AppState {
            db: db.clone(),
            login_throttle: FailureThrottle::new(LOGIN_FAILURES_ALLOWED, LOGIN_FAILURE_WINDOW),
            smtp_hostname: config.smtp_hostname.clone(),
            smtp_port: config.smtp_addrs.first().map_or(2525, |a| a.port()),
        });
        let server = match &config.redis_url {
            Some(url) => {
                let store = RedisSessionStore::new(url.clone()).await.map_err(|e| {
                    setting_error("POSTERN_REDIS_URL", format!("cannot connect: {e}"))
                })?;
                http_server(listener, state, key, move || store.clone())
            }
            None => http_server(listener, state, key, CookieSessionStore::default),
        }
        .map_err(|e| setting_error("POSTERN_HTTP_ADDR", e))?;
        Ok(Self {
            http_port,
            server,
            db,
        })
    }

    pub fn http_port(&self) -> u16 {
        self.http_port
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
        self.server.await
    }
}

fn http_server<S, F>(
    listener: TcpListener,
    state: web::Data<AppState>,
    key: Key,
    store: F,
) -> std::io::Result<Server>
where
    S: SessionStore + 'static,
    F: Fn() -> S + Send + Clone + 'static,
{
    let server = HttpServer::new(move || {
        let sessions = SessionMiddleware::builder(store(), key.clone())
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
            .configure(crate::web::routes)
            .wrap(from_fn(csrf::verify))
            .wrap(sessions)
            .wrap(from_fn(crate::web::security::headers))
            .wrap(TracingLogger::default())
    })
    .listen(listener)?
    .shutdown_timeout(10)
    .run();
    Ok(server)
}

/// The session key: from `POSTERN_SECRET_KEY`, else from (or newly into)
/// `<data dir>/secret.key`, so sessions survive restarts.
fn session_key(config: &Config) -> Result<Key, ConfigError> {
    let secret = match &config.secret_key {
        Some(secret) => secret.clone(),
        None => load_or_create_secret(&config.data_dir.join("secret.key"))
            .map_err(|e| setting_error("POSTERN_DATA_DIR", e))?,
    };
    Ok(Key::derive_from(secret.as_bytes()))
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
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let secret = crate::secrets::random_token(64);
    write_private(path, &secret).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    tracing::info!(path = %path.display(), "generated a new secret key");
    Ok(secret)
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents.as_bytes())
}
