//! Rota templates, planned slots and booking rules, on PostgreSQL: the statements shared with SQLite
//! (crates/store-rows/src/rota.rs), bound by this store.

carebook_store_rows::rota_store!(crate::PostgresStore);
