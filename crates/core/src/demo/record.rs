//! Every synthetic patient's record, from at least three sources: their
//! practice's GP system, the acute trust of their area and the community
//! trust (and, for some, the mental-health trust). Each record has the same
//! allergy and flu vaccination from two sources (shown once, naming both),
//! a result in and one out of its reference range, a repeat medicine
//! (MedicationRequest, intent plan), letters, and a result withheld from
//! the patient (NOPAT: to be discussed with the GP first); some have a
//! `confidential-items` warning.
//!
//! The bundles are FHIR R4 JSON read by the same parser as a source's
//! (`record::fhir::parse_bundle`), so the demonstration shows what ingest
//! would have stored. The demonstration's sources have no key: they cannot
//! authenticate, and nothing outside the demonstration registers them.

use serde_json::{json, Value};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::clock::IdSource;
use crate::model::{OrganisationKind, Patient, Population};
use crate::record::service::items_from;
use crate::record::{fhir, IngestBatch, RecordSource, SourceKind};

const SNOMED: &str = "http://snomed.info/sct";
const LOINC: &str = "http://loinc.org";
const UCUM: &str = "http://unitsofmeasure.org";
const NO_KEY: &str = "demonstration source: no key, cannot authenticate";

/// A source for each GP practice's system and each provider.
pub fn record_sources(population: &Population, created_at: OffsetDateTime) -> Vec<RecordSource> {
    population
        .organisations
        .iter()
        .filter_map(|o| {
            let kind = match o.kind {
                OrganisationKind::GpPractice => SourceKind::GpSystem,
                OrganisationKind::AcuteTrust => SourceKind::AcuteTrust,
                OrganisationKind::CommunityTrust => SourceKind::CommunityTrust,
                OrganisationKind::MentalHealthTrust => SourceKind::MentalHealthTrust,
                OrganisationKind::SocialCare => SourceKind::SocialCare,
                _ => return None,
            };
            let name = match kind {
                SourceKind::GpSystem => "GP record".to_string(),
                SourceKind::AcuteTrust => "Hospital patient record".to_string(),
                SourceKind::CommunityTrust => "Community services record".to_string(),
                SourceKind::MentalHealthTrust => "Mental health record".to_string(),
                SourceKind::SocialCare => "Adult social care record".to_string(),
            };
            Some(RecordSource {
                // Derived from the organisation, so a reload gives the same ids.
                record_source_id: Uuid::from_u128(
                    o.organisation_id.as_u128() ^ 0x5ec0_0000_0000_0000_0000_0000_0000_0000,
                ),
                organisation_id: o.organisation_id,
                kind,
                client_id: format!("demo-{}", o.ods_code.as_str().to_lowercase()),
                public_key_pem: NO_KEY.to_string(),
                name,
                active: true,
                created_at,
            })
        })
        .collect()
}

fn coded(system: &str, code: &str, display: &str) -> Value {
    json!({"coding": [{"system": system, "code": code, "display": display}]})
}

fn with_patient(p: &Patient, resources: Vec<Value>) -> Vec<u8> {
    let mut entry = vec![json!({"resource": {
        "resourceType": "Patient", "id": "patient",
        "identifier": [{"system": fhir::NHS_NUMBER_SYSTEM, "value": p.nhs_number.as_str()}],
        "birthDate": p.date_of_birth.to_string()}})];
    entry.extend(resources.into_iter().map(|r| json!({"resource": r})));
    json!({"resourceType": "Bundle", "type": "collection", "entry": entry}).to_string().into_bytes()
}

fn letter(id: &str, title: &str, date: &str, text: &str) -> Value {
    use base64_lite::encode;
    json!({"resourceType": "DocumentReference", "id": id, "status": "current",
           "type": coded(SNOMED, "371531000", "Report of clinical encounter"), "description": title,
           "date": date, "subject": {"reference": "Patient/patient"},
           "content": [{"attachment": {"contentType": "text/plain", "title": title, "data": encode(text.as_bytes())}}]})
}

/// A result with its reference range.
fn result(id: &str, code: &str, display: &str, value: f64, unit: &str, low: f64, high: f64, at: &str) -> Value {
    json!({"resourceType": "Observation", "id": id, "status": "final",
           "category": [coded("http://terminology.hl7.org/CodeSystem/observation-category", "laboratory", "Laboratory")],
           "code": coded(LOINC, code, display), "subject": {"reference": "Patient/patient"},
           "effectiveDateTime": at,
           "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit},
           "referenceRange": [{"low": {"value": low, "unit": unit}, "high": {"value": high, "unit": unit}}]})
}

