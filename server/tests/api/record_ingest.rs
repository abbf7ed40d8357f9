//! Sources sending records over HTTP: the client-credentials token (an RS512
//! client assertion, RFC 7523) and `POST /fhir/r4` with a Bundle, accepted
//! or refused whole with an OperationOutcome naming the FHIR path, and never
//! a 5xx.

use carebook_conformance::small_population;
use carebook_core::model::{OrganisationKind, Patient};
use carebook_core::record::service::NewSource;
use carebook_core::record::{RecordQuery, RecordSource, SourceKind};
use carebook_server::auth::keys::RsaKey;
use carebook_server::startup::Mode;
use serde_json::{json, Value};

use crate::helpers::{scratch_dir, spawn_with, test_config, TestApp};

const NHS: &str = "https://fhir.nhs.uk/Id/nhs-number";

struct World {
    app: TestApp,
    key: RsaKey,
    source: RecordSource,
    patient: Patient,
}

async fn world() -> World {
    let dir = scratch_dir();
    let app = spawn_with(test_config(&dir), Mode::Serve, dir).await;
    let population = small_population();
    app.services.store_for_tests().replace_population(&population).await.unwrap();
    let key = RsaKey::generate("hospital-1").unwrap();
    let trust = population.organisations.iter().find(|o| o.kind == OrganisationKind::AcuteTrust).unwrap();
    let source = app
        .services
        .record
        .register_source(NewSource {
            organisation_id: trust.organisation_id,
            kind: SourceKind::AcuteTrust,
            client_id: "hospital-epr".into(),
            public_key_pem: key.public_pem().unwrap(),
            name: "Hospital patient record".into(),
        })
        .await
        .unwrap();
    World { patient: population.patients[0].clone(), app, key, source }
}

impl World {
    fn token_url(&self) -> String {
        format!("{}/oauth2/token", self.app.address)
    }

    async fn token_with(&self, assertion: &str) -> reqwest::Response {
        self.app
            .client
            .post(self.token_url())
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
                ("client_assertion", assertion),
            ])
            .send()
            .await
            .unwrap()
    }

    async fn token(&self) -> String {
        let assertion = self
            .key
            .client_assertion("hospital-epr", &self.token_url(), "RS512", time::OffsetDateTime::now_utc())
            .unwrap();
        let response = self.token_with(&assertion).await;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["expires_in"], 300);
        body["access_token"].as_str().unwrap().to_string()
    }

    async fn send(&self, token: &str, body: impl Into<reqwest::Body>) -> (u16, Value) {
        let response = self
            .app
            .client
            .post(format!("{}/fhir/r4", self.app.address))
            .bearer_auth(token)
            .header("content-type", "application/fhir+json")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        assert_eq!(response.headers()["content-type"], "application/fhir+json; charset=utf-8");
        (status, response.json().await.unwrap())
    }

    fn patient_resource(&self) -> Value {
        json!({"resourceType": "Patient", "id": "p", "birthDate": self.patient.date_of_birth.to_string(),
               "identifier": [{"system": NHS, "value": self.patient.nhs_number.as_str()}]})
    }

    fn bundle(&self, resources: Vec<Value>) -> String {
        let mut entries = vec![json!({"resource": self.patient_resource()})];
        entries.extend(resources.into_iter().map(|r| json!({"resource": r})));
        json!({"resourceType": "Bundle", "type": "transaction", "entry": entries}).to_string()
    }

    async fn stored(&self) -> usize {
        let query = RecordQuery {
            patient_id: self.patient.patient_id,
            include_withheld: true,
            summary_only: false,
            record_source_id: None,
            labels: carebook_core::record::staff::SharingChoices::ALL,
        };
        self.app.services.store_for_tests().record_items(&query).await.unwrap().len()
    }
}

fn condition(display: &str, last_updated: &str) -> Value {
    json!({"resourceType": "Condition", "id": "cond-1", "meta": {"lastUpdated": last_updated},
           "code": {"coding": [{"system": "http://snomed.info/sct", "code": "195967001", "display": display}]},
           "subject": {"reference": "Patient/p"}, "onsetDateTime": "2015-06-01"})
}

