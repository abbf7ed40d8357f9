//! Appointments: `POST /fhir/r4/Appointment` books a slot,
//! `GET /fhir/r4/Appointment/{id}` and `GET /fhir/r4/Appointment?patient=`
//! read them, `PATCH /fhir/r4/Appointment/{id}` (JSON Patch, `If-Match`)
//! cancels one.

use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use carebook_core::access::Actor;
use carebook_core::booking::rules::Outcome;
use carebook_core::booking::service::{BookingAsk, BookingError};
use carebook_core::booking::view::AppointmentView;
use carebook_core::booking::{Appointment, AppointmentStatus};
use carebook_session as session;
use serde_json::Value;
use uuid::Uuid;

use super::resources;
use super::{
    authorise, bad_request, base_url, codes, error, etag, fhir, if_match_version, logged_in, not_found, outcome,
    patient_reference, reference_id, refusal, unavailable, Body, Id, Issue,
};
use crate::state::AppState;

/// The most an Idempotency-Key may hold.
const MAX_KEY: usize = 200;
const DEFAULT_REASON: &str = "Cancelled online";

fn unprocessable(code: &'static str, text: &str, at: &str) -> Response {
    outcome(StatusCode::UNPROCESSABLE_ENTITY, vec![Issue::error(code, text).at(at)])
}

fn invalid(text: &str) -> Box<Response> {
    Box::new(bad_request(text))
}

fn rejected(code: &'static str, text: &str, at: &str) -> Box<Response> {
    Box::new(unprocessable(code, text, at))
}

fn media_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
        .unwrap_or_default()
}

/// The appointment as a resource, from the core's view of it.
async fn resource(state: &AppState, a: &Appointment) -> Result<Value, Response> {
    match state.services.booking.appointment_view(a).await {
        Ok(v) => Ok(resources::appointment(&v)),
        Err(e) => {
            tracing::error!(error = %e, "appointment could not be shown");
            Err(unavailable())
        }
    }
}

/// The resource with its ETag, as read or changed.
async fn answer(state: &AppState, status: StatusCode, a: &Appointment, location: Option<String>) -> Response {
    let resource = match resource(state, a).await {
        Ok(r) => r,
        Err(answer) => return answer,
    };
    let mut response = fhir(status, &resource);
    let h = response.headers_mut();
    h.insert(header::ETAG, etag(&resources::appointment_version(a)));
    if let Some(l) = location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        h.insert(header::LOCATION, l);
    }
    response
}

/// A booking failure as an OperationOutcome, by the core's stable code
/// (each issue's diagnostics).
fn booking_failure(e: BookingError) -> Response {
    let code = e.code();
    match e {
        BookingError::RulesNotMet(explanation) => {
            let issues = explanation
                .checks
                .iter()
                .filter(|c| c.outcome == Outcome::Failed)
                .map(|c| {
                    Issue::error("business-rule", c.explanation.clone()).diagnostics(
                        serde_json::to_value(c.rule)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default(),
                    )
                })
                .collect();
            outcome(StatusCode::UNPROCESSABLE_ENTITY, issues)
        }
        BookingError::JustTaken { alternatives } => {
            let mut issues = vec![Issue::error("conflict", "That time has just been taken by someone else.")
                .diagnostics(code)
                .at("Appointment.slot[0]")];
            for s in alternatives {
                issues.push(Issue {
                    severity: "information",
                    code: "informational",
                    text: format!("Also free: {} ({})", resources::instant(s.starts_at), s.service.label()),
                    diagnostics: Some(format!("Slot/{}", s.slot_id)),
                    expression: None,
                });
            }
            outcome(StatusCode::CONFLICT, issues)
        }
        BookingError::TooLate(why) => {
            outcome(StatusCode::UNPROCESSABLE_ENTITY, vec![Issue::error("business-rule", why).diagnostics(code)])
        }
        BookingError::Invalid(why) => {
            outcome(StatusCode::UNPROCESSABLE_ENTITY, vec![Issue::error("invalid", why).diagnostics(code)])
        }
        e => match code {
            "appointment_changed" => outcome(
                StatusCode::CONFLICT,
                vec![Issue::error(
                    "conflict",
                    "The appointment has changed and can no longer be cancelled; read it again.",
                )
                .diagnostics(code)],
            ),
            // A refusal reads as "not found", whatever its reason.
            "not_found" | "needs_p9" | "not_logged_in" => not_found(),
            "idempotency_key_reused" => unprocessable(
                "duplicate",
                "This Idempotency-Key was used for another booking; use a new key for each booking.",
                "Appointment",
            ),
            _ => {
                tracing::error!(error = %e, "booking failed");
                unavailable()
            }
        },
    }
}

