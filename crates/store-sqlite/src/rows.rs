//! Rows to domain values: the mapping shared with the PostgreSQL store
//! (crates/store-rows), with SQLite's UUIDs stored as hyphenated text.

use sqlx::sqlite::SqliteRow;
use uuid::fmt::Hyphenated;

use crate::dialect::map_err;

fn uuid(row: &SqliteRow, col: &str) -> StoreResult<Uuid> {
    Ok(row.try_get::<Hyphenated, _>(col).map_err(map_err)?.into_uuid())
}

fn opt_uuid(row: &SqliteRow, col: &str) -> StoreResult<Option<Uuid>> {
    Ok(row.try_get::<Option<Hyphenated>, _>(col).map_err(map_err)?.map(Hyphenated::into_uuid))
}

pub(crate) const NOTIFICATION_COLUMNS: &str = "notification_id, kind, patient_id, subject_id, payload, due_at, \
     status, attempts, last_error, created_at, sent_at, channels_sent";

carebook_store_rows::row_mappers!(SqliteRow);
