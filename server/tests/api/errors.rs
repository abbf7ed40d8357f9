//! Every error under `/api/v1` is an RFC 9457 problem
//! (`application/problem+json`, a stable `code`) and every error under
//! `/fhir/r4` an OperationOutcome (`application/fhir+json`), whoever
//! answered it: the handlers, axum's extractors (a missing query field, a
//! body that is not JSON or not sent as JSON, a path that is not an id), an
//! address with no route, a method an address does not take, and the
//! same-origin check in front. And the OpenAPI document lists, for every
//! operation, each of those statuses with `application/problem+json`.

use serde_json::Value;

use crate::fhir::{login, validate};
use crate::helpers::{spawn_demo, TestApp};

const P9: &str = "9990000018";

struct Answer {
    status: u16,
    content_type: String,
    allow: Option<String>,
    body: Value,
}

async fn read(r: reqwest::Response) -> Answer {
    let status = r.status().as_u16();
    let header = |name: &str| r.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let content_type = header("content-type").unwrap_or_default();
    let allow = header("allow");
    let text = r.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{status} {content_type}: not JSON: {text}"));
    Answer { status, content_type, allow, body }
}

/// A problem with this status and code, its `type` naming the code.
fn is_problem(a: &Answer, status: u16, code: &str) {
    assert_eq!(a.status, status, "{:#}", a.body);
    assert_eq!(a.content_type, "application/problem+json", "{:#}", a.body);
    assert_eq!(a.body["status"], status, "{:#}", a.body);
    assert_eq!(a.body["code"], code, "{:#}", a.body);
    assert_eq!(a.body["type"], format!("https://carebook.example.org/problems/{code}"));
    assert!(a.body["title"].is_string() && a.body["detail"].as_str().is_some_and(|d| !d.is_empty()), "{:#}", a.body);
}

/// An OperationOutcome with this status and an issue of this type.
fn is_outcome(a: &Answer, status: u16, code: &str) {
    assert_eq!(a.status, status, "{:#}", a.body);
    assert!(a.content_type.starts_with("application/fhir+json"), "{}", a.content_type);
    assert_eq!(a.body["resourceType"], "OperationOutcome", "{:#}", a.body);
    assert!(a.body["issue"].as_array().unwrap().iter().any(|i| i["code"] == code), "{code}: {:#}", a.body);
}