/// The bundles of patient `n`: (source, bundle bytes).
fn bundles(
    n: usize,
    p: &Patient,
    gp: &RecordSource,
    hospital: &RecordSource,
    community: &RecordSource,
    mental_health: Option<&RecordSource>,
) -> Vec<(RecordSource, Vec<u8>)> {
    let penicillin = |id: &str| {
        json!({"resourceType": "AllergyIntolerance", "id": id,
        "clinicalStatus": coded("http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "active", "Active"),
        "code": coded(SNOMED, "91936005", "Allergy to penicillin"), "patient": {"reference": "Patient/patient"},
        "recordedDate": "2015-03-02", "reaction": [{"description": "Rash"}]})
    };
    let flu = |id: &str| {
        json!({"resourceType": "Immunization", "id": id, "status": "completed",
        "vaccineCode": coded(SNOMED, "1181000221105", "Influenza vaccine"), "patient": {"reference": "Patient/patient"},
        "occurrenceDateTime": "2025-10-14"})
    };
    let cholesterol = 5.2 + (n % 20) as f64 / 10.0; // 5.2 to 7.1: above the range's 5.0
    let mut gp_record = vec![
        json!({"resourceType": "Condition", "id": "gp-cond-1",
               "clinicalStatus": coded("http://terminology.hl7.org/CodeSystem/condition-clinical", "active", "Active"),
               "code": coded(SNOMED, "38341003", "High blood pressure"), "subject": {"reference": "Patient/patient"},
               "onsetDateTime": "2018-05-10"}),
        penicillin("gp-allergy-1"),
        json!({"resourceType": "MedicationRequest", "id": "gp-repeat-1", "status": "active", "intent": "plan",
               "medicationCodeableConcept": coded(SNOMED, "319283006", "Amlodipine 5mg tablets"),
               "subject": {"reference": "Patient/patient"}, "authoredOn": "2026-06-01",
               "dosageInstruction": [{"text": "One tablet once a day"}],
               "dispenseRequest": {"quantity": {"value": 28, "unit": "tablet"}, "numberOfRepeatsAllowed": 6,
                                    "validityPeriod": {"start": "2026-06-01", "end": "2027-06-01"}}}),
        flu("gp-imm-1"),
        result("gp-obs-1", "2093-3", "Total cholesterol", cholesterol, "mmol/L", 0.0, 5.0, "2026-10-20T09:10:00Z"),
        result("gp-obs-2", "2823-3", "Potassium", 4.2, "mmol/L", 3.5, 5.3, "2026-10-20T09:10:00Z"),
        // Withheld until the GP has talked it through with the patient.
        json!({"resourceType": "Observation", "id": "gp-obs-3", "status": "final",
               "meta": {"security": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "NOPAT"}]},
               "code": coded(LOINC, "22634-0", "Pathology report"), "subject": {"reference": "Patient/patient"},
               "effectiveDateTime": "2026-11-10", "valueString": "To be discussed with the patient by their GP"}),
    ];
    if n % 5 == 0 {
        gp_record.push(json!({"resourceType": "List", "id": "gp-list-1", "status": "current", "mode": "snapshot",
            "extension": [{"url": "https://fhir.nhs.uk/StructureDefinition/Extension-CareConnect-GPC-ListWarningCode-1",
                           "valueCode": "confidential-items"}]}));
    }
    let hospital_record = vec![
        penicillin("epr-allergy-77"),
        json!({"resourceType": "Encounter", "id": "epr-enc-1", "status": "finished",
               "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB", "display": "Outpatient"},
               "type": [coded(SNOMED, "185389009", "Follow-up visit")], "subject": {"reference": "Patient/patient"},
               "period": {"start": "2026-09-03T10:30:00Z", "end": "2026-09-03T11:00:00Z"}}),
        result("epr-obs-1", "718-7", "Haemoglobin", 128.0 + (n % 40) as f64, "g/L", 130.0, 170.0, "2026-09-03T10:45:00Z"),
        letter("epr-doc-1", "Outpatient clinic letter", "2026-09-05",
            "Seen in clinic on 3 September 2026. Blood pressure well controlled. No change to medicines. Follow up in 12 months."),
    ];
    let community_record = vec![
        flu("cs-imm-5"),
        json!({"resourceType": "CarePlan", "id": "cs-plan-1", "status": "active", "intent": "plan",
               "title": "Staying active and preventing falls", "subject": {"reference": "Patient/patient"},
               "period": {"start": "2026-07-01"}}),
        letter(
            "cs-doc-1",
            "Community nursing visit",
            "2026-07-01",
            "Home visit. Falls advice given. Next review in 6 months.",
        ),
    ];
    let mut out = vec![
        (gp.clone(), with_patient(p, gp_record)),
        (hospital.clone(), with_patient(p, hospital_record)),
        (community.clone(), with_patient(p, community_record)),
    ];
    if let Some(mh) = mental_health {
        out.push((mh.clone(), with_patient(p, vec![
            json!({"resourceType": "Encounter", "id": "mh-enc-1", "status": "finished",
                   "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB", "display": "Outpatient"},
                   "type": [coded(SNOMED, "390906007", "Follow-up encounter")], "subject": {"reference": "Patient/patient"},
                   "period": {"start": "2026-04-14T14:00:00Z"}}),
        ])));
    }
    out
}

