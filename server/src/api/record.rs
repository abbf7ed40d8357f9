//! `GET /api/v1/record`: the patient's record as JSON, through the same
//! service, policy and filters as `/record` (withheld items and the
//! practice's access level are left out by the store's query).
//! `patient_id` names someone the caller acts for (proxy access with the
//! record scope); without it, the caller's own record. `source` filters to
//! one source's entries.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use carebook_core::access::Actor;
use carebook_core::record::service::RecordError;
use carebook_core::record::view::{RecordView, SourceInfo};
use carebook_session as session;
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

use super::{actor, not_found, problem, record, refusal, unavailable};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct RecordParams {
    patient_id: Option<String>,
    source: Option<String>,
}

pub async fn get_record(
    State(state): State<AppState>,
    axum::Extension(current): axum::Extension<session::CurrentLogin>,
    params: Result<Query<RecordParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(params)) = params else {
        return problem(
            axum::http::StatusCode::BAD_REQUEST,
            "invalid_request",
            "Invalid request",
            "patient_id and source are ids.",
        );
    };
    let actor = actor(&current);
    let patient_id = match (&params.patient_id, &actor) {
        (Some(id), _) => match Uuid::parse_str(id) {
            Ok(id) => id,
            Err(_) => return not_found(),
        },
        (None, Actor::Patient(me)) => me.patient_id,
        (None, _) => Uuid::nil(),
    };
    let source = match params.source.as_deref().filter(|s| !s.is_empty()).map(Uuid::parse_str) {
        None => None,
        Some(Ok(s)) => Some(s),
        Some(Err(_)) => {
            return problem(
                axum::http::StatusCode::BAD_REQUEST,
                "invalid_request",
                "Invalid request",
                "source must be the id of one of the record's sources.",
            )
        }
    };
    match state.services.record.patient_record(&actor, patient_id, source).await {
        Ok(view) => {
            let mut response = Json(view_json(&view)).into_response();
            response
                .headers_mut()
                .insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
            response
        }
        Err(RecordError::Denied(denial)) => {
            record(&state, &actor, "record_view", &denial).await;
            refusal(&denial)
        }
        Err(e) => {
            tracing::error!(error = %e, "record could not be read");
            unavailable()
        }
    }
}

fn source_json(s: &SourceInfo) -> Value {
    json!({
        "source_id": s.record_source_id,
        "name": s.name,
        "organisation": s.organisation_name,
        "ods_code": s.ods_code,
        "kind": s.kind.as_str(),
    })
}

/// The record as the API shows it: dates as ISO 8601, codes kept as codes.
fn view_json(view: &RecordView) -> Value {
    let sections: Vec<Value> = view
        .sections
        .iter()
        .map(|s| {
            let items: Vec<Value> = s
                .items
                .iter()
                .map(|i| {
                    json!({
                        "record_item_ids": i.record_item_ids,
                        "resource_type": i.resource_type,
                        "title": i.title,
                        "code_system": i.code_system,
                        "code": i.code,
                        "date": i.date.map(|d| d.to_string()),
                        "status": i.status,
                        "value": i.value,
                        "unit": i.unit,
                        "range_low": i.range_low,
                        "range_high": i.range_high,
                        "outside_range": i.outside_range.map(|f| f.words()),
                        "added_by_patient": i.added_by_patient,
                        "provenance": i.provenance.iter().map(|p| json!({
                            "source": p.source.as_ref().map(source_json),
                            "recorded_on": p.recorded_on.to_string(),
                        })).collect::<Vec<_>>(),
                    })
                })
                .collect();
            json!({ "category": s.category.as_str(), "heading": s.heading, "items": items })
        })
        .collect();
    json!({
        "access_level": view.access_level.as_str(),
        "some_items_not_shown": view.some_items_not_shown,
        "sources": view.sources.iter().map(source_json).collect::<Vec<_>>(),
        "sections": sections,
    })
}
