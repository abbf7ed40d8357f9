//! Slots and appointments, on SQLite: the statements shared with PostgreSQL
//! (crates/store-rows/src/booking.rs), bound by this store.

carebook_store_rows::booking_store!(crate::SqliteStore);
