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

/// The channel on which a directory change is announced.
pub(crate) const DIRECTORY_CHANNEL: &str = "carebook_directory";

/// Several instances share one database: each caches the directory, and
/// `pg_notify` inside the changing transaction reaches every listener when
/// (and only if) it commits.
pub(crate) async fn announce_directory_change(tx: &mut Conn) -> StoreResult<()> {
    sqlx::query("select pg_notify($1, '')").bind(DIRECTORY_CHANNEL).execute(&mut *tx).await.map_err(map_err)?;
    Ok(())
}

/// The codes of a patient's active conditions, as one text.
pub(crate) const ACTIVE_CODES: &str = "string_agg(snomed_code, ' ')";

/// The booking's read locks the patient's row (not the slot's, which the
/// write claims with a guarded update): one person's bookings take turns,
/// and the count the write makes after the lock sees every one before.
pub(crate) const LOCK_PATIENT: &str = " for update of p";

/// The whole booking in one statement: claim the slot (guarded: free, the
/// key not used meanwhile, the patient under their limit, counted now that
/// their row is locked), insert the appointment, its booked message and
/// reminders, an override's audit line, and accept a waiting-list offer of
/// this slot; then say what came of it. Data-modifying `WITH` clauses run
/// once each, all or none with the transaction.
pub(crate) async fn book_in_one_statement(
    tx: &mut Conn,
    request: &carebook_core::booking::BookingRequest,
    slot: &carebook_core::booking::Slot,
) -> StoreResult<Option<carebook_store_rows::BookingWritten>> {
    use carebook_core::notify::outbox::{appointment_payload, reminder_due_times, NotificationKind};
    use carebook_store_rows::values::{prefixed, utc};
    use carebook_store_rows::BookingWritten;
    use sqlx::Row;

    use crate::rows::{appointment_from_row, opt_row_uuid, APPOINTMENT_COLUMNS};

    let payload = appointment_payload(request.appointment_id, 0, request.slot_id, None);
    let mut messages = vec![(Uuid::new_v4(), NotificationKind::AppointmentBooked, request.at)];
    for due in reminder_due_times(slot.starts_at) {
        if due > request.at {
            messages.push((Uuid::new_v4(), NotificationKind::AppointmentReminder, due));
        }
    }
    let service = request.limit.map(|l| l.service).unwrap_or(slot.service);
    let after = request.limit.map(|l| l.after).unwrap_or(request.at);
    let max = request.limit.map(|l| i32::try_from(l.max).unwrap_or(i32::MAX));
    let booked_columns = prefixed(APPOINTMENT_COLUMNS, "b");
    let row = sqlx::query(&format!(
        "with used as (
             select appointment_id, patient_id, coalesce(idempotency_slot_id, slot_id) as first_slot_id
             from appointment where idempotency_key = $7),
         live as (
             select count(*) as n from appointment a join slot s on s.slot_id = a.slot_id
             where a.patient_id = $2 and a.status in ('booked', 'arrived') and s.service = $13 and s.starts_at > $18),
         claimed as (
             update slot set status = 'booked', held_for_patient_id = null, held_until = null
             where slot_id = $1
               and (status = 'free' or (status = 'held' and (held_for_patient_id = $2 or held_until <= $3)))
               and not exists (select 1 from used)
               and ($12::int is null or (select n from live) < $12)
             returning slot_id),
         booked as (
             insert into appointment (appointment_id, slot_id, patient_id, status, note, booked_by_kind, booked_by_id,
                 idempotency_key, sequence, created_at, updated_at, override_reason, overridden_by, idempotency_slot_id)
             select $4, slot_id, $2, 'booked', $5, $6, $8, $7, 0, $3, $3, $9, $10,
                    case when $7::text is null then null else slot_id end
             from claimed
             returning {APPOINTMENT_COLUMNS}),
         messages as (
             insert into notification_outbox (notification_id, kind, patient_id, subject_id, payload, due_at,
                 status, created_at)
             select m.id, m.kind, $2, b.appointment_id, $14::jsonb, m.due, 'pending', $3
             from booked b cross join unnest($15::uuid[], $16::text[], $17::timestamptz[]) as m(id, kind, due)),
         audited as (
             insert into audit_event (occurred_at, actor_kind, actor_id, action, target_kind, target_id, outcome,
                 reason)
             select $3, 'staff', $10, 'booking_override', 'appointment', b.appointment_id, 'success', $11
             from booked b where $10::uuid is not null),
         accepted as (
             update waitlist_entry set status = 'accepted'
             where patient_id = $2 and offered_slot_id = $1 and status = 'offered' and exists (select 1 from booked))
         select {booked_columns}, (select n from live) as live, u.appointment_id as used_appointment_id,
                u.patient_id as used_patient_id, u.first_slot_id as used_slot_id
         from (select 1) as one left join booked b on true left join used u on true"
    ))
    .bind(request.slot_id)
    .bind(request.patient_id)
    .bind(utc(request.at))
    .bind(request.appointment_id)
    .bind(&request.note)
    .bind(&request.booked_by_kind)
    .bind(&request.idempotency_key)
    .bind(request.booked_by_id)
    .bind(request.overridden.as_ref().map(|o| o.reason.as_str()))
    .bind(request.overridden.as_ref().map(|o| o.by))
    .bind(request.overridden.as_ref().map(|o| o.rules.as_str()))
    .bind(max)
    .bind(service.as_str())
    .bind(&payload)
    .bind(messages.iter().map(|m| m.0).collect::<Vec<_>>())
    .bind(messages.iter().map(|m| m.1.as_str().to_string()).collect::<Vec<_>>())
    .bind(messages.iter().map(|m| utc(m.2)).collect::<Vec<_>>())
    .bind(utc(after))
    .fetch_one(&mut *tx)
    .await
    .map_err(map_err)?;
    if opt_row_uuid(&row, "appointment_id")?.is_some() {
        return Ok(Some(BookingWritten::Booked(appointment_from_row(&row)?)));
    }
    if let Some(first) = opt_row_uuid(&row, "used_appointment_id")? {
        let same_request = opt_row_uuid(&row, "used_patient_id")? == Some(request.patient_id)
            && opt_row_uuid(&row, "used_slot_id")? == Some(request.slot_id);
        return Ok(Some(BookingWritten::KeyUsed { first, same_request }));
    }
    let live: i64 = row.try_get("live").map_err(map_err)?;
    Ok(Some(match max {
        Some(max) if live >= i64::from(max) => BookingWritten::LimitReached,
        _ => BookingWritten::SlotTaken,
    }))
}
