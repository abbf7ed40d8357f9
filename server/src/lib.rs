#![recursion_limit = "256"]
//! The carebook server: configuration, telemetry and wiring. The domain is
//! in carebook-core, the pages in carebook-app, storage in carebook-store-*.

pub mod api;
pub mod auth;
pub mod cli;
pub mod config;
pub mod fhir;
mod limit;
mod render_guard;
pub mod notify;
mod ops;
mod security;
mod sessions;
pub mod startup;
pub mod telemetry;
