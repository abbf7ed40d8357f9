//! Opening the store the configuration names, with its migrations applied,
//! the session store on the same database, and the core services over it.
//! `carebook demo` starts from an empty database loaded with the synthetic
//! population.

use std::sync::Arc;

use carebook_core::clock::{Clock, IdSource};
use carebook_core::services::Services;
use carebook_core::store::{PopulationStore, Store, StoreError};
use carebook_store_postgres::PostgresStore;
use carebook_store_sqlite::SqliteStore;

use crate::config::Config;
use crate::sessions::SessionBackend;

#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    #[error("the database URL must start with sqlite:// or postgres://")]
    UnknownDatabase,
    #[error("could not open the store: {0}")]
    Store(#[from] StoreError),
    #[error("could not prepare the session table: {0}")]
    Sessions(String),
}

/// Open the store named by `url`, apply migrations, and make the matching
/// session store.
pub async fn open_store(url: &str, pool_size: u32) -> Result<(Arc<dyn Store>, SessionBackend), DatabaseError> {
    open(url, pool_size, false).await
}

/// Open as [`open_store`] does; `watch`: on PostgreSQL, listen for the
/// directory changes other instances announce (the web server's
/// directory cache). SQLite has one server in front of it.
async fn open(url: &str, pool_size: u32, watch: bool) -> Result<(Arc<dyn Store>, SessionBackend), DatabaseError> {
    if url.starts_with("sqlite:") {
        let store = SqliteStore::connect(url).await?;
        store.migrate().await?;
        let sessions = SessionBackend::Sqlite(tower_sessions_sqlx_store::SqliteStore::new(store.pool().clone()));
        sessions.migrate().await.map_err(|e| DatabaseError::Sessions(e.to_string()))?;
        Ok((Arc::new(store), sessions))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        let store = PostgresStore::connect_with_pool_size(url, pool_size).await?;
        store.migrate().await?;
        let sessions = SessionBackend::Postgres(tower_sessions_sqlx_store::PostgresStore::new(store.pool().clone()));
        sessions.migrate().await.map_err(|e| DatabaseError::Sessions(e.to_string()))?;
        if watch {
            store.watch_directory();
        }
        Ok((Arc::new(store), sessions))
    } else {
        Err(DatabaseError::UnknownDatabase)
    }
}

/// The store the web server runs on: the configured database, or for the
/// demonstration its own, which starts empty.
pub async fn open_for_web(config: &Config, demo: bool) -> Result<(Arc<dyn Store>, SessionBackend), DatabaseError> {
    let url = if demo { config.demo.database_url.expose() } else { config.database_url.expose() };
    if demo {
        remove_embedded_database(url);
    }
    open(url, config.database_pool_size, true).await
}

/// The core services over `store`, with identifiers drawn at random.
pub fn services(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Services {
    Services::new(store, clock, Arc::new(RandomIds))
}

/// Load the demonstration's synthetic population and a week of slots from
/// today (by the services' clock).
pub async fn load_demonstration(config: &Config, services: &Services) -> Result<(), DatabaseError> {
    let population = carebook_core::demo::generate_with(config.demo.seed, config.demo.patients);
    let (counts, slots) = services.demonstration.load(&population).await?;
    tracing::info!(patients = counts.patients, organisations = counts.organisations, slots, "demonstration loaded");
    Ok(())
}

/// The demonstration starts from nothing: an embedded database file (with
/// its WAL and shared-memory files) is removed before it is opened. A
/// PostgreSQL demonstration database is emptied by the population load
/// instead.
fn remove_embedded_database(url: &str) {
    let Some(rest) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) else {
        return;
    };
    let path = rest.split('?').next().unwrap_or(rest);
    if path.is_empty() || path == ":memory:" {
        return;
    }
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{path}{suffix}"));
    }
}

/// Identifiers drawn at random (UUID version 4).
struct RandomIds;

impl IdSource for RandomIds {
    fn new_id(&self) -> uuid::Uuid {
        uuid::Uuid::new_v4()
    }
}
