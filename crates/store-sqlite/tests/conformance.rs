//! The conformance story against SQLite: a new database file per scenario.

use std::sync::Arc;

use carebook_conformance::{conformance_tests, Fresh};
use carebook_core::store::prelude::*;
use carebook_store_sqlite::SqliteStore;

async fn fresh() -> Option<Fresh> {
    let dir = std::env::temp_dir().join(format!("carebook-test-{}", uuid_like()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}/carebook.db", dir.display());
    let store = SqliteStore::connect(&url).await.expect("open sqlite");
    store.migrate().await.expect("migrate");
    Some(Fresh {
        store: Arc::new(store),
        cleanup: Some(Box::pin(async move {
            let _ = std::fs::remove_dir_all(&dir);
        })),
    })
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!("{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}

conformance_tests!(fresh);

/// SQLite-only: the embedded store runs in WAL mode with foreign keys on,
/// and creates its file (and folder) on first use.
#[tokio::test]
async fn the_embedded_store_creates_its_file_in_wal_mode_with_foreign_keys_on() {
    let dir = std::env::temp_dir().join(format!("carebook-test-{}", uuid_like()));
    let path = dir.join("nested/carebook.db");
    let store = SqliteStore::connect(&format!("sqlite://{}", path.display())).await.expect("open");
    assert!(path.exists());
    let mode: String = sqlx::query_scalar("pragma journal_mode").fetch_one(store.pool()).await.unwrap();
    assert_eq!(mode, "wal");
    let fk: i64 = sqlx::query_scalar("pragma foreign_keys").fetch_one(store.pool()).await.unwrap();
    assert_eq!(fk, 1);
    let _ = std::fs::remove_dir_all(dir);
}

/// SQLite-only: the database itself refuses to change the audit trail.
#[tokio::test]
async fn the_audit_trail_cannot_be_updated_or_deleted() {
    let dir = std::env::temp_dir().join(format!("carebook-test-{}", uuid_like()));
    let store = SqliteStore::connect(&format!("sqlite://{}/carebook.db", dir.display())).await.unwrap();
    store.migrate().await.unwrap();
    sqlx::query("insert into audit_event (occurred_at, actor_kind, action, outcome) values ('2026-11-24T09:00:00Z', 'system', 'test', 'success')")
        .execute(store.pool())
        .await
        .unwrap();
    for statement in ["update audit_event set action = 'changed'", "delete from audit_event"] {
        let err = sqlx::query(statement).execute(store.pool()).await.expect_err(statement);
        assert!(err.to_string().contains("append-only"), "{err}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// SQLite-only: the database itself refuses a second live appointment for a
/// slot, whatever the code in front of it does.
#[tokio::test]
async fn the_database_refuses_a_second_live_appointment_for_a_slot() {
    let dir = std::env::temp_dir().join(format!("carebook-test-{}", uuid_like()));
    let store = SqliteStore::connect(&format!("sqlite://{}/carebook.db", dir.display())).await.unwrap();
    store.migrate().await.unwrap();
    let population = carebook_core::demo::generate_with(1, 20);
    store.replace_population(&population).await.unwrap();
    let practice = &population.organisations[0];
    let location = population.locations.iter().find(|l| l.organisation_id == practice.organisation_id).unwrap();
    let clinician = &population.staff[0];
    sqlx::query(
        "insert into slot (slot_id, organisation_id, location_id, clinician_id, service, channel, bookable_by, starts_at, ends_at)
         values ('00000000-0000-0000-0000-000000000001', $1, $2, $3, 'gp_appointment', 'telephone', 'own_practice',
                 '2027-01-04T09:00:00Z', '2027-01-04T09:10:00Z')",
    )
    .bind(practice.organisation_id.hyphenated())
    .bind(location.location_id.hyphenated())
    .bind(clinician.staff_member_id.hyphenated())
    .execute(store.pool())
    .await
    .unwrap();
    let insert = |n: u8, status: &'static str| {
        let patient = population.patients[n as usize].patient_id.hyphenated();
        sqlx::query(
            "insert into appointment (appointment_id, slot_id, patient_id, status, booked_by_kind, created_at, updated_at)
             values ($1, '00000000-0000-0000-0000-000000000001', $2, $3, 'staff', '2027-01-01T00:00:00Z', '2027-01-01T00:00:00Z')",
        )
        .bind(format!("00000000-0000-0000-0000-0000000000a{n}"))
        .bind(patient)
        .bind(status)
    };
    insert(1, "cancelled_by_patient").execute(store.pool()).await.unwrap();
    insert(2, "booked").execute(store.pool()).await.unwrap();
    let err = insert(3, "booked").execute(store.pool()).await.expect_err("a second live appointment");
    assert!(err.to_string().to_lowercase().contains("unique"), "{err}");
    let _ = std::fs::remove_dir_all(dir);
}