/// The batches to store: every patient's record, each bundle read by the
/// ingest parser.
pub fn record_batches(
    population: &Population,
    sources: &[RecordSource],
    received_at: OffsetDateTime,
    ids: &dyn IdSource,
) -> Vec<IngestBatch> {
    let of_kind = |kind: SourceKind| sources.iter().filter(move |s| s.kind == kind);
    let community = of_kind(SourceKind::CommunityTrust).next();
    let mental_health = of_kind(SourceKind::MentalHealthTrust).next();
    let mut batches = Vec::new();
    for (n, p) in population.patients.iter().enumerate() {
        let Some(gp) = sources.iter().find(|s| s.organisation_id == p.registered_practice_id) else { continue };
        let area =
            population.organisations.iter().find(|o| o.organisation_id == p.registered_practice_id).map(|o| &o.area);
        let hospital = of_kind(SourceKind::AcuteTrust)
            .find(|s| {
                population.organisations.iter().any(|o| o.organisation_id == s.organisation_id && Some(&o.area) == area)
            })
            .or_else(|| of_kind(SourceKind::AcuteTrust).next());
        let (Some(hospital), Some(community)) = (hospital, community) else { continue };
        let mh = (n % 7 == 3).then_some(mental_health).flatten();
        for (source, body) in bundles(n, p, gp, hospital, community, mh) {
            let parsed = fhir::parse_bundle(&body).expect("the demonstration's bundles are valid");
            batches.push(IngestBatch {
                record_ingest_id: ids.new_id(),
                record_source_id: source.record_source_id,
                patient_id: p.patient_id,
                received_at,
                items: items_from(parsed.resources, &source, p.patient_id, received_at, ids),
            });
        }
    }
    batches
}

/// Base64 (RFC 4648, with padding) for the letters' text: the core has no
/// dependency for it, and the demonstration needs only encoding.
mod base64_lite {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    pub fn encode(bytes: &[u8]) -> String {
        let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
        for chunk in bytes.chunks(3) {
            let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    #[test]
    fn encodes_as_rfc_4648_does() {
        assert_eq!(encode(b"Hello"), "SGVsbG8=");
        assert_eq!(encode(b"Hi"), "SGk=");
        assert_eq!(encode(b"abc"), "YWJj");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SequentialIds;
    use crate::record::{Category, Origin};

    #[test]
    fn every_patient_has_a_record_from_three_sources_with_a_duplicate_a_withheld_item_letters_and_results_either_side_of_range(
    ) {
        let population = crate::demo::generate_with(crate::demo::DEFAULT_SEED, 40);
        let at = time::macros::datetime!(2026-12-01 08:00 UTC);
        let sources = record_sources(&population, at);
        let batches = record_batches(&population, &sources, at, &SequentialIds::default());
        for p in &population.patients {
            let items: Vec<_> =
                batches.iter().filter(|b| b.patient_id == p.patient_id).flat_map(|b| b.items.iter()).collect();
            let mut from: Vec<_> = items.iter().map(|i| i.origin).collect();
            from.sort_by_key(|o| match o {
                Origin::Source(id) => *id,
                Origin::Patient => Uuid::nil(),
            });
            from.dedup();
            assert!(from.len() >= 3, "three sources or more");
            assert_eq!(
                items.iter().filter(|i| i.coding.code.as_deref() == Some("91936005")).count(),
                2,
                "the allergy twice"
            );
            assert!(items.iter().any(|i| i.withheld));
            assert!(items.iter().filter(|i| i.category == Category::Document).count() >= 2);
            let flags: Vec<_> = items
                .iter()
                .filter_map(|i| {
                    i.value_number.map(|_| crate::record::view::range_flag(i.value_number, i.range_low, i.range_high))
                })
                .collect();
            assert!(flags.contains(&None), "a result in range");
            assert!(flags.iter().any(Option::is_some), "a result out of range");
        }
    }
}
