pub mod account;
pub mod appointments;
pub mod demo;
pub mod error;
pub mod home;
pub mod not_found;
pub mod outbox;
pub mod practices;
