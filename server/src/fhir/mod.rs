//! The FHIR R4 (4.0.1) booking API under `/fhir/r4`: the CapabilityStatement,
//! a Slot search (with the Schedules by `_include=Slot:schedule`), and
//! Appointment create, read, search and cancel (JSON Patch with `If-Match`).
//!
//! Every route reads the caller from the session (the `CurrentLogin`
//! extension) and goes through the same access policy as the pages and the
//! JSON API (`crate::api::authorise`, which audits refusals); a refusal
//! answers exactly as "not found" would. Failures carry the core's stable
//! codes (`BookingError::code`, `Denial::code`), rendered here. Errors are OperationOutcome
//! resources, `application/fhir+json`: those of the handlers, the
//! extractors' rejections ([`Id`], [`Body`]), an address with no route (404),
//! a method an address does not take (405, with `Allow`), and, through
//! [`outcomes`], whatever a layer in front answered in another media type.
//! The booking itself is the core's `BookingService`: the same rules
//! whatever the door.

mod appointment;
mod capability;
pub mod codes;
mod ingest;
mod record;
mod resources;
mod slot;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post, MethodRouter};
use axum::Router;
use carebook_core::access::{Actor, Service};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::state::AppState;

/// The media type of every answer.
pub const FHIR_JSON: &str = "application/fhir+json; charset=utf-8";
/// Where the API lives.
pub const PREFIX: &str = "/fhir/r4";

pub fn router() -> Router<AppState> {
    // A method an address does not take answers an OperationOutcome; axum
    // adds `Allow`.
    fn only(methods: MethodRouter<AppState>) -> MethodRouter<AppState> {
        methods.fallback(method_not_allowed)
    }
    let mut router = Router::new();
    for kind in carebook_core::record::fhir::searchable_types() {
        router = router.route(&format!("{PREFIX}/{kind}"), only(record::route(kind)));
    }
    router
        .route("/fhir/r4/metadata", only(get(capability::metadata)))
        .route("/fhir/r4/Slot", only(get(slot::search)))
        .route("/fhir/r4/Appointment", only(get(appointment::search).post(appointment::create)))
        .route("/fhir/r4/Appointment/{id}", only(get(appointment::read).patch(appointment::patch)))
        // A source's bundle (transaction, batch or collection): the record.
        .route(
            "/fhir/r4",
            // Any other method on the base answers as any address with no
            // route does.
            post(ingest::ingest)
                .fallback(no_route)
                .layer(axum::extract::DefaultBodyLimit::max(ingest::MAX_BUNDLE_BYTES)),
        )
        // Any other address under the base: an OperationOutcome, not the
        // site's page.
        .route("/fhir/r4/", any(no_route))
        .route("/fhir/r4/{*rest}", any(no_route))
}

async fn no_route() -> Response {
    outcome(
        StatusCode::NOT_FOUND,
        vec![Issue::error(
            "not-supported",
            "There is no such resource type or interaction here. See /fhir/r4/metadata for what this server does.",
        )
        .diagnostics("not_found")],
    )
}

async fn method_not_allowed(method: Method) -> Response {
    outcome(
        StatusCode::METHOD_NOT_ALLOWED,
        vec![Issue::error(
            "not-supported",
            format!("This address does not take {method}. The Allow header lists the interactions it takes."),
        )
        .diagnostics("method_not_allowed")],
    )
}

/// Is this address under the FHIR base?
pub fn under(path: &str) -> bool {
    path == PREFIX || path.strip_prefix(PREFIX).is_some_and(|rest| rest.starts_with('/'))
}

/// An id in the path, as text (`axum::extract::Path<String>`): an address
/// that is not UTF-8 answers 400 `invalid`.
pub struct Id(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        match axum::extract::Path::<String>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(id)) => Ok(Self(id)),
            Err(_) => {
                Err(bad_request("The id in the address cannot be read: a FHIR id is letters, digits, '-' and '.'."))
            }
        }
    }
}

/// The request body (`Bytes`): one that is too large answers 413, one that
/// cannot be read 400, as OperationOutcomes.
pub struct Body(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        match Bytes::from_request(request, state).await {
            Ok(bytes) => Ok(Self(bytes)),
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(error(StatusCode::PAYLOAD_TOO_LARGE, "too-costly", "The body is too large for this server."))
            }
            Err(_) => Err(error(StatusCode::BAD_REQUEST, "structure", "The body could not be read. Send it again.")),
        }
    }
}

/// The issue type (http://hl7.org/fhir/issue-type) and carebook code for a
/// status that something in front of the handlers answered.
fn issue_for(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        400 => ("invalid", "invalid_request"),
        401 => ("login", "not_logged_in"),
        403 => ("forbidden", "forbidden"),
        404 => ("not-found", "not_found"),
        405 | 406 | 415 => ("not-supported", "not_supported"),
        408 => ("timeout", "timeout"),
        413 => ("too-costly", "too_large"),
        429 => ("throttled", "too_many_requests"),
        503 => ("transient", "unavailable"),
        s if s >= 500 => ("exception", "internal_error"),
        _ => ("invalid", "invalid_request"),
    }
}

