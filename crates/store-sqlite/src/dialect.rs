//! What SQLite does its own way. The shared statements (crates/store-rows)
//! are bound through these; each item says why SQLite's differs from
//! PostgreSQL's.

use carebook_core::model::{Condition, OrganisationKind, Patient};
use carebook_core::store::{Conflict, StoreError, StoreResult};
use carebook_store_rows::conflicts::conflict_named;
use carebook_store_rows::values::POPULATION_TABLES;
use sqlx::SqlitePool;
use uuid::fmt::Hyphenated;
use uuid::Uuid;

pub(crate) const BACKEND: &str = "sqlite";

pub(crate) type Conn = sqlx::SqliteConnection;

/// SQLite has no uuid type: UUIDs are stored as hyphenated text.
pub(crate) fn id(u: Uuid) -> Hyphenated {
    u.hyphenated()
}

/// The one place a driver error becomes a `StoreError`: a refused
/// constraint becomes the `Conflict` naming its rule; anything else stays
/// opaque.
pub(crate) fn map_err(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::RowNotFound => StoreError::NotFound,
        // SQLite does not say which foreign key failed, only that one did.
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::Conflict(Conflict::UnknownReference),
        sqlx::Error::Database(db) if db.is_unique_violation() || db.is_check_violation() => {
            StoreError::Conflict(refused(db.message()))
        }
        _ => StoreError::other(e),
    }
}

/// SQLite names a refused check by its constraint ("CHECK constraint
/// failed: slot_times_check") but a refused key by its columns ("UNIQUE
/// constraint failed: patient.nhs_number"): the columns lead to the
/// constraint's name, and the name to its rule.
fn refused(message: &str) -> Conflict {
    let what = message.split_once(": ").map_or(message, |(_, what)| what);
    let what = what.strip_prefix("index '").and_then(|w| w.strip_suffix('\'')).unwrap_or(what);
    conflict_named(UNIQUE_COLUMNS.iter().find(|(columns, _)| *columns == what).map_or(what, |(_, name)| name))
}

/// Each primary key, unique constraint and unique index in
/// migrations/sqlite, by the columns SQLite reports for it.
const UNIQUE_COLUMNS: &[(&str, &str)] = &[
    ("area.area_code", "area_pk"),
    ("federation.federation_id", "federation_pk"),
    ("federation.name", "federation_name_unique"),
    ("organisation.organisation_id", "organisation_pk"),
    ("organisation.ods_code", "organisation_ods_code_unique"),
    ("location.location_id", "location_pk"),
    ("staff_member.staff_member_id", "staff_member_pk"),
    ("staff_member.staff_uid", "staff_member_uid_unique"),
    (
        "staff_assignment.staff_member_id, staff_assignment.organisation_id, staff_assignment.role",
        "staff_assignment_pk",
    ),
    ("patient.patient_id", "patient_pk"),
    ("patient.nhs_number", "patient_nhs_number_unique"),
    ("patient_condition.patient_condition_id", "patient_condition_pk"),
    ("proxy_access.proxy_access_id", "proxy_access_pk"),
    ("proxy_access.proxy_patient_id, proxy_access.subject_patient_id", "proxy_access_pair_unique"),
    ("audit_event.audit_event_id", "audit_event_pk"),
    ("rota_template.rota_template_id", "rota_template_pk"),
    ("rota_session.rota_template_id, rota_session.weekday, rota_session.starts", "rota_session_pk"),
    ("rota_exception.rota_template_id, rota_exception.exception_date", "rota_exception_pk"),
    ("slot.slot_id", "slot_pk"),
    ("slot.rota_template_id, slot.starts_at", "slot_rota_start_unique"),
    ("appointment.appointment_id", "appointment_pk"),
    ("appointment.idempotency_key", "appointment_idempotency_key_unique"),
    ("appointment.slot_id", "appointment_live_slot_unique"),
    ("notification_outbox.notification_id", "notification_outbox_pk"),
    ("waitlist_entry.waitlist_entry_id", "waitlist_entry_pk"),
    ("waitlist_entry.patient_id, waitlist_entry.service", "waitlist_entry_active_unique"),
    ("contact_preference.patient_id, contact_preference.message_group", "contact_preference_pk"),
    ("booking_rule.organisation_id, booking_rule.service", "booking_rule_pk"),
    ("demo_sent_message.demo_sent_message_id", "demo_sent_message_pkey"),
    ("record_source.record_source_id", "record_source_pk"),
    ("record_source.client_id", "record_source_client_id_unique"),
    ("record_source_token.token_digest", "record_source_token_pk"),
    ("record_ingest.record_ingest_id", "record_ingest_pk"),
    ("record_item.record_item_id", "record_item_pk"),
    (
        "record_item.record_source_id, record_item.resource_type, record_item.resource_id",
        "record_item_source_resource_unique",
    ),
    ("record_access_level.patient_id", "record_access_level_pk"),
    ("record_sharing_choice.patient_id, record_sharing_choice.privacy_label", "record_sharing_choice_pk"),
    ("record_access_log.record_access_log_id", "record_access_log_pk"),
];

