//! Who is logged in: the session's actor, its timeouts, and what the pages
//! may show about it.
//!
//! The server-side session holds a [`session::LoggedIn`] from the moment a
//! log-in completes (the session id is changed at that moment). Every
//! request that reads it checks the idle and absolute timeouts against the
//! service's clock (injectable, so tests can move time), and a session past
//! either is emptied: the person logs in again. Pages, server functions and
//! the JSON and FHIR routes all read the actor through [`session::load`].

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What the header and the home pages show about the person logged in.
/// Never an NHS number; a partly verified patient's claimed details are not
/// shown at all.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub kind: MeKind,
    pub display_name: String,
    /// The token logout and other forms must echo.
    pub csrf_token: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MeKind {
    /// Fully verified: their practice's name.
    Patient { practice: String, acting_for: Vec<String> },
    /// Logged in below P9: may prove their identity to go further.
    PartlyVerified,
    /// Each role with the organisation it is held at.
    Staff { roles: Vec<(String, String)> },
}

/// Session lengths, provided by the server as context.
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

#[cfg(feature = "ssr")]
pub mod session {
    use carebook_core::access::Actor;
    use serde::{Deserialize, Serialize};
    use time::OffsetDateTime;
    use tower_sessions::Session;

    use super::SessionPolicy;

    pub const KEY: &str = "auth";

    /// Who is logged in for this request, as the server's middleware found
    /// it (timeouts applied once, before anything else runs).
    #[derive(Clone, Debug)]
    pub struct CurrentLogin(pub Option<LoggedIn>);
    /// Where a session that timed out leaves a note for the log-in page.
    const ENDED: &str = "auth_ended";

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
        let record =
            LoggedIn { actor, provider: provider.to_string(), display_name, logged_in_at: at, last_seen_at: at };
        session.insert(KEY, record).await.map_err(err)?;
        // The form token exists from log-in on, so that the pages' server
        // functions only ever read it.
        let token = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
        session.insert("csrf_token", token).await.map_err(err)
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
}

/// The actor making this request, timeouts applied.
#[cfg(feature = "ssr")]
pub async fn actor() -> Result<carebook_core::access::Actor, ServerFnError> {
    Ok(logged_in().await?.map(|l| l.actor).unwrap_or(carebook_core::access::Actor::Anonymous))
}

#[cfg(feature = "ssr")]
pub async fn logged_in() -> Result<Option<session::LoggedIn>, ServerFnError> {
    // The server's middleware has read the session for this request.
    let axum::Extension(current) =
        leptos_axum::extract::<axum::Extension<session::CurrentLogin>>().await.map_err(super::unavailable)?;
    Ok(current.0)
}

/// Send a visitor who is not logged in to the log-in page (a 302 with
/// JavaScript off; the router follows it with JavaScript on).
#[cfg(feature = "ssr")]
pub async fn require_login() -> Result<session::LoggedIn, ServerFnError> {
    match logged_in().await? {
        Some(l) => Ok(l),
        None => {
            leptos_axum::redirect("/login");
            Err(ServerFnError::new("Log in to continue."))
        }
    }
}

/// Who is logged in, for the header and the home pages. `None` when nobody
/// is (or the session has timed out).
#[server(prefix = "/_server", endpoint = "me")]
pub async fn who_am_i() -> Result<Option<Me>, ServerFnError> {
    use carebook_core::access::Actor;
    let Some(l) = logged_in().await? else {
        return Ok(None);
    };
    let services = super::services()?;
    let kind = match &l.actor {
        Actor::Anonymous => return Ok(None),
        Actor::PartlyVerified { .. } => MeKind::PartlyVerified,
        Actor::Patient(p) => {
            let patient = services.store.patient_by_id(p.patient_id).await.map_err(super::unavailable)?;
            let practice = services
                .store
                .organisation_by_id(patient.registered_practice_id)
                .await
                .map_err(super::unavailable)?
                .name;
            let today = carebook_core::london::to_local(services.clock.now()).date();
            let mut acting_for = Vec::new();
            let current = |x: &&carebook_core::model::ProxyAccess| {
                x.valid_from <= today && x.valid_until.is_none_or(|u| today < u)
            };
            for proxy in p.proxy_for.iter().filter(current) {
                if let Ok(other) = services.store.patient_by_id(proxy.subject_patient_id).await {
                    acting_for.push(format!("{} {}", other.given_name, other.family_name));
                }
            }
            MeKind::Patient { practice, acting_for }
        }
        Actor::Staff(s) => {
            let mut roles = Vec::new();
            for a in &s.roles {
                let org = services.store.organisation_by_id(a.organisation_id).await.map_err(super::unavailable)?;
                roles.push((role_label(a.role).to_string(), org.name));
            }
            MeKind::Staff { roles }
        }
    };
    Ok(Some(Me { kind, display_name: l.display_name, csrf_token: super::csrf::token().await? }))
}

/// Who is logged in, for a page that needs a login: a visitor who is not
/// is sent to the log-in page.
#[server(prefix = "/_server", endpoint = "my-home")]
pub async fn my_home() -> Result<Me, ServerFnError> {
    require_login().await?;
    match who_am_i().await? {
        Some(me) => Ok(me),
        None => {
            leptos_axum::redirect("/login");
            Err(ServerFnError::new("Log in to continue."))
        }
    }
}

/// Why the last session ended, if it timed out: the log-in page says so.
#[server(prefix = "/_server", endpoint = "session-ended")]
pub async fn session_ended() -> Result<Option<String>, ServerFnError> {
    let session = leptos_axum::extract::<tower_sessions::Session>().await.map_err(super::unavailable)?;
    Ok(session::take_ended(&session).await.map_err(super::unavailable)?.map(|e| match e {
        session::Ended::Idle => "You were logged out because you had not done anything for a while.".to_string(),
        session::Ended::Absolute => "You were logged out because you had been logged in for a long time.".to_string(),
    }))
}

#[cfg(feature = "ssr")]
pub fn role_label(role: carebook_core::model::StaffRole) -> &'static str {
    use carebook_core::model::StaffRole;
    match role {
        StaffRole::Receptionist => "Receptionist",
        StaffRole::Clinician => "Clinician",
        StaffRole::PracticeAdmin => "Practice administrator",
        StaffRole::FederationAdmin => "Federation administrator",
    }
}
