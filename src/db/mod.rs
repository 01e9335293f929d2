//! Database access: one code path for SQLite and PostgreSQL.
//!
//! Rules: the backend is chosen from the URL scheme ([`DatabaseUrl`]); models
//! return `QueryResult`; every query runs off the async threads through
//! [`Db::run`]; a connection that cannot be had is [`Unavailable`], which the
//! web maps to 503 and SMTP to a 4xx reply.

pub mod keyset;
pub mod models;
pub mod schema;
pub mod storage;
pub mod timestamps;
mod url;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub use self::url::DatabaseUrl;
use crate::domain::WorkspaceId;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A connection to whichever backend the configuration names.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgresql(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

/// The database could not be reached (pool exhausted, server down).
#[derive(Debug, thiserror::Error)]
#[error("database unavailable: {0}")]
pub struct Unavailable(String);

impl Unavailable {
    pub fn new(reason: impl Into<String>) -> Self {
        Self(reason.into())
    }
}

impl Unavailable {
    pub fn from_message(message: &str) -> Self {
        Self(message.to_owned())
    }
}

/// A query that failed, or never ran because no connection could be had.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Unavailable(#[from] Unavailable),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

/// Opens connections for r2d2, picking the backend from the URL scheme and
/// setting SQLite's pragmas on every new connection.
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: DatabaseUrl,
    failures: Failures,
}

impl ConnectionManager {
    pub fn new(url: DatabaseUrl) -> Self {
        Self {
            url,
            failures: Failures::default(),
        }
    }
}

/// A pooled connection, and when a query on it last succeeded.
pub struct Pooled {
    conn: DbConn,
    worked_at: Option<Instant>,
    /// [`Failures`] as they stood when it last worked.
    failures_seen: u64,
    failures: Failures,
}

/// How many times a use of any of the pool's connections failed. A failure
/// may be the server going away, which every other connection then meets
/// too: each is checked again before its next use.
type Failures = Arc<AtomicU64>;

/// A connection that answered within this long, with no failure on any
/// connection since, is handed out again without the `SELECT 1` check (on
/// PostgreSQL a round trip per checkout: three of the credentials page's
/// eight statements). Otherwise it is checked first, and replaced if dead.
/// What this gives up: a connection the server dropped within those two
/// seconds fails the one request that next uses it (503, as for any
/// outage), and from then on every connection is checked before use.
const RECENTLY: Duration = Duration::from_secs(2);

impl Pooled {
    /// Runs `f` on the connection, remembering whether it worked.
    fn run<T, E>(&mut self, f: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E> {
        let failures = self.failures.load(Ordering::Acquire);
        let result = f(&mut self.conn);
        match result.is_ok() {
            true => self.worked(failures),
            false => {
                self.worked_at = None;
                self.failures.fetch_add(1, Ordering::AcqRel);
            }
        }
        result
    }

    fn worked(&mut self, failures: u64) {
        self.worked_at = Some(Instant::now());
        self.failures_seen = failures;
    }

    /// Whether it worked a moment ago and nothing failed since.
    fn recently_worked(&self) -> bool {
        self.worked_at.is_some_and(|at| at.elapsed() < RECENTLY)
            && self.failures_seen == self.failures.load(Ordering::Acquire)
    }
}

impl std::ops::Deref for Pooled {
    type Target = DbConn;

    fn deref(&self) -> &DbConn {
        &self.conn
    }
}

impl std::ops::DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut DbConn {
        &mut self.conn
    }
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = Pooled;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<Pooled, Self::Error> {
        let failures = self.failures.load(Ordering::Acquire);
        let mut pooled = Pooled {
            conn: self.open()?,
            worked_at: None,
            failures_seen: failures,
            failures: self.failures.clone(),
        };
        pooled.worked(failures);
        Ok(pooled)
    }

    fn is_valid(&self, pooled: &mut Pooled) -> Result<(), Self::Error> {
        if pooled.recently_worked() {
            return Ok(());
        }
        pooled
            .run(|conn| diesel::sql_query("SELECT 1").execute(conn))
            .map(|_| ())
            .map_err(diesel::r2d2::Error::QueryError)
    }

    /// A connection left inside a transaction (a panic between `BEGIN` and
    /// `COMMIT`) or whose transaction manager failed goes back to no one.
    fn has_broken(&self, pooled: &mut Pooled) -> bool {
        diesel::r2d2::R2D2Connection::is_broken(&mut pooled.conn)
    }
}

