//! The JSON API under `/api/v1`. Every route reads the caller from the
//! session and asks the core's access policy before it reads anything; a
//! refusal answers exactly as "not found" would (nothing leaks about whether
//! the thing exists) and goes to the audit trail. Errors are
//! `application/problem+json` (RFC 9457) with a stable `code`.

#![allow(clippy::result_large_err)]

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use carebook_app::api::auth::session;
use carebook_core::access::{self, Actor, Service, Subject};
use carebook_core::model::AuditOutcome;
use serde_json::json;
use uuid::Uuid;

use crate::startup::AppState;

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

/// Ask the policy about a patient; record a refusal. `Err` is the answer to
/// send.
pub async fn authorise(
    state: &AppState,
    actor: &Actor,
    patient_id: Uuid,
    service: Service,
    action: &str,
) -> Result<Subject, Response> {
    if matches!(actor, Actor::Anonymous) {
        return Err(problem(StatusCode::UNAUTHORIZED, "not_logged_in", "Log in", "Log in to use this."));
    }
    let today = carebook_core::london::to_local(state.services.clock.now()).date();
    let subject = match Subject::load(state.services.store.as_ref(), patient_id).await {
        Ok(s) => Some(s),
        Err(carebook_core::store::StoreError::NotFound) => None,
        Err(e) => {
            tracing::error!(error = %e, "subject lookup failed");
            return Err(problem(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "Service unavailable",
                "Try again later.",
            ));
        }
    };
    let decision = match &subject {
        Some(s) => access::may_access(actor, s, service, today),
        None => Err(access::Refusal::NotPermitted),
    };
    match (decision, subject) {
        (Ok(()), Some(s)) => Ok(s),
        (refusal, _) => {
            let reason = refusal.err().map(|r| r.as_str()).unwrap_or("not_permitted");
            crate::auth::audit_target(
                state,
                actor.clone(),
                action,
                "patient",
                patient_id,
                AuditOutcome::Refused,
                Some(reason),
            )
            .await;
            if reason == "needs_p9" {
                return Err(problem(
                    StatusCode::FORBIDDEN,
                    "needs_p9",
                    "Prove who you are",
                    "NHS login must check your identity fully before carebook can show this.",
                ));
            }
            Err(not_found())
        }
    }
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
    if let Err(answer) = authorise(&state, &actor, patient_id, Service::Appointments, "patient_view").await {
        return answer;
    }
    let store = &state.services.store;
    let Ok(p) = store.patient_by_id(patient_id).await else {
        return not_found();
    };
    let ok_practice = store.organisation_by_id(p.registered_practice_id).await.ok();
    let practice = ok_practice.map(|o| json!({ "name": o.name, "ods_code": o.ods_code.as_str() }));
    Json(json!({
        "patient_id": p.patient_id,
        "given_name": p.given_name,
        "family_name": p.family_name,
        "practice": practice,
    }))
    .into_response()
}