/// What a booking request asks for.
#[derive(Debug, PartialEq, Eq)]
struct Ask {
    patient_id: Uuid,
    slot_id: Uuid,
    note: Option<String>,
}

fn read_ask(body: &Value) -> Result<Ask, Box<Response>> {
    if body.get("resourceType").and_then(Value::as_str) != Some("Appointment") {
        return Err(invalid("The body must be an Appointment resource."));
    }
    match body.get("status").and_then(Value::as_str) {
        Some("booked" | "proposed" | "pending") => {}
        Some(_) => return Err(rejected("value", "A new appointment's status must be booked.", "Appointment.status")),
        None => return Err(rejected("required", "Appointment.status is required (booked).", "Appointment.status")),
    }
    let slots: Vec<&Value> = body.get("slot").and_then(Value::as_array).map(|a| a.iter().collect()).unwrap_or_default();
    let slot_id = match slots.as_slice() {
        [one] => one.get("reference").and_then(Value::as_str).and_then(|r| reference_id(r, "Slot")),
        _ => None,
    };
    let Some(slot_id) = slot_id else {
        return Err(rejected("required", "Give exactly one slot: {\"reference\": \"Slot/{id}\"}.", "Appointment.slot"));
    };
    let mut patients: Vec<Uuid> = body
        .get("participant")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| p.pointer("/actor/reference").and_then(Value::as_str))
        .filter_map(|r| reference_id(r, "Patient"))
        .collect();
    patients.sort();
    patients.dedup();
    let [patient_id] = patients.as_slice() else {
        return Err(rejected(
            "required",
            "Give exactly one participant whose actor is {\"reference\": \"Patient/{id}\"}.",
            "Appointment.participant",
        ));
    };
    let note = match body.get("comment") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(invalid("Appointment.comment must be a string.")),
    };
    Ok(Ask { patient_id: *patient_id, slot_id, note })
}

pub async fn create(
    State(state): State<AppState>,
    axum::Extension(current): axum::Extension<session::CurrentLogin>,
    headers: HeaderMap,
    Body(body): Body,
) -> Response {
    let actor = crate::api::actor(&current);
    if let Err(answer) = logged_in(&actor) {
        return *answer;
    }
    let media = media_type(&headers);
    if media != "application/fhir+json" && media != "application/json" {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "not-supported",
            "Send the Appointment as application/fhir+json.",
        );
    }
    let key = match headers.get("idempotency-key").map(|v| v.to_str()) {
        None => None,
        Some(Ok(k)) if !k.trim().is_empty() && k.len() <= MAX_KEY => Some(k.trim().to_string()),
        Some(_) => return bad_request("Idempotency-Key: at most 200 visible characters."),
    };
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return error(StatusCode::BAD_REQUEST, "structure", "The body is not JSON.");
    };
    let ask = match read_ask(&body) {
        Ok(a) => a,
        Err(answer) => return *answer,
    };
    if let Err(answer) = authorise(&state, &actor, ask.patient_id, "fhir_appointment_book").await {
        return answer;
    }
    let booking = BookingAsk {
        patient_id: ask.patient_id,
        slot_id: ask.slot_id,
        note: ask.note,
        idempotency_key: key,
        override_reason: None,
    };
    match state.services.booking.book(&actor, &booking).await {
        Ok(a) => {
            let base = base_url(&state, &headers);
            let location =
                format!("{base}/Appointment/{}/_history/{}", a.appointment_id, resources::appointment_version(&a));
            answer(&state, StatusCode::CREATED, &a, Some(location)).await
        }
        // A slot that does not exist is a fault in the request, not a
        // missing page.
        Err(BookingError::NotFound) => unprocessable("not-found", "There is no such slot.", "Appointment.slot[0]"),
        Err(e) => booking_failure(e),
    }
}

/// The appointment, if the caller may see its patient's appointments; one
/// answer (404) for "no such appointment" and "not yours".
async fn reachable(state: &AppState, actor: &Actor, id: &str, action: &str) -> Result<Appointment, Response> {
    let Ok(id) = Uuid::parse_str(id) else {
        return Err(not_found());
    };
    match state.services.access.appointment(actor, id).await {
        Ok(a) => Ok(a),
        Err(denial) => {
            crate::api::record(state, actor, action, &denial).await;
            Err(refusal(denial.code()))
        }
    }
}

pub async fn read(
    State(state): State<AppState>,
    axum::Extension(current): axum::Extension<session::CurrentLogin>,
    headers: HeaderMap,
    Id(id): Id,
) -> Response {
    let actor = crate::api::actor(&current);
    if let Err(answer) = logged_in(&actor) {
        return *answer;
    }
    let a = match reachable(&state, &actor, &id, "fhir_appointment_read").await {
        Ok(a) => a,
        Err(answer) => return answer,
    };
    let version = resources::appointment_version(&a);
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .and_then(if_match_version)
        .is_some_and(|v| v == version);
    if unchanged {
        let mut r = StatusCode::NOT_MODIFIED.into_response();
        r.headers_mut().insert(header::ETAG, etag(&version));
        return r;
    }
    answer(&state, StatusCode::OK, &a, None).await
}

