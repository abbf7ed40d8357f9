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
        Ok(Self { pool })
    }

    /// The pool, for the session store that shares the database.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}
