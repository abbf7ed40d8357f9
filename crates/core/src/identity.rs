//! Who has just logged in: turning an identity provider's verified claims
//! into an [`Actor`], the same way for every provider (NHS login, a
//! CIS2-style staff provider, the built-in demonstration provider).
//!
//! Patients (NHS login's claims): the returned vector of trust (`vot`) must
//! be one carebook asked for (`vtr`); at P9 the NHS number is verified and
//! links the login to the registered patient, cross-checked against the date
//! of birth; below P9 the NHS number is only claimed, so it opens nothing.
//! Staff: a role counts only when the provider's role claim asserts it at
//! that organisation and carebook has the same assignment on record.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::access::{Actor, PatientActor, ProofingLevel, StaffActor};
use crate::domain::{NhsNumber, OdsCode};
use crate::model::{StaffAssignment, StaffRole};
use crate::store::{Store, StoreError};

/// The claims of a patient's ID token and userinfo, already verified by
/// the relying party (signature, issuer, audience, expiry, nonce).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientClaims {
    pub subject: String,
    pub vot: String,
    pub vtm: Option<String>,
    pub nhs_number: Option<String>,
    pub birthdate: Option<Date>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    pub gp_ods_code: Option<String>,
}

/// Why a login could not become a carebook session. Each has a page that
/// says what to do next; none carries the claimed values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LoginRefusal {
    #[error("the identity provider returned a level of trust carebook did not ask for")]
    UnrequestedVectorOfTrust,
    #[error("no NHS number came with a fully verified login")]
    MissingNhsNumber,
    #[error("we could not find your GP registration")]
    UnknownNhsNumber,
    #[error("your date of birth does not match your GP registration")]
    BirthdateMismatch,
    #[error("this staff account is not set up in carebook")]
    UnknownStaff,
    #[error("this staff account has no role in carebook")]
    NoStaffRole,
    #[error("the service is not available")]
    Unavailable,
}

impl LoginRefusal {
    /// A code for the audit trail.
    pub fn as_str(self) -> &'static str {
        match self {
            LoginRefusal::UnrequestedVectorOfTrust => "unrequested_vot",
            LoginRefusal::MissingNhsNumber => "missing_nhs_number",
            LoginRefusal::UnknownNhsNumber => "unknown_nhs_number",
            LoginRefusal::BirthdateMismatch => "birthdate_mismatch",
            LoginRefusal::UnknownStaff => "unknown_staff",
            LoginRefusal::NoStaffRole => "no_staff_role",
            LoginRefusal::Unavailable => "unavailable",
        }
    }
}

fn store_failure(e: StoreError) -> LoginRefusal {
    match e {
        StoreError::NotFound => LoginRefusal::UnknownNhsNumber,
        _ => LoginRefusal::Unavailable,
    }
}

/// A patient's login, as an actor.
pub async fn patient_login(
    store: &dyn Store,
    claims: &PatientClaims,
    requested_vtr: &[String],
) -> Result<Actor, LoginRefusal> {
    if !requested_vtr.iter().any(|v| v == &claims.vot) {
        return Err(LoginRefusal::UnrequestedVectorOfTrust);
    }
    let proofing = ProofingLevel::from_vot(&claims.vot).ok_or(LoginRefusal::UnrequestedVectorOfTrust)?;
    if proofing < ProofingLevel::P9 {
        return Ok(Actor::PartlyVerified { provider_subject: claims.subject.clone(), proofing });
    }
    let nhs_number = claims
        .nhs_number
        .as_deref()
        .ok_or(LoginRefusal::MissingNhsNumber)
        .and_then(|n| NhsNumber::parse(n).map_err(|_| LoginRefusal::UnknownNhsNumber))?;
    let patient = store.patient_by_nhs_number(&nhs_number).await.map_err(store_failure)?;
    if claims.birthdate != Some(patient.date_of_birth) {
        return Err(LoginRefusal::BirthdateMismatch);
    }
    let proxy_for = store.proxy_access_held_by(patient.patient_id).await.map_err(|_| LoginRefusal::Unavailable)?;
    Ok(Actor::Patient(PatientActor { patient_id: patient.patient_id, proofing, proxy_for }))
}

/// A role as a staff provider asserts it: a role name and an ODS code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimedRole {
    pub role: String,
    pub organisation_code: String,
}

/// A member of staff's login, as an actor.
pub async fn staff_login(store: &dyn Store, subject: &str, claimed: &[ClaimedRole]) -> Result<Actor, LoginRefusal> {
    let (member, on_record) = store.staff_by_uid(subject).await.map_err(|e| match e {
        StoreError::NotFound => LoginRefusal::UnknownStaff,
        _ => LoginRefusal::Unavailable,
    })?;
    let mut roles: Vec<StaffAssignment> = Vec::new();
    for c in claimed {
        let (Some(role), Ok(code)) = (StaffRole::parse(&c.role), OdsCode::parse(&c.organisation_code)) else {
            continue;
        };
        let organisation = match store.organisation_by_ods(&code).await {
            Ok(o) => o,
            Err(StoreError::NotFound) => continue,
            Err(_) => return Err(LoginRefusal::Unavailable),
        };
        if let Some(a) = on_record.iter().find(|a| a.organisation_id == organisation.organisation_id && a.role == role)
        {
            if !roles.contains(a) {
                roles.push(a.clone());
            }
        }
    }
    if roles.is_empty() {
        return Err(LoginRefusal::NoStaffRole);
    }
    Ok(Actor::Staff(StaffActor { staff_member_id: member.staff_member_id, roles }))
}
