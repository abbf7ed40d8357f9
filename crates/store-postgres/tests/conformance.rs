//! The conformance story against PostgreSQL, when CAREBOOK_TEST_POSTGRES_URL
//! is set (CI always sets it): every scenario in a schema of its own,
//! dropped afterwards.

use std::str::FromStr;
use std::sync::Arc;

use carebook_conformance::{conformance_tests, Fresh};
use carebook_core::store::Store;
use carebook_store_postgres::PostgresStore;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};

fn unique_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    format!("{}_{}_{}", std::process::id(), nanos, N.fetch_add(1, Ordering::Relaxed))
}

async fn fresh() -> Option<Fresh> {
    let url = std::env::var("CAREBOOK_TEST_POSTGRES_URL").ok()?;
    let schema = format!("carebook_test_{}", unique_suffix());
    let mut admin = PgConnection::connect(&url).await.expect("PostgreSQL is reachable");
    sqlx::query(&format!("create schema {schema}")).execute(&mut admin).await.unwrap();
    let options = PgConnectOptions::from_str(&url).unwrap().options([("search_path", schema.as_str())]);
    let store = PostgresStore::connect_with_options(options, 4).await.expect("connect");
    store.migrate().await.expect("migrate");
    let pool = store.pool().clone();
    Some(Fresh {
        store: Arc::new(store),
        cleanup: Some(Box::pin(async move {
            pool.close().await;
            sqlx::query(&format!("drop schema {schema} cascade")).execute(&mut admin).await.unwrap();
        })),
    })
}

conformance_tests!(fresh);
