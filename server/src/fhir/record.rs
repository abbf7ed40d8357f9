//! FHIR search of the patient's own record: `GET /fhir/r4/{type}?patient=`
//! for each clinical type carebook takes in. The same service, policy and
//! filters as `/record` and `/api/v1/record` (withheld items and the
//! practice's access level left out by the store's query). Each resource is
//! returned as its source sent it, except its `id`, which is carebook's item
//! id (two sources may use the same id).

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use carebook_core::access::Actor;
use carebook_core::record::service::RecordError;
use carebook_session as session;
use serde_json::Value;

use super::{bad_request, base_url, fhir, logged_in, patient_reference, refusal, resources, unavailable};
use crate::state::AppState;

pub async fn search(
    kind: &'static str,
    state: AppState,
    current: session::CurrentLogin,
    headers: HeaderMap,
    raw: Option<String>,
) -> Response {
    let actor = crate::api::actor(&current);
    if let Err(answer) = logged_in(&actor) {
        return *answer;
    }
    let mut patient = None;
    for (key, value) in url::form_urlencoded::parse(raw.as_deref().unwrap_or("").as_bytes()) {
        if key == "patient" {
            match patient_reference(&value) {
                Some(id) => patient = Some(id),
                None => return bad_request("patient: give Patient/{id}"),
            }
        }
    }
    let patient_id = match (patient, &actor) {
        (Some(id), _) => id,
        (None, Actor::Patient(p)) => p.patient_id,
        (None, _) => return bad_request("patient: say whose record (patient=Patient/{id})"),
    };
    let items = match state.services.record.patient_items(&actor, patient_id, None).await {
        Ok((_, items)) => items,
        Err(RecordError::Denied(denial)) => {
            crate::api::record(&state, &actor, "fhir_record_search", &denial).await;
            return refusal(denial.code());
        }
        Err(e) => {
            tracing::error!(error = %e, "record search failed");
            return unavailable();
        }
    };
    let entries: Vec<(Value, &'static str)> = items
        .iter()
        .filter(|i| i.resource_type == kind)
        .filter_map(|i| {
            let mut resource: Value = serde_json::from_str(&i.resource_json).ok()?;
            resource["id"] = Value::String(i.record_item_id.to_string());
            Some((resource, "match"))
        })
        .collect();
    let base = base_url(&state, &headers);
    let link = format!("{base}/{kind}?patient=Patient/{patient_id}");
    let total = entries.len();
    fhir(StatusCode::OK, &resources::searchset(&base, link, state.services.clock.now(), total, entries))
}

/// The route for one type.
pub fn route(kind: &'static str) -> axum::routing::MethodRouter<AppState> {
    axum::routing::get(
        move |State(state): State<AppState>,
              axum::Extension(current): axum::Extension<session::CurrentLogin>,
              headers: HeaderMap,
              RawQuery(raw): RawQuery| async move { search(kind, state, current, headers, raw).await },
    )
}
