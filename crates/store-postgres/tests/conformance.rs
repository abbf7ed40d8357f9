//! The conformance story against PostgreSQL, when CAREBOOK_TEST_POSTGRES_URL
//! is set (CI always sets it): every scenario in a schema of its own,
//! dropped afterwards.

use std::str::FromStr;
use std::sync::Arc;

use carebook_conformance::{conformance_tests, Fresh};
use carebook_core::store::prelude::*;
use carebook_core::store::{Conflict, StoreError};
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
    let mut guard = DropSchemaIfAbandoned { url, schema: Some(schema) };
    let fresh = Fresh {
        store: Arc::new(store.clone()),
        cleanup: Some(Box::pin(async move {
            pool.close().await;
            let schema = guard.schema.take().expect("cleaned up once");
            sqlx::query(&format!("drop schema {schema} cascade")).execute(&mut admin).await.unwrap();
        })),
    };
    Some((store, fresh))
}

/// A scenario that panics never reaches `Fresh::finish`: its clean-up
/// future is dropped unrun, and with it this guard, which drops the schema
/// itself so that failed runs leave nothing behind either.
struct DropSchemaIfAbandoned {
    url: String,
    schema: Option<String>,
}

impl Drop for DropSchemaIfAbandoned {
    fn drop(&mut self) {
        let Some(schema) = self.schema.take() else { return };
        let url = self.url.clone();
        // Drop cannot await, and the test's runtime may be unwinding: a
        // thread of its own with a small runtime does the work.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            runtime.block_on(async {
                let mut admin = PgConnection::connect(&url).await.ok()?;
                // Never hang a failing run on a lock a dying connection holds.
                sqlx::query("set lock_timeout = '10s'").execute(&mut admin).await.ok()?;
                sqlx::query(&format!("drop schema if exists {schema} cascade")).execute(&mut admin).await.ok()
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(_))) {
            eprintln!("could not drop an abandoned test schema; drop carebook_test_* schemas by hand");
        }
    }
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

/// PostgreSQL-only: the database itself refuses a second live appointment
/// for a slot, whatever the code in front of it does.
#[tokio::test]
async fn the_database_refuses_a_second_live_appointment_for_a_slot() {
    let Some((store, fresh)) = fresh_store().await else {
        eprintln!("skipped: CAREBOOK_TEST_POSTGRES_URL is not set");
        return;
    };
    let population = carebook_core::demo::generate_with(1, 20);
    store.replace_population(&population).await.unwrap();
    let practice = &population.organisations[0];
    let location = population.locations.iter().find(|l| l.organisation_id == practice.organisation_id).unwrap();
    let slot_id = uuid::Uuid::from_u128(1);
    sqlx::query(
        "insert into slot (slot_id, organisation_id, location_id, clinician_id, service, channel, bookable_by, starts_at, ends_at)
         values ($1, $2, $3, $4, 'gp_appointment', 'telephone', 'own_practice', '2027-01-04T09:00:00Z', '2027-01-04T09:10:00Z')",
    )
    .bind(slot_id)
    .bind(practice.organisation_id)
    .bind(location.location_id)
    .bind(population.staff[0].staff_member_id)
    .execute(store.pool())
    .await
    .unwrap();
    let insert = |n: u8, status: &'static str| {
        sqlx::query(
            "insert into appointment (appointment_id, slot_id, patient_id, status, booked_by_kind, created_at, updated_at)
             values ($1, $2, $3, $4, 'staff', now(), now())",
        )
        .bind(uuid::Uuid::from_u128(0xa0 + u128::from(n)))
        .bind(slot_id)
        .bind(population.patients[n as usize].patient_id)
        .bind(status)
    };
    insert(1, "cancelled_by_patient").execute(store.pool()).await.unwrap();
    insert(2, "booked").execute(store.pool()).await.unwrap();
    let err = insert(3, "booked").execute(store.pool()).await.expect_err("a second live appointment");
    assert!(err.to_string().contains("appointment_live_slot_unique"), "{err}");
    fresh.finish().await;
}

