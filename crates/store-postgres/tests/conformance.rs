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

/// A migrated store whose every connection uses a new schema, and the
/// clean-up that drops it.
async fn fresh_store() -> Option<(PostgresStore, Fresh)> {
    let url = std::env::var("CAREBOOK_TEST_POSTGRES_URL").ok()?;
    let schema = format!("carebook_test_{}", unique_suffix());
    let mut admin = PgConnection::connect(&url).await.expect("PostgreSQL is reachable");
    sqlx::query(&format!("create schema {schema}")).execute(&mut admin).await.unwrap();
    let options = PgConnectOptions::from_str(&url).unwrap().options([("search_path", schema.as_str())]);
    let store = PostgresStore::connect_with_options(options, 4).await.expect("connect");
    store.migrate().await.expect("migrate");
    let pool = store.pool().clone();
    let fresh = Fresh {
        store: Arc::new(store.clone()),
        cleanup: Some(Box::pin(async move {
            pool.close().await;
            sqlx::query(&format!("drop schema {schema} cascade")).execute(&mut admin).await.unwrap();
        })),
    };
    Some((store, fresh))
}

async fn fresh() -> Option<Fresh> {
    fresh_store().await.map(|(_, fresh)| fresh)
}

conformance_tests!(fresh);

/// PostgreSQL-only: the database itself refuses to change the audit trail.
#[tokio::test]
async fn the_audit_trail_cannot_be_updated_deleted_or_truncated() {
    let Some((store, fresh)) = fresh_store().await else {
        eprintln!("skipped: CAREBOOK_TEST_POSTGRES_URL is not set");
        return;
    };
    sqlx::query("insert into audit_event (occurred_at, actor_kind, action, outcome) values (now(), 'system', 'test', 'success')")
        .execute(store.pool())
        .await
        .unwrap();
    for statement in ["update audit_event set action = 'changed'", "delete from audit_event", "truncate audit_event"] {
        let err = sqlx::query(statement).execute(store.pool()).await.expect_err(statement);
        assert!(err.to_string().contains("append-only"), "{statement}: {err}");
    }
    fresh.finish().await;
}
