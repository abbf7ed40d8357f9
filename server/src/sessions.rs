//! Sessions in the database, so any number of server instances can serve a
//! person: the tower-sessions store for whichever backend is configured,
//! the cookie that names a session, and the lengths a session may last.

use async_trait::async_trait;
use carebook_session::SessionPolicy;
use tokio::task::JoinHandle;
use tower_sessions::cookie::SameSite;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

use crate::config::Config;

/// The session lengths the configuration asks for.
pub fn policy(config: &Config) -> SessionPolicy {
    SessionPolicy {
        idle: time::Duration::minutes(config.session_idle_minutes),
        absolute: time::Duration::hours(config.session_absolute_hours),
    }
}

/// The session cookie: HTTP only, same-site lax, secure behind HTTPS, and
/// gone after the idle timeout.
pub fn layer(sessions: SessionBackend, config: &Config) -> SessionManagerLayer<SessionBackend> {
    SessionManagerLayer::new(sessions)
        .with_name("carebook_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(config.https())
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(config.session_idle_minutes)))
}

/// Remove expired sessions from the database every five minutes, until the
/// task is aborted.
pub fn delete_expired_continuously(sessions: SessionBackend) -> JoinHandle<session_store::Result<()>> {
    tokio::spawn(ExpiredDeletion::continuously_delete_expired(sessions, std::time::Duration::from_secs(300)))
}

#[derive(Debug, Clone)]
pub enum SessionBackend {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl SessionBackend {
    pub async fn migrate(&self) -> Result<(), sqlx_error::Error> {
        match self {
            SessionBackend::Sqlite(s) => s.migrate().await,
            SessionBackend::Postgres(s) => s.migrate().await,
        }
    }
}

/// sqlx's error, named without depending on sqlx here.
pub mod sqlx_error {
    pub type Error = tower_sessions_sqlx_store::sqlx::Error;
}

#[async_trait]
impl SessionStore for SessionBackend {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            SessionBackend::Sqlite(s) => s.create(record).await,
            SessionBackend::Postgres(s) => s.create(record).await,
        }
    }
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            SessionBackend::Sqlite(s) => s.save(record).await,
            SessionBackend::Postgres(s) => s.save(record).await,
        }
    }
    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            SessionBackend::Sqlite(s) => s.load(id).await,
            SessionBackend::Postgres(s) => s.load(id).await,
        }
    }
    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            SessionBackend::Sqlite(s) => s.delete(id).await,
            SessionBackend::Postgres(s) => s.delete(id).await,
        }
    }
}

#[async_trait]
impl ExpiredDeletion for SessionBackend {
    async fn delete_expired(&self) -> session_store::Result<()> {
        match self {
            SessionBackend::Sqlite(s) => s.delete_expired().await,
            SessionBackend::Postgres(s) => s.delete_expired().await,
        }
    }
}
