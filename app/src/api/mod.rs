//! Server functions: thin adapters from the pages to the core services.
//! Each one checks on the server what the caller may see, maps domain values
//! to wire types, and keeps causes of failure in the server's log.
//!
//! One module per page area (rota/, staff/, booking, settings, ...); what
//! they share is written once: who is logged in ([`guard`]), the form token
//! ([`csrf`]), a form's problems kept for the next page ([`flash`]), and
//! reading and writing form values ([`form`]).

pub mod auth;
pub mod booking;
#[cfg(feature = "ssr")]
pub mod csrf;
pub mod demo;
pub mod directory;
#[cfg(feature = "ssr")]
pub(crate) mod flash;
pub mod form;
#[cfg(feature = "ssr")]
pub(crate) mod guard;
pub mod outbox;
pub mod record;
pub mod record_staff;
pub mod rota;
pub mod settings;
pub mod staff;
pub mod times;

#[cfg(feature = "ssr")]
pub(crate) fn services() -> Result<carebook_core::services::Services, leptos::prelude::ServerFnError> {
    leptos::prelude::use_context::<carebook_core::services::Services>()
        .ok_or_else(|| leptos::prelude::ServerFnError::new("The service is not available"))
}

/// Log a failure with its cause and hand the browser an opaque message.
#[cfg(feature = "ssr")]
pub(crate) fn unavailable(e: impl std::fmt::Display) -> leptos::prelude::ServerFnError {
    tracing::error!(error = %e, "request failed");
    leptos::prelude::ServerFnError::new("The service is not available")
}
