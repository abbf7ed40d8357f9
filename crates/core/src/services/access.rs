//! The shared authorisation of the JSON and FHIR APIs: may this person
//! reach this patient's data (or this appointment's)? The answer is typed;
//! each edge renders it its own way (problem+json, OperationOutcome) and
//! records refusals in the audit trail.

use std::sync::Arc;

use uuid::Uuid;

use crate::access::{self, Actor, Refusal, Service, Subject};
use crate::booking::Appointment;
use crate::clock::Clock;
use crate::store::{Store, StoreError};

/// Why the answer is no.
#[derive(Debug, thiserror::Error)]
pub enum Denial {
    /// Nobody is logged in (nothing to record).
    #[error("not logged in")]
    NotLoggedIn,
    /// The policy refused, for the reason given, a request about this
    /// patient (a patient who does not exist is refused as not permitted).
    /// Refusals are recorded against the patient.
    #[error("refused: {}", refusal.as_str())]
    Refused { patient_id: Uuid, refusal: Refusal },
    /// There is no such appointment (nothing to record: it names nobody).
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Unavailable(StoreError),
}

impl Denial {
    /// The stable code every edge reports. A refusal other than the
    /// identity check reads as "not found", exactly as a thing that does not
    /// exist, so that the answer tells nothing more.
    pub fn code(&self) -> &'static str {
        match self {
            Denial::NotLoggedIn => "not_logged_in",
            Denial::Refused { refusal: Refusal::NeedsFullIdentityCheck, .. } => "needs_p9",
            Denial::Refused { .. } | Denial::NotFound => "not_found",
            Denial::Unavailable(_) => "unavailable",
        }
    }
}

#[derive(Clone)]
pub struct Access {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

impl Access {
    pub(super) fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    /// May `actor` use `service` for this patient today (London)? The
    /// patient's place in the organisations, when they may.
    pub async fn patient(&self, actor: &Actor, patient_id: Uuid, service: Service) -> Result<Subject, Denial> {
        if matches!(actor, Actor::Anonymous) {
            return Err(Denial::NotLoggedIn);
        }
        let today = crate::london::today(self.clock.now());
        let subject = match Subject::load(self.store.as_ref(), patient_id).await {
            Ok(s) => s,
            Err(StoreError::NotFound) => return Err(Denial::Refused { patient_id, refusal: Refusal::NotPermitted }),
            Err(e) => return Err(Denial::Unavailable(e)),
        };
        access::may_access(actor, &subject, service, today)
            .map_err(|refusal| Denial::Refused { patient_id, refusal })?;
        Ok(subject)
    }

    /// The appointment, if `actor` may see its patient's appointments.
    pub async fn appointment(&self, actor: &Actor, appointment_id: Uuid) -> Result<Appointment, Denial> {
        let appointment = match self.store.appointment(appointment_id).await {
            Ok(a) => a,
            Err(StoreError::NotFound) => return Err(Denial::NotFound),
            Err(e) => return Err(Denial::Unavailable(e)),
        };
        self.patient(actor, appointment.patient_id, Service::Appointments).await?;
        Ok(appointment)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_denial_tells_only_whether_to_log_in_or_prove_who_you_are() {
        let refused = |refusal| Denial::Refused { patient_id: Uuid::nil(), refusal };
        assert_eq!(Denial::NotLoggedIn.code(), "not_logged_in");
        assert_eq!(refused(Refusal::NeedsFullIdentityCheck).code(), "needs_p9");
        assert_eq!(refused(Refusal::NotPermitted).code(), "not_found");
        assert_eq!(refused(Refusal::WrongOrganisationOrRole).code(), "not_found");
        assert_eq!(Denial::NotFound.code(), "not_found");
        assert_eq!(Denial::Unavailable(StoreError::NotFound).code(), "unavailable");
    }
}
