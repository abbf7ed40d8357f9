//! The waitlist, on PostgreSQL: the statements shared with SQLite
//! (crates/store-rows/src/waitlist.rs), bound by this store.

carebook_store_rows::waitlist_store!(crate::PostgresStore);
