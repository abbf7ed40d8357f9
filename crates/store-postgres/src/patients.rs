//! Patients, their conditions and proxies, on PostgreSQL: the statements shared with SQLite
//! (crates/store-rows/src/patients.rs), bound by this store.

carebook_store_rows::patients_store!(crate::PostgresStore);