fn url(app: &TestApp, path: &str) -> String {
    format!("{}{path}", app.address)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_error_under_the_json_api_is_a_problem() {
    let app = spawn_demo().await;
    let me = login(&app, "patient", P9).await;
    let anonymous = &app.client;

    // A missing query field, for someone logged in and for nobody alike.
    for client in [&me, anonymous] {
        let a = read(client.get(url(&app, "/api/v1/availability?from=2027-01-04&to=2027-01-05")).send().await.unwrap())
            .await;
        is_problem(&a, 400, "invalid_request");
        assert!(a.body["detail"].as_str().unwrap().contains("service"), "{:#}", a.body);
    }
    // A query value of the wrong kind.
    let a = read(me.get(url(&app, "/api/v1/appointments?patient_id=someone")).send().await.unwrap()).await;
    is_problem(&a, 400, "invalid_request");
    assert!(a.body["detail"].as_str().unwrap().contains("UUID"), "{:#}", a.body);

    let post = |path: &str, content_type: &str, body: &str| {
        me.post(url(&app, path))
            .header("origin", &app.address)
            .header("content-type", content_type)
            .body(body.to_string())
            .send()
    };
    let slot = r#"{"slot_id":"6a1f4b4e-2f7c-4d43-9a55-0d1d1b3c9e10"}"#;
    // The wrong content type.
    let a = read(post("/api/v1/holds", "text/plain", slot).await.unwrap()).await;
    is_problem(&a, 415, "unsupported_media_type");
    assert!(a.body["detail"].as_str().unwrap().contains("application/json"), "{:#}", a.body);
    // No content type at all.
    let a = read(
        me.post(url(&app, "/api/v1/appointments")).header("origin", &app.address).body(slot).send().await.unwrap(),
    )
    .await;
    is_problem(&a, 415, "unsupported_media_type");
    // Malformed JSON.
    let a = read(post("/api/v1/appointments", "application/json", r#"{"slot_id": "#).await.unwrap()).await;
    is_problem(&a, 400, "invalid_request");
    assert!(a.body["detail"].as_str().unwrap().contains("not valid JSON"), "{:#}", a.body);
    // JSON without a field the operation needs, and with one of the wrong type.
    let a = read(post("/api/v1/holds", "application/json", r#"{"note":"x"}"#).await.unwrap()).await;
    is_problem(&a, 400, "invalid_request");
    assert!(a.body["detail"].as_str().unwrap().contains("slot_id"), "{:#}", a.body);
    let a = read(post("/api/v1/holds", "application/json", r#"{"slot_id":7}"#).await.unwrap()).await;
    is_problem(&a, 400, "invalid_request");
    // A path that is not an appointment's id.
    let a =
        read(post("/api/v1/appointments/not-a-uuid/cancel", "application/json", r#"{"reason":"x"}"#).await.unwrap())
            .await;
    is_problem(&a, 400, "invalid_request");
    // An Idempotency-Key with a character the document does not allow.
    let a = read(
        me.post(url(&app, "/api/v1/appointments"))
            .header("origin", &app.address)
            .header("idempotency-key", "tab\tinside")
            .header("content-type", "application/json")
            .body(slot)
            .send()
            .await
            .unwrap(),
    )
    .await;
    is_problem(&a, 400, "invalid_request");

    // Unknown addresses under the API, for someone logged in and for nobody.
    for client in [&me, anonymous] {
        for path in ["/api/v1/nothing", "/api/v1", "/api/v1/", "/api/v1/appointments/x/y/z", "/api/v1/holds/"] {
            let a = read(client.get(url(&app, path)).send().await.unwrap()).await;
            is_problem(&a, 404, "not_found");
        }
    }
    // A method an address does not take: 405 with Allow.
    let a = read(me.get(url(&app, "/api/v1/holds")).send().await.unwrap()).await;
    is_problem(&a, 405, "method_not_allowed");
    assert_eq!(a.allow.as_deref(), Some("POST"));
    let a =
        read(me.delete(url(&app, "/api/v1/appointments")).header("origin", &app.address).send().await.unwrap()).await;
    is_problem(&a, 405, "method_not_allowed");
    let allow = a.allow.unwrap();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    let a = read(anonymous.put(url(&app, "/api/v1/openapi.json")).send().await.unwrap()).await;
    is_problem(&a, 405, "method_not_allowed");

    // The same-origin check in front of the API answers a problem too.
    let a = read(
        me.post(url(&app, "/api/v1/holds"))
            .header("origin", "https://elsewhere.example")
            .header("content-type", "application/json")
            .body(slot)
            .send()
            .await
            .unwrap(),
    )
    .await;
    is_problem(&a, 403, "forbidden");

    // Outside the API nothing changes: the site's own not-found page.
    let r = anonymous.get(url(&app, "/api/v2/nothing")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_error_under_the_fhir_api_is_an_operation_outcome() {
    let app = spawn_demo().await;
    let me = login(&app, "patient", P9).await;
    let anonymous = &app.client;
    let mut outcomes = Vec::new();

    // A search parameter that cannot be read.
    let a = read(me.get(url(&app, "/fhir/r4/Slot?start=someday")).send().await.unwrap()).await;
    is_outcome(&a, 400, "invalid");
    outcomes.push(a.body);

    let create = |content_type: &str, body: &str| {
        me.post(url(&app, "/fhir/r4/Appointment"))
            .header("origin", &app.address)
            .header("content-type", content_type)
            .body(body.to_string())
            .send()
    };
    // The wrong content type, and none.
    let a = read(create("text/plain", "{}").await.unwrap()).await;
    is_outcome(&a, 415, "not-supported");
    outcomes.push(a.body);
    let a = read(
        me.post(url(&app, "/fhir/r4/Appointment")).header("origin", &app.address).body("{}").send().await.unwrap(),
    )
    .await;
    is_outcome(&a, 415, "not-supported");
    // Malformed JSON.
    let a = read(create("application/fhir+json", r#"{"resourceType": "#).await.unwrap()).await;
    is_outcome(&a, 400, "structure");
    outcomes.push(a.body);
    // An id in the path that is not even UTF-8, for nobody and someone alike.
    for client in [&me, anonymous] {
        let a = read(client.get(url(&app, "/fhir/r4/Appointment/%FF%FE")).send().await.unwrap()).await;
        is_outcome(&a, 400, "invalid");
        outcomes.push(a.body);
    }

    // Unknown addresses: resource types this server does not have, and the base.
    for client in [&me, anonymous] {
        for path in ["/fhir/r4/Patient", "/fhir/r4/Patient/123", "/fhir/r4", "/fhir/r4/", "/fhir/r4/Appointment/x/y"] {
            let a = read(client.get(url(&app, path)).send().await.unwrap()).await;
            is_outcome(&a, 404, "not-supported");
            outcomes.push(a.body);
        }
    }
    // A method an address does not take: 405 with Allow.
    let a =
        read(me.delete(url(&app, "/fhir/r4/Appointment/x")).header("origin", &app.address).send().await.unwrap()).await;
    is_outcome(&a, 405, "not-supported");
    let allow = a.allow.unwrap();
    assert!(allow.contains("GET") && allow.contains("PATCH") && !allow.contains("DELETE"), "{allow}");
    outcomes.push(a.body);
    let a = read(anonymous.post(url(&app, "/fhir/r4/metadata")).body("{}").send().await.unwrap()).await;
    is_outcome(&a, 405, "not-supported");
    assert_eq!(a.allow.as_deref(), Some("GET,HEAD"));
    let a = read(anonymous.put(url(&app, "/fhir/r4/Slot")).send().await.unwrap()).await;
    is_outcome(&a, 405, "not-supported");

    // The same-origin check in front answers an OperationOutcome too.
    let a = read(
        me.post(url(&app, "/fhir/r4/Appointment"))
            .header("origin", "https://elsewhere.example")
            .header("content-type", "application/fhir+json")
            .body("{}")
            .send()
            .await
            .unwrap(),
    )
    .await;
    is_outcome(&a, 403, "forbidden");
    outcomes.push(a.body);

    // Each of them is a valid FHIR R4 OperationOutcome.
    validate(outcomes).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_lists_every_error_as_a_problem() {
    let app = spawn_demo().await;
    let doc: Value = app.client.get(url(&app, "/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.contains_key("/api/v1/patients/{patient_id}"));
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            let responses = operation["responses"].as_object().unwrap();
            let has_body = operation.get("requestBody").is_some();
            let mut expected = vec!["400", "401", "403", "404", "503"];
            if has_body {
                expected.extend(["413", "415"]);
            }
            for status in expected {
                assert!(responses.contains_key(status), "{method} {path} does not list {status}");
            }
            for (status, response) in responses {
                let content = response["content"].as_object().unwrap();
                if status.starts_with('2') {
                    assert!(content.contains_key("application/json"), "{method} {path} {status}");
                } else {
                    assert_eq!(
                        content.keys().collect::<Vec<_>>(),
                        ["application/problem+json"],
                        "{method} {path} {status}"
                    );
                    assert_eq!(
                        response["content"]["application/problem+json"]["schema"]["$ref"],
                        "#/components/schemas/Problem"
                    );
                }
            }
            assert_eq!(operation["security"][0]["session"], serde_json::json!([]), "{method} {path}");
        }
    }
    // Query parameters are in the query, with the kinds of value they take.
    let parameters = doc["paths"]["/api/v1/availability"]["get"]["parameters"].as_array().unwrap();
    assert!(parameters.iter().all(|p| p["in"] == "query"), "{parameters:#?}");
    assert_eq!(parameters[0]["schema"]["$ref"], "#/components/schemas/Service");
    assert_eq!(parameters[1]["schema"]["format"], "date");
    assert_eq!(doc["components"]["securitySchemes"]["session"]["in"], "cookie");
    assert_eq!(doc["components"]["securitySchemes"]["session"]["name"], "carebook_session");
}
