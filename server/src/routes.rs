//! The whole router: each feature module owns its routes, and this merges
//! them under the layers every request passes through.

use axum::{middleware, Router};
use carebook_app::api::demo::DemoSpec;
use carebook_app::SiteSettings;
use tower_http::compression::CompressionLayer;

use crate::config::Config;
use crate::limit::{self, InFlight};
use crate::security::{self, SecurityConfig};
use crate::sessions::{self, SessionBackend};
use crate::state::AppState;
use crate::{api, fhir, login, metrics, ops, pages, sources};

pub fn router(config: &Config, state: AppState, sessions: SessionBackend, demo: bool) -> Router {
    let settings = SiteSettings { demo };
    let spec = DemoSpec { seed: config.demo.seed, patients: config.demo.patients };
    let mut app = Router::new().merge(ops::router()).merge(login::router()).merge(api::router()).merge(fhir::router());
    app = app.merge(sources::router());
    if let Some(provider) = state.auth.demo_provider.clone() {
        app = app.merge(provider.router());
    }
    app.merge(pages::router(&state, settings, spec))
        .with_state(state.clone())
        // Once per request, inside the session layer: who is logged in,
        // with the timeouts applied (see carebook_session).
        .layer(middleware::from_fn_with_state(state.clone(), login::current_login))
        .layer(sessions::layer(sessions, config))
        .layer(middleware::from_fn(security::same_origin))
        .layer(middleware::from_fn_with_state(SecurityConfig { https: config.https() }, security::headers))
        // Outside the session layer: a waiting request holds no connection.
        .layer(middleware::from_fn_with_state(
            InFlight::new(config.requests_in_flight, config.database_pool_size, config.request_queue_seconds),
            limit::in_flight,
        ))
        // Every error under /api/v1 a problem, under /fhir/r4 an
        // OperationOutcome, whichever layer answered it.
        .layer(middleware::from_fn(api::problems))
        .layer(middleware::from_fn(fhir::outcomes))
        .layer(middleware::from_fn_with_state(state.metrics, metrics::record))
        // Pages and JSON compressed as the browser accepts (brotli, gzip);
        // the assets under /pkg already are, at build time, and an answer
        // that has a Content-Encoding is left alone. Pages are rendered whole
        // (SsrMode::Async), so nothing waits on a streaming encoder.
        .layer(CompressionLayer::new())
}
