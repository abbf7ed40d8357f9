//! Who may use a server function: the logged-in patient or member of
//! staff, as the session middleware found them. A page-level refusal is in
//! words; the core services ask the access policy again for the thing the
//! call is about.

use carebook_core::access::{Actor, PatientActor};
use leptos::prelude::ServerFnError;

/// Anyone logged in (a visitor who is not is sent to the log-in page).
pub async fn login() -> Result<Actor, ServerFnError> {
    Ok(crate::api::auth::require_login().await?.actor)
}

/// The logged-in member of staff; anyone else is told the page is "for
/// {for_whom}".
pub async fn staff(for_whom: &str) -> Result<Actor, ServerFnError> {
    match login().await? {
        actor @ Actor::Staff(_) => Ok(actor),
        _ => Err(ServerFnError::new(format!("This page is for {for_whom}."))),
    }
}

/// How a patient page answers someone logged in below P9.
pub enum PartlyVerified {
    /// Send them home (where they can prove who they are), saying why.
    SendHome(&'static str),
    /// Refuse them as anyone else who is not a verified patient.
    Refuse,
}

/// The logged-in, fully verified patient; anyone else is told `refused`.
pub async fn patient(refused: &str, partly_verified: PartlyVerified) -> Result<(Actor, PatientActor), ServerFnError> {
    let actor = login().await?;
    match (&actor, partly_verified) {
        (Actor::Patient(p), _) => {
            let me = p.clone();
            Ok((actor, me))
        }
        (Actor::PartlyVerified { .. }, PartlyVerified::SendHome(why)) => {
            leptos_axum::redirect("/home");
            Err(ServerFnError::new(why))
        }
        _ => Err(ServerFnError::new(refused)),
    }
}
