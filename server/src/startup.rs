//! Building the application: store, services, sessions, pages, operations.
//! `Application::build` binds the listener (port 0 in tests) and exposes
//! the port, so tests start the real thing.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::extract::FromRef;
use axum::middleware;
use axum::Router;
use carebook_app::api::auth::SessionPolicy;
use carebook_app::api::demo::DemoSpec;
use carebook_app::{shell, App, SiteSettings};
use carebook_core::clock::{Clock, SystemClock};
use carebook_core::services::Services;
use carebook_core::store::{Store, StoreError};
use carebook_store_postgres::PostgresStore;
use carebook_store_sqlite::SqliteStore;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tokio::net::TcpListener;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::config::{Config, Environment};
use crate::ops::{self, Metrics};
use crate::security::{self, SecurityConfig};
use crate::sessions::SessionBackend;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub services: Services,
    pub metrics: Metrics,
    pub leptos_options: LeptosOptions,
    pub auth: Arc<crate::auth::Auth>,
    pub session_policy: SessionPolicy,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("the database URL must start with sqlite:// or postgres://")]
    UnknownDatabase,
    #[error("could not open the store: {0}")]
    Store(#[from] StoreError),
    #[error("could not prepare the session table: {0}")]
    Sessions(String),
    #[error("the demonstration is refused in production (environment = \"production\")")]
    DemoInProduction,
    #[error("{0}")]
    Mail(#[from] crate::notify::smtp::SmtpSetupError),
    #[error("{0}")]
    Login(#[from] crate::auth::relying_party::RelyingPartySetupError),
    #[error("the demonstration provider could not start: {0}")]
    DemoProvider(String),
    #[error("the demonstration log-in provider is refused in production ([demo_provider] enabled)")]
    DemoProviderInProduction,
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
/// session store.
pub async fn open_store(url: &str, pool_size: u32) -> Result<(Arc<dyn Store>, SessionBackend), StartupError> {
    if url.starts_with("sqlite:") {
        let store = SqliteStore::connect(url).await?;
        store.migrate().await?;
        let sessions = SessionBackend::Sqlite(tower_sessions_sqlx_store::SqliteStore::new(store.pool().clone()));
        sessions.migrate().await.map_err(|e| StartupError::Sessions(e.to_string()))?;
        Ok((Arc::new(store), sessions))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        let store = PostgresStore::connect_with_pool_size(url, pool_size).await?;
        store.migrate().await?;
        let sessions = SessionBackend::Postgres(tower_sessions_sqlx_store::PostgresStore::new(store.pool().clone()));
        sessions.migrate().await.map_err(|e| StartupError::Sessions(e.to_string()))?;
        Ok((Arc::new(store), sessions))
    } else {
        Err(StartupError::UnknownDatabase)
    }
}

pub struct Application {
    port: u16,
    services: Services,
    auth: Arc<crate::auth::Auth>,
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
        let url = if demo { config.demo.database_url.expose() } else { config.database_url.expose() };
        if demo {
            remove_embedded_database(url);
        }
        let (store, session_backend) = open_store(url, config.database_pool_size).await?;
        if demo {
            let population = carebook_core::demo::generate_with(config.demo.seed, config.demo.patients);
            let counts = store.replace_population(&population).await?;
            let today = carebook_core::london::to_local(clock.now()).date();
            let slots = carebook_core::demo::seed_week_of_slots(store.as_ref(), &population, today).await?;
            tracing::info!(
                patients = counts.patients,
                organisations = counts.organisations,
                slots,
                "demonstration loaded"
            );
        }
        let services = Services::new(store, clock, Arc::new(RandomIds));

        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|source| StartupError::Bind { addr: config.listen.to_string(), source })?;
        let local =
            listener.local_addr().map_err(|source| StartupError::Bind { addr: config.listen.to_string(), source })?;

        let auth = build_auth(&config, demo, &services, local)?;
        let router = router(&config, services.clone(), session_backend.clone(), demo, local, auth.clone());
        let deletion = tokio::spawn(tower_sessions::session_store::ExpiredDeletion::continuously_delete_expired(
            session_backend,
            std::time::Duration::from_secs(300),
        ));
        let delivery = crate::notify::delivery::start_in_process(&config, demo, &services)?;
        let server = async move {
            let result = axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>())
                .with_graceful_shutdown(shutdown_signal())
                .await;
            deletion.abort();
            if let Some(d) = delivery {
                d.abort();
            }
            result
        };
        tracing::info!(address = %local, store = services.store.backend(), demo, "carebook listening");
        Ok(Self { port: local.port(), services, auth, server: Box::pin(server) })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn services(&self) -> &Services {
        &self.services
    }

    /// The log-in machinery (tests reach the demonstration provider here).
    pub fn auth(&self) -> Arc<crate::auth::Auth> {
        self.auth.clone()
    }

    /// Serve until SIGTERM or Ctrl-C, then finish the requests in flight.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// The demonstration starts from nothing: an embedded database file (with
/// its WAL and shared-memory files) is removed before it is opened. A
/// PostgreSQL demonstration database is emptied by the population load
/// instead.
fn remove_embedded_database(url: &str) {
    let Some(rest) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) else {
        return;
    };
    let path = rest.split('?').next().unwrap_or(rest);
    if path.is_empty() || path == ":memory:" {
        return;
    }
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{path}{suffix}"));
    }
}