/// A transaction that will write. `BEGIN IMMEDIATE` takes SQLite's one
/// write lock at the start, so writers are serialised and a read inside
/// sees what the write will change; a deferred transaction could read, then
/// fail to upgrade its lock.
pub(crate) async fn begin_write(pool: &SqlitePool) -> StoreResult<sqlx::Transaction<'static, sqlx::Sqlite>> {
    pool.begin_with("BEGIN IMMEDIATE").await.map_err(map_err)
}

/// `begin_write` serialises writers, so a retried booking never races the
/// first one.
pub(crate) const WRITERS_SERIALISED: bool = true;

/// SQLite has no row locks: `begin_write` already holds the write lock.
pub(crate) const FOR_UPDATE: &str = "";

/// Nothing to skip: one writer at a time claims notifications.
pub(crate) const CLAIM_LOCK: &str = "";

/// Nothing to skip: one writer at a time makes offers.
pub(crate) const OFFER_LOCK: &str = "";

/// The payload is stored as JSON text, bound as it is.
pub(crate) const JSON: &str = "";

/// SQLite has no arrays, so the kinds are one comma-separated text ($1),
/// and no `ilike`, and its `like` has no escape character unless one is
/// named.
pub(crate) const ORGANISATION_FILTER: &str = "($1 = ',,' or instr($1, ',' || kind || ',') > 0)
       and ($2 is null or area_code = $2)
       and ($3 is null or federation_id = $3)
       and ($4 is null
            or lower(name) like $4 escape '\\'
            or lower(town) like $4 escape '\\'
            or lower(postcode) like $4 escape '\\'
            or lower(replace(postcode, ' ', '')) like replace($4, ' ', '') escape '\\'
            or lower(ods_code) like $4 escape '\\')";

/// The row and database types, for mappers written once in crates/store-rows.
pub(crate) type DbRow = sqlx::sqlite::SqliteRow;
pub(crate) type DbKind = sqlx::Sqlite;

/// The resource is stored as JSON text, read as it is.
pub(crate) const RECORD_JSON: &str = "resource_json";

/// The kinds for `ORGANISATION_FILTER`: ",gp_practice,hub,", or ",," for
/// any.
pub(crate) fn organisation_kinds(kinds: &[OrganisationKind]) -> String {
    let kinds: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    format!(",{},", kinds.join(","))
}

/// Whether the migrator has made its table: SQLite lists tables in
/// `sqlite_master`.
pub(crate) async fn migrations_table_exists(pool: &SqlitePool) -> StoreResult<bool> {
    let tables: i64 =
        sqlx::query_scalar("select count(*) from sqlite_master where type = 'table' and name = '_sqlx_migrations'")
            .fetch_one(pool)
            .await
            .map_err(map_err)?;
    Ok(tables != 0)
}

/// Empty every table a population fills, children first: SQLite has no
/// `truncate`.
pub(crate) async fn clear_population(tx: &mut Conn) -> StoreResult<()> {
    for table in POPULATION_TABLES {
        sqlx::query(&format!("delete from {table}")).execute(&mut *tx).await.map_err(map_err)?;
    }
    Ok(())
}

/// One statement a patient: SQLite has no arrays to insert many from.
pub(crate) async fn insert_patients(tx: &mut Conn, patients: &[Patient]) -> StoreResult<()> {
    for p in patients {
        crate::patients::insert_patient(tx, p).await?;
    }
    Ok(())
}

