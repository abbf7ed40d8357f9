//! Who else sees the record: a clinician's view of a patient's record
//! (`/staff/patients/{id}/record`, with emergency access by a written
//! reason), the patient's log of those views (`/record/access-log`) and the
//! patient's sharing choices (`/record/sharing`). Each is one call into the
//! core's `RecordService`, which asks the policy first and logs every staff
//! view. An emergency reason travels in the server-side session, never in
//! an address.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::record::RecordSection;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum StaffRecordAnswer {
    /// The record, and why this clinician may see it.
    Shown { relationship: String, sections: Vec<RecordSection>, some_labels_not_shared: bool },
    /// No legitimate relationship: only emergency access, with a reason.
    NeedsEmergencyAccess { csrf_token: String, reason_problem: Option<String> },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessLogLine {
    pub when: String,
    pub who: String,
    pub role: String,
    pub organisation: String,
    pub section: String,
    pub emergency: bool,
    pub reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharingChoice {
    pub label: String,
    pub question: String,
    pub shared: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharingPage {
    pub choices: Vec<SharingChoice>,
    pub csrf_token: String,
}

#[cfg(feature = "ssr")]
const EMERGENCY: &str = "record_emergency";

#[cfg(feature = "ssr")]
#[derive(Serialize, Deserialize)]
struct Emergency {
    patient_id: uuid::Uuid,
    reason: Option<String>,
    problem: Option<String>,
}

#[cfg(feature = "ssr")]
async fn session() -> Result<tower_sessions::Session, ServerFnError> {
    leptos_axum::extract::<tower_sessions::Session>().await.map_err(super::unavailable)
}

/// The organisation a clinician reads for: the first where they are a
/// clinician (the policy checks it again).
#[cfg(feature = "ssr")]
fn clinician_organisation(actor: &carebook_core::access::Actor) -> Option<uuid::Uuid> {
    match actor {
        carebook_core::access::Actor::Staff(s) => {
            s.roles.iter().find(|r| r.role == carebook_core::model::StaffRole::Clinician).map(|r| r.organisation_id)
        }
        _ => None,
    }
}

#[server(prefix = "/_server", endpoint = "staff/record")]
pub async fn staff_patient_record(patient_id: String) -> Result<StaffRecordAnswer, ServerFnError> {
    use carebook_core::record::service::RecordError;
    use carebook_core::record::staff::Relationship;
    let actor = super::guard::staff("clinicians").await?;
    let services = super::services()?;
    let not_shown = || ServerFnError::new("There is no record here that you can see.");
    let patient_id = uuid::Uuid::parse_str(&patient_id).map_err(|_| not_shown())?;
    let organisation = clinician_organisation(&actor).ok_or_else(not_shown)?;
    let session = session().await?;
    let kept: Option<Emergency> = session.remove(EMERGENCY).await.ok().flatten();
    let kept = kept.filter(|e| e.patient_id == patient_id);
    let reason = kept.as_ref().and_then(|e| e.reason.clone());
    match services.record.staff_record(&actor, patient_id, organisation, reason.as_deref()).await {
        Ok((relationship, view)) => Ok(StaffRecordAnswer::Shown {
            relationship: match relationship {
                Relationship::OwnPractice => "The patient is registered at your practice.",
                Relationship::Appointment => {
                    "The patient has an appointment with your organisation. You see what they share."
                }
                Relationship::Emergency => {
                    "Emergency access. Your reason is recorded and the patient can see that you looked."
                }
            }
            .to_string(),
            sections: super::record::sections_for(&view, true),
            some_labels_not_shared: view.some_items_not_shown,
        }),
        Err(RecordError::NoRelationship) => Ok(StaffRecordAnswer::NeedsEmergencyAccess {
            csrf_token: super::csrf::token().await?,
            reason_problem: kept.and_then(|e| e.problem),
        }),
        Err(RecordError::ReasonNeeded) => Ok(StaffRecordAnswer::NeedsEmergencyAccess {
            csrf_token: super::csrf::token().await?,
            reason_problem: Some("Enter why you need emergency access, in at least 10 characters".into()),
        }),
        Err(e) if e.code() == "unavailable" => Err(super::unavailable(e)),
        Err(_) => Err(not_shown()),
    }
}

/// Ask for emergency access: the reason is kept in the session for the
/// record page, which logs the view with it.
#[server(prefix = "/_server", endpoint = "staff/record/emergency")]
pub async fn open_emergency_access(
    csrf_token: String,
    patient_id: String,
    reason: Option<String>,
) -> Result<(), ServerFnError> {
    super::csrf::check(&csrf_token).await?;
    super::guard::staff("clinicians").await?;
    let patient_id = uuid::Uuid::parse_str(&patient_id).map_err(|_| ServerFnError::new("No such patient."))?;
    let reason = reason.map(|r| r.trim().chars().take(500).collect::<String>()).filter(|r| !r.is_empty());
    let enough =
        reason.as_ref().is_some_and(|r| r.chars().count() >= carebook_core::record::staff::MIN_EMERGENCY_REASON);
    let kept = Emergency {
        patient_id,
        reason: if enough { reason } else { None },
        problem: (!enough).then(|| "Enter why you need emergency access, in at least 10 characters".to_string()),
    };
    session().await?.insert(EMERGENCY, kept).await.map_err(super::unavailable)?;
    leptos_axum::redirect(&format!("/staff/patients/{patient_id}/record"));
    Ok(())
}

#[cfg(feature = "ssr")]
async fn own_patient() -> Result<(carebook_core::access::Actor, uuid::Uuid), ServerFnError> {
    let actor = super::guard::login().await?;
    match &actor {
        carebook_core::access::Actor::Patient(p) => {
            let id = p.patient_id;
            Ok((actor, id))
        }
        carebook_core::access::Actor::PartlyVerified { .. } => Err(ServerFnError::new(
            "NHS login has not fully checked your identity yet. Go to your home page and choose \"Prove who you are\".",
        )),
        _ => Err(ServerFnError::new("This page is for patients.")),
    }
}

/// Who has looked at my record.
#[server(prefix = "/_server", endpoint = "record/access-log")]
pub async fn my_access_log() -> Result<Vec<AccessLogLine>, ServerFnError> {
    let (actor, me) = own_patient().await?;
    let services = super::services()?;
    let log = services.record.access_log_view(&actor, me).await.map_err(super::unavailable)?;
    let lines = log
        .into_iter()
        .map(|(e, who, organisation)| {
            let local = carebook_core::london::to_local(e.accessed_at);
            AccessLogLine {
                when: format!(
                    "{} {} {} at {:02}:{:02}",
                    local.day(),
                    local.month(),
                    local.year(),
                    local.hour(),
                    local.minute()
                ),
                who,
                role: match e.role {
                    carebook_core::model::StaffRole::Clinician => "Clinician",
                    carebook_core::model::StaffRole::Receptionist => "Receptionist",
                    carebook_core::model::StaffRole::PracticeAdmin => "Practice administrator",
                    carebook_core::model::StaffRole::FederationAdmin => "Federation administrator",
                }
                .to_string(),
                organisation,
                section: if e.section == "all" { "Your whole record".into() } else { e.section },
                emergency: e.emergency,
                reason: e.reason,
            }
        })
        .collect();
    Ok(lines)
}

#[server(prefix = "/_server", endpoint = "record/sharing")]
pub async fn my_sharing_choices() -> Result<SharingPage, ServerFnError> {
    use carebook_core::record::staff::SharingChoices;
    use carebook_core::record::PrivacyLabel;
    let (actor, me) = own_patient().await?;
    let services = super::services()?;
    let choices = services.record.sharing_choices(&actor, me).await.map_err(super::unavailable)?;
    Ok(SharingPage {
        choices: PrivacyLabel::ALL
            .into_iter()
            .map(|l| SharingChoice {
                label: l.as_str().to_string(),
                question: SharingChoices::question(l).to_string(),
                shared: choices.shares(l),
            })
            .collect(),
        csrf_token: super::csrf::token().await?,
    })
}

/// Save the choices: a label's field is "yes" to share it.
#[server(prefix = "/_server", endpoint = "record/sharing/save")]
pub async fn save_sharing_choices(
    csrf_token: String,
    general: Option<String>,
    mental_health: Option<String>,
    sexual_health: Option<String>,
    social_care: Option<String>,
) -> Result<(), ServerFnError> {
    use carebook_core::record::staff::SharingChoices;
    super::csrf::check(&csrf_token).await?;
    let (actor, me) = own_patient().await?;
    let services = super::services()?;
    let yes = |v: &Option<String>| v.as_deref() == Some("yes");
    let choices = SharingChoices {
        general: yes(&general),
        mental_health: yes(&mental_health),
        sexual_health: yes(&sexual_health),
        social_care: yes(&social_care),
    };
    services.record.set_sharing_choices(&actor, me, choices).await.map_err(super::unavailable)?;
    leptos_axum::redirect("/record/sharing?saved=1");
    Ok(())
}
