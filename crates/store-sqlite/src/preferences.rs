//! Contact preferences, on SQLite: the statements shared with PostgreSQL
//! (crates/store-rows/src/preferences.rs), bound by this store.

carebook_store_rows::preferences_store!(crate::SqliteStore);
