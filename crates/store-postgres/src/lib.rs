//! The production store: PostgreSQL, for any number of server instances
//! and workers. Queries are checked when the tests run (the conformance
//! story exercises every one of them against a fresh schema), so a clean
//! checkout builds without a database.
//!
//! The statements are the ones both databases accept, written once in
//! crates/store-rows and expanded here, one module per area of
//! `carebook_core::store`; what PostgreSQL does its own way (row locks,
//! SKIP LOCKED, jsonb, arrays) is in `dialect`.

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
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

/// Every migration in migrations/postgres, embedded in the binary.
pub static MIGRATOR: Migrator = sqlx::migrate!("../../migrations/postgres");

#[derive(Clone, Debug)]
pub struct PostgresStore {
    pool: PgPool,
    /// Rises after every directory change this process commits (and, on
    /// PostgreSQL, every change another instance announces).
    directory_generation: Arc<AtomicU64>,
}

impl PostgresStore {
    pub const DEFAULT_POOL_SIZE: u32 = 16;

    /// Connect to `url`, e.g. `postgres://carebook@db.example.org/carebook`.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        Self::connect_with_pool_size(url, Self::DEFAULT_POOL_SIZE).await
    }

    pub async fn connect_with_pool_size(url: &str, pool_size: u32) -> StoreResult<Self> {
        let options = PgConnectOptions::from_str(url).map_err(StoreError::other)?;
        Self::connect_with_options(options, pool_size).await
    }

    /// For tests that pin every connection to a schema of their own.
    pub async fn connect_with_options(options: PgConnectOptions, pool_size: u32) -> StoreResult<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(pool_size.max(1))
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await
            .map_err(StoreError::other)?;
        Ok(Self { pool, directory_generation: Arc::default() })
    }

    /// After a directory change has committed: the cache reads afresh.
    fn directory_changed(&self) {
        self.directory_generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Listen, on a connection of its own, for the directory changes other
    /// instances announce, and raise the generation for each so that this
    /// process's cache reads afresh. A lost connection raises it too (a
    /// change may have been missed meanwhile) and is opened again after a
    /// second. Runs until the task is aborted; the web server starts it.
    pub fn watch_directory(&self) -> tokio::task::JoinHandle<()> {
        let options = (*self.pool.connect_options()).clone();
        let generation = self.directory_generation.clone();
        tokio::spawn(async move {
            let own = PgPoolOptions::new().max_connections(1).connect_lazy_with(options);
            loop {
                match listen(&own).await {
                    Ok(mut listener) => loop {
                        generation.fetch_add(1, Ordering::AcqRel);
                        match listener.try_recv().await {
                            // A notification, or the connection was lost
                            // and opened again: either way, read afresh.
                            Ok(_) => continue,
                            Err(e) => {
                                tracing::warn!(error = %e, "directory change listener failed");
                                break;
                            }
                        }
                    },
                    Err(e) => tracing::warn!(error = %e, "directory change listener could not start"),
                }
                generation.fetch_add(1, Ordering::AcqRel);
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        })
    }

    /// The pool, for the session store that shares the database.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

async fn listen(pool: &PgPool) -> Result<sqlx::postgres::PgListener, sqlx::Error> {
    let mut listener = sqlx::postgres::PgListener::connect_with(pool).await?;
    listener.listen(dialect::DIRECTORY_CHANNEL).await?;
    Ok(listener)
}