/// PostgreSQL-only: retries of one booking that arrive together (a double
/// click, a client that retries while the first request is still running)
/// all get the one appointment, as a retry after the first has finished
/// does. SQLite serialises writers, so only PostgreSQL can race here.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_retries_with_the_same_key_all_get_the_first_appointment() {
    use carebook_conformance::booking_fixture;
    use time::macros::datetime;
    let Some((store, fresh)) = fresh_store().await else {
        eprintln!("skipped: CAREBOOK_TEST_POSTGRES_URL is not set");
        return;
    };
    let store: Arc<dyn Store> = Arc::new(store);
    let (population, template) = booking_fixture::practice_with_slots(&store).await;
    let slots = store
        .slots_between(template.organisation_id, datetime!(2027-01-04 00:00 UTC), datetime!(2027-01-05 00:00 UTC))
        .await
        .unwrap();
    let me = population.patients[0].patient_id;

    let start = Arc::new(tokio::sync::Barrier::new(8));
    let retries: Vec<_> = (0..8u128)
        .map(|n| {
            let (store, start) = (store.clone(), start.clone());
            // Half aim at another slot: whichever slot's request commits
            // first, the others under the same key are different requests.
            let slot_id = slots[(n % 2) as usize].slot_id;
            let request = booking_fixture::request(slot_id, me, Some("double-click"), n + 1);
            tokio::spawn(async move {
                start.wait().await;
                store.book(&request).await
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for retry in retries {
        outcomes.push(retry.await.unwrap());
    }

    let first = outcomes.iter().find_map(|o| o.as_ref().ok()).expect("one booked").clone();
    for (n, outcome) in outcomes.iter().enumerate() {
        if slots[n % 2].slot_id == first.slot_id {
            assert_eq!(outcome.as_ref().expect("every retry for the same slot gets the appointment"), &first);
        } else {
            assert!(
                matches!(outcome, Err(StoreError::Conflict(Conflict::IdempotencyKeyReused))),
                "the key with another slot is refused: {outcome:?}"
            );
        }
    }
    assert_eq!(store.appointments_for_patient(me).await.unwrap().len(), 1);
    let other = if first.slot_id == slots[0].slot_id { &slots[1] } else { &slots[0] };
    assert_eq!(store.slot(other.slot_id).await.unwrap().status, carebook_core::booking::SlotStatus::Free);
    fresh.finish().await;
}

/// PostgreSQL-only: a directory change made through one instance reaches
/// another instance's cache through LISTEN/NOTIFY, and only once the change
/// has committed (a rolled-back one announces nothing).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_directory_change_by_one_instance_reaches_another_through_notify() {
    use carebook_core::booking::rules::BookingRules;
    use carebook_core::booking::ServiceKind;
    let Some((writer, fresh)) = fresh_store().await else {
        eprintln!("skipped: CAREBOOK_TEST_POSTGRES_URL is not set");
        return;
    };
    // A second instance on the same schema, listening.
    let reader = PostgresStore::connect_with_options((*writer.pool().connect_options()).clone(), 2).await.unwrap();
    let listening = reader.watch_directory();
    let settled = |store: &PostgresStore| {
        let store = store.clone();
        async move {
            // The listener raises the generation once it listens.
            for _ in 0..100 {
                let before = store.directory_generation();
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                if store.directory_generation() == before && before > 0 {
                    return before;
                }
            }
            panic!("the listener never started");
        }
    };
    let quiet = settled(&reader).await;
    let population = carebook_core::demo::generate_with(1, 20);
    writer.replace_population(&population).await.unwrap();
    let practice = population.organisations[0].organisation_id;

    let mut seen = quiet;
    for _ in 0..100 {
        seen = reader.directory_generation();
        if seen > quiet {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(seen > quiet, "the other instance heard of the change");
    let quiet = settled(&reader).await;
    writer
        .set_booking_rules(
            practice,
            ServiceKind::Nurse,
            Some(&BookingRules::default()),
            None,
            time::OffsetDateTime::now_utc(),
        )
        .await
        .unwrap();
    let mut heard = false;
    for _ in 0..100 {
        if reader.directory_generation() > quiet {
            heard = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(heard, "a rule change is heard too");
    listening.abort();
    fresh.finish().await;
}