impl ConnectionManager {
    fn open(&self) -> Result<DbConn, diesel::r2d2::Error> {
        use diesel::r2d2::Error;
        match &self.url {
            DatabaseUrl::Postgres(url) => diesel::PgConnection::establish(url)
                .map(DbConn::Postgresql)
                .map_err(Error::ConnectionError),
            DatabaseUrl::Sqlite(path) => {
                let mut conn = diesel::SqliteConnection::establish(&path.to_string_lossy())
                    .map_err(Error::ConnectionError)?;
                conn.batch_execute(
                    // busy_timeout first, so nothing after it fails at once
                    // on a locked file; auto_vacuum before any table on a new
                    // file (see `storage` for existing ones).
                    "PRAGMA busy_timeout = 5000; PRAGMA auto_vacuum = INCREMENTAL; PRAGMA foreign_keys = ON; \
                     PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;",
                )
                .map_err(Error::QueryError)?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }
}

/// Before SQLite's first connection in this process: SQLite's
/// multi-thread mode (no mutex on every call of a connection; r2d2 hands a
/// connection to one thread at a time, which is all that mode asks) and no
/// memory statistics (a global mutex on every allocation). Both showed as
/// 7 % of the credentials page under load. Once SQLite has started (in a
/// process that opened a database another way first), SQLite refuses the
/// change and keeps its serialized mode, which is just slower.
fn sqlite_without_mutexes() {
    static CONFIGURED: std::sync::Once = std::sync::Once::new();
    CONFIGURED.call_once(|| {
        use libsqlite3_sys::{SQLITE_CONFIG_MEMSTATUS, SQLITE_CONFIG_MULTITHREAD, sqlite3_config};
        // SAFETY: sqlite3_config before sqlite3_initialize, with the
        // arguments these options document (none; one int).
        let (threads, stats) = unsafe {
            (
                sqlite3_config(SQLITE_CONFIG_MULTITHREAD),
                sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0 as std::ffi::c_int),
            )
        };
        if threads != libsqlite3_sys::SQLITE_OK || stats != libsqlite3_sys::SQLITE_OK {
            tracing::debug!(
                threads,
                stats,
                "SQLite had started already; its mutexes stay"
            );
        }
    });
}

/// How long a query waits for a connection before the database counts as
/// unavailable.
const CONNECTION_WAIT: Duration = Duration::from_secs(5);

/// The blocking threads queries run on: a runtime of their own, never
/// driven, for its blocking pool capped at the number of connections.
/// Each actix worker's runtime has its own blocking pool, and under load
/// both grew to dozens of threads (the credentials page: 89 threads,
/// 177 MiB resident on PostgreSQL).
struct QueryThreads(Option<tokio::runtime::Runtime>);

impl QueryThreads {
    fn new(max_size: u32) -> Result<Self, String> {
        tokio::runtime::Builder::new_current_thread()
            .max_blocking_threads(max_size.max(1) as usize)
            .thread_name("postern-db")
            .build()
            .map(|runtime| Self(Some(runtime)))
            .map_err(|e| format!("cannot start the database threads: {e}"))
    }

    fn spawn<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> tokio::task::JoinHandle<T> {
        let runtime = self.0.as_ref().expect("the runtime lives until drop");
        runtime.spawn_blocking(f)
    }
}

impl Drop for QueryThreads {
    /// Without waiting for its threads: the last handle may be dropped on
    /// an async thread, where a blocking shutdown panics.
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

/// A cloneable handle on the connection pool.
#[derive(Clone)]
pub struct Db {
    pool: r2d2::Pool<ConnectionManager>,
    /// One per pooled connection: a query waits for one here, on the async
    /// side, before it takes a blocking thread (see [`Db::run`]).
    turns: Arc<tokio::sync::Semaphore>,
    /// The threads queries run on, no more than connections.
    threads: Arc<QueryThreads>,
    embedded: bool,
    /// What the credential filter knows of its trigrams (PostgreSQL).
    rarity: models::Rarity,
}

impl Db {
    /// Connects once (so a bad URL or unreachable server is reported with its
    /// real cause), then builds the pool. A SQLite database and its directory
    /// are created for the server's user only ([`crate::data_dir`]).
    pub fn connect(url: &DatabaseUrl, max_size: u32) -> Result<Self, String> {
        if let DatabaseUrl::Sqlite(path) = url {
            sqlite_without_mutexes();
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                crate::data_dir::create_private_dir(parent)
                    .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
            }
            crate::data_dir::prepare_sqlite_files(path)
                .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        }
        let manager = ConnectionManager::new(url.clone());
        r2d2::ManageConnection::connect(&manager).map_err(|e| e.to_string())?;
        let pool = r2d2::Pool::builder()
            .max_size(max_size)
            .min_idle(Some(1))
            .connection_timeout(CONNECTION_WAIT)
            // A server connection can die under us; a SQLite file cannot.
            .test_on_check_out(matches!(url, DatabaseUrl::Postgres(_)))
            .build_unchecked(manager);
        Ok(Self {
            pool,
            turns: Arc::new(tokio::sync::Semaphore::new(max_size as usize)),
            threads: Arc::new(QueryThreads::new(max_size)?),
            embedded: matches!(url, DatabaseUrl::Sqlite(_)),
            rarity: models::Rarity::default(),
        })
    }

