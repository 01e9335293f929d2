//! Giving deleted sandbox mail's space back to the filesystem.
//!
//! SQLite keeps a deleted row's pages as free pages inside the file unless
//! `auto_vacuum` is `INCREMENTAL`, in which case `PRAGMA incremental_vacuum`
//! truncates them off the end. A new database gets that mode from the
//! connection pragmas (it must be set before the first table). A database
//! created before it is converted once, at start-up, with `VACUUM` (which
//! rewrites the file: it takes about as long as copying it, and needs as
//! much free disk again). PostgreSQL's autovacuum makes the space reusable
//! as usual; nothing is done there.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Integer;

use super::DbConn;

#[derive(QueryableByName)]
struct AutoVacuum {
    #[diesel(sql_type = Integer)]
    auto_vacuum: i32,
}

/// SQLite's `auto_vacuum = INCREMENTAL` value.
const INCREMENTAL: i32 = 2;

/// Converts an SQLite database to incremental auto-vacuum if it is not yet.
pub fn enable_incremental_vacuum(conn: &mut DbConn) -> QueryResult<()> {
    let DbConn::Sqlite(sqlite) = conn else {
        return Ok(());
    };
    let mode = diesel::sql_query("PRAGMA auto_vacuum").get_result::<AutoVacuum>(sqlite)?;
    if mode.auto_vacuum == INCREMENTAL {
        return Ok(());
    }
    let started = std::time::Instant::now();
    sqlite.batch_execute("PRAGMA auto_vacuum = INCREMENTAL; VACUUM;")?;
    tracing::info!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "SQLite database converted to incremental auto-vacuum"
    );
    Ok(())
}

/// Truncates SQLite's free pages off the file, then checkpoints the WAL
/// so the main file shrinks now (passively: readers are not waited for).
pub fn reclaim_free_space(conn: &mut DbConn) -> QueryResult<()> {
    if let DbConn::Sqlite(sqlite) = conn {
        sqlite.batch_execute("PRAGMA incremental_vacuum; PRAGMA wal_checkpoint(PASSIVE);")?;
    }
    Ok(())
}
