//! Rows to domain values: the mapping shared with the SQLite store
//! (crates/store-rows), with PostgreSQL's native UUIDs.

use sqlx::postgres::PgRow;

use crate::dialect::map_err;

fn uuid(row: &PgRow, col: &str) -> StoreResult<Uuid> {
    row.try_get::<Uuid, _>(col).map_err(map_err)
}

fn opt_uuid(row: &PgRow, col: &str) -> StoreResult<Option<Uuid>> {
    row.try_get::<Option<Uuid>, _>(col).map_err(map_err)
}

/// The payload is jsonb; it is read back as text.
pub(crate) const NOTIFICATION_COLUMNS: &str =
    "notification_id, kind, patient_id, subject_id, payload::text as payload, due_at, \
     status, attempts, last_error, created_at, sent_at, channels_sent";

carebook_store_rows::row_mappers!(PgRow);