/// The last word for every answer under `/fhir/r4`: an error in another
/// media type than `application/fhir+json` (the same-origin check's 403,
/// the queue's 503, a rejection some layer made) becomes an
/// OperationOutcome with the same status and headers.
pub async fn outcomes(request: Request, next: Next) -> Response {
    if !under(request.uri().path()) {
        return next.run(request).await;
    }
    let head = request.method() == Method::HEAD;
    let response = next.run(request).await;
    let status = response.status();
    let is_fhir = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/fhir+json"));
    if !(status.is_client_error() || status.is_server_error()) || is_fhir {
        return response;
    }
    let (parts, words) = crate::api::plain_words(response).await;
    let (code, diagnostics) = match issue_for(status) {
        ("transient", _) if parts.headers.contains_key(header::RETRY_AFTER) => ("transient", "busy"),
        other => other,
    };
    let text = words.unwrap_or_else(|| status.canonical_reason().unwrap_or("Error").to_string() + ".");
    let mut answer = outcome(status, vec![Issue::error(code, text).diagnostics(diagnostics)]);
    for (name, value) in parts.headers.iter() {
        if !matches!(*name, header::CONTENT_TYPE | header::CONTENT_LENGTH | header::CACHE_CONTROL) {
            answer.headers_mut().append(name, value.clone());
        }
    }
    if head {
        *answer.body_mut() = axum::body::Body::empty();
    }
    answer
}

/// A FHIR answer: the resource as `application/fhir+json`, never cached by
/// a shared cache (it may be about a patient).
pub fn fhir(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// One problem, as an OperationOutcome issue.
pub struct Issue {
    pub severity: &'static str,
    /// A code from http://hl7.org/fhir/issue-type (required binding).
    pub code: &'static str,
    /// What a person reads.
    pub text: String,
    /// For the developer: a stable carebook code.
    pub diagnostics: Option<String>,
    pub expression: Option<String>,
}

impl Issue {
    pub fn error(code: &'static str, text: impl Into<String>) -> Self {
        Self { severity: "error", code, text: text.into(), diagnostics: None, expression: None }
    }
    pub fn diagnostics(mut self, d: impl Into<String>) -> Self {
        self.diagnostics = Some(d.into());
        self
    }
    pub fn at(mut self, expression: &str) -> Self {
        self.expression = Some(expression.to_string());
        self
    }
}

/// An OperationOutcome with these issues.
pub fn outcome(status: StatusCode, issues: Vec<Issue>) -> Response {
    let issues: Vec<Value> = issues
        .into_iter()
        .map(|i| {
            let mut v = json!({ "severity": i.severity, "code": i.code, "details": { "text": i.text } });
            if let Some(d) = i.diagnostics {
                v["diagnostics"] = Value::String(d);
            }
            if let Some(e) = i.expression {
                v["expression"] = json!([e]);
            }
            v
        })
        .collect();
    fhir(status, &json!({ "resourceType": "OperationOutcome", "issue": issues }))
}

pub fn error(status: StatusCode, code: &'static str, text: &str) -> Response {
    outcome(status, vec![Issue::error(code, text)])
}

/// The one answer for "there is no such thing" and "it is not yours".
pub fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "not-found", "There is nothing here that you can see.")
}

pub fn unavailable() -> Response {
    error(StatusCode::SERVICE_UNAVAILABLE, "transient", "The service is unavailable; try again later.")
}

pub fn bad_request(text: &str) -> Response {
    error(StatusCode::BAD_REQUEST, "invalid", text)
}

/// Ask the shared authorisation about a patient (`crate::api::authorise`,
/// which records a refusal in the audit trail) and render its typed answer
/// as an OperationOutcome: 401 not logged in, 403 needs full identity
/// proofing (P9), 404 for a patient who does not exist and for one the
/// caller may not see alike.
pub async fn authorise(state: &AppState, actor: &Actor, patient_id: Uuid, action: &str) -> Result<(), Response> {
    match crate::api::authorise(state, actor, patient_id, Service::Appointments, action).await {
        Ok(_) => Ok(()),
        Err(denial) => Err(refusal(denial.code())),
    }
}

/// A refusal as an OperationOutcome, by the core's stable code.
pub fn refusal(code: &str) -> Response {
    match code {
        "not_logged_in" => error(
            StatusCode::UNAUTHORIZED,
            "login",
            "Log in to use this (NHS login for patients, smartcard for staff).",
        ),
        "needs_p9" => error(
            StatusCode::FORBIDDEN,
            "forbidden",
            "NHS login must check your identity fully (P9) before carebook can show this.",
        ),
        "not_found" => not_found(),
        _ => unavailable(),
    }
}

