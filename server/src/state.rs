//! What every handler can reach. Feature modules (log-in, operations, the
//! JSON and FHIR APIs, the pages) depend on this, never on start-up; it
//! holds only values built before the router exists.

use std::sync::Arc;

use axum::extract::FromRef;
use carebook_core::services::Services;
use carebook_session::SessionPolicy;
use leptos::config::LeptosOptions;

use crate::auth::Auth;
use crate::metrics::Metrics;

#[derive(Clone)]
pub struct AppState {
    pub services: Services,
    pub metrics: Metrics,
    pub leptos_options: LeptosOptions,
    pub auth: Arc<Auth>,
    pub session_policy: SessionPolicy,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
