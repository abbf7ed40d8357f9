//! The JSON API under `/api/v1`. Every route reads the caller from the
//! session and asks the core's access policy before it reads anything; a
//! refusal answers exactly as "not found" would (nothing leaks about whether
//! the thing exists) and goes to the audit trail. Errors are
//! `application/problem+json` (RFC 9457) with a stable `code`: the core's
//! code for the failure (`BookingError::code`, `Denial::code`), rendered
//! here as a status and words. That holds for every answer under
//! `/api/v1`: the extractors' rejections ([`extract`]), an address with no
//! route (404 `not_found`), a method a route does not take (405
//! `method_not_allowed`, with `Allow`), and, through [`problems`], whatever
//! a layer in front answered in another media type.

#![allow(clippy::result_large_err)]

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post, MethodRouter};
use axum::{Json, Router};
use carebook_core::access::{Actor, Service, Subject};
use carebook_core::model::AuditOutcome;
use carebook_core::services::Denial;
use carebook_session as session;
use serde_json::json;
use uuid::Uuid;

use crate::state::AppState;

pub mod booking;
pub mod extract;
pub mod record;

use extract::PathParams;

/// Where the API lives.
pub const PREFIX: &str = "/api/v1";

pub fn router() -> Router<AppState> {
    // A method a route does not take answers a problem; axum adds `Allow`.
    fn only(methods: MethodRouter<AppState>) -> MethodRouter<AppState> {
        methods.fallback(method_not_allowed)
    }
    Router::new()
        .route("/api/v1/patients/{patient_id}", only(get(patient)))
        .route("/api/v1/openapi.json", only(get(booking::openapi)))
        .route("/api/v1/availability", only(get(booking::availability)))
        .route("/api/v1/holds", only(post(booking::hold)))
        .route("/api/v1/appointments", only(get(booking::list).post(booking::book)))
        .route("/api/v1/appointments/{appointment_id}/amend", only(post(booking::amend)))
        .route("/api/v1/appointments/{appointment_id}/cancel", only(post(booking::cancel)))
        .route("/api/v1/record", only(get(record::get_record)))
        // Any other address under the API: a problem, not the site's page.
        .route("/api/v1", any(no_route))
        .route("/api/v1/", any(no_route))
        .route("/api/v1/{*rest}", any(no_route))
}

async fn no_route() -> Response {
    problem(
        StatusCode::NOT_FOUND,
        "not_found",
        "Not found",
        "There is no such address in this API. See /api/v1/openapi.json for its operations.",
    )
}

async fn method_not_allowed(method: Method) -> Response {
    problem(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "Method not allowed",
        &format!("This address does not take {method}. The Allow header lists the methods it takes."),
    )
}

/// Is this address under the API?
pub fn under(path: &str) -> bool {
    path == PREFIX || path.strip_prefix(PREFIX).is_some_and(|rest| rest.starts_with('/'))
}

/// The stable code and title of a status, for an error that something in
/// front of the API's handlers answered (the same-origin check, the queue).
fn code_for(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        400 => ("invalid_request", "Invalid request"),
        401 => ("not_logged_in", "Log in"),
        403 => ("forbidden", "Forbidden"),
        404 => ("not_found", "Not found"),
        405 => ("method_not_allowed", "Method not allowed"),
        406 => ("not_acceptable", "Not acceptable"),
        408 => ("timeout", "Request timeout"),
        413 => ("too_large", "Too large"),
        415 => ("unsupported_media_type", "Unsupported media type"),
        429 => ("too_many_requests", "Too many requests"),
        503 => ("unavailable", "Service unavailable"),
        s if s >= 500 => ("internal_error", "Something went wrong"),
        _ => ("invalid_request", "Invalid request"),
    }
}

/// The words of a short error body, kept as the new answer's detail: a
/// plain-text one (axum's and the middleware's own words, never data), or
/// a problem's `detail` (the queue's 503 under `/fhir/r4`).
pub(crate) async fn plain_words(response: Response) -> (axum::http::response::Parts, Option<String>) {
    let (parts, body) = response.into_parts();
    let media = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let (text, problem) = (media.starts_with("text/plain"), media.starts_with("application/problem+json"));
    let words = if text || problem {
        axum::body::to_bytes(body, 4096).await.ok().and_then(|b| {
            if problem {
                serde_json::from_slice::<serde_json::Value>(&b).ok()?["detail"].as_str().map(str::to_string)
            } else {
                String::from_utf8(b.to_vec()).ok()
            }
        })
    } else {
        None
    };
    (parts, words.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()))
}

