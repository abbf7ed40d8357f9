//! Contact preferences, on PostgreSQL: the statements shared with SQLite
//! (crates/store-rows/src/preferences.rs), bound by this store.

carebook_store_rows::preferences_store!(crate::PostgresStore);
