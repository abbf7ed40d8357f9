//! Ingest benchmark: the records of N synthetic patients (default 10,000),
//! one bundle of 30 resources each, taken in by `RecordService::ingest`
//! (what `POST /fhir/r4` and `carebook import` call) on a fresh database.
//!
//! cargo run --release -p carebook-server --example bench_ingest -- \
//!     [--patients N] [--database-url sqlite://PATH | postgres://...]
//!
//! Prints bundles, resources, seconds and resources per second. A
//! PostgreSQL database is emptied by the population load; a SQLite file is
//! made afresh.

use std::sync::Arc;
use std::time::Instant;

use carebook_core::clock::SystemClock;
use carebook_core::model::OrganisationKind;
use carebook_core::record::service::NewSource;
use carebook_core::record::SourceKind;
use serde_json::{json, Value};

fn bundle(nhs: &str, birth: &str) -> Vec<u8> {
    let coded = |system: &str, code: String, display: &str| json!({"coding": [{"system": system, "code": code, "display": display}]});
    let sct = "http://snomed.info/sct";
    let mut entries = vec![json!({"resource": {"resourceType": "Patient", "id": "p",
        "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": nhs}], "birthDate": birth}})];
    let mut push = |r: Value| entries.push(json!({"resource": r}));
    for i in 0..8 {
        push(
            json!({"resourceType": "Condition", "id": format!("c{i}"), "meta": {"lastUpdated": "2026-11-30T09:00:00Z"},
            "clinicalStatus": coded("http://terminology.hl7.org/CodeSystem/condition-clinical", "active".into(), "Active"),
            "code": coded(sct, format!("{}", 38341003 + i), "Problem"), "subject": {"reference": "Patient/p"},
            "onsetDateTime": format!("20{:02}-03-01", 10 + i)}),
        );
    }
    for i in 0..2 {
        push(
            json!({"resourceType": "AllergyIntolerance", "id": format!("a{i}"), "patient": {"reference": "Patient/p"},
            "code": coded(sct, format!("{}", 91936005 + i), "Allergy"), "recordedDate": "2015-03-02"}),
        );
    }
    for i in 0..6 {
        push(json!({"resourceType": "MedicationRequest", "id": format!("m{i}"), "status": "active", "intent": "plan",
            "medicationCodeableConcept": coded(sct, format!("{}", 319283006 + i), "Medicine"),
            "subject": {"reference": "Patient/p"}, "authoredOn": "2026-06-01",
            "dosageInstruction": [{"text": "One a day"}], "dispenseRequest": {"numberOfRepeatsAllowed": 6}}));
    }
    for i in 0..2 {
        push(json!({"resourceType": "Immunization", "id": format!("i{i}"), "status": "completed",
            "vaccineCode": coded(sct, "1181000221105".into(), "Influenza vaccine"), "patient": {"reference": "Patient/p"},
            "occurrenceDateTime": format!("202{}-10-14", 4 + i)}));
    }
    for i in 0..8 {
        push(json!({"resourceType": "Observation", "id": format!("o{i}"), "status": "final",
            "code": coded("http://loinc.org", "2823-3".into(), "Potassium"), "subject": {"reference": "Patient/p"},
            "effectiveDateTime": format!("2026-0{}-10T09:00:00Z", 1 + i),
            "valueQuantity": {"value": 3.0 + i as f64 * 0.4, "unit": "mmol/L"},
            "referenceRange": [{"low": {"value": 3.5}, "high": {"value": 5.3}}]}));
    }
    for i in 0..2 {
        push(
            json!({"resourceType": "DocumentReference", "id": format!("d{i}"), "status": "current", "description": "Letter",
            "content": [{"attachment": {"contentType": "text/plain", "data": "U2VlbiBpbiBjbGluaWMu"}}]}),
        );
        push(json!({"resourceType": "Encounter", "id": format!("e{i}"), "status": "finished",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
            "period": {"start": "2026-09-03T10:30:00Z"}}));
    }
    json!({"resourceType": "Bundle", "type": "collection", "entry": entries}).to_string().into_bytes()
}

#[tokio::main]
async fn main() {
    let mut patients = 10_000usize;
    let mut url = format!("sqlite://{}/carebook-bench-ingest.db", std::env::temp_dir().display());
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--patients" => patients = args.next().and_then(|n| n.parse().ok()).expect("--patients N"),
            "--database-url" => url = args.next().expect("--database-url URL"),
            other => panic!("unknown argument {other}"),
        }
    }
    if let Some(path) = url.strip_prefix("sqlite://") {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{path}{suffix}"));
        }
    }
    let (store, _) = carebook_server::database::open_store(&url, 16).await.expect("the database opens");
    let population = carebook_core::demo::generate_with(carebook_core::demo::DEFAULT_SEED, patients);
    store.replace_population(&population).await.expect("the population loads");
    let services = carebook_server::database::services(store, Arc::new(SystemClock));
    let practice = population.organisations.iter().find(|o| o.kind == OrganisationKind::GpPractice).unwrap();
    let source = services
        .record
        .register_source(NewSource {
            organisation_id: practice.organisation_id,
            kind: SourceKind::GpSystem,
            client_id: "bench-gp".into(),
            public_key_pem: "bench: no key".into(),
            name: "GP record".into(),
        })
        .await
        .unwrap();
    let bodies: Vec<Vec<u8>> =
        population.patients.iter().map(|p| bundle(p.nhs_number.as_str(), &p.date_of_birth.to_string())).collect();
    let started = Instant::now();
    let mut resources = 0u64;
    for body in &bodies {
        let receipt = services.record.ingest(&source, body).await.expect("accepted");
        resources += u64::from(receipt.resources);
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{} ({}): {} bundles, {} resources in {:.1} s: {:.0} resources a second",
        if url.starts_with("postgres") { "PostgreSQL" } else { "SQLite" },
        if cfg!(debug_assertions) { "debug build" } else { "release build" },
        bodies.len(),
        resources,
        seconds,
        resources as f64 / seconds
    );
}
