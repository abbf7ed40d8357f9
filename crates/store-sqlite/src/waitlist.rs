//! The waitlist, on SQLite: the statements shared with PostgreSQL
//! (crates/store-rows/src/waitlist.rs), bound by this store.

carebook_store_rows::waitlist_store!(crate::SqliteStore);
