//! `GET /fhir/r4/metadata`: what this server does, as a CapabilityStatement.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use super::{base_url, codes, fhir};
use crate::state::AppState;

/// When this statement last changed (a FHIR dateTime).
const DATE: &str = "2026-11-25";

fn param(name: &str, kind: &str, definition: Option<&str>, documentation: &str) -> Value {
    let mut v = json!({ "name": name, "type": kind, "documentation": documentation });
    if let Some(d) = definition {
        v["definition"] = Value::String(d.to_string());
    }
    v
}

pub fn statement(base: &str) -> Value {
    let version = env!("CARGO_PKG_VERSION");
    json!({
        "resourceType": "CapabilityStatement",
        "id": "carebook",
        "url": format!("{base}/metadata"),
        "version": version,
        "name": "CarebookBookingApi",
        "title": "carebook FHIR R4 booking API",
        "status": "active",
        "experimental": false,
        "date": DATE,
        "publisher": "carebook",
        "description": "Find free appointment slots at a patient's GP practice and their federation's hub, book them, list a patient's appointments and cancel them. The same rules and access policy as carebook's pages.",
        "kind": "instance",
        "software": { "name": "carebook", "version": version },
        "implementation": { "description": "carebook booking API", "url": base },
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "patchFormat": ["application/json-patch+json"],
        "rest": [{
            "mode": "server",
            "documentation": "Every interaction but this statement needs a logged-in session (the carebook_session cookie from /auth/patient/start, NHS login at P9, or /auth/staff/start). A patient reaches their own appointments and those they hold proxy access to; staff those of their organisation's patients. Whatever a caller may not see answers 404, as if it did not exist. Errors are OperationOutcome resources.",
            "security": {
                "cors": false,
                "service": [{ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/restful-security-service", "code": "OAuth", "display": "OAuth" }], "text": "OpenID Connect log-in (NHS login for patients, a CIS2-style provider for staff) establishing a session cookie" }],
                "description": "Log in through carebook's OpenID Connect relying party; the API reads the session cookie."
            },
            "resource": [
                {
                    "type": "Slot",
                    "documentation": "Only the free slots that the patient may book now under carebook's booking rules are found.",
                    "interaction": [{ "code": "search-type", "documentation": "GET [base]/Slot?service-type=...&start=ge...&start=le...&status=free&_include=Slot:schedule" }],
                    "searchInclude": ["Slot:schedule"],
                    "searchParam": [
                        param("service-type", "token", Some("http://hl7.org/fhir/SearchParameter/Slot-service-type"), &format!("A service: a code of {} (for example gp_appointment, nurse, phlebotomy, diabetes_review) or its SNOMED CT code where it has one. Comma-separated for several; every service when absent.", codes::SERVICE_KIND_SYSTEM)),
                        param("start", "date", Some("http://hl7.org/fhir/SearchParameter/Slot-start"), "With ge, gt, le, lt or eq; a date (London) or a dateTime with its offset. Up to two. From now to 14 days ahead when absent; never more than the booking horizon."),
                        param("status", "token", Some("http://hl7.org/fhir/SearchParameter/Slot-status"), "Only free slots are ever found."),
                        param("patient", "reference", None, "Staff (and proxies): Patient/{id} of the patient the slots are for. A patient defaults to themselves."),
                    ],
                },
                {
                    "type": "Schedule",
                    "documentation": "One per clinician and organisation, returned with Slot searches by _include=Slot:schedule; the clinician by reference, the locations contained with their organisation's ODS code.",
                },
                {
                    "type": "Appointment",
                    "documentation": "Book by POST with a participant Patient/{id} and one slot Slot/{id} (an Idempotency-Key header makes a retry return the first appointment); 409 with an OperationOutcome when the slot was just taken, 422 when the booking rules are not met. Cancel by PATCH with a JSON Patch replacing /status with \"cancelled\" (optionally adding /cancelationReason with a text), with If-Match carrying the ETag: 428 without it, 412 when it is stale, 422 past the patient cut-off.",
                    "interaction": [
                        { "code": "read" },
                        { "code": "search-type" },
                        { "code": "create" },
                        { "code": "patch", "documentation": "Cancelling only: application/json-patch+json, If-Match required." },
                    ],
                    "versioning": "versioned-update",
                    "readHistory": false,
                    "updateCreate": false,
                    "conditionalCreate": false,
                    "conditionalUpdate": false,
                    "conditionalDelete": "not-supported",
                    "searchParam": [
                        param("patient", "reference", Some("http://hl7.org/fhir/SearchParameter/Appointment-patient"), "Patient/{id}; a patient defaults to themselves."),
                        param("status", "token", Some("http://hl7.org/fhir/SearchParameter/Appointment-status"), "booked, arrived, fulfilled, noshow or cancelled; comma-separated for several."),
                    ],
                },
            ],
        }],
    })
}

pub async fn metadata(State(state): State<AppState>, headers: HeaderMap) -> Response {
    fhir(StatusCode::OK, &statement(&base_url(&state, &headers)))
}
