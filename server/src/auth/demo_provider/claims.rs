//! Who the persona is, as claims: the same for the ID token and userinfo,
//! from the demonstration's synthetic people, with the
//! [`Faults`](super::Faults) that change them.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use carebook_core::access::ProofingLevel;
use openidconnect::{
    EndUserBirthday, EndUserEmail, EndUserFamilyName, EndUserGivenName, EndUserPhoneNumber, LocalizedClaim,
    StandardClaims, SubjectIdentifier,
};
use serde_json::{json, Value};

use super::{DemoProvider, Person};
use crate::auth::relying_party::{CarebookClaims, GpRegistration};

pub(super) async fn subject_of(p: &DemoProvider, person: &Person) -> Option<String> {
    match person {
        Person::Patient { nhs_number, .. } => {
            let (patient, _) = p.people.patient(nhs_number).await.ok()?;
            Some(format!("demo-{}", patient.patient_id))
        }
        Person::Staff { uid } => Some(uid.clone()),
    }
}

/// The person's claims, for the ID token and userinfo alike.
pub(super) async fn claims_of(
    p: &DemoProvider,
    person: &Person,
) -> Option<(StandardClaims<openidconnect::core::CoreGenderClaim>, CarebookClaims)> {
    let (mut standard, mut extra) = person_claims(p, person).await?;
    let faults = p.faults.lock().expect("faults").clone();
    if let Some(n) = faults.nhs_number {
        extra.nhs_number = Some(n);
    }
    if let Some(b) = faults.birthdate {
        standard = standard.set_birthdate(Some(EndUserBirthday::new(b)));
    }
    Some((standard, extra))
}

async fn person_claims(
    p: &DemoProvider,
    person: &Person,
) -> Option<(StandardClaims<openidconnect::core::CoreGenderClaim>, CarebookClaims)> {
    match person {
        Person::Patient { nhs_number, vot } => {
            let (patient, practice) = p.people.patient(nhs_number).await.ok()?;
            let mut standard = StandardClaims::new(SubjectIdentifier::new(format!("demo-{}", patient.patient_id)))
                .set_given_name(Some(LocalizedClaim::from(EndUserGivenName::new(patient.given_name.clone()))))
                .set_family_name(Some(LocalizedClaim::from(EndUserFamilyName::new(patient.family_name.clone()))))
                .set_birthdate(Some(EndUserBirthday::new(patient.date_of_birth.to_string())));
            if let Some(e) = &patient.email {
                standard = standard.set_email(Some(EndUserEmail::new(e.as_str().to_string())));
            }
            if let Some(ph) = &patient.phone {
                standard = standard.set_phone_number(Some(EndUserPhoneNumber::new(ph.as_e164().to_string())));
            }
            let level = vot.as_deref().and_then(ProofingLevel::from_vot);
            let extra = CarebookClaims {
                vot: vot.clone(),
                vtm: Some("https://auth.sandpit.signin.nhs.uk/trustmark/demo".to_string()),
                nhs_number: Some(nhs_number.as_str().to_string()),
                identity_proofing_level: level.map(|l| l.as_str().to_string()),
                gp_ods_code: None,
                gp_registration_details: Some(GpRegistration {
                    gp_ods_code: Some(practice.ods_code.as_str().to_string()),
                }),
                other: Default::default(),
            };
            Some((standard, extra))
        }
        Person::Staff { uid } => {
            let (member, assignments) = p.people.staff(uid).await.ok()?;
            let roles = assignments
                .iter()
                .map(|(a, org)| json!({ "role": a.role.as_str(), "organisation_code": org.ods_code.as_str() }))
                .collect();
            let standard = StandardClaims::new(SubjectIdentifier::new(uid.clone()))
                .set_given_name(Some(LocalizedClaim::from(EndUserGivenName::new(member.given_name.clone()))))
                .set_family_name(Some(LocalizedClaim::from(EndUserFamilyName::new(member.family_name.clone()))))
                .set_email(Some(EndUserEmail::new(member.email.as_str().to_string())));
            let mut extra = CarebookClaims::default();
            extra.other.insert("carebook_roles".to_string(), Value::Array(roles));
            Some((standard, extra))
        }
    }
}

pub(super) async fn userinfo(State(p): State<Arc<DemoProvider>>, headers: HeaderMap) -> Response {
    let bearer =
        headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    let found = bearer.and_then(|t| p.tokens.lock().expect("tokens").get(t.trim()).cloned());
    let Some((subject, person)) = found else {
        return (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"")])
            .into_response();
    };
    let Some((standard, extra)) = claims_of(&p, &person).await else {
        return (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"")])
            .into_response();
    };
    let mut body = serde_json::to_value(&standard).unwrap_or_default();
    if let (Value::Object(b), Ok(Value::Object(e))) = (&mut body, serde_json::to_value(&extra)) {
        b.extend(e);
    }
    let forced = p.faults.lock().expect("faults").userinfo_subject.clone();
    body["sub"] = json!(forced.unwrap_or(subject));
    Json(body).into_response()
}
