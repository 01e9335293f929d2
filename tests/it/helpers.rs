//! `spawn_app()` and the fixtures and HTTP helpers tests share.

mod fixtures;
mod page;

pub use fixtures::{SEEDED_HASH, seed_credentials};
pub use page::Page;

use std::sync::{Arc, Once};

use actix_web::dev::ServerHandle;
use diesel::{Connection, RunQueryDsl};
use postern::config::Config;
use postern::db::Db;
use postern::startup::Application;
use tempfile::TempDir;

pub const PASSWORD: &str = "correct-horse-battery";

#[derive(Clone)]
pub struct TestApp {
    pub address: String,
    /// The SMTP submission listener's port.
    pub smtp_port: u16,
    pub db: Db,
    /// A browser-like client: keeps cookies, does not follow redirects.
    pub client: reqwest::Client,
    pub database_url: String,
    /// This test's own `POSTERN_REDIS_PREFIX`: tests (and other processes)
    /// sharing one Redis never see each other's keys.
    pub redis_prefix: String,
    pub handle: ServerHandle,
    resources: Arc<Resources>,
}

/// What lives as long as the last clone of the app: the data directory and
/// the test's PostgreSQL database.
struct Resources {
    data_dir: TempDir,
    _postgres: Option<PostgresDb>,
}

/// A PostgreSQL database made for one test and dropped after it.
struct PostgresDb {
    admin_url: String,
    name: String,
}

impl Drop for PostgresDb {
    fn drop(&mut self) {
        if let Ok(mut conn) = diesel::PgConnection::establish(&self.admin_url) {
            let _ = diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(&mut conn);
        }
    }
}

static TRACING: Once = Once::new();

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// As [`spawn_app`], with a chance to change the configuration first.
pub async fn spawn_app_with(customize: impl FnOnce(&mut Config)) -> TestApp {
    TRACING.call_once(|| {
        if let Ok(filter) = std::env::var("TEST_LOG") {
            postern::telemetry::init(&filter).unwrap();
        }
    });
    let data_dir = tempfile::tempdir().expect("temp dir");
    let (database_url, postgres) = match std::env::var("POSTERN_TEST_POSTGRES_URL") {
        Ok(admin_url) if !admin_url.is_empty() => {
            let (url, db) = create_postgres_db(&admin_url);
            (url, Some(db))
        }
        _ => (
            format!("sqlite://{}/postern.db", data_dir.path().display()),
            None,
        ),
    };
    let redis_prefix = format!("postern-test:{}:", uuid::Uuid::new_v4().simple());
    let env = test_env(&data_dir, &database_url, &redis_prefix);
    let mut config = Config::from_sources(None, env).expect("test configuration");
    customize(&mut config);
    start(config, data_dir, database_url, postgres).await
}

/// Stops the app and starts it again on the same data directory and
/// database, keeping the client (and so its cookies): a restart.
pub async fn restart(app: TestApp) -> TestApp {
    let TestApp {
        handle,
        database_url,
        resources,
        client,
        redis_prefix,
        ..
    } = app;
    handle.stop(true).await;
    let Resources {
        data_dir,
        _postgres: postgres,
    } = Arc::try_unwrap(resources)
        .unwrap_or_else(|_| panic!("restart needs the only handle on the app"));
    let env = test_env(&data_dir, &database_url, &redis_prefix);
    let config = Config::from_sources(None, env).unwrap();
    let mut restarted = start(config, data_dir, database_url, postgres).await;
    restarted.client = client;
    restarted
}

/// A second instance on the same database (its own data directory and
/// ports), as another `postern serve` behind a load balancer would be.
pub async fn another_instance(app: &TestApp, customize: impl FnOnce(&mut Config)) -> TestApp {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let env = test_env(&data_dir, &app.database_url, &app.redis_prefix);
    let mut config = Config::from_sources(None, env).unwrap();
    customize(&mut config);
    start(config, data_dir, app.database_url.clone(), None).await
}

fn test_env(data_dir: &TempDir, database_url: &str, redis_prefix: &str) -> Vec<(String, String)> {
    vec![
        ("POSTERN_REDIS_PREFIX".to_owned(), redis_prefix.to_owned()),
        (
            "POSTERN_DATA_DIR".to_owned(),
            data_dir.path().display().to_string(),
        ),
        ("POSTERN_DATABASE_URL".to_owned(), database_url.to_owned()),
        ("POSTERN_HTTP_ADDR".to_owned(), "127.0.0.1:0".to_owned()),
        ("POSTERN_SMTP_ADDR".to_owned(), "127.0.0.1:0".to_owned()),
        ("POSTERN_DATABASE_POOL_SIZE".to_owned(), "4".to_owned()),
    ]
}

