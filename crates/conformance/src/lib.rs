//! The store conformance story: every method of [`Store`] exercised, with
//! the same expectations for SQLite and PostgreSQL. Each store crate runs it
//! with `conformance_tests!`, handing it a function that makes a fresh,
//! migrated, empty store.
//!
//! The scenarios live one file per area (`booking.rs`, `outbox.rs`, ...),
//! inside that file's `scenarios! { area; ... }` block; what they set up
//! lives in [`fixtures`]. Adding a scenario is one edit: write it as a
//! `pub async fn` in its area's block, and every store runs it as a test of
//! the same name. Adding an area is a new file and its name in `areas!`
//! below.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use carebook_core::store::Store;

pub mod fixtures;

// The names the server's tests and bench already use.
pub use fixtures::booking as booking_fixture;
pub use fixtures::outbox_load;
pub use fixtures::population::{small_population, unused_nhs_number};

/// A fresh store for one scenario, and what tidies it away afterwards.
pub struct Fresh {
    pub store: Arc<dyn Store>,
    pub cleanup: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
}

impl Fresh {
    pub async fn finish(self) {
        if let Some(c) = self.cleanup {
            c.await;
        }
    }
}

/// An area's scenarios, written as ordinary `pub async fn`s, and under the
/// area's name a macro listing them, from which `conformance_tests!` makes
/// one test per scenario. The area must be named as its file is.
macro_rules! scenarios {
    ($area:ident; $($(#[$attr:meta])* pub async fn $name:ident($store:ident: $store_type:ty) $body:block)*) => {
        $($(#[$attr])* pub async fn $name($store: $store_type) $body)*

        #[doc(hidden)]
        #[macro_export]
        macro_rules! $area {
            ($fresh:path) => {
                $crate::scenario_tests!($fresh; $area; $($name),*);
            };
        }
    };
}

/// Declares the areas and `conformance_tests!`, which runs every area's
/// scenarios. The list is written once, here.
macro_rules! areas {
    ($($area:ident),* $(,)?) => {
        $(pub mod $area;)*

        /// Generates one `#[tokio::test]` per scenario of every area.
        /// `$fresh` is an async fn returning `Option<Fresh>`; `None` skips
        /// (used when PostgreSQL is not configured; CI always configures it).
        #[macro_export]
        macro_rules! conformance_tests {
            ($fresh:path) => {
                $($crate::$area!($fresh);)*
            };
        }
    };
}

areas! {
    migrations,
    population,
    directory,
    audit,
    rota,
    booking,
    booking_service,
    booking_rules,
    booking_path,
    desk,
    outbox,
    worker,
    login,
    waitlist,
    preferences,
    demonstration,
    messages,
    record,
    record_sharing,
}

/// One test per scenario of one area: what an area's macro expands to.
#[doc(hidden)]
#[macro_export]
macro_rules! scenario_tests {
    ($fresh:path; $area:ident; $($name:ident),*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let Some(fresh) = $fresh().await else {
                    eprintln!("skipped: no database configured for this store");
                    return;
                };
                $crate::$area::$name(fresh.store.clone()).await;
                fresh.finish().await;
            }
        )*
    };
}