/// The last word for every answer under `/api/v1`: an error in any other
/// media type than `application/problem+json` (the same-origin check's
/// 403, the queue's page for a browser, a rejection some layer made)
/// becomes a problem with the same status and headers, and a stable code.
pub async fn problems(request: Request, next: Next) -> Response {
    if !under(request.uri().path()) {
        return next.run(request).await;
    }
    let head = request.method() == Method::HEAD;
    let response = next.run(request).await;
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/problem+json"));
    if !(status.is_client_error() || status.is_server_error()) || is_problem {
        return response;
    }
    let (parts, words) = plain_words(response).await;
    let (code, title) = match code_for(status) {
        // The queue's answer to a browser: very busy, come back after Retry-After.
        ("unavailable", _) if parts.headers.contains_key(header::RETRY_AFTER) => ("busy", "Very busy"),
        other => other,
    };
    let detail = words.unwrap_or_else(|| match code {
        "busy" => "Many people are booking at the moment. Nothing was changed. Try again in a few seconds.".to_string(),
        _ => status.canonical_reason().unwrap_or("Error").to_string() + ".",
    });
    let mut answer = problem(status, code, title, &detail);
    for (name, value) in parts.headers.iter() {
        if !matches!(*name, header::CONTENT_TYPE | header::CONTENT_LENGTH | header::CACHE_CONTROL) {
            answer.headers_mut().append(name, value.clone());
        }
    }
    if head {
        *answer.body_mut() = axum::body::Body::empty();
    }
    answer.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    answer
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
#[utoipa::path(get, path = "/api/v1/patients/{patient_id}", params(("patient_id" = Uuid, Path)),
    responses((status = 200, description = "The patient", body = booking::PatientView)))]
pub async fn patient(
    State(state): State<AppState>,
    axum::Extension(current): axum::Extension<session::CurrentLogin>,
    PathParams(patient_id): PathParams<String>,
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

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::routing::get;
    use tower::ServiceExt;

    use super::*;

    async fn answer(
        router: Router,
        method: Method,
        path: &str,
    ) -> (StatusCode, axum::http::HeaderMap, serde_json::Value) {
        let request = axum::http::Request::builder().method(method).uri(path).body(Body::empty()).unwrap();
        let response = router.oneshot(request).await.unwrap();
        let (parts, body) = response.into_parts();
        let bytes = axum::body::to_bytes(body, 1 << 16).await.unwrap();
        (parts.status, parts.headers, serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null))
    }

    #[tokio::test]
    async fn an_error_from_a_layer_in_front_of_the_api_becomes_a_problem() {
        let busy_page = || async {
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::RETRY_AFTER, "5")],
                "<!DOCTYPE html><p>busy</p>",
            )
        };
        let refused = || async { (StatusCode::FORBIDDEN, "This request came from another site and was refused.") };
        let router = Router::new()
            .route("/api/v1/busy", get(busy_page))
            .route("/api/v1/refused", get(refused))
            .route("/elsewhere", get(refused))
            .layer(axum::middleware::from_fn(problems));

        let (status, headers, body) = answer(router.clone(), Method::GET, "/api/v1/busy").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(headers[header::CONTENT_TYPE], "application/problem+json");
        assert_eq!(headers[header::RETRY_AFTER], "5");
        assert_eq!((body["code"].as_str(), body["status"].as_u64()), (Some("busy"), Some(503)));
        assert!(body["detail"].as_str().unwrap().contains("Try again"), "{body}");

        let (status, headers, body) = answer(router.clone(), Method::GET, "/api/v1/refused").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(headers[header::CONTENT_TYPE], "application/problem+json");
        assert_eq!(body["code"], "forbidden");
        assert_eq!(body["detail"], "This request came from another site and was refused.");

        // Outside the API nothing is touched.
        let (status, headers, _) = answer(router, Method::GET, "/elsewhere").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/plain"));
    }

    #[test]
    fn the_api_is_its_prefix_and_what_is_under_it() {
        assert!(under("/api/v1") && under("/api/v1/") && under("/api/v1/holds"));
        assert!(!under("/api/v10") && !under("/api/v1x/holds") && !under("/api"));
    }
}
