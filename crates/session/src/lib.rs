//! Who is logged in: the server-side session's record, its timeouts, and
//! the form token kept beside it.
//!
//! The session holds a [`LoggedIn`] from the moment a log-in completes (the
//! session id is changed at that moment). Every request that reads it
//! checks the idle and absolute timeouts against the service's clock
//! (injectable, so tests can move time), and a session past either is
//! emptied: the person logs in again. The server's middleware reads it once
//! per request with [`load`] and hands the result on as a [`CurrentLogin`];
//! pages, server functions and the JSON and FHIR routes all read that.
//!
//! This crate knows tower-sessions and the domain's `Actor`, nothing of
//! Leptos or axum, so the pages (server side only) and the JSON and FHIR
//! routes share it without the routes depending on the UI crate.

pub mod csrf;

use carebook_core::access::Actor;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tower_sessions::Session;

pub use csrf::constant_time_eq;

/// Where the session keeps the [`LoggedIn`] record.
pub const KEY: &str = "auth";
/// Where a session that timed out leaves a note for the log-in page.
const ENDED: &str = "auth_ended";

/// Session lengths, from the server's configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionPolicy {
    pub idle: time::Duration,
    pub absolute: time::Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self { idle: time::Duration::minutes(30), absolute: time::Duration::hours(12) }
    }
}

/// Who is logged in for this request, as the server's middleware found
/// it (timeouts applied once, before anything else runs).
#[derive(Clone, Debug)]
pub struct CurrentLogin(pub Option<LoggedIn>);

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggedIn {
    pub actor: Actor,
    /// "patient" or "staff": which provider logged them in.
    pub provider: String,
    pub display_name: String,
    /// Unix seconds.
    pub logged_in_at: i64,
    pub last_seen_at: i64,
}

/// Why a session ended without a log-out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Ended {
    Idle,
    Absolute,
}

#[derive(Debug, thiserror::Error)]
#[error("session store: {0}")]
pub struct SessionError(String);

fn err(e: impl std::fmt::Display) -> SessionError {
    SessionError(e.to_string())
}

/// Start the logged-in session: a new session id (so an id fixed before
/// log-in is worthless), then the actor.
pub async fn establish(
    session: &Session,
    actor: Actor,
    provider: &str,
    display_name: String,
    now: OffsetDateTime,
) -> Result<(), SessionError> {
    session.cycle_id().await.map_err(err)?;
    let _ = session.remove_value(ENDED).await.map_err(err)?;
    let at = now.unix_timestamp();
    let record = LoggedIn { actor, provider: provider.to_string(), display_name, logged_in_at: at, last_seen_at: at };
    session.insert(KEY, record).await.map_err(err)?;
    // The form token exists from log-in on, so that the pages' server
    // functions only ever read it.
    session.insert(csrf::KEY, csrf::new_token()).await.map_err(err)
}

/// The logged-in person, if any and if the session is still in time.
/// A session past a timeout is emptied and remembers why.
pub async fn load(
    session: &Session,
    now: OffsetDateTime,
    policy: SessionPolicy,
) -> Result<Option<LoggedIn>, SessionError> {
    let Some(mut record) = session.get::<LoggedIn>(KEY).await.map_err(err)? else {
        return Ok(None);
    };
    let t = now.unix_timestamp();
    let ended = if t - record.logged_in_at >= policy.absolute.whole_seconds() {
        Some(Ended::Absolute)
    } else if t - record.last_seen_at >= policy.idle.whole_seconds() {
        Some(Ended::Idle)
    } else {
        None
    };
    if let Some(why) = ended {
        session.flush().await.map_err(err)?;
        session.insert(ENDED, why).await.map_err(err)?;
        return Ok(None);
    }
    // Writing on every request would cost a database write per page;
    // a minute's resolution is plenty for a 30-minute timeout.
    if t - record.last_seen_at >= 60 {
        record.last_seen_at = t;
        session.insert(KEY, &record).await.map_err(err)?;
    }
    Ok(Some(record))
}

