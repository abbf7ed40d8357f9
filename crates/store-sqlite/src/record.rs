//! The patient's record, on SQLite: the statements shared with PostgreSQL
//! (crates/store-rows/src/record.rs), bound by this store.

carebook_store_rows::record_store!(crate::SqliteStore);