#[tokio::test]
async fn a_source_with_a_signed_assertion_gets_a_token_and_its_bundle_is_stored_then_updated() {
    let w = world().await;
    let token = w.token().await;

    let (status, first) = w.send(&token, w.bundle(vec![condition("Asthma", "2026-11-01T10:00:00Z")])).await;
    let (again, second) = w.send(&token, w.bundle(vec![condition("Asthma (resolved)", "2026-11-02T10:00:00Z")])).await;
    let (late, third) = w.send(&token, w.bundle(vec![condition("Older", "2026-10-01T10:00:00Z")])).await;

    assert_eq!((status, again, late), (200, 200, 200), "{first} {second} {third}");
    assert_eq!(first["issue"][0]["diagnostics"], "accepted");
    assert!(second["issue"][0]["details"]["text"].as_str().unwrap().contains("1 updated"), "{second}");
    assert!(third["issue"][0]["details"]["text"].as_str().unwrap().contains("1 left as they were"), "{third}");
    assert_eq!(w.stored().await, 1, "updated, never duplicated");
    let log = w.app.services.record.ingest_log(&w.source, 10).await.unwrap();
    assert_eq!(log.len(), 3);
}

#[tokio::test]
async fn an_assertion_with_the_wrong_key_algorithm_audience_or_client_gets_no_token() {
    let w = world().await;
    let now = time::OffsetDateTime::now_utc();
    let stranger = RsaKey::generate("stranger").unwrap();
    let assertions = [
        stranger.client_assertion("hospital-epr", &w.token_url(), "RS512", now).unwrap(),
        w.key.client_assertion("hospital-epr", &w.token_url(), "RS256", now).unwrap(),
        w.key.client_assertion("hospital-epr", "https://elsewhere.example/oauth2/token", "RS512", now).unwrap(),
        w.key.client_assertion("someone-else", &w.token_url(), "RS512", now).unwrap(),
        w.key.client_assertion("hospital-epr", &w.token_url(), "RS512", now - time::Duration::minutes(10)).unwrap(),
        "not.a.jwt".to_string(),
    ];
    for assertion in assertions {
        let response = w.token_with(&assertion).await;
        assert_eq!(response.status(), 401);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "invalid_client");
    }
    let wrong_grant = w.app.client.post(w.token_url()).form(&[("grant_type", "password")]).send().await.unwrap();
    assert_eq!(wrong_grant.status(), 400);
    assert_eq!(wrong_grant.json::<Value>().await.unwrap()["error"], "unsupported_grant_type");
}

#[tokio::test]
async fn a_bundle_without_a_valid_token_is_refused_and_nothing_is_stored() {
    let w = world().await;
    let body = w.bundle(vec![condition("Asthma", "2026-11-01T10:00:00Z")]);
    let no_token = w.app.client.post(format!("{}/fhir/r4", w.app.address)).body(body.clone()).send().await.unwrap();
    assert_eq!(no_token.status(), 401);
    assert_eq!(no_token.headers()["www-authenticate"], "Bearer");
    let (status, outcome) = w.send("made-up", body).await;
    assert_eq!((status, outcome["issue"][0]["diagnostics"].as_str()), (401, Some("invalid_token")));
    assert_eq!(w.stored().await, 0);
}

