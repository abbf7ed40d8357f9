//! Booking over JSON: availability, hold, book, amend, cancel and the list
//! of appointments. Each handler is a thin adapter over
//! `carebook_core::booking::service::BookingService`, which asks the access
//! policy and the booking rules; the OpenAPI document is generated from
//! these types and annotations (utoipa).

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use carebook_core::access::{Actor, Refusal};
use carebook_core::booking::service::{BookingAsk, BookingError};
use carebook_core::booking::{view, Appointment, ServiceKind};
use carebook_core::model::AuditOutcome;
use carebook_session::CurrentLogin;
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::format_description::well_known::Rfc3339;
use utoipa::openapi::path::Operation;
use utoipa::openapi::{self, RefOr};
use utoipa::{IntoParams, Modify, ToSchema};
use uuid::Uuid;

use super::extract::{JsonBody, PathParams, QueryParams};
use super::{actor, problem};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct Place {
    pub name: String,
    pub ods_code: String,
}

/// A time someone may book.
#[derive(Debug, Serialize, ToSchema)]
pub struct SlotView {
    pub slot_id: Uuid,
    /// RFC 3339, UTC.
    pub starts_at: String,
    pub ends_at: String,
    /// The time in Europe/London, e.g. "Monday 4 January 2027, 9:30am".
    pub local_time: String,
    /// e.g. gp_appointment, nurse, diabetes_review.
    pub service: String,
    /// face_to_face, telephone or video.
    pub channel: String,
    pub organisation: Place,
    pub location: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SlotList {
    pub slots: Vec<SlotView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AppointmentView {
    pub appointment_id: Uuid,
    pub patient_id: Uuid,
    /// booked, arrived, completed, did_not_attend, cancelled_by_patient,
    /// cancelled_by_practice or moved.
    pub status: String,
    pub note: Option<String>,
    /// Rises with every move.
    pub sequence: i32,
    pub slot: SlotView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AppointmentList {
    pub appointments: Vec<AppointmentView>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AvailabilityQuery {
    /// gp_appointment, nurse, healthcare_assistant, phlebotomy,
    /// diabetes_review, copd_review, medication_review.
    #[param(value_type = Service)]
    pub service: String,
    /// First London date, YYYY-MM-DD.
    #[param(value_type = String, format = Date)]
    pub from: String,
    /// Last London date, YYYY-MM-DD: on or after `from` and at most 28 days
    /// after it (400 `invalid_request` otherwise).
    #[param(value_type = String, format = Date)]
    pub to: String,
    /// Staff only: whose availability. A patient's own by default.
    #[param(value_type = Uuid, required = false)]
    pub patient_id: Option<Uuid>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct HoldRequest {
    pub slot_id: Uuid,
    /// Whose hold; the caller's own by default.
    #[schema(schema_with = nullable_uuid)]
    pub patient_id: Option<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HoldView {
    pub slot_id: Uuid,
    /// RFC 3339: the hold lapses by itself then.
    pub held_until: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct BookRequest {
    pub slot_id: Uuid,
    /// Whose appointment; the caller's own by default.
    #[schema(schema_with = nullable_uuid)]
    pub patient_id: Option<Uuid>,
    /// For the clinician, up to 500 characters.
    #[schema(max_length = 500)]
    pub note: Option<String>,
    /// Staff only: why a booking rule is overridden.
    pub override_reason: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AmendRequest {
    /// The slot to move to.
    pub slot_id: Uuid,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CancelRequest {
    /// Why, up to 500 characters, with at least one that is not a space.
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = r"[^\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
    )]
    pub reason: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AppointmentsQuery {
    /// Staff only: whose appointments. A patient's own by default.
    #[param(value_type = Uuid, required = false)]
    pub patient_id: Option<Uuid>,
}

/// An RFC 9457 problem (`application/problem+json`).
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// `https://carebook.example.org/problems/{code}`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    /// What happened and what to do, in words.
    pub detail: String,
    /// Stable: not_logged_in (401), needs_p9 and forbidden (403),
    /// not_found (404), method_not_allowed (405), invalid_request (400),
    /// too_large (413), unsupported_media_type (415), rules_not_met,
    /// invalid and idempotency_key_reused (422), slot_taken, too_late and
    /// appointment_changed (409), unavailable and busy (503).
    pub code: String,
    /// rules_not_met: each rule not met, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasons: Option<Vec<String>>,
    /// slot_taken: other times that may be booked instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alternatives: Option<Vec<SlotView>>,
}

/// A patient as the API shows them: who they are and where they are
/// registered.
#[derive(Debug, Serialize, ToSchema)]
pub struct PatientView {
    pub patient_id: Uuid,
    pub given_name: String,
    pub family_name: String,
    pub practice: Option<Place>,
}

/// A service, as the availability query names it (`ServiceKind`'s codes).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum Service {
    GpAppointment,
    Nurse,
    HealthcareAssistant,
    Phlebotomy,
    DiabetesReview,
    CopdReview,
    MedicationReview,
}

/// A UUID or null, as one of two schemas: the type list
/// `["string", "null"]` with `format: uuid` lets some generators take the
/// format for the string only loosely.
fn nullable_uuid() -> openapi::Schema {
    openapi::schema::OneOfBuilder::new()
        .item(
            openapi::ObjectBuilder::new()
                .schema_type(openapi::Type::String)
                .format(Some(openapi::SchemaFormat::KnownFormat(openapi::KnownFormat::Uuid))),
        )
        .item(openapi::ObjectBuilder::new().schema_type(openapi::Type::Null))
        .build()
        .into()
}

fn invalid(detail: &str) -> Response {
    problem(StatusCode::BAD_REQUEST, "invalid_request", "Invalid request", detail)
}

/// Whose data: the caller's own, or (staff, proxies) the one named.
fn whose(actor: &Actor, named: Option<Uuid>) -> Result<Uuid, Response> {
    match (actor, named) {
        (Actor::Anonymous, _) => {
            Err(problem(StatusCode::UNAUTHORIZED, "not_logged_in", "Log in", "Log in to use this."))
        }
        (Actor::PartlyVerified { .. }, _) => Err(problem(
            StatusCode::FORBIDDEN,
            "needs_p9",
            "Prove who you are",
            "NHS login must check your identity fully before you can book.",
        )),
        (_, Some(id)) => Ok(id),
        (Actor::Patient(p), None) => Ok(p.patient_id),
        (Actor::Staff(_), None) => Err(invalid("Name the patient with patient_id.")),
    }
}

/// The answer for a booking failure: the core's code as a status and
/// words. Refusals are audited and look like "not found".
async fn failure(state: &AppState, actor: &Actor, target: (&str, Uuid), action: &str, e: BookingError) -> Response {
    if let BookingError::NotAllowed(r) = &e {
        if *r != Refusal::NeedsFullIdentityCheck {
            crate::audit::audit_target(
                state,
                actor.clone(),
                action,
                target.0,
                target.1,
                AuditOutcome::Refused,
                Some(r.as_str()),
            )
            .await;
        }
    }
    let code = e.code();
    match e {
        BookingError::RulesNotMet(explanation) => {
            let reasons: Vec<String> = explanation.failed().map(|c| c.explanation.clone()).collect();
            let mut body = json!({
                "type": "https://carebook.example.org/problems/rules_not_met",
                "title": "This time cannot be booked",
                "status": 422,
                "detail": reasons.join(" "),
                "code": code,
            });
            body["reasons"] = json!(reasons);
            problem_json(StatusCode::UNPROCESSABLE_ENTITY, body)
        }
        BookingError::JustTaken { alternatives } => {
            let views = match state.services.booking.slot_views(&alternatives).await {
                Ok(v) => v.iter().map(slot_view).collect(),
                Err(e) => {
                    tracing::error!(error = %e, action, "alternatives could not be shown");
                    Vec::new()
                }
            };
            let body = json!({
                "type": "https://carebook.example.org/problems/slot_taken",
                "title": "That time has just been taken",
                "status": 409,
                "detail": "Someone else booked this time a moment ago. Choose another time.",
                "code": code,
                "alternatives": views,
            });
            problem_json(StatusCode::CONFLICT, body)
        }
        BookingError::TooLate(message) => problem(StatusCode::CONFLICT, code, "Too late to change online", &message),
        BookingError::Invalid(message) => {
            problem(StatusCode::UNPROCESSABLE_ENTITY, code, "Check what you sent", &message)
        }
        e => match code {
            "not_logged_in" => problem(StatusCode::UNAUTHORIZED, code, "Log in", "Log in to use this."),
            "needs_p9" => problem(
                StatusCode::FORBIDDEN,
                code,
                "Prove who you are",
                "NHS login must check your identity fully before you can book.",
            ),
            "not_found" => problem(StatusCode::NOT_FOUND, code, "Not found", "There is nothing here that you can see."),
            "appointment_changed" => problem(
                StatusCode::CONFLICT,
                code,
                "The appointment has changed",
                "This appointment was changed or cancelled meanwhile. Look at your appointments again.",
            ),
            "idempotency_key_reused" => problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                code,
                "Idempotency-Key reused",
                "This Idempotency-Key was used for a different booking. Use a new key for a new booking.",
            ),
            _ => {
                tracing::error!(error = %e, action, "booking failed");
                super::unavailable()
            }
        },
    }
}

fn problem_json(status: StatusCode, body: serde_json::Value) -> Response {
    (status, [(header::CONTENT_TYPE, "application/problem+json"), (header::CACHE_CONTROL, "no-store")], Json(body))
        .into_response()
}

/// A slot as the API shows it, from the core's view of it.
fn slot_view(v: &view::SlotView) -> SlotView {
    SlotView {
        slot_id: v.slot.slot_id,
        starts_at: v.slot.starts_at.format(&Rfc3339).unwrap_or_default(),
        ends_at: v.slot.ends_at.format(&Rfc3339).unwrap_or_default(),
        local_time: v.when.clone(),
        service: v.slot.service.as_str().to_string(),
        channel: v.slot.channel.as_str().to_string(),
        organisation: Place {
            name: v.organisation.name.clone(),
            ods_code: v.organisation.ods_code.as_str().to_string(),
        },
        location: v.location.name.clone(),
    }
}

fn appointment_view(v: &view::AppointmentView) -> AppointmentView {
    let a = &v.appointment;
    AppointmentView {
        appointment_id: a.appointment_id,
        patient_id: a.patient_id,
        status: a.status.as_str().to_string(),
        note: a.note.clone(),
        sequence: a.sequence,
        slot: slot_view(&v.slot),
    }
}

/// The appointment just booked, moved or cancelled, as shown.
async fn shown(state: &AppState, a: &Appointment) -> Option<AppointmentView> {
    state.services.booking.appointment_view(a).await.ok().map(|v| appointment_view(&v))
}

/// 1 to 200 visible ASCII characters, spaces only inside: the header's
/// documented pattern, `^[!-~]([ -~]*[!-~])?$`.
fn idempotency_key_is_valid(k: &[u8]) -> bool {
    let visible = |b: &u8| (b'!'..=b'~').contains(b);
    (1..=200).contains(&k.len())
        && k.iter().all(|b| *b == b' ' || visible(b))
        && k.first().is_some_and(visible)
        && k.last().is_some_and(visible)
}

/// A calendar date written exactly `YYYY-MM-DD` (RFC 3339's full-date:
/// four digits of year, no sign), as the document's `format: date` says.
pub(crate) fn calendar_day(s: &str) -> Option<time::Date> {
    let shaped = s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    if !shaped {
        return None;
    }
    time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()
}

/// Free times the caller may book, at their practice and their federation's hub.
#[utoipa::path(get, path = "/api/v1/availability", params(AvailabilityQuery),
    responses((status = 200, description = "The free times", body = SlotList)))]
pub async fn availability(
    State(state): State<AppState>,
    Extension(current): Extension<CurrentLogin>,
    QueryParams(q): QueryParams<AvailabilityQuery>,
) -> Response {
    let actor = actor(&current);
    let patient_id = match whose(&actor, q.patient_id) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some(service) = ServiceKind::parse(&q.service) else {
        return invalid("service must be one of gp_appointment, nurse, healthcare_assistant, phlebotomy, diabetes_review, copd_review, medication_review.");
    };
    let (Some(from), Some(to)) = (calendar_day(&q.from), calendar_day(&q.to)) else {
        return invalid("from and to must be dates written YYYY-MM-DD.");
    };
    if to < from || (to - from).whole_days() > 28 {
        return invalid("to must be on or after from, and at most 28 days later.");
    }
    let start = carebook_core::london::resolve(from, time::Time::MIDNIGHT);
    let end = carebook_core::london::resolve(to.next_day().unwrap_or(to), time::Time::MIDNIGHT);
    match state.services.booking.availability(&actor, patient_id, service, start, end).await {
        Ok(slots) => match state.services.booking.slot_views(&slots).await {
            Ok(views) => Json(SlotList { slots: views.iter().map(slot_view).collect() }).into_response(),
            Err(e) => failure(&state, &actor, ("patient", patient_id), "availability", e).await,
        },
        Err(e) => failure(&state, &actor, ("patient", patient_id), "availability", e).await,
    }
}

/// Hold a time for five minutes while the patient confirms.
#[utoipa::path(post, path = "/api/v1/holds", request_body = HoldRequest,
    responses((status = 201, description = "Held", body = HoldView)))]
pub async fn hold(
    State(state): State<AppState>,
    Extension(current): Extension<CurrentLogin>,
    JsonBody(body): JsonBody<HoldRequest>,
) -> Response {
    let actor = actor(&current);
    let patient_id = match whose(&actor, body.patient_id) {
        Ok(p) => p,
        Err(r) => return r,
    };
    match state.services.booking.hold(&actor, patient_id, body.slot_id).await {
        Ok(slot) => (
            StatusCode::CREATED,
            Json(HoldView {
                slot_id: slot.slot_id,
                held_until: slot.held_until.and_then(|t| t.format(&Rfc3339).ok()).unwrap_or_default(),
            }),
        )
            .into_response(),
        Err(e) => failure(&state, &actor, ("patient", patient_id), "hold", e).await,
    }
}

/// Book. A retried request with the same `Idempotency-Key` returns the first
/// appointment, never a second one.
#[utoipa::path(post, path = "/api/v1/appointments", request_body = BookRequest,
    params(("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 200, pattern = r"^[!-~]([ -~]*[!-~])?$",
        description = "Makes retries safe: 1 to 200 visible ASCII characters")),
    responses((status = 201, description = "Booked", body = AppointmentView,
        headers(("Location" = String, description = "The appointment's address")))))]