/// Who may use the API at all: 401 for nobody logged in, 403 below P9.
pub fn logged_in(actor: &Actor) -> Result<(), Box<Response>> {
    match actor {
        Actor::Anonymous => Err(Box::new(refusal("not_logged_in"))),
        Actor::PartlyVerified { .. } => Err(Box::new(refusal("needs_p9"))),
        _ => Ok(()),
    }
}

/// The absolute address of the API, for `fullUrl`, `Location` and links:
/// the address carebook gives its log-in providers (the configured
/// `public_url`, or the address it listens on), else the Host header.
pub fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    let advertised = [state.auth.patient.as_ref(), state.auth.staff.as_ref()].into_iter().flatten().find_map(|rp| {
        let uri = rp.redirect_uri();
        let cut = uri.find("/auth/")?;
        Some(uri[..cut].to_string())
    });
    let root = advertised.unwrap_or_else(|| {
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("localhost");
        format!("http://{host}")
    });
    format!("{root}{PREFIX}")
}

/// A patient reference: `Patient/{id}`, an absolute URL ending so, or a
/// bare id.
pub fn patient_reference(value: &str) -> Option<Uuid> {
    reference_id(value, "Patient").or_else(|| Uuid::parse_str(value.trim()).ok())
}

/// The id in a literal reference `{Type}/{id}` (relative or absolute).
pub fn reference_id(value: &str, kind: &str) -> Option<Uuid> {
    let value = value.trim();
    let needle = format!("{kind}/");
    let start =
        if value.starts_with(&needle) { needle.len() } else { value.rfind(&format!("/{needle}"))? + needle.len() + 1 };
    let rest = &value[start..];
    let id = rest.split('/').next()?;
    Uuid::parse_str(id).ok()
}

/// The weak ETag for a version: `W/"{version}"`.
pub fn etag(version: &str) -> HeaderValue {
    HeaderValue::from_str(&format!("W/\"{version}\"")).expect("a version is a FHIR id")
}

/// The version an `If-Match` names, weak or strong (`W/"3"` or `"3"`).
pub fn if_match_version(value: &str) -> Option<&str> {
    let v = value.trim();
    let v = v.strip_prefix("W/").unwrap_or(v);
    v.strip_prefix('"')?.strip_suffix('"')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_read_relative_absolute_and_bare() {
        let id = Uuid::parse_str("6a1f4b4e-2f7c-4d43-9a55-0d1d1b3c9e10").unwrap();
        assert_eq!(reference_id(&format!("Slot/{id}"), "Slot"), Some(id));
        assert_eq!(reference_id(&format!("https://x.example/fhir/r4/Slot/{id}"), "Slot"), Some(id));
        assert_eq!(reference_id(&format!("Slot/{id}/_history/2"), "Slot"), Some(id));
        assert_eq!(reference_id(&format!("Patient/{id}"), "Slot"), None);
        assert_eq!(reference_id("Slot/not-a-uuid", "Slot"), None);
        assert_eq!(patient_reference(&id.to_string()), Some(id));
        assert_eq!(patient_reference(&format!("Patient/{id}")), Some(id));
        assert_eq!(patient_reference("9990000018"), None);
    }

    #[test]
    fn if_match_takes_weak_and_strong_tags() {
        assert_eq!(if_match_version("W/\"12\""), Some("12"));
        assert_eq!(if_match_version("\"12\""), Some("12"));
        assert_eq!(if_match_version("12"), None);
    }
}

#[cfg(test)]
mod net_tests {
    use axum::body::Body;
    use axum::routing::get;
    use tower::ServiceExt;

    use super::*;

    #[tokio::test]
    async fn an_error_from_a_layer_in_front_of_the_fhir_api_becomes_an_operation_outcome() {
        let busy = || async {
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CONTENT_TYPE, "application/problem+json"), (header::RETRY_AFTER, "5")],
                r#"{"code":"busy","detail":"Many people are booking at the moment."}"#,
            )
        };
        let router = Router::new().route("/fhir/r4/Slot", get(busy)).layer(axum::middleware::from_fn(outcomes));
        let request = axum::http::Request::get("/fhir/r4/Slot").body(Body::empty()).unwrap();
        let response = router.oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::CONTENT_TYPE], FHIR_JSON);
        assert_eq!(response.headers()[header::RETRY_AFTER], "5");
        let body: Value =
            serde_json::from_slice(&axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap()).unwrap();
        assert_eq!(body["resourceType"], "OperationOutcome");
        assert_eq!(body["issue"][0]["code"], "transient");
        assert_eq!(body["issue"][0]["diagnostics"], "busy");
        assert_eq!(body["issue"][0]["details"]["text"], "Many people are booking at the moment.");
    }
}