fn router(
    config: &Config,
    services: Services,
    sessions: SessionBackend,
    demo: bool,
    local: std::net::SocketAddr,
    auth: Arc<crate::auth::Auth>,
) -> Router {
    let leptos_options = LeptosOptions::builder()
        .output_name(carebook_app::OUTPUT_NAME)
        .site_root(config.site_root.display().to_string())
        .site_pkg_dir("pkg")
        .site_addr(local)
        .build();
    let metrics = Metrics::default();
    let session_policy = SessionPolicy {
        idle: time::Duration::minutes(config.session_idle_minutes),
        absolute: time::Duration::hours(config.session_absolute_hours),
    };
    let demo_idp = auth.demo_provider.clone().map(|p| p.router());
    let state = AppState {
        services: services.clone(),
        metrics: metrics.clone(),
        leptos_options: leptos_options.clone(),
        auth,
        session_policy,
    };
    let settings = SiteSettings { demo };
    let spec = DemoSpec { seed: config.demo.seed, patients: config.demo.patients };
    let context = move || {
        provide_context(services.clone());
        provide_context(settings);
        provide_context(spec);
        provide_context(session_policy);
    };
    let routes = generate_route_list(App);

    let session_layer = SessionManagerLayer::new(sessions)
        .with_name("carebook_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(config.https())
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(config.session_idle_minutes)));

    let pages = Router::new()
        .leptos_routes_with_context(&state, routes, context.clone(), {
            let options = leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(context, shell))
        // A page render that loses its wake-up is rendered again (see render_guard).
        .layer(middleware::from_fn_with_state(
            crate::render_guard::RenderGuard::default(),
            crate::render_guard::guard,
        ));

    let mut app = Router::new().merge(ops::router()).merge(crate::auth::router()).merge(crate::api::router());
    app = app.merge(crate::fhir::router());
    if let Some(idp) = demo_idp {
        app = app.merge(idp);
    }
    app.merge(pages)
        .with_state(state.clone())
        // Once per request, inside the session layer: who is logged in,
        // with the timeouts applied (see carebook_app::api::auth).
        .layer(middleware::from_fn_with_state(state, crate::auth::current_login))
        .layer(session_layer)
        .layer(middleware::from_fn(security::same_origin))
        .layer(middleware::from_fn_with_state(SecurityConfig { https: config.https() }, security::headers))
        // Outside the session layer: a waiting request holds no connection.
        .layer(middleware::from_fn_with_state(
            crate::limit::InFlight::new(
                config.requests_in_flight,
                config.database_pool_size,
                config.request_queue_seconds,
            ),
            crate::limit::in_flight,
        ))
        .layer(middleware::from_fn_with_state(metrics, ops::record))
}

