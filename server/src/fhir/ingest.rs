//! `POST /fhir/r4`: a source sends a transaction, batch or collection
//! Bundle for one patient, with the bearer token from `/oauth2/token`. The
//! core reads it whole, matches the patient and stores it all or nothing
//! (`RecordService::ingest`); a refusal is an OperationOutcome naming the
//! FHIR path and how to fix it, and nothing is stored.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use carebook_core::record::fhir::FhirProblem;
use carebook_core::record::service::RecordError;
use serde_json::json;

use super::{fhir, outcome, unavailable, Body, Issue};
use crate::sources::source_from_bearer;
use crate::state::AppState;

/// The largest bundle taken: letters are up to 5 MiB each (base64 makes
/// that about 6.7 MiB in the JSON).
pub const MAX_BUNDLE_BYTES: usize = 48 * 1024 * 1024;

/// The issue type (http://hl7.org/fhir/issue-type) for each refusal.
fn issue_type(code: &str) -> &'static str {
    match code {
        "malformed_json" | "not_a_bundle" => "structure",
        "missing_element" | "no_patient" | "no_nhs_number" | "no_birth_date" => "required",
        "unsupported_resource_type" => "not-supported",
        "attachment_too_large" => "too-costly",
        "patient_not_found" => "not-found",
        "patient_mismatch" | "more_than_one_patient" | "duplicate_resource" => "business-rule",
        "nhs_number_system" | "invalid_nhs_number" => "code-invalid",
        _ => "invalid",
    }
}

fn refused(problem: &FhirProblem) -> Response {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
    outcome(
        status,
        vec![Issue::error(issue_type(problem.code), problem.text.clone())
            .diagnostics(problem.code)
            .at(&problem.expression)],
    )
}

fn unauthorised() -> Response {
    let mut response = outcome(
        StatusCode::UNAUTHORIZED,
        vec![Issue::error(
            "login",
            "Send the bundle with an access token from /oauth2/token (Authorization: Bearer ...); tokens last 5 minutes.",
        )
        .diagnostics("invalid_token")],
    );
    response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

pub async fn ingest(State(state): State<AppState>, headers: HeaderMap, Body(body): Body) -> Response {
    let source = match source_from_bearer(&state, &headers).await {
        Ok(Some(source)) => source,
        Ok(None) => return unauthorised(),
        Err(_) => return unavailable(),
    };
    let media = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let media = media.split(';').next().unwrap_or("").trim();
    if !matches!(media, "application/fhir+json" | "application/json") {
        return outcome(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            vec![
                Issue::error("not-supported", "Send the bundle as application/fhir+json.").diagnostics("not_supported")
            ],
        );
    }
    match state.services.record.ingest(&source, &body).await {
        Ok(receipt) => {
            tracing::info!(
                source = %source.record_source_id,
                resources = receipt.resources,
                created = receipt.counts.created,
                updated = receipt.counts.updated,
                stale = receipt.counts.stale,
                "bundle accepted"
            );
            let text = format!(
                "Stored {} resources: {} new, {} updated, {} left as they were (the stored one was newer).",
                receipt.resources, receipt.counts.created, receipt.counts.updated, receipt.counts.stale
            );
            fhir(
                StatusCode::OK,
                &json!({
                    "resourceType": "OperationOutcome",
                    "id": receipt.record_ingest_id.to_string(),
                    "issue": [{"severity": "information", "code": "informational", "details": {"text": text},
                               "diagnostics": "accepted"}],
                }),
            )
        }
        Err(e) => match e.problem() {
            Some(problem) => {
                tracing::info!(source = %source.record_source_id, code = problem.code, "bundle refused");
                refused(&problem)
            }
            None if matches!(e, RecordError::InvalidClient) => unauthorised(),
            None => {
                tracing::error!(source = %source.record_source_id, error = %e, "bundle could not be stored");
                unavailable()
            }
        },
    }
}
