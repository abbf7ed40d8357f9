//! The patient's record, on PostgreSQL: the statements shared with SQLite
//! (crates/store-rows/src/record.rs), bound by this store.

carebook_store_rows::record_store!(crate::PostgresStore);
