//! Building the application from its parts: the store ([`crate::database`]),
//! the services, the log-in providers ([`crate::auth::setup`]), the router
//! ([`crate::routes`]) over the shared state ([`crate::state`]), the
//! notification worker, and the stop signal ([`crate::shutdown`]).
//! `Application::build` binds the listener (port 0 in tests) and exposes
//! the port, so tests start the real thing.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use carebook_core::clock::{Clock, SystemClock};
use carebook_core::services::Services;
use carebook_core::store::Store;
use tokio::net::TcpListener;

use crate::auth::setup::AuthSetupError;
use crate::config::{Config, Environment};
use crate::database::DatabaseError;
use crate::metrics::Metrics;
use crate::sessions::{self, SessionBackend};
use crate::state::AppState;
use crate::{auth, database, notify, pages, routes, shutdown};

/// Why the application did not start. Each part's error keeps its own
/// message.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Database(#[from] DatabaseError),
    #[error("the demonstration is refused in production (environment = \"production\")")]
    DemoInProduction,
    #[error("{0}")]
    Mail(#[from] notify::smtp::SmtpSetupError),
    #[error(transparent)]
    Auth(#[from] AuthSetupError),
    #[error("could not listen on {addr}: {source}")]
    Bind { addr: String, source: std::io::Error },
}

/// How the process was asked to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Serve,
    /// Fresh embedded database loaded with the synthetic population.
    Demo,
}

/// Open the store named by `url`, apply migrations, and make the matching
/// session store (`carebook migrate`, the worker, tests and benchmarks).
pub async fn open_store(url: &str, pool_size: u32) -> Result<(Arc<dyn Store>, SessionBackend), StartupError> {
    Ok(database::open_store(url, pool_size).await?)
}

pub struct Application {
    port: u16,
    services: Services,
    auth: Arc<auth::Auth>,
    server: Pin<Box<dyn Future<Output = std::io::Result<()>> + Send>>,
}

impl Application {
    pub async fn build(config: Config, mode: Mode) -> Result<Self, StartupError> {
        Self::build_with_clock(config, mode, Arc::new(SystemClock)).await
    }

    pub async fn build_with_clock(config: Config, mode: Mode, clock: Arc<dyn Clock>) -> Result<Self, StartupError> {
        let demo = mode == Mode::Demo;
        if demo && config.environment == Environment::Production {
            return Err(StartupError::DemoInProduction);
        }
        let (store, session_backend) = database::open_for_web(&config, demo).await?;
        let services = database::services(store, clock);
        if demo {
            database::load_demonstration(&config, &services).await?;
        }

        let bind_error = |source| StartupError::Bind { addr: config.listen.to_string(), source };
        let listener = TcpListener::bind(config.listen).await.map_err(bind_error)?;
        let local = listener.local_addr().map_err(bind_error)?;

        let auth = auth::setup::build(&config, demo, &services, local)?;
        let state = AppState {
            services: services.clone(),
            metrics: Metrics::default(),
            leptos_options: pages::leptos_options(&config, local),
            auth: auth.clone(),
            session_policy: sessions::policy(&config),
        };
        let router = routes::router(&config, state, session_backend.clone(), demo);
        let deletion = sessions::delete_expired_continuously(session_backend);
        let delivery = notify::delivery::start_in_process(&config, demo, &services)?;
        let server = async move {
            let result = axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>())
                .with_graceful_shutdown(shutdown::web_server_stop())
                .await;
            deletion.abort();
            if let Some(d) = delivery {
                d.abort();
            }
            result
        };
        tracing::info!(address = %local, store = services.operations.backend(), demo, "carebook listening");
        Ok(Self { port: local.port(), services, auth, server: Box::pin(server) })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn services(&self) -> &Services {
        &self.services
    }

    /// The log-in machinery (tests reach the demonstration provider here).
    pub fn auth(&self) -> Arc<auth::Auth> {
        self.auth.clone()
    }

    /// Serve until SIGTERM or Ctrl-C, then finish the requests in flight.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
