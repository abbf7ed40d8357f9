//! What PostgreSQL does its own way. The shared statements
//! (crates/store-rows) are bound through these; each item says why
//! PostgreSQL's differs from SQLite's.

use carebook_core::model::{Condition, OrganisationKind, Patient};
use carebook_core::store::{StoreError, StoreResult};
use carebook_store_rows::conflicts::conflict_named;
use carebook_store_rows::values::POPULATION_TABLES;
use sqlx::PgPool;
use uuid::Uuid;

pub(crate) const BACKEND: &str = "postgres";

pub(crate) type Conn = sqlx::PgConnection;

/// PostgreSQL binds UUIDs natively.
pub(crate) fn id(u: Uuid) -> Uuid {
    u
}

/// The one place a driver error becomes a `StoreError`: a refused
/// constraint becomes the `Conflict` naming its rule; anything else stays
/// opaque.
pub(crate) fn map_err(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::RowNotFound => StoreError::NotFound,
        sqlx::Error::Database(db)
            if db.is_unique_violation() || db.is_foreign_key_violation() || db.is_check_violation() =>
        {
            // PostgreSQL names the constraint (or unique index) that
            // refused the change.
            StoreError::Conflict(conflict_named(db.constraint().unwrap_or_default()))
        }
        _ => StoreError::other(e),
    }
}

/// A transaction that will write: PostgreSQL locks the rows a statement
/// changes, and the reads that must wait say so (`FOR_UPDATE`), so a plain
/// read-committed transaction lets unrelated writers run side by side.
pub(crate) async fn begin_write(pool: &PgPool) -> StoreResult<sqlx::Transaction<'static, sqlx::Postgres>> {
    pool.begin().await.map_err(map_err)
}

/// Writers run side by side: a retried booking may race the first one, and
/// the booking code looks again for the first when it loses.
pub(crate) const WRITERS_SERIALISED: bool = false;

/// Lock the row read, so that a concurrent change to it waits.
pub(crate) const FOR_UPDATE: &str = " for update";

/// Two workers never claim the same row, and neither waits for the other.
pub(crate) const CLAIM_LOCK: &str = " for update skip locked";

/// Two slots freed at once never go to the same person: the entry is
/// locked, and a concurrent offer skips to the next one waiting.
pub(crate) const OFFER_LOCK: &str = " for update of w skip locked";

/// The payload column is jsonb; the text bound is cast to it.
pub(crate) const JSON: &str = "::jsonb";

/// PostgreSQL takes the kinds as an array ($1), matches case-insensitively
/// with `ilike` (whose escape character is `\` already), and needs the
/// type of a parameter that is only compared with null.
pub(crate) const ORGANISATION_FILTER: &str = "(cardinality($1::text[]) = 0 or kind = any($1))
       and ($2::text is null or area_code = $2)
       and ($3::uuid is null or federation_id = $3)
       and ($4::text is null
            or name ilike $4
            or town ilike $4
            or postcode ilike $4
            or replace(postcode, ' ', '') ilike replace($4, ' ', '')
            or ods_code ilike $4)";

/// The row and database types, for mappers written once in crates/store-rows.
pub(crate) type DbRow = sqlx::postgres::PgRow;
pub(crate) type DbKind = sqlx::Postgres;

/// The resource column is jsonb; it is read back as text.
pub(crate) const RECORD_JSON: &str = "resource_json::text as resource_json";

/// The kinds for `ORGANISATION_FILTER`: an array, empty for any.
pub(crate) fn organisation_kinds(kinds: &[OrganisationKind]) -> Vec<String> {
    kinds.iter().map(|k| k.as_str().to_string()).collect()
}

/// Whether the migrator has made its table: `to_regclass` follows
/// search_path, as the migrator does.
pub(crate) async fn migrations_table_exists(pool: &PgPool) -> StoreResult<bool> {
    sqlx::query_scalar("select to_regclass('_sqlx_migrations') is not null").fetch_one(pool).await.map_err(map_err)
}

/// Empty every table a population fills. TRUNCATE is transactional in
/// PostgreSQL: a failure later rolls it back with everything else.
pub(crate) async fn clear_population(tx: &mut Conn) -> StoreResult<()> {
    sqlx::query(&format!("truncate {}", POPULATION_TABLES.join(", "))).execute(&mut *tx).await.map_err(map_err)?;
    Ok(())
}

/// Many patients in one statement (from arrays): the demonstration loads
/// hundreds.
pub(crate) async fn insert_patients(tx: &mut Conn, patients: &[Patient]) -> StoreResult<()> {
    for chunk in patients.chunks(1000) {
        let col = |f: &dyn Fn(&Patient) -> Option<String>| chunk.iter().map(f).collect::<Vec<_>>();
        sqlx::query(
            "insert into patient (patient_id, nhs_number, given_name, family_name, date_of_birth, sex, email, phone,
                 address_line1, address_line2, town, postcode, registered_practice_id, nominated_pharmacy_id)
             select * from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::date[], $6::text[], $7::text[],
                 $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::uuid[], $14::uuid[])",
        )
        .bind(chunk.iter().map(|p| p.patient_id).collect::<Vec<_>>())
        .bind(col(&|p| Some(p.nhs_number.as_str().to_string())))
        .bind(col(&|p| Some(p.given_name.clone())))
        .bind(col(&|p| Some(p.family_name.clone())))
        .bind(chunk.iter().map(|p| p.date_of_birth).collect::<Vec<_>>())
        .bind(col(&|p| Some(p.sex.as_str().to_string())))
        .bind(col(&|p| p.email.as_ref().map(|e| e.as_str().to_string())))
        .bind(col(&|p| p.phone.as_ref().map(|e| e.as_e164().to_string())))
        .bind(col(&|p| Some(p.address.line1.clone())))
        .bind(col(&|p| p.address.line2.clone()))
        .bind(col(&|p| Some(p.address.town.clone())))
        .bind(col(&|p| Some(p.address.postcode.as_str().to_string())))
        .bind(chunk.iter().map(|p| p.registered_practice_id).collect::<Vec<_>>())
        .bind(chunk.iter().map(|p| p.nominated_pharmacy_id).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
    }
    Ok(())
}

/// Many conditions in one statement (from arrays), as for patients.
pub(crate) async fn insert_conditions(tx: &mut Conn, conditions: &[Condition]) -> StoreResult<()> {
    for chunk in conditions.chunks(1000) {
        sqlx::query(
            "insert into patient_condition (patient_condition_id, patient_id, snomed_code, display,
                 clinical_status, onset_date, recorded_by_organisation_id)
             select * from unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::date[], $7::uuid[])",
        )
        .bind(chunk.iter().map(|c| c.condition_id).collect::<Vec<_>>())
        .bind(chunk.iter().map(|c| c.patient_id).collect::<Vec<_>>())
        .bind(chunk.iter().map(|c| c.code.code.clone()).collect::<Vec<_>>())
        .bind(chunk.iter().map(|c| c.code.display.clone()).collect::<Vec<_>>())
        .bind(chunk.iter().map(|c| c.clinical_status.as_str().to_string()).collect::<Vec<_>>())
        .bind(chunk.iter().map(|c| c.onset_date).collect::<Vec<_>>())
        .bind(chunk.iter().map(|c| c.recorded_by_organisation_id).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
    }
    Ok(())
}
