//! Integration tests: the real application on port 0, spoken to over HTTP.
//! One binary for all of them (zero-to-production's layout).

mod helpers;
mod mail;

mod assets;
mod booking_api;
mod config_and_startup;
mod demo_outbox;
mod demonstration;
mod errors;
mod fhir;
mod login;
mod operations;
mod pages;
mod postgres;
mod record_ingest;
mod record_page;
mod reminders;
mod security;
mod sms;
mod worker_process;