/// One statement a condition: SQLite has no arrays to insert many from.
pub(crate) async fn insert_conditions(tx: &mut Conn, conditions: &[Condition]) -> StoreResult<()> {
    for c in conditions {
        sqlx::query(
            "insert into patient_condition (patient_condition_id, patient_id, snomed_code, display,
                 clinical_status, onset_date, recorded_by_organisation_id)
             values ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id(c.condition_id))
        .bind(id(c.patient_id))
        .bind(&c.code.code)
        .bind(&c.code.display)
        .bind(c.clinical_status.as_str())
        .bind(c.onset_date)
        .bind(id(c.recorded_by_organisation_id))
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn migrated() -> SqlitePool {
        let options = sqlx::sqlite::SqliteConnectOptions::new().in_memory(true).foreign_keys(true);
        let pool = sqlx::sqlite::SqlitePoolOptions::new().max_connections(1).connect_with(options).await.unwrap();
        crate::MIGRATOR.run(&pool).await.unwrap();
        pool
    }

    /// Every unique index SQLite made from migrations/sqlite (primary keys,
    /// unique constraints, unique indexes) is in `UNIQUE_COLUMNS`, under a
    /// name whose rule is known.
    #[tokio::test]
    async fn every_unique_index_is_known_by_its_columns() {
        let pool = migrated().await;
        let indexes: Vec<(String, String)> = sqlx::query_as(
            "select t.name, i.name from sqlite_master t join pragma_index_list(t.name) i
             where t.type = 'table' and t.name not like '\\_%' escape '\\' and t.name not like 'sqlite%'
               and i.\"unique\" = 1",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        assert!(indexes.len() > 20, "{indexes:?}");
        for (table, index) in indexes {
            let columns: Vec<String> = sqlx::query_scalar("select name from pragma_index_info($1) order by seqno")
                .bind(&index)
                .fetch_all(&pool)
                .await
                .unwrap();
            let reported = columns.iter().map(|c| format!("{table}.{c}")).collect::<Vec<_>>().join(", ");
            let conflict = refused(&format!("UNIQUE constraint failed: {reported}"));
            assert!(
                !matches!(conflict, Conflict::Unlisted | Conflict::InvalidValue),
                "{index} ({reported}) is not in UNIQUE_COLUMNS"
            );
        }
    }

    /// What SQLite reports for refused changes maps to the rule each broke.
    #[tokio::test]
    async fn refusals_name_the_rule_they_enforce() {
        let pool = migrated().await;
        let run = |sql: &'static str| {
            let pool = pool.clone();
            async move { sqlx::query(sql).execute(&pool).await.map(|_| ()).map_err(map_err) }
        };
        run("insert into area (area_code, name) values ('a', 'A')").await.unwrap();
        let twice = run("insert into area (area_code, name) values ('a', 'Again')").await;
        assert!(matches!(twice, Err(StoreError::Conflict(Conflict::IdTaken))), "{twice:?}");
        let orphan = run("insert into federation (federation_id, name, area_code) values ('f', 'F', 'nowhere')").await;
        assert!(matches!(orphan, Err(StoreError::Conflict(Conflict::UnknownReference))), "{orphan:?}");
        run("insert into federation (federation_id, name, area_code) values ('f', 'F', 'a')").await.unwrap();
        let named = run("insert into federation (federation_id, name, area_code) values ('g', 'F', 'a')").await;
        assert!(matches!(named, Err(StoreError::Conflict(Conflict::FederationNameTaken))), "{named:?}");
        let kind = run("insert into organisation (organisation_id, ods_code, name, kind, area_code, federation_id,
                 address_line1, town, postcode)
             values ('o', 'A1', 'O', 'pharmacy', 'a', 'f', 'l', 't', 'p')")
        .await;
        assert!(matches!(kind, Err(StoreError::Conflict(Conflict::OnlyPracticesAndHubsFederate))), "{kind:?}");
    }
}

/// One SQLite file has one server in front of it: nobody else to tell when
/// the directory changes (the generation rises after the commit).
pub(crate) async fn announce_directory_change(_tx: &mut Conn) -> StoreResult<()> {
    Ok(())
}

/// The codes of a patient's active conditions, as one text.
pub(crate) const ACTIVE_CODES: &str = "group_concat(snomed_code, ' ')";

/// `begin_write` already holds the write lock: one booking at a time.
pub(crate) const LOCK_PATIENT: &str = "";

/// SQLite's `WITH` cannot hold an `UPDATE` or `INSERT`: the booking is
/// written statement by statement (in-process, so each costs no round
/// trip), under the write lock `begin_write` took.
pub(crate) async fn book_in_one_statement(
    _tx: &mut Conn,
    _request: &carebook_core::booking::BookingRequest,
    _slot: &carebook_core::booking::Slot,
) -> StoreResult<Option<carebook_store_rows::BookingWritten>> {
    Ok(None)
}
