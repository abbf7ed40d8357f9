//! Who is logged in: the session's actor, its timeouts, and what the pages
//! may show about it.
//!
//! The server-side session holds a `carebook_session::LoggedIn` from the
//! moment a log-in completes; the server's middleware reads it once per
//! request with its idle and absolute timeouts applied
//! (`carebook_session::load`), and the server functions here read what it
//! found.

// The session's login record and its timeouts live in carebook-session,
// which the server's JSON and FHIR routes share without this crate.
#[cfg(feature = "ssr")]
use carebook_session as session;
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
    use carebook_core::services::Identity;
    let Some(l) = logged_in().await? else {
        return Ok(None);
    };
    let services = super::services()?;
    let kind = match services.accounts.identity(&l.actor).await.map_err(super::unavailable)? {
        None => return Ok(None),
        Some(Identity::PartlyVerified) => MeKind::PartlyVerified,
        Some(Identity::Patient { practice, acting_for }) => MeKind::Patient { practice, acting_for },
        Some(Identity::Staff { roles }) => {
            MeKind::Staff { roles: roles.into_iter().map(|(role, org)| (role_label(role).to_string(), org)).collect() }
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