pub async fn book(
    State(state): State<AppState>,
    Extension(current): Extension<CurrentLogin>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<BookRequest>,
) -> Response {
    let actor = actor(&current);
    let patient_id = match whose(&actor, body.patient_id) {
        Ok(p) => p,
        Err(r) => return r,
    };
    if body.note.as_deref().is_some_and(|n| n.chars().count() > 500) {
        return invalid("The note must be 500 characters or fewer.");
    }
    let key = match headers.get("idempotency-key").map(|v| v.as_bytes()) {
        None => None,
        Some(k) if idempotency_key_is_valid(k) => Some(String::from_utf8_lossy(k).into_owned()),
        Some(_) => return invalid("Idempotency-Key must be 1 to 200 visible ASCII characters (spaces only inside)."),
    };
    let ask = BookingAsk {
        patient_id,
        slot_id: body.slot_id,
        note: body.note,
        idempotency_key: key,
        override_reason: body.override_reason,
    };
    match state.services.booking.book_with_slot(&actor, &ask).await {
        Ok(booked) => match state.services.booking.booked_view(&booked).await {
            Ok(v) => (
                StatusCode::CREATED,
                [(header::LOCATION, format!("/api/v1/appointments/{}", booked.appointment.appointment_id))],
                Json(appointment_view(&v)),
            )
                .into_response(),
            Err(e) => {
                tracing::error!(error = %e, "the appointment booked could not be shown");
                super::unavailable()
            }
        },
        Err(e) => failure(&state, &actor, ("patient", patient_id), "book", e).await,
    }
}

