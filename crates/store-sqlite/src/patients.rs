//! Patients, their conditions and proxies, on SQLite: the statements shared with PostgreSQL
//! (crates/store-rows/src/patients.rs), bound by this store.

carebook_store_rows::patients_store!(crate::SqliteStore);