/// Why the last session ended, once (the log-in page shows it).
pub async fn take_ended(session: &Session) -> Result<Option<Ended>, SessionError> {
    session.remove::<Ended>(ENDED).await.map_err(err)
}

/// Log out: the server-side session is deleted.
pub async fn end(session: &Session) -> Result<(), SessionError> {
    session.flush().await.map_err(err)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};

    use time::macros::datetime;
    use tower_sessions::session::{Id, Record};
    use tower_sessions::session_store::{self, SessionStore};

    use super::*;

    /// Sessions kept in memory, as the database would keep them.
    #[derive(Debug, Default)]
    struct Memory(Mutex<HashMap<Id, Record>>);

    #[async_trait::async_trait]
    impl SessionStore for Memory {
        async fn save(&self, record: &Record) -> session_store::Result<()> {
            self.0.lock().unwrap().insert(record.id, record.clone());
            Ok(())
        }
        async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
            Ok(self.0.lock().unwrap().get(id).cloned())
        }
        async fn delete(&self, id: &Id) -> session_store::Result<()> {
            self.0.lock().unwrap().remove(id);
            Ok(())
        }
    }

    const AT: OffsetDateTime = datetime!(2025-03-03 09:00 UTC);

    async fn logged_in_session() -> Session {
        let session = Session::new(None, Arc::new(Memory::default()), None);
        establish(&session, Actor::Anonymous, "patient", "Ada Example".into(), AT).await.unwrap();
        session
    }

    #[tokio::test]
    async fn a_session_without_a_log_in_has_nobody_in_it() {
        let session = Session::new(None, Arc::new(Memory::default()), None);

        let found = load(&session, AT, SessionPolicy::default()).await.unwrap();

        assert_eq!(found, None);
        assert_eq!(take_ended(&session).await.unwrap(), None);
    }

    #[tokio::test]
    async fn a_log_in_is_found_within_the_idle_timeout_and_keeps_a_form_token() {
        let session = logged_in_session().await;

        let found = load(&session, AT + time::Duration::minutes(29), SessionPolicy::default()).await.unwrap();

        let found = found.expect("still logged in");
        assert_eq!(found.display_name, "Ada Example");
        assert_eq!(found.last_seen_at, (AT + time::Duration::minutes(29)).unix_timestamp());
        let token: String = session.get(csrf::KEY).await.unwrap().expect("a form token");
        assert_eq!(token.len(), 64);
    }

    #[tokio::test]
    async fn a_session_idle_past_the_policy_is_emptied_and_says_why() {
        let session = logged_in_session().await;

        let found = load(&session, AT + time::Duration::minutes(30), SessionPolicy::default()).await.unwrap();

        assert_eq!(found, None);
        assert_eq!(take_ended(&session).await.unwrap(), Some(Ended::Idle));
        assert_eq!(take_ended(&session).await.unwrap(), None, "the note is read once");
    }

    #[tokio::test]
    async fn a_session_in_use_still_ends_at_the_absolute_limit() {
        let session = logged_in_session().await;
        let policy = SessionPolicy::default();
        let mut now = AT;
        while now < AT + time::Duration::hours(12) - time::Duration::minutes(20) {
            now += time::Duration::minutes(20);
            assert!(load(&session, now, policy).await.unwrap().is_some());
        }

        let found = load(&session, AT + time::Duration::hours(12), policy).await.unwrap();

        assert_eq!(found, None);
        assert_eq!(take_ended(&session).await.unwrap(), Some(Ended::Absolute));
    }

    #[tokio::test]
    async fn logging_out_empties_the_session() {
        let session = logged_in_session().await;

        end(&session).await.unwrap();

        assert_eq!(load(&session, AT, SessionPolicy::default()).await.unwrap(), None);
    }
}
