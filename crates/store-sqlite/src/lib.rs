//! The embedded store: one SQLite file in WAL mode. Queries are checked when
//! the tests run (the conformance story exercises every one of them), so a
//! clean checkout builds without a database.
//!
//! The statements are the ones both databases accept, written once in
//! crates/store-rows and expanded here, one module per area of
//! `carebook_core::store`; what SQLite does its own way is in `dialect`.

mod audit;
mod booking;
mod dialect;
mod directory;
mod outbox;
mod patients;
mod population;
mod preferences;
mod record;
mod rota;
mod rows;
mod waitlist;

use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use carebook_core::store::{StoreError, StoreResult};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

/// Every migration in migrations/sqlite, embedded in the binary.
pub static MIGRATOR: Migrator = sqlx::migrate!("../../migrations/sqlite");

#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// Rises after every directory change this process commits (and, on
    /// PostgreSQL, every change another instance announces).
    directory_generation: Arc<AtomicU64>,
}

impl SqliteStore {
    /// Open (creating if missing) the database at `url`, e.g.
    /// `sqlite://data/carebook.db`. WAL lets readers carry on while one
    /// writer commits; foreign keys are off by default in SQLite and are
    /// switched on for every connection.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(StoreError::other)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        if let Some(parent) = options.get_filename().parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent).map_err(StoreError::other)?;
            }
        }
        let pool =
            SqlitePoolOptions::new().max_connections(8).connect_with(options).await.map_err(StoreError::other)?;
        Ok(Self { pool, directory_generation: Arc::default() })
    }

    /// After a directory change has committed: the cache reads afresh.
    fn directory_changed(&self) {
        self.directory_generation.fetch_add(1, Ordering::AcqRel);
    }

    /// The pool, for the session store that shares the database.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}
