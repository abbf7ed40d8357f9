//! carebook's codes in FHIR: services as CodeableConcepts (carebook's own
//! code system, plus SNOMED CT where a concept means the same thing),
//! delivery channels as an extension, appointment statuses.

use carebook_core::booking::{AppointmentStatus, Channel, ServiceKind};
use serde_json::{json, Value};

/// carebook's service kinds (`ServiceKind::as_str`).
pub const SERVICE_KIND_SYSTEM: &str = "https://carebook.example.org/fhir/CodeSystem/service-kind";
/// How an appointment happens (`Channel::as_str`).
pub const CHANNEL_SYSTEM: &str = "https://carebook.example.org/fhir/CodeSystem/delivery-channel";
/// The extension that carries the channel on Slot and Appointment (FHIR R4
/// has no element for it).
pub const CHANNEL_EXTENSION: &str = "https://carebook.example.org/fhir/StructureDefinition/delivery-channel";
pub const SNOMED: &str = "http://snomed.info/sct";
/// NHS Organisation Data Service codes.
pub const ODS_SYSTEM: &str = "https://fhir.nhs.uk/Id/ods-organization-code";
/// Who cancelled (HL7's example code system for Appointment.cancelationReason).
pub const CANCELLATION_REASON_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason";

/// The SNOMED CT concept for a service, only where one means the same:
/// a blood test, the diabetes and COPD annual reviews that practices run,
/// a medication review. A GP, nurse or healthcare-assistant appointment is
/// a booking with a kind of clinician, which no single SNOMED CT procedure
/// names, so those carry carebook's code alone.
pub fn snomed(service: ServiceKind) -> Option<(&'static str, &'static str)> {
    match service {
        ServiceKind::Phlebotomy => Some(("396550006", "Blood test")),
        ServiceKind::DiabetesReview => Some(("170777000", "Diabetic annual review")),
        ServiceKind::CopdReview => Some(("394703002", "Chronic obstructive pulmonary disease annual review")),
        ServiceKind::MedicationReview => Some(("182836005", "Review of medication")),
        ServiceKind::GpAppointment | ServiceKind::Nurse | ServiceKind::HealthcareAssistant => None,
    }
}

pub fn service_type(service: ServiceKind) -> Value {
    let mut coding =
        vec![json!({ "system": SERVICE_KIND_SYSTEM, "code": service.as_str(), "display": service.label() })];
    if let Some((code, display)) = snomed(service) {
        coding.push(json!({ "system": SNOMED, "code": code, "display": display }));
    }
    json!({ "coding": coding, "text": service.label() })
}

/// The services a `service-type` token names: `code`, `system|code` or
/// `|code`, with carebook's system or SNOMED CT; several comma-separated.
pub fn services_for_token(token: &str) -> Vec<ServiceKind> {
    let mut found = Vec::new();
    for one in token.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        let (system, code) = match one.split_once('|') {
            Some((s, c)) => (Some(s), c),
            None => (None, one),
        };
        for kind in ServiceKind::ALL {
            let carebook = kind.as_str() == code;
            let snomed = snomed(kind).is_some_and(|(c, _)| c == code);
            let matches = match system {
                None | Some("") => carebook || snomed,
                Some(SERVICE_KIND_SYSTEM) => carebook,
                Some(SNOMED) => snomed,
                Some(_) => false,
            };
            if matches && !found.contains(&kind) {
                found.push(kind);
            }
        }
    }
    found
}

pub fn channel_extension(channel: Channel) -> Value {
    json!({
        "url": CHANNEL_EXTENSION,
        "valueCoding": { "system": CHANNEL_SYSTEM, "code": channel.as_str(), "display": channel.label() }
    })
}

/// Appointment.status (required binding to http://hl7.org/fhir/appointmentstatus).
pub fn appointment_status(status: AppointmentStatus) -> &'static str {
    match status {
        AppointmentStatus::Booked => "booked",
        AppointmentStatus::Arrived => "arrived",
        AppointmentStatus::Completed => "fulfilled",
        AppointmentStatus::DidNotAttend => "noshow",
        AppointmentStatus::CancelledByPatient | AppointmentStatus::CancelledByPractice | AppointmentStatus::Moved => {
            "cancelled"
        }
    }
}

/// Appointment.cancelationReason for a cancelled appointment.
pub fn cancellation_reason(status: AppointmentStatus) -> Option<Value> {
    let (code, display, text) = match status {
        AppointmentStatus::CancelledByPatient => ("pat", "Patient", "Cancelled by the patient"),
        AppointmentStatus::CancelledByPractice => ("prov", "Provider", "Cancelled by the practice"),
        AppointmentStatus::Moved => return Some(json!({ "text": "Moved to another time" })),
        _ => return None,
    };
    Some(
        json!({ "coding": [{ "system": CANCELLATION_REASON_SYSTEM, "code": code, "display": display }], "text": text }),
    )
}

/// The appointment's version: it changes with every change (the sequence
/// rises with each move and cancellation; attendance changes the status).
pub fn version(sequence: i32, status: AppointmentStatus) -> String {
    let ordinal = AppointmentStatus::ALL.iter().position(|s| *s == status).unwrap_or(0) as i64;
    (i64::from(sequence) * 10 + ordinal).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_service_has_a_carebook_code_and_tokens_find_it_either_way() {
        for kind in ServiceKind::ALL {
            assert_eq!(services_for_token(kind.as_str()), vec![kind]);
            assert_eq!(services_for_token(&format!("{SERVICE_KIND_SYSTEM}|{}", kind.as_str())), vec![kind]);
            if let Some((code, _)) = snomed(kind) {
                assert_eq!(services_for_token(&format!("{SNOMED}|{code}")), vec![kind]);
                assert_eq!(services_for_token(code), vec![kind]);
            }
        }
        assert_eq!(services_for_token("nurse,phlebotomy"), vec![ServiceKind::Nurse, ServiceKind::Phlebotomy]);
        assert!(services_for_token(&format!("{SNOMED}|nurse")).is_empty());
        assert!(services_for_token("surgery").is_empty());
    }

    #[test]
    fn the_version_changes_with_the_sequence_and_the_status() {
        let mut seen = std::collections::HashSet::new();
        for sequence in 0..3 {
            for status in AppointmentStatus::ALL {
                assert!(seen.insert(version(sequence, status)));
            }
        }
    }
}
