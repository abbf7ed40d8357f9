#![recursion_limit = "256"]
//! The carebook server: configuration, telemetry and wiring. The domain is
//! in carebook-core, the pages in carebook-app, the session's login record
//! in carebook-session, storage in carebook-store-*.
//!
//! Start-up is in small parts that [`startup`] composes: [`database`] opens
//! the store, [`auth::setup`] the log-in providers, [`routes`] merges the
//! feature modules' routers over [`state::AppState`], and `shutdown` says
//! when to stop. Feature modules depend on `state`, never on `startup`.

pub mod api;
mod audit;
pub mod auth;
pub mod cli;
pub mod config;
pub mod database;
pub mod fhir;
pub mod import;
mod limit;
mod login;
mod metrics;
pub mod notify;
mod ops;
mod pages;
mod render_guard;
mod routes;
mod security;
mod sessions;
pub mod shutdown;
pub mod sources;
pub mod startup;
pub mod state;
pub mod telemetry;
