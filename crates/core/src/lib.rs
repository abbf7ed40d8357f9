//! carebook's domain core.
//!
//! Everything here is free of the web stack and of database drivers, so that
//! `cargo test -p carebook-core` runs the domain's tests on its own. The
//! stores (crates/store-*) implement [`store::Store`]; the server wires them
//! to the pages and APIs through [`services::Services`].

pub mod access;
pub mod booking;
pub mod clock;
pub mod demo;
pub mod domain;
pub mod identity;
pub mod london;
pub mod model;
pub mod notify;
pub mod record;
pub mod services;
pub mod store;

pub use domain::{DateOfBirth, EmailAddress, NhsNumber, OdsCode, PhoneNumber, Postcode};