/// The log-in providers. With the demonstration provider on (always in
/// `carebook demo`), a provider left unconfigured points at it, with a
/// client key made at start.
fn build_auth(
    config: &Config,
    demo: bool,
    services: &Services,
    local: std::net::SocketAddr,
) -> Result<Arc<crate::auth::Auth>, StartupError> {
    use crate::auth::demo_provider::{Audience_, ClientCredential, DemoProvider, RegisteredClient};
    use crate::auth::keys::RsaKey;
    use crate::auth::relying_party::{ProviderKind, RelyingParty};
    use crate::config::ClientAuth;

    let base = if config.public_url.is_empty() {
        format!("http://{local}")
    } else {
        config.public_url.trim_end_matches('/').to_string()
    };
    let redirect = |kind: ProviderKind| format!("{base}/auth/{}/callback", kind.as_str());
    let mut patient = config.oidc.patient.clone();
    let mut staff = config.oidc.staff.clone();
    let mut patient_key = None;
    let mut staff_key = None;
    let mut demo_provider = None;
    if demo || config.demo_provider.enabled {
        if config.environment == Environment::Production {
            return Err(StartupError::DemoProviderInProduction);
        }
        let issuer = format!("{base}/demo-idp");
        let client_key =
            RsaKey::generate("carebook-demo-client").map_err(|e| StartupError::DemoProvider(e.to_string()))?;
        let (n, e) = client_key.public_components();
        let mut clients = Vec::new();
        if !patient.enabled() {
            patient.issuer = issuer.clone();
            patient.client_id = "carebook-patient".into();
            patient.client_auth = ClientAuth::PrivateKeyJwt;
            patient_key = Some(client_key.clone());
            clients.push(RegisteredClient {
                client_id: patient.client_id.clone(),
                redirect_uris: vec![redirect(ProviderKind::Patient)],
                credential: ClientCredential::PublicKey { n: n.clone(), e: e.clone() },
                audience: Audience_::Patients,
            });
        }
        if !staff.enabled() {
            staff.issuer = issuer.clone();
            staff.client_id = "carebook-staff".into();
            staff.client_auth = ClientAuth::PrivateKeyJwt;
            staff.roles_claim = "carebook_roles".into();
            staff.role_field = "role".into();
            staff.organisation_field = "organisation_code".into();
            staff_key = Some(client_key.clone());
            clients.push(RegisteredClient {
                client_id: staff.client_id.clone(),
                redirect_uris: vec![redirect(ProviderKind::Staff)],
                credential: ClientCredential::PublicKey { n, e },
                audience: Audience_::Staff,
            });
        }
        let provider =
            DemoProvider::new(issuer, services.store.clone(), clients).map_err(StartupError::DemoProvider)?;
        demo_provider = Some(Arc::new(provider));
    }
    let patient = if patient.enabled() {
        Some(Arc::new(RelyingParty::new(ProviderKind::Patient, patient, patient_key, redirect(ProviderKind::Patient))?))
    } else {
        None
    };
    let staff = if staff.enabled() {
        Some(Arc::new(RelyingParty::new(ProviderKind::Staff, staff, staff_key, redirect(ProviderKind::Staff))?))
    } else {
        None
    };
    Ok(Arc::new(crate::auth::Auth {
        patient,
        staff,
        demo_provider,
        limiter: crate::auth::RateLimiter::new(config.login_rate_limit_per_minute),
    }))
}

/// Identifiers drawn at random (UUID version 4).
struct RandomIds;

impl carebook_core::clock::IdSource for RandomIds {
    fn new_id(&self) -> uuid::Uuid {
        uuid::Uuid::new_v4()
    }
}

async fn shutdown_signal() {
    stop_requested().await;
    tracing::info!("shutting down: finishing requests in flight");
}

/// SIGTERM or Ctrl-C: how `serve` and `worker` are asked to stop.
pub(crate) async fn stop_requested() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