/// Appointments, newest first.
#[utoipa::path(get, path = "/api/v1/appointments", params(AppointmentsQuery),
    responses((status = 200, description = "The appointments", body = AppointmentList)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(current): Extension<CurrentLogin>,
    QueryParams(q): QueryParams<AppointmentsQuery>,
) -> Response {
    let actor = actor(&current);
    let patient_id = match whose(&actor, q.patient_id) {
        Ok(p) => p,
        Err(r) => return r,
    };
    match state.services.booking.appointment_views(&actor, patient_id).await {
        Ok(list) => {
            let mut out: Vec<AppointmentView> = list.iter().map(appointment_view).collect();
            out.sort_by(|a, b| b.slot.starts_at.cmp(&a.slot.starts_at));
            Json(AppointmentList { appointments: out }).into_response()
        }
        Err(e) => failure(&state, &actor, ("patient", patient_id), "appointments_view", e).await,
    }
}

/// Move to another time: the new time is taken and the old freed together,
/// or nothing changes.
#[utoipa::path(post, path = "/api/v1/appointments/{appointment_id}/amend", request_body = AmendRequest,
    params(("appointment_id" = Uuid, Path)),
    responses((status = 200, description = "Moved", body = AppointmentView)))]
pub async fn amend(
    State(state): State<AppState>,
    Extension(current): Extension<CurrentLogin>,
    PathParams(appointment_id): PathParams<Uuid>,
    JsonBody(body): JsonBody<AmendRequest>,
) -> Response {
    let actor = actor(&current);
    if let Err(r) = whose(&actor, Some(Uuid::nil())) {
        return r;
    }
    match state.services.booking.amend(&actor, appointment_id, body.slot_id).await {
        Ok(a) => match shown(&state, &a).await {
            Some(v) => Json(v).into_response(),
            None => super::unavailable(),
        },
        Err(e) => failure(&state, &actor, ("appointment", appointment_id), "amend", e).await,
    }
}

