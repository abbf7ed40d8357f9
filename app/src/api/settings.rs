//! Contact preferences (the patient's) and parked messages (for practice
//! and federation administrators).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupChoice {
    pub group: String,
    pub label: String,
    pub by_email: bool,
    pub by_sms: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactChoices {
    pub has_email: bool,
    pub has_mobile: bool,
    pub groups: Vec<GroupChoice>,
    pub csrf_token: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParkedItem {
    pub notification_id: String,
    pub kind: String,
    pub created: String,
    pub attempts: i32,
    pub last_error: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParkedList {
    pub items: Vec<ParkedItem>,
    pub csrf_token: String,
}

#[cfg(feature = "ssr")]
fn label(g: carebook_core::notify::preferences::MessageGroup) -> &'static str {
    use carebook_core::notify::preferences::MessageGroup as G;
    match g {
        G::Appointments => "Appointments booked, moved or cancelled",
        G::Reminders => "Appointment reminders",
        G::Prescriptions => "Prescription updates",
        G::Readings => "Home readings",
    }
}

#[cfg(feature = "ssr")]
async fn own_patient() -> Result<carebook_core::access::PatientActor, ServerFnError> {
    use super::guard::{self, PartlyVerified};
    let (_, me) =
        guard::patient("This page is for patients whose identity NHS login has checked.", PartlyVerified::Refuse)
            .await?;
    Ok(me)
}

#[server(prefix = "/_server", endpoint = "settings/contact")]
pub async fn contact_settings() -> Result<ContactChoices, ServerFnError> {
    use carebook_core::notify::preferences::MessageGroup;
    let me = own_patient().await?;
    let services = super::services()?;
    let (patient, saved) = services.accounts.contact_preferences(&me).await.map_err(super::unavailable)?;
    let groups = MessageGroup::ALL
        .into_iter()
        .map(|g| {
            let p = saved.iter().find(|p| p.group == g);
            GroupChoice {
                group: g.as_str().to_string(),
                label: label(g).to_string(),
                // With no choice made, every channel they have is used.
                by_email: p.map(|p| p.by_email).unwrap_or(patient.email.is_some()),
                by_sms: p.map(|p| p.by_sms).unwrap_or(patient.phone.as_ref().is_some_and(|x| x.is_mobile())),
            }
        })
        .collect();
    Ok(ContactChoices {
        has_email: patient.email.is_some(),
        has_mobile: patient.phone.as_ref().is_some_and(|x| x.is_mobile()),
        groups,
        csrf_token: super::csrf::token().await?,
    })
}

/// Save the choices: each checkbox is present when ticked.
#[server(prefix = "/_server", endpoint = "settings/contact/save")]
#[allow(clippy::too_many_arguments)]
pub async fn save_contact_settings(
    csrf_token: String,
    appointments_email: Option<String>,
    appointments_sms: Option<String>,
    reminders_email: Option<String>,
    reminders_sms: Option<String>,
    prescriptions_email: Option<String>,
    prescriptions_sms: Option<String>,
    readings_email: Option<String>,
    readings_sms: Option<String>,
) -> Result<(), ServerFnError> {
    use carebook_core::notify::preferences::{ContactPreference, MessageGroup};
    super::csrf::check(&csrf_token).await?;
    let me = own_patient().await?;
    let services = super::services()?;
    let choices = [
        (MessageGroup::Appointments, appointments_email, appointments_sms),
        (MessageGroup::Reminders, reminders_email, reminders_sms),
        (MessageGroup::Prescriptions, prescriptions_email, prescriptions_sms),
        (MessageGroup::Readings, readings_email, readings_sms),
    ]
    .map(|(group, email, sms)| ContactPreference { group, by_email: email.is_some(), by_sms: sms.is_some() });
    services.accounts.set_contact_preferences(&me, &choices).await.map_err(super::unavailable)?;
    leptos_axum::redirect("/settings/contact?saved=1");
    Ok(())
}

/// The parked messages about patients this administrator looks after
/// (practice administrators their practice's, federation administrators
/// their federation's; the core decides).
#[server(prefix = "/_server", endpoint = "admin/parked")]
pub async fn parked_messages() -> Result<ParkedList, ServerFnError> {
    let actor = super::guard::login().await?;
    let services = super::services()?;
    let items = services
        .outbox
        .parked(&actor)
        .await
        .map_err(super::unavailable)?
        .into_iter()
        .map(|n| ParkedItem {
            notification_id: n.notification_id.to_string(),
            kind: n.kind.as_str().replace('_', " "),
            created: carebook_core::notify::compose::when(n.created_at),
            attempts: n.attempts,
            last_error: n.last_error.unwrap_or_default(),
        })
        .collect();
    Ok(ParkedList { items, csrf_token: super::csrf::token().await? })
}

#[server(prefix = "/_server", endpoint = "admin/parked/replay")]
pub async fn replay_message(csrf_token: String, notification_id: String) -> Result<(), ServerFnError> {
    use carebook_core::services::ReplayError;
    super::csrf::check(&csrf_token).await?;
    let actor = super::guard::login().await?;
    let services = super::services()?;
    let id =
        super::form::uuid(&notification_id).ok_or_else(|| ServerFnError::new("We could not find that message."))?;
    match services.outbox.replay(&actor, id).await {
        Ok(()) => {}
        Err(ReplayError::NotWaiting) => {
            return Err(ServerFnError::new("That message is no longer waiting; it may have been sent again already."))
        }
        Err(ReplayError::NotFound) => return Err(ServerFnError::new("We could not find that message.")),
        Err(e @ ReplayError::Store(_)) => return Err(super::unavailable(e)),
    }
    tracing::info!("parked message queued again");
    leptos_axum::redirect("/staff/notifications?replayed=1");
    Ok(())
}
