//! The audit trail, on PostgreSQL: the statements shared with SQLite
//! (crates/store-rows/src/audit.rs), bound by this store.

carebook_store_rows::audit_store!(crate::PostgresStore);