/// Cancel, with a reason. Patients until the cut-off; staff any time.
#[utoipa::path(post, path = "/api/v1/appointments/{appointment_id}/cancel", request_body = CancelRequest,
    params(("appointment_id" = Uuid, Path)),
    responses((status = 200, description = "Cancelled", body = AppointmentView)))]
pub async fn cancel(
    State(state): State<AppState>,
    Extension(current): Extension<CurrentLogin>,
    PathParams(appointment_id): PathParams<Uuid>,
    JsonBody(body): JsonBody<CancelRequest>,
) -> Response {
    let actor = actor(&current);
    if let Err(r) = whose(&actor, Some(Uuid::nil())) {
        return r;
    }
    if body.reason.trim().is_empty() || body.reason.chars().count() > 500 {
        return invalid("Give a reason for cancelling, up to 500 characters.");
    }
    match state.services.booking.cancel(&actor, appointment_id, &body.reason).await {
        Ok(a) => match shown(&state, &a).await {
            Some(v) => Json(v).into_response(),
            None => super::unavailable(),
        },
        Err(e) => failure(&state, &actor, ("appointment", appointment_id), "cancel", e).await,
    }
}

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "carebook booking API",
        version = "1",
        description = "Book, move and cancel GP practice and hub appointments. Errors are RFC 9457 problem+json with a stable `code`."
    ),
    paths(availability, hold, book, list, amend, cancel, super::patient),
    modifiers(&Errors),
    components(schemas(
        PatientView,
        Service,
        SlotView,
        SlotList,
        Place,
        AppointmentView,
        AppointmentList,
        HoldRequest,
        HoldView,
        BookRequest,
        AmendRequest,
        CancelRequest,
        Problem
    ))
)]
pub struct ApiDoc;

