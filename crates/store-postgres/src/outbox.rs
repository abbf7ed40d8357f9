//! The notification outbox, on PostgreSQL: the statements shared with SQLite
//! (crates/store-rows/src/outbox.rs), bound by this store.

carebook_store_rows::outbox_store!(crate::PostgresStore);
