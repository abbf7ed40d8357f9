//! The directory, on SQLite: the statements shared with PostgreSQL
//! (crates/store-rows/src/directory.rs), bound by this store.

carebook_store_rows::directory_store!(crate::SqliteStore);
