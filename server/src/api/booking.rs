//! Booking over JSON: availability, hold, book, amend, cancel and the list
//! of appointments. Each handler is a thin adapter over
//! `carebook_core::booking::service::BookingService`, which asks the access
//! policy and the booking rules; the OpenAPI document is generated from
//! these types and annotations (utoipa).

use axum::extract::{Path, Query, State};
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
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

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
pub struct AvailabilityQuery {
    /// gp_appointment, nurse, healthcare_assistant, phlebotomy,
    /// diabetes_review, copd_review, medication_review.
    pub service: String,
    /// First London date, YYYY-MM-DD.
    pub from: String,
    /// Last London date, YYYY-MM-DD (at most 28 days after `from`).
    pub to: String,
    /// Staff only: whose availability. A patient's own by default.
    pub patient_id: Option<Uuid>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct HoldRequest {
    pub slot_id: Uuid,
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
    pub patient_id: Option<Uuid>,
    /// For the clinician, up to 500 characters.
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
    pub reason: String,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct AppointmentsQuery {
    /// Staff only: whose appointments. A patient's own by default.
    pub patient_id: Option<Uuid>,
}

/// An RFC 9457 problem (`application/problem+json`).
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable: not_logged_in, needs_p9, not_found, invalid_request,
    /// rules_not_met, slot_taken, too_late, appointment_changed,
    /// idempotency_key_reused, unavailable.
    pub code: String,
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

fn london_day(s: &str) -> Option<time::Date> {
    time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()
}

/// Free times the caller may book, at their practice and their federation's hub.
#[utoipa::path(get, path = "/api/v1/availability", params(AvailabilityQuery),
    responses((status = 200, body = SlotList), (status = 400, body = Problem), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn availability(
    State(state): State<AppState>,
    Extension(current): Extension<CurrentLogin>,
    Query(q): Query<AvailabilityQuery>,
) -> Response {
    let actor = actor(&current);
    let patient_id = match whose(&actor, q.patient_id) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some(service) = ServiceKind::parse(&q.service) else {
        return invalid("service must be one of gp_appointment, nurse, healthcare_assistant, phlebotomy, diabetes_review, copd_review, medication_review.");
    };
    let (Some(from), Some(to)) = (london_day(&q.from), london_day(&q.to)) else {
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
    responses((status = 201, body = HoldView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn hold(
    State(state): State<AppState>,
    Extension(current): Extension<CurrentLogin>,
    Json(body): Json<HoldRequest>,
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
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 201, body = AppointmentView), (status = 409, body = Problem, description = "slot_taken, with alternatives"), (status = 422, body = Problem)))]
pub async fn book(
    State(state): State<AppState>,
    Extension(current): Extension<CurrentLogin>,
    headers: HeaderMap,
    Json(body): Json<BookRequest>,
) -> Response {
    let actor = actor(&current);
    let patient_id = match whose(&actor, body.patient_id) {
        Ok(p) => p,
        Err(r) => return r,
    };
    if body.note.as_deref().is_some_and(|n| n.chars().count() > 500) {
        return invalid("The note must be 500 characters or fewer.");
    }
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_string);
    if key.as_deref().is_some_and(|k| k.is_empty() || k.len() > 200) {
        return invalid("Idempotency-Key must be 1 to 200 characters.");
    }
    let ask = BookingAsk {
        patient_id,
        slot_id: body.slot_id,
        note: body.note,
        idempotency_key: key,
        override_reason: body.override_reason,
    };
    match state.services.booking.book(&actor, &ask).await {
        Ok(a) => match shown(&state, &a).await {
            Some(v) => (
                StatusCode::CREATED,
                [(header::LOCATION, format!("/api/v1/appointments/{}", a.appointment_id))],
                Json(v),
            )
                .into_response(),
            None => super::unavailable(),
        },
        Err(e) => failure(&state, &actor, ("patient", patient_id), "book", e).await,
    }
}

/// Appointments, newest first.
#[utoipa::path(get, path = "/api/v1/appointments", params(AppointmentsQuery),
    responses((status = 200, body = AppointmentList), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(current): Extension<CurrentLogin>,
    Query(q): Query<AppointmentsQuery>,
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
    responses((status = 200, body = AppointmentView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn amend(
    State(state): State<AppState>,
    Extension(current): Extension<CurrentLogin>,
    Path(appointment_id): Path<Uuid>,
    Json(body): Json<AmendRequest>,
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
    responses((status = 200, body = AppointmentView), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn cancel(
    State(state): State<AppState>,
    Extension(current): Extension<CurrentLogin>,
    Path(appointment_id): Path<Uuid>,
    Json(body): Json<CancelRequest>,
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
    paths(availability, hold, book, list, amend, cancel),
    components(schemas(
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

pub async fn openapi() -> Response {
    use utoipa::OpenApi as _;
    ([(header::CONTENT_TYPE, "application/json")], ApiDoc::openapi().to_pretty_json().unwrap_or_default())
        .into_response()
}
