//! The JSON API under `/api/v1`. Every route reads the caller from the
//! session and asks the core's access policy before it reads anything; a
//! refusal answers exactly as "not found" would (nothing leaks about whether
//! the thing exists) and goes to the audit trail. Errors are
//! `application/problem+json` (RFC 9457) with a stable `code`: the core's
//! code for the failure (`BookingError::code`, `Denial::code`), rendered
//! here as a status and words.

#![allow(clippy::result_large_err)]

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use carebook_core::access::{Actor, Service, Subject};
use carebook_core::model::AuditOutcome;
use carebook_core::services::Denial;
use carebook_session as session;
use serde_json::json;
use uuid::Uuid;

use crate::state::AppState;

pub mod booking;

pub fn router() -> Router<AppState> {
    use axum::routing::post;
    Router::new()
        .route("/api/v1/patients/{patient_id}", get(patient))
        .route("/api/v1/openapi.json", get(booking::openapi))
        .route("/api/v1/availability", get(booking::availability))
        .route("/api/v1/holds", post(booking::hold))
        .route("/api/v1/appointments", get(booking::list).post(booking::book))
        .route("/api/v1/appointments/{appointment_id}/amend", post(booking::amend))
        .route("/api/v1/appointments/{appointment_id}/cancel", post(booking::cancel))
}

/// An RFC 9457 problem.
pub fn problem(status: StatusCode, code: &str, title: &str, detail: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/problem+json"), (header::CACHE_CONTROL, "no-store")],
        Json(json!({ "type": format!("https://carebook.example.org/problems/{code}"), "title": title, "status": status.as_u16(), "detail": detail, "code": code })),
    )
        .into_response()
}

fn not_found() -> Response {
    problem(StatusCode::NOT_FOUND, "not_found", "Not found", "There is nothing here that you can see.")
}

/// The caller, as the session middleware found them (timeouts applied).
pub fn actor(current: &session::CurrentLogin) -> Actor {
    current.0.as_ref().map(|l| l.actor.clone()).unwrap_or(Actor::Anonymous)
}

/// The shared authorisation of the JSON and FHIR APIs: ask the core about a
/// patient, and record a refusal in the audit trail. The answer is typed;
/// each API renders a [`Denial`] its own way ([`refusal`] here).
pub async fn authorise(
    state: &AppState,
    actor: &Actor,
    patient_id: Uuid,
    service: Service,
    action: &str,
) -> Result<Subject, Denial> {
    let answer = state.services.access.patient(actor, patient_id, service).await;
    if let Err(denial) = &answer {
        record(state, actor, action, denial).await;
    }
    answer
}

/// Record a refusal against the patient it was about (nobody logged in and
/// things that do not exist name nobody), and log a failure of the service.
pub async fn record(state: &AppState, actor: &Actor, action: &str, denial: &Denial) {
    match denial {
        Denial::Refused { patient_id, refusal } => {
            crate::audit::audit_target(
                state,
                actor.clone(),
                action,
                "patient",
                *patient_id,
                AuditOutcome::Refused,
                Some(refusal.as_str()),
            )
            .await
        }
        Denial::Unavailable(e) => tracing::error!(error = %e, action, "access check failed"),
        Denial::NotLoggedIn | Denial::NotFound => {}
    }
}

/// A [`Denial`] as problem+json: 401 not logged in, 403 needs full identity
/// proofing (P9), 404 for what does not exist and what is not theirs alike.
pub fn refusal(denial: &Denial) -> Response {
    match denial.code() {
        "not_logged_in" => problem(StatusCode::UNAUTHORIZED, "not_logged_in", "Log in", "Log in to use this."),
        "needs_p9" => problem(
            StatusCode::FORBIDDEN,
            "needs_p9",
            "Prove who you are",
            "NHS login must check your identity fully before carebook can show this.",
        ),
        "not_found" => not_found(),
        _ => unavailable(),
    }
}

pub fn unavailable() -> Response {
    problem(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "Service unavailable", "Try again later.")
}

/// A patient's summary: who they are and where they are registered.
async fn patient(
    State(state): State<AppState>,
    axum::Extension(current): axum::Extension<session::CurrentLogin>,
    Path(patient_id): Path<String>,
) -> Response {
    let Ok(patient_id) = Uuid::parse_str(&patient_id) else {
        return not_found();
    };
    let actor = actor(&current);
    let subject = match authorise(&state, &actor, patient_id, Service::Appointments, "patient_view").await {
        Ok(s) => s,
        Err(denial) => return refusal(&denial),
    };
    let Ok(summary) = state.services.accounts.summary(&subject).await else {
        return not_found();
    };
    let (p, practice) = (summary.patient, summary.practice);
    let practice = practice.map(|o| json!({ "name": o.name, "ods_code": o.ods_code.as_str() }));
    Json(json!({
        "patient_id": p.patient_id,
        "given_name": p.given_name,
        "family_name": p.family_name,
        "practice": practice,
    }))
    .into_response()
}