    /// The process's sample of how common each part of a credential filter
    /// is (see [`models::Rarity`]).
    pub fn rarity(&self) -> models::Rarity {
        self.rarity.clone()
    }

    /// A connection for blocking code (CLI commands, start-up).
    pub fn get(&self) -> Result<r2d2::PooledConnection<ConnectionManager>, Unavailable> {
        self.pool.get().map_err(|e| Unavailable(e.to_string()))
    }

    /// Runs `f` with a pooled connection on the blocking thread pool.
    pub async fn run<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        // Waiting for a connection on a blocking thread would hold one
        // thread per waiting request (dozens under load, each keeping its
        // allocator's memory); waiting here, no more run than connections.
        let unavailable = |reason: String| DbError::Unavailable(Unavailable(reason));
        let turn = tokio::time::timeout(CONNECTION_WAIT, self.turns.clone().acquire_owned())
            .await
            .map_err(|_| unavailable(format!("no connection free within {CONNECTION_WAIT:?}")))?
            .map_err(|e| unavailable(e.to_string()))?;
        let pool = self.pool.clone();
        let task = self.threads.spawn(move || {
            let _turn = turn;
            let mut conn = pool
                .get()
                .map_err(|e| DbError::Unavailable(Unavailable(e.to_string())))?;
            conn.run(f)
        });
        match task.await {
            Ok(result) => result,
            Err(join_error) => std::panic::resume_unwind(join_error.into_panic()),
        }
    }

    /// Runs a diesel query with a pooled connection on the blocking thread pool.
    pub async fn query<T, F>(&self, f: F) -> Result<T, DbError>
    where
        F: FnOnce(&mut DbConn) -> diesel::QueryResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.run(move |conn| f(conn).map_err(DbError::Query)).await
    }

    /// Whether the database answers (readiness checks).
    pub async fn ping(&self) -> Result<(), DbError> {
        self.query(|conn| diesel::sql_query("SELECT 1").execute(conn))
            .await
            .map(|_| ())
    }

    /// A short indexed read on the hot path (SMTP AUTH). On SQLite in WAL
    /// mode a reader never waits for writers, so when a pooled connection is
    /// free right now the read runs in place (microseconds), sparing two
    /// thread switches; otherwise, and always on PostgreSQL, it goes through
    /// the blocking pool like [`Db::query`].
    pub async fn read<T, F>(&self, f: F) -> Result<T, DbError>
    where
        F: FnOnce(&mut DbConn) -> diesel::QueryResult<T> + Send + 'static,
        T: Send + 'static,
    {
        if self.embedded
            && let Some(mut conn) = self.pool.try_get()
        {
            return conn.run(f).map_err(DbError::Query);
        }
        self.query(f).await
    }

    /// Applies pending migrations of the connection's backend; returns their names.
    pub fn migrate(&self) -> Result<Vec<String>, String> {
        let mut conn = self.get().map_err(|e| e.to_string())?;
        let applied = run_migrations(&mut conn).map_err(|e| format!("migrations failed: {e}"))?;
        storage::enable_incremental_vacuum(&mut conn)
            .map_err(|e| format!("cannot enable incremental vacuum: {e}"))?;
        Ok(applied)
    }
}

/// Runs `f` in a transaction meant to write. On SQLite it starts with
/// `BEGIN IMMEDIATE`, so a concurrent writer makes it wait (busy_timeout)
/// instead of failing with SQLITE_BUSY halfway; nested calls use savepoints.
pub fn write_transaction<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let DbConn::Sqlite(inner) = conn else {
        return conn.transaction(f);
    };
    let depth = AnsiTransactionManager::transaction_manager_status_mut(inner)
        .transaction_depth()
        .map_err(E::from)?;
    if depth.is_some() {
        return conn.transaction(f);
    }
    AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?;
    match f(conn) {
        Ok(value) => {
            <DbConn as Connection>::TransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(error) => {
            <DbConn as Connection>::TransactionManager::rollback_transaction(conn)?;
            Err(error)
        }
    }
}

