//! People's accounts: turning a provider's verified login into an actor,
//! what the header says about who is logged in, a patient's summary once
//! the access policy has let the caller through, and a patient's own
//! contact choices.

use std::sync::Arc;

use crate::access::{Actor, PatientActor, Subject};
use crate::clock::Clock;
use crate::identity::{self, ClaimedRole, LoginRefusal, PatientClaims};
use crate::model::{Organisation, Patient, StaffRole};
use crate::notify::preferences::ContactPreference;
use crate::store::{Store, StoreResult};

/// Who is logged in, as the header and the home pages show them. Never an
/// NHS number; a partly verified patient's claimed details are not shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// Fully verified: their practice's name, and the people they may act
    /// for today.
    Patient { practice: String, acting_for: Vec<String> },
    /// Logged in below P9: may prove their identity to go further.
    PartlyVerified,
    /// Each role with the name of the organisation it is held at.
    Staff { roles: Vec<(StaffRole, String)> },
}

/// A patient and their practice (`None` if it could not be read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientSummary {
    pub patient: Patient,
    pub practice: Option<Organisation>,
}

#[derive(Clone)]
pub struct Accounts {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

impl Accounts {
    pub(super) fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    /// A patient's login (NHS login's claims) as an actor, with the name
    /// the header shows: the registered name at P9, the claimed one below
    /// (it is theirs, and it opens nothing).
    pub async fn patient_login(
        &self,
        claims: &PatientClaims,
        requested_vtr: &[String],
    ) -> Result<(Actor, String), LoginRefusal> {
        let actor = identity::patient_login(self.store.as_ref(), claims, requested_vtr).await?;
        let name = match &actor {
            Actor::Patient(p) => match self.store.patient_by_id(p.patient_id).await {
                Ok(patient) => format!("{} {}", patient.given_name, patient.family_name),
                Err(_) => return Err(LoginRefusal::Unavailable),
            },
            _ => format!(
                "{} {}",
                claims.given_name.clone().unwrap_or_default(),
                claims.family_name.clone().unwrap_or_default()
            )
            .trim()
            .to_string(),
        };
        Ok((actor, name))
    }

    /// A member of staff's login as an actor: only the roles both the
    /// provider asserts and carebook has on record.
    pub async fn staff_login(&self, subject: &str, claimed: &[ClaimedRole]) -> Result<Actor, LoginRefusal> {
        identity::staff_login(self.store.as_ref(), subject, claimed).await
    }

    /// What the header says about `actor`; `None` for nobody.
    pub async fn identity(&self, actor: &Actor) -> StoreResult<Option<Identity>> {
        Ok(Some(match actor {
            Actor::Anonymous => return Ok(None),
            Actor::PartlyVerified { .. } => Identity::PartlyVerified,
            Actor::Patient(p) => {
                let patient = self.store.patient_by_id(p.patient_id).await?;
                let practice = self.store.organisation_by_id(patient.registered_practice_id).await?.name;
                let today = crate::london::today(self.clock.now());
                let mut acting_for = Vec::new();
                let current =
                    |x: &&crate::model::ProxyAccess| x.valid_from <= today && x.valid_until.is_none_or(|u| today < u);
                for proxy in p.proxy_for.iter().filter(current) {
                    if let Ok(other) = self.store.patient_by_id(proxy.subject_patient_id).await {
                        acting_for.push(format!("{} {}", other.given_name, other.family_name));
                    }
                }
                Identity::Patient { practice, acting_for }
            }
            Actor::Staff(s) => {
                let mut roles = Vec::new();
                for a in &s.roles {
                    roles.push((a.role, self.store.organisation_by_id(a.organisation_id).await?.name));
                }
                Identity::Staff { roles }
            }
        }))
    }

    /// The patient the access policy let the caller reach (the subject
    /// [`super::Access::patient`] answered), with their practice.
    pub async fn summary(&self, subject: &Subject) -> StoreResult<PatientSummary> {
        let patient = self.store.patient_by_id(subject.patient_id).await?;
        let practice = self.store.organisation_by_id(patient.registered_practice_id).await.ok();
        Ok(PatientSummary { patient, practice })
    }

    /// The logged-in patient and the choices they have made (a group
    /// without one follows the default). A fully verified patient's own
    /// only: the caller hands in the patient the session holds.
    pub async fn contact_preferences(&self, me: &PatientActor) -> StoreResult<(Patient, Vec<ContactPreference>)> {
        let patient = self.store.patient_by_id(me.patient_id).await?;
        let saved = self.store.contact_preferences(me.patient_id).await?;
        Ok((patient, saved))
    }

    /// Record the logged-in patient's choices, one per group.
    pub async fn set_contact_preferences(&self, me: &PatientActor, choices: &[ContactPreference]) -> StoreResult<()> {
        for preference in choices {
            self.store.set_contact_preference(me.patient_id, *preference).await?;
        }
        Ok(())
    }
}