/// The errors each operation can answer, by (method, path): every one is
/// `application/problem+json` with the [`Problem`] schema. Added here, in
/// one place, so that no operation leaves one out.
const ERRORS: &[(&str, &str, &[u16])] = &[
    ("get", "/api/v1/availability", &[400, 401, 403, 404, 503]),
    ("post", "/api/v1/holds", &[400, 401, 403, 404, 409, 413, 415, 422, 503]),
    ("post", "/api/v1/appointments", &[400, 401, 403, 404, 409, 413, 415, 422, 503]),
    ("get", "/api/v1/appointments", &[400, 401, 403, 404, 503]),
    ("post", "/api/v1/appointments/{appointment_id}/amend", &[400, 401, 403, 404, 409, 413, 415, 422, 503]),
    ("post", "/api/v1/appointments/{appointment_id}/cancel", &[400, 401, 403, 404, 409, 413, 415, 503]),
    ("get", "/api/v1/patients/{patient_id}", &[400, 401, 403, 404, 503]),
];

fn error_description(status: u16, method: &str, path: &str) -> &'static str {
    match (status, method, path) {
        (400, ..) => {
            "invalid_request: a parameter or the body is missing, malformed or out of range; the detail says which"
        }
        (401, ..) => "not_logged_in: log in first (the carebook_session cookie)",
        (403, "get", _) => "needs_p9: NHS login must check the patient's identity fully first",
        (403, ..) => {
            "needs_p9: NHS login must check the patient's identity fully first; forbidden: a request from another site"
        }
        (404, ..) => "not_found: nothing here that the caller may see (a refusal answers the same)",
        (409, _, "/api/v1/holds") | (409, _, "/api/v1/appointments") => {
            "slot_taken, with alternatives: someone else has just taken the time"
        }
        (409, _, p) if p.ends_with("/amend") => "slot_taken (with alternatives), too_late or appointment_changed",
        (409, ..) => "too_late or appointment_changed",
        (413, ..) => "too_large: the body is larger than this API takes",
        (415, ..) => "unsupported_media_type: send the body as application/json",
        (422, _, "/api/v1/appointments") => "rules_not_met (with reasons), invalid or idempotency_key_reused",
        (422, ..) => "rules_not_met (with reasons) or invalid",
        _ => "unavailable, or busy (with Retry-After): try again later",
    }
}

