//! Slots and appointments, on PostgreSQL: the statements shared with SQLite
//! (crates/store-rows/src/booking.rs), bound by this store.

carebook_store_rows::booking_store!(crate::PostgresStore);