pub async fn search(
    State(state): State<AppState>,
    axum::Extension(current): axum::Extension<session::CurrentLogin>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let actor = crate::api::actor(&current);
    if let Err(answer) = logged_in(&actor) {
        return *answer;
    }
    let mut patient = None;
    let mut statuses: Option<Vec<String>> = None;
    for (key, value) in url::form_urlencoded::parse(raw.as_deref().unwrap_or("").as_bytes()) {
        match key.as_ref() {
            "patient" => match patient_reference(&value) {
                Some(id) => patient = Some(id),
                None => return bad_request("patient: give Patient/{id}"),
            },
            "status" => statuses.get_or_insert_with(Vec::new).extend(value.split(',').map(|s| s.trim().to_string())),
            _ => {}
        }
    }
    let patient_id = match (patient, &actor) {
        (Some(id), _) => id,
        (None, Actor::Patient(p)) => p.patient_id,
        (None, _) => return bad_request("patient: staff must say whose appointments (patient=Patient/{id})"),
    };
    if let Err(answer) = authorise(&state, &actor, patient_id, "fhir_appointment_search").await {
        return answer;
    }
    let appointments = match state.services.booking.appointment_views(&actor, patient_id).await {
        Ok(a) => a,
        Err(e) if matches!(e.code(), "not_found" | "needs_p9" | "not_logged_in") => return not_found(),
        Err(e) => {
            tracing::error!(error = %e, "appointment search failed");
            return unavailable();
        }
    };
    let wanted = |v: &&AppointmentView| {
        statuses.as_ref().is_none_or(|w| w.iter().any(|s| s == codes::appointment_status(v.appointment.status)))
    };
    let entries: Vec<(Value, &'static str)> =
        appointments.iter().filter(wanted).map(|v| (resources::appointment(v), "match")).collect();
    let base = base_url(&state, &headers);
    let mut link = url::form_urlencoded::Serializer::new(String::new());
    link.append_pair("patient", &format!("Patient/{patient_id}"));
    if let Some(s) = &statuses {
        link.append_pair("status", &s.join(","));
    }
    let link = format!("{base}/Appointment?{}", link.finish());
    let now = state.services.clock.now();
    let total = entries.len();
    fhir(StatusCode::OK, &resources::searchset(&base, link, now, total, entries))
}

/// What a JSON Patch asks of an appointment: only cancelling, with an
/// optional reason. `test` operations are checked against `current`.
fn read_patch(patch: &Value, current: &Value) -> Result<Option<String>, Box<Response>> {
    let Some(ops) = patch.as_array() else {
        return Err(invalid("The body must be a JSON Patch: an array of operations."));
    };
    let mut cancels = false;
    let mut reason = None;
    for op in ops {
        let kind = op.get("op").and_then(Value::as_str).unwrap_or("");
        let path = op.get("path").and_then(Value::as_str).unwrap_or("");
        let value = op.get("value");
        match (kind, path) {
            ("test", _) => {
                if current.pointer(path) != value {
                    return Err(rejected(
                        "processing",
                        &format!("The patch's test of {path} failed: the appointment is not as expected."),
                        "Appointment",
                    ));
                }
            }
            ("replace" | "add", "/status") => {
                if value.and_then(Value::as_str) != Some("cancelled") {
                    return Err(rejected(
                        "not-supported",
                        "Only cancelling is supported here: the status can only become cancelled.",
                        "Appointment.status",
                    ));
                }
                cancels = true;
            }
            ("replace" | "add", "/cancelationReason") => {
                let text = value
                    .and_then(|v| v.get("text").or_else(|| v.pointer("/coding/0/display")))
                    .and_then(Value::as_str)
                    .map(str::trim)
                    .filter(|t| !t.is_empty());
                reason = text.map(str::to_string);
            }
            _ => {
                return Err(rejected(
                    "not-supported",
                    "Only cancelling is supported: replace /status with \"cancelled\" (and add /cancelationReason with a text if you like).",
                    "Appointment",
                ))
            }
        }
    }
    if !cancels {
        return Err(rejected("required", "The patch must replace /status with \"cancelled\".", "Appointment.status"));
    }
    Ok(reason)
}

pub async fn patch(
    State(state): State<AppState>,
    axum::Extension(current): axum::Extension<session::CurrentLogin>,
    headers: HeaderMap,
    Id(id): Id,
    Body(body): Body,
) -> Response {
    let actor = crate::api::actor(&current);
    if let Err(answer) = logged_in(&actor) {
        return *answer;
    }
    let a = match reachable(&state, &actor, &id, "fhir_appointment_cancel").await {
        Ok(a) => a,
        Err(answer) => return answer,
    };
    let Some(if_match) = headers.get(header::IF_MATCH) else {
        return error(
            StatusCode::PRECONDITION_REQUIRED,
            "required",
            "Send If-Match with the appointment's ETag, so that a change made meanwhile is not overwritten.",
        );
    };
    if media_type(&headers) != "application/json-patch+json" {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "not-supported",
            "Send a JSON Patch (application/json-patch+json).",
        );
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return error(StatusCode::BAD_REQUEST, "structure", "The body is not JSON.");
    };
    let current_version = resources::appointment_version(&a);
    let matches = if_match.to_str().ok().and_then(if_match_version).is_some_and(|v| v == current_version);
    if !matches {
        let mut r = error(
            StatusCode::PRECONDITION_FAILED,
            "conflict",
            "The appointment has changed since you read it (If-Match does not match its ETag); read it again.",
        );
        r.headers_mut().insert(header::ETAG, etag(&current_version));
        return r;
    }
    let current_resource = match resource(&state, &a).await {
        Ok(r) => r,
        Err(answer) => return answer,
    };
    let reason = match read_patch(&body, &current_resource) {
        Ok(r) => r,
        Err(answer) => return *answer,
    };
    // Cancelling what is already cancelled changes nothing.
    if matches!(
        a.status,
        AppointmentStatus::CancelledByPatient | AppointmentStatus::CancelledByPractice | AppointmentStatus::Moved
    ) {
        return answer(&state, StatusCode::OK, &a, None).await;
    }
    let reason = reason.unwrap_or_else(|| DEFAULT_REASON.to_string());
    match state.services.booking.cancel(&actor, a.appointment_id, &reason).await {
        Ok(cancelled) => answer(&state, StatusCode::OK, &cancelled, None).await,
        Err(e) => booking_failure(e),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_booking_names_one_patient_and_one_slot() {
        let p = Uuid::new_v4();
        let s = Uuid::new_v4();
        let body = json!({
            "resourceType": "Appointment", "status": "booked", "comment": "knee",
            "slot": [{ "reference": format!("Slot/{s}") }],
            "participant": [{ "actor": { "reference": format!("Patient/{p}") }, "status": "accepted" },
                            { "actor": { "reference": "Practitioner/x" }, "status": "accepted" }]
        });
        assert_eq!(read_ask(&body).unwrap(), Ask { patient_id: p, slot_id: s, note: Some("knee".into()) });
        let mut no_slot = body.clone();
        no_slot["slot"] = json!([]);
        assert_eq!(read_ask(&no_slot).unwrap_err().status(), StatusCode::UNPROCESSABLE_ENTITY);
        let mut two = body.clone();
        two["participant"][1]["actor"]["reference"] = json!(format!("Patient/{}", Uuid::new_v4()));
        assert_eq!(read_ask(&two).unwrap_err().status(), StatusCode::UNPROCESSABLE_ENTITY);
        let mut fulfilled = body.clone();
        fulfilled["status"] = json!("fulfilled");
        assert_eq!(read_ask(&fulfilled).unwrap_err().status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(read_ask(&json!({ "resourceType": "Patient" })).unwrap_err().status(), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn a_patch_may_only_cancel() {
        let current = json!({ "status": "booked" });
        let cancel = json!([{ "op": "replace", "path": "/status", "value": "cancelled" }]);
        assert_eq!(read_patch(&cancel, &current).unwrap(), None);
        let with_reason = json!([
            { "op": "test", "path": "/status", "value": "booked" },
            { "op": "replace", "path": "/status", "value": "cancelled" },
            { "op": "add", "path": "/cancelationReason", "value": { "text": "Feeling better" } }
        ]);
        assert_eq!(read_patch(&with_reason, &current).unwrap(), Some("Feeling better".into()));
        let failed_test = json!([
            { "op": "test", "path": "/status", "value": "arrived" },
            { "op": "replace", "path": "/status", "value": "cancelled" }
        ]);
        assert!(read_patch(&failed_test, &current).is_err());
        let moves = json!([{ "op": "replace", "path": "/start", "value": "2030-01-01T09:00:00Z" }]);
        assert!(read_patch(&moves, &current).is_err());
        assert!(read_patch(&json!([{ "op": "replace", "path": "/status", "value": "noshow" }]), &current).is_err());
        assert!(read_patch(&json!([]), &current).is_err());
        assert!(read_patch(&json!({ "status": "cancelled" }), &current).is_err());
    }
}
