//! The audit trail, on SQLite: the statements shared with PostgreSQL
//! (crates/store-rows/src/audit.rs), bound by this store.

carebook_store_rows::audit_store!(crate::SqliteStore);