/// Adds [`ERRORS`] to the document, and the session cookie as its security.
struct Errors;

impl Modify for Errors {
    fn modify(&self, doc: &mut openapi::OpenApi) {
        use openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme};
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "carebook_session",
                "The session cookie: log in at /auth/patient/start (NHS login) or /auth/staff/start.",
            ))),
        );
        for (method, path, statuses) in ERRORS {
            let Some(item) = doc.paths.paths.get_mut(*path) else { continue };
            let operation: Option<&mut Operation> = match *method {
                "get" => item.get.as_mut(),
                "post" => item.post.as_mut(),
                _ => None,
            };
            let Some(operation) = operation else { continue };
            operation.security = Some(vec![SecurityRequirement::new("session", Vec::<String>::new())]);
            for status in *statuses {
                let content =
                    openapi::ContentBuilder::new().schema(Some(openapi::Ref::from_schema_name("Problem"))).build();
                let mut response = openapi::ResponseBuilder::new()
                    .description(error_description(*status, method, path))
                    .content("application/problem+json", content);
                if *status == 503 {
                    response = response.header(
                        "Retry-After",
                        openapi::HeaderBuilder::new()
                            .schema(openapi::ObjectBuilder::new().schema_type(openapi::Type::Integer))
                            .description(Some("Seconds to wait (busy)"))
                            .build(),
                    );
                }
                operation.responses.responses.insert(status.to_string(), RefOr::T(response.build()));
            }
        }
    }
}