#[tokio::test]
async fn each_malformed_bundle_is_refused_naming_the_fhir_path_and_nothing_is_stored() {
    let w = world().await;
    let token = w.token().await;
    let good = condition("Asthma", "2026-11-01T10:00:00Z");
    let mut wrong_system = w.patient_resource();
    wrong_system["identifier"][0]["system"] = json!("https://example.org/nhs");
    let mut unknown = w.patient_resource();
    unknown["identifier"][0]["value"] = json!("9999999999");
    let mut born_other_day = w.patient_resource();
    born_other_day["birthDate"] = json!(w.patient.date_of_birth.next_day().unwrap().to_string());
    let with_patient = |patient: Value| {
        json!({"resourceType": "Bundle", "type": "batch", "entry": [{"resource": patient}, {"resource": good.clone()}]})
            .to_string()
    };
    let letter = |attachment: Value| {
        w.bundle(vec![
            good.clone(),
            json!({"resourceType": "DocumentReference", "id": "d1", "status": "current", "content": [{"attachment": attachment}]}),
        ])
    };
    let cases: Vec<(String, u16, &str, &str)> = vec![
        ("{\"resourceType\": \"Bundle\",".into(), 400, "malformed_json", "Bundle"),
        ("[]".into(), 400, "not_a_bundle", "Bundle"),
        (json!({"resourceType": "Patient"}).to_string(), 422, "not_a_bundle", "resourceType"),
        (
            json!({"resourceType": "Bundle", "type": "document", "entry": []}).to_string(),
            422,
            "bundle_type",
            "Bundle.type",
        ),
        (
            w.bundle(vec![good.clone(), json!({"resourceType": "Basic", "id": "b"})]),
            422,
            "unsupported_resource_type",
            "Bundle.entry[2].resource.resourceType",
        ),
        (
            w.bundle(vec![good.clone(), json!({"resourceType": "Observation", "id": "o", "status": "final"})]),
            422,
            "missing_element",
            "Bundle.entry[2].resource.code",
        ),
        (
            w.bundle(vec![json!({"resourceType": "Condition", "subject": {}})]),
            422,
            "missing_id",
            "Bundle.entry[1].resource.id",
        ),
        (with_patient(wrong_system), 422, "nhs_number_system", "Bundle.entry[0].resource.identifier[0].system"),
        (with_patient(unknown), 422, "patient_not_found", "Patient.identifier"),
        (with_patient(born_other_day), 422, "patient_mismatch", "Patient.birthDate"),
        (
            letter(json!({"contentType": "application/pdf", "size": 6 * 1024 * 1024})),
            422,
            "attachment_too_large",
            "Bundle.entry[2].resource.content[0].attachment.data",
        ),
        (
            letter(json!({"contentType": "image/svg+xml", "data": "PHN2Zz4="})),
            422,
            "attachment_type",
            "Bundle.entry[2].resource.content[0].attachment.contentType",
        ),
        (
            w.bundle(vec![
                json!({"resourceType": "Condition", "id": "c", "subject": {}, "onsetDateTime": "last spring"}),
            ]),
            422,
            "invalid_date",
            "Bundle.entry[1].resource.onsetDateTime",
        ),
    ];
    for (body, status, code, expression) in cases {
        let (got, outcome) = w.send(&token, body).await;
        assert_eq!(got, status, "{code}: {outcome}");
        assert_eq!(outcome["resourceType"], "OperationOutcome");
        assert_eq!(outcome["issue"][0]["diagnostics"], code, "{outcome}");
        assert_eq!(outcome["issue"][0]["expression"][0], expression, "{outcome}");
        assert!(!outcome["issue"][0]["details"]["text"].as_str().unwrap().is_empty());
    }
    assert_eq!(w.stored().await, 0, "nothing stored from any of them");
}

#[tokio::test]
async fn no_body_makes_the_ingest_answer_a_5xx() {
    let w = world().await;
    let token = w.token().await;
    let deep = "[".repeat(10_000) + &"]".repeat(10_000);
    let bodies: Vec<Vec<u8>> = vec![
        vec![],
        b"null".to_vec(),
        b"1e999999".to_vec(),
        vec![0xff, 0xfe, 0x00],
        deep.into_bytes(),
        json!({"resourceType": "Bundle", "type": "collection", "entry": [1, "x", null, {"resource": []}]})
            .to_string()
            .into_bytes(),
        json!({"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {"resourceType": 7}}]})
            .to_string()
            .into_bytes(),
        w.bundle(vec![json!({"resourceType": "Condition", "id": "x".repeat(65), "subject": {}})]).into_bytes(),
        w.bundle(vec![json!({"resourceType": "Observation", "id": "o", "status": 1, "code": {}})]).into_bytes(),
        w.bundle(vec![json!({"resourceType": "Condition", "id": "c", "subject": {}, "meta": {"lastUpdated": 5}})])
            .into_bytes(),
    ];
    for body in bodies {
        let (status, outcome) = w.send(&token, body).await;
        assert!((400..500).contains(&status), "{status} {outcome}");
        assert_eq!(outcome["resourceType"], "OperationOutcome");
    }
    assert_eq!(w.stored().await, 0);
}

#[tokio::test]
async fn carebook_import_loads_a_directory_of_bundles_with_the_same_rules() {
    let w = world().await;
    let bundles = w.app.dir.join("bundles");
    std::fs::create_dir_all(&bundles).unwrap();
    std::fs::write(bundles.join("001.json"), w.bundle(vec![condition("Asthma", "2026-11-01T10:00:00Z")])).unwrap();
    std::fs::write(bundles.join("002.json"), w.bundle(vec![json!({"resourceType": "Basic", "id": "b"})])).unwrap();
    std::fs::write(bundles.join("003.json"), "{ not json").unwrap();
    std::fs::write(bundles.join("notes.txt"), "not a bundle file").unwrap();

    let summary = carebook_server::import::run(&test_config(&w.app.dir), &bundles, "hospital-epr").await.unwrap();

    assert_eq!((summary.files, summary.accepted, summary.resources), (3, 1, 1));
    let codes: Vec<&str> = summary.refused.iter().map(|(_, code, _)| code.as_str()).collect();
    assert_eq!(codes, ["unsupported_resource_type", "malformed_json"]);
    assert_eq!(w.stored().await, 1);
    assert!(carebook_server::import::run(&test_config(&w.app.dir), &bundles, "nobody").await.is_err());
}
