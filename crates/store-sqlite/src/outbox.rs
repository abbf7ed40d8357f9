//! The notification outbox, on SQLite: the statements shared with PostgreSQL
//! (crates/store-rows/src/outbox.rs), bound by this store.

carebook_store_rows::outbox_store!(crate::SqliteStore);