/// The OpenAPI document: the generated one, with examples for the
/// availability query that find times (tomorrow to a week ahead, in London,
/// from `today`), so that trying it out finds something.
pub fn document(today: time::Date) -> serde_json::Value {
    use utoipa::OpenApi as _;
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    let examples = [
        ("service", ServiceKind::GpAppointment.as_str().to_string()),
        ("from", today.next_day().unwrap_or(today).to_string()),
        ("to", (today + time::Duration::days(7)).to_string()),
    ];
    let at = "/paths/~1api~1v1~1availability/get/parameters";
    if let Some(parameters) = doc.pointer_mut(at).and_then(|p| p.as_array_mut()) {
        for parameter in parameters {
            if let Some((_, value)) = examples.iter().find(|(name, _)| parameter["name"] == *name) {
                parameter["example"] = json!(value);
            }
        }
    }
    doc
}

pub async fn openapi(State(state): State<AppState>) -> Response {
    let doc = document(carebook_core::london::today(state.services.clock.now()));
    ([(header::CONTENT_TYPE, "application/json")], serde_json::to_string_pretty(&doc).unwrap_or_default())
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The operations the document describes, as (method, path).
    fn documented() -> Vec<(String, String)> {
        use utoipa::OpenApi as _;
        let doc = ApiDoc::openapi();
        let mut out = Vec::new();
        for (path, item) in doc.paths.paths {
            if item.get.is_some() {
                out.push(("get".to_string(), path.clone()));
            }
            if item.post.is_some() {
                out.push(("post".to_string(), path.clone()));
            }
        }
        out
    }

    #[test]
    fn an_idempotency_key_is_visible_ascii_with_spaces_only_inside() {
        for good in ["k", "key-1", "a b", &"x".repeat(200)] {
            assert!(idempotency_key_is_valid(good.as_bytes()), "{good}");
        }
        for bad in ["", " k", "k ", "a\tb", "caf\u{e9}", &"x".repeat(201)] {
            assert!(!idempotency_key_is_valid(bad.as_bytes()), "{bad:?}");
        }
    }

    #[test]
    fn a_date_is_four_digits_of_year_a_month_and_a_day() {
        assert_eq!(calendar_day("2027-01-04"), Some(time::macros::date!(2027 - 01 - 04)));
        assert!(calendar_day("0000-01-01").is_some() && calendar_day("9999-12-31").is_some());
        for bad in ["-0001-01-01", "+2027-01-04", "-001-01-01", "2027-1-04", "2027-02-29", "20270104", "2027-01-04 "] {
            assert_eq!(calendar_day(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_availability_examples_are_the_coming_week() {
        let doc = document(time::macros::date!(2027 - 01 - 04));
        let parameters = doc.pointer("/paths/~1api~1v1~1availability/get/parameters").unwrap();
        assert_eq!(parameters[0]["example"], "gp_appointment");
        assert_eq!(parameters[1]["example"], "2027-01-05");
        assert_eq!(parameters[2]["example"], "2027-01-11");
    }

    #[test]
    fn the_documented_services_are_the_cores() {
        use utoipa::OpenApi as _;
        let doc: serde_json::Value = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let documented: Vec<&str> = doc["components"]["schemas"]["Service"]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        let core: Vec<&str> = ServiceKind::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(documented, core);
    }

    #[test]
    fn every_operation_lists_its_errors_as_problems() {
        let documented = documented();
        assert_eq!(documented.len(), ERRORS.len(), "{documented:?}");
        for (method, path) in &documented {
            assert!(ERRORS.iter().any(|(m, p, _)| m == method && p == path), "{method} {path} has no error list");
        }
        use utoipa::OpenApi as _;
        let doc: serde_json::Value = serde_json::to_value(ApiDoc::openapi()).unwrap();
        for (method, path, statuses) in ERRORS {
            let responses = &doc["paths"][path][method]["responses"];
            for status in *statuses {
                let content = &responses[status.to_string()]["content"];
                assert!(content["application/problem+json"].is_object(), "{method} {path} {status}: {responses}");
                assert!(content.get("application/json").is_none());
            }
        }
    }
}