/// Locks the workspace's row until the transaction ends, so a rule that is
/// read and then written (the last owner, a domain still in use, an
/// invitation still pending) holds when two requests race. Call it first in
/// a [`write_transaction`], before reading what the rule decides on. On
/// PostgreSQL (READ COMMITTED) it is `SELECT … FOR NO KEY UPDATE`: a second
/// transaction waits here and then reads what the first committed. On
/// SQLite `BEGIN IMMEDIATE` already runs one writer at a time, so it only
/// reads the row. A workspace deleted meanwhile is diesel's `NotFound`.
pub fn lock_workspace(conn: &mut DbConn, id: &WorkspaceId) -> QueryResult<()> {
    use self::schema::workspaces;
    let row = workspaces::table.find(id).select(workspaces::id);
    match conn {
        DbConn::Postgresql(pg) => row.for_no_key_update().first::<WorkspaceId>(pg)?,
        DbConn::Sqlite(sqlite) => row.first::<WorkspaceId>(sqlite)?,
    };
    Ok(())
}

/// A check with no row to lock, made one at a time on PostgreSQL.
#[derive(Debug, Clone, Copy)]
pub enum GlobalLock {
    /// "No user exists yet": first-run setup.
    FirstRun,
    /// "This slug is free": creating a workspace.
    WorkspaceSlugs,
}

impl GlobalLock {
    /// The advisory lock's key (the migrations use 7078657274).
    fn key(self) -> i64 {
        match self {
            Self::FirstRun => 7078657275,
            Self::WorkspaceSlugs => 7078657276,
        }
    }
}

/// Makes transactions taking the same `lock` run one after the other from
/// here until they end, so only the first sees, say, an empty `users`
/// table. On PostgreSQL a transaction-scoped advisory lock; on SQLite
/// nothing, as `BEGIN IMMEDIATE` already serialises writers. Take
/// [`GlobalLock::FirstRun`] before [`GlobalLock::WorkspaceSlugs`] when both.
pub fn lock_global(conn: &mut DbConn, lock: GlobalLock) -> QueryResult<()> {
    if let DbConn::Postgresql(pg) = conn {
        pg.batch_execute(&format!("SELECT pg_advisory_xact_lock({})", lock.key()))?;
    }
    Ok(())
}

type MigrationError = Box<dyn std::error::Error + Send + Sync>;

fn run_migrations(conn: &mut DbConn) -> Result<Vec<String>, MigrationError> {
    let applied = match conn {
        DbConn::Sqlite(conn) => conn
            .run_pending_migrations(SQLITE_MIGRATIONS)?
            .iter()
            .map(ToString::to_string)
            .collect(),
        DbConn::Postgresql(conn) => {
            // Several instances may start at once: one migrates, the others wait.
            conn.batch_execute("SELECT pg_advisory_lock(7078657274)")?;
            let applied = conn
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|versions| versions.iter().map(ToString::to_string).collect());
            conn.batch_execute("SELECT pg_advisory_unlock(7078657274)")?;
            applied?
        }
    };
    Ok(applied)
}

/// `text` lower-cased, with LIKE's wildcards escaped (for `ESCAPE '\\'`).
pub fn like_escaped(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

#[cfg(test)]
mod tests {
    use std::panic::AssertUnwindSafe;

    use futures_util::FutureExt;

    use super::*;

    #[derive(diesel::QueryableByName)]
    struct CompileOption {
        #[diesel(sql_type = diesel::sql_types::Text)]
        compile_options: String,
    }

    /// `.cargo/config.toml` builds SQLite with the planner stability
    /// guarantee: without it a statement with `LIMIT ?` is compiled again
    /// each time it runs.
    #[tokio::test]
    async fn sqlite_is_built_with_a_stable_planner_so_statements_stay_compiled() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(&DatabaseUrl::Sqlite(dir.path().join("options.db")), 1).unwrap();
        let options: Vec<CompileOption> = db
            .query(|conn| diesel::sql_query("PRAGMA compile_options").load(conn))
            .await
            .unwrap();
        let options: Vec<&str> = options.iter().map(|o| o.compile_options.as_str()).collect();
        assert!(options.contains(&"ENABLE_FTS5"), "{options:?}");
        assert!(options.contains(&"ENABLE_QPSG"), "{options:?}");
    }

    #[tokio::test]
    async fn a_connection_left_inside_a_transaction_by_a_panic_is_not_reused() {
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::Sqlite(dir.path().join("broken.db"));
        let db = Db::connect(&url, 1).unwrap();
        let panicked = AssertUnwindSafe(db.run(|conn| {
            write_transaction(conn, |_| -> Result<(), DbError> {
                panic!("a bug between BEGIN and COMMIT")
            })
        }))
        .catch_unwind()
        .await;
        assert!(panicked.is_err());

        // On a connection still inside the transaction, BEGIN would fail.
        let fresh = db
            .query(|conn| {
                let outside = !diesel::r2d2::R2D2Connection::is_broken(conn);
                conn.batch_execute("BEGIN; ROLLBACK;")?;
                Ok(outside)
            })
            .await
            .unwrap();
        assert!(
            fresh,
            "the pool handed out the connection the panic left open"
        );
    }
}
