//! Rota templates, planned slots and booking rules, on SQLite: the statements shared with PostgreSQL
//! (crates/store-rows/src/rota.rs), bound by this store.

carebook_store_rows::rota_store!(crate::SqliteStore);
