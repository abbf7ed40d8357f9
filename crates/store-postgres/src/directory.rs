//! The directory, on PostgreSQL: the statements shared with SQLite
//! (crates/store-rows/src/directory.rs), bound by this store.

carebook_store_rows::directory_store!(crate::PostgresStore);