async fn start(
    config: Config,
    data_dir: TempDir,
    database_url: String,
    postgres: Option<PostgresDb>,
) -> TestApp {
    let redis_prefix = config.redis_prefix.clone();
    let app = Application::build(config)
        .await
        .expect("application builds");
    let port = app.http_port();
    let smtp_port = app.smtp_ports()[0];
    let db = app.db();
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        smtp_port,
        db,
        client: new_client(),
        database_url,
        redis_prefix,
        handle,
        resources: Arc::new(Resources {
            data_dir,
            _postgres: postgres,
        }),
    }
}

pub fn new_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn create_postgres_db(admin_url: &str) -> (String, PostgresDb) {
    let name = format!("postern_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn =
        diesel::PgConnection::establish(admin_url).expect("POSTERN_TEST_POSTGRES_URL answers");
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .expect("create test database");
    let mut url = url::Url::parse(admin_url).expect("POSTERN_TEST_POSTGRES_URL is a URL");
    url.set_path(&name);
    (
        url.to_string(),
        PostgresDb {
            admin_url: admin_url.to_owned(),
            name,
        },
    )
}

impl TestApp {
    /// The same app seen by another browser (no cookies).
    pub fn new_visitor(&self) -> TestApp {
        TestApp {
            client: new_client(),
            ..self.clone()
        }
    }

    /// Another browser, sending `user_agent` (no cookies).
    pub fn new_browser(&self, user_agent: &str) -> TestApp {
        TestApp {
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(user_agent)
                .build()
                .unwrap(),
            ..self.clone()
        }
    }

    /// A new visitor whose requests come from `ip` (any 127.x.y.z works on
    /// Linux), to keep per-address counters apart from other tests'.
    pub fn new_visitor_from(&self, ip: std::net::IpAddr) -> TestApp {
        TestApp {
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .local_address(ip)
                .build()
                .unwrap(),
            ..self.clone()
        }
    }

    /// On PostgreSQL: refuse (`false`) or allow new connections to the test
    /// database, dropping the open ones. `None` on SQLite.
    pub fn set_postgres_available(&self, available: bool) -> Option<()> {
        let postgres = self.resources._postgres.as_ref()?;
        let mut conn = diesel::PgConnection::establish(&postgres.admin_url).unwrap();
        diesel::sql_query(format!(
            "ALTER DATABASE {} ALLOW_CONNECTIONS {available}",
            postgres.name
        ))
        .execute(&mut conn)
        .unwrap();
        if !available {
            diesel::sql_query(format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{}'",
                postgres.name
            ))
            .execute(&mut conn)
            .unwrap();
        }
        Some(())
    }

    pub fn data_dir(&self) -> &std::path::Path {
        self.resources.data_dir.path()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> Page {
        Page::from(self.client.get(self.url(path)).send().await.unwrap()).await
    }

    /// The CSRF token of this client's session, from the first page that shows one.
    pub async fn csrf_token(&self) -> String {
        for path in ["/workspaces", "/login", "/setup"] {
            if let Some(token) = self.get(path).await.csrf_token() {
                return token;
            }
        }
        panic!("no page showed a CSRF token");
    }

    /// Posts a form the way the browser does, with the session's CSRF token.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.csrf_token().await;
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("csrf_token", &token));
        Page::from(
            self.client
                .post(self.url(path))
                .form(&form)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// Posts a form as htmx does: CSRF token in a header, `HX-Request` set.
    pub async fn htmx_post(&self, path: &str, target: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.csrf_token().await;
        let response = self
            .client
            .post(self.url(path))
            .header("HX-Request", "true")
            .header("HX-Target", target)
            .header("X-CSRF-Token", token)
            .form(fields)
            .send()
            .await
            .unwrap();
        Page::from(response).await
    }

    pub async fn htmx_get(&self, path: &str, target: &str) -> Page {
        let response = self
            .client
            .get(self.url(path))
            .header("HX-Request", "true")
            .header("HX-Target", target)
            .send()
            .await
            .unwrap();
        Page::from(response).await
    }

    /// Posts a form without any CSRF token.
    pub async fn post_form_without_csrf(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        Page::from(
            self.client
                .post(self.url(path))
                .form(fields)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub async fn login(&self, email: &str, password: &str) -> Page {
        self.post_form("/login", &[("email", email), ("password", password)])
            .await
    }
}

/// True when the variable is set to a non-empty value.
pub fn env_set(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| !v.is_empty())
}

/// `POSTERN_TEST_REDIS_URL`, or `None` after [`skip_or_fail`].
pub fn redis_url() -> Option<String> {
    if env_set("POSTERN_TEST_REDIS_URL") {
        std::env::var("POSTERN_TEST_REDIS_URL").ok()
    } else {
        skip_or_fail("POSTERN_TEST_REDIS_URL (a Redis server)");
        None
    }
}

/// Skips a test whose external service is missing, except in CI, where
/// anything missing is a failure.
pub fn skip_or_fail(what: &str) {
    if env_set("CI") {
        panic!("{what} is required in CI");
    }
    eprintln!("skipped: {what} is not available");
}
