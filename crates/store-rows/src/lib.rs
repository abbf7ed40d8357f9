//! What carebook's two stores share. A statement that both SQLite and
//! PostgreSQL accept is written once, here, with its bindings; each store
//! crate expands the area's macro and so binds it with its own driver. Only
//! what truly differs (locking, `BEGIN IMMEDIATE`, jsonb, how a UUID is
//! bound, how a refused constraint is reported) is written per database, in
//! each store's `dialect.rs`, beside a line saying why.
//!
//! Everything here is a `macro_rules!` macro rather than code generic over
//! `sqlx::Database`: each expansion is checked against one driver's concrete
//! types, and the statements read as plain SQL next to their binds.
//!
//! # What a store crate provides
//!
//! Each store crate mirrors the areas of `carebook_core::store`, one module
//! per area (`directory`, `patients`, `audit`, `rota`, `booking`, `outbox`,
//! `waitlist`, `preferences`, `population`), each expanding that area's
//! macro with the store's type, which has a `pool` field, a
//! `directory_generation: Arc<AtomicU64>` field and a `directory_changed()`
//! method that raises it (called after a directory change commits). The macros refer
//! to one another's helpers by those module paths (booking queues messages
//! with `crate::outbox::enqueue`), and to:
//!
//! - `crate::MIGRATOR`, the embedded migrations;
//! - `crate::rows::*`, the expansion of [`row_mappers!`] and
//!   `NOTIFICATION_COLUMNS`;
//! - `crate::dialect::*`: `BACKEND`; `Conn`, the driver's connection;
//!   `id(Uuid)`, a UUID as the database binds it; `map_err`, the one place a
//!   driver error becomes a [`carebook_core::store::StoreError`] (and a
//!   refused constraint a [`carebook_core::store::Conflict`], through
//!   [`conflicts::conflict_named`]); `begin_write`, a transaction that will
//!   write; `WRITERS_SERIALISED`; the SQL fragments `FOR_UPDATE`,
//!   `CLAIM_LOCK`, `OFFER_LOCK`, `JSON`, `RECORD_JSON`, the row
//!   type `DbRow` and its database `DbKind`, `ORGANISATION_FILTER` and
//!   `organisation_kinds`; and `migrations_table_exists`,
//!   `clear_population`, `insert_patients`, `insert_conditions`,
//!   `announce_directory_change` (inside a transaction that changes the
//!   directory: PostgreSQL notifies the other instances on commit).

// The macros expand inside each store and mean that store's crate by
// `crate::` (its dialect, its rows, its other areas), and this crate by
// `$crate::`.
#![allow(clippy::crate_in_macro_def)]

pub mod conflicts;
pub mod values;

/// What the write of a booking came to, when its read had let it through.
#[derive(Debug)]
pub enum BookingWritten {
    Booked(carebook_core::booking::Appointment),
    /// The key was used meanwhile (a retry that waited for the patient's
    /// lock): for this very request, or for another.
    KeyUsed {
        first: uuid::Uuid,
        same_request: bool,
    },
    LimitReached,
    SlotTaken,
}

mod audit;
mod booking;
mod directory;
mod outbox;
mod patients;
mod population;
mod preferences;
mod record;
mod rota;
mod rows;
mod waitlist;

/// The names every area's expansion uses, imported by glob so that two
/// expansions in one module do not collide.
#[doc(hidden)]
#[macro_export]
macro_rules! area_imports {
    () => {
        #[allow(unused_imports)]
        use crate::dialect::*;
        #[allow(unused_imports)]
        use crate::rows::*;
        #[allow(unused_imports)]
        use carebook_core::store::prelude::*;
        #[allow(unused_imports)]
        use carebook_core::store::*;
        #[allow(unused_imports)]
        use sqlx::Row as _;
        #[allow(unused_imports)]
        use $crate::values::*;
        #[allow(unused_imports)]
        use $crate::BookingWritten;
    };
}
