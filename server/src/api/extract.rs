//! axum's extractors, with their rejections as problems: axum answers a
//! query string, body or path it cannot read with `text/plain`; here the
//! same failures answer `application/problem+json` with a stable `code`
//! (`invalid_request` 400, `unsupported_media_type` 415, `too_large` 413)
//! and a detail that says what to fix. The detail names the field and the
//! kind of value wanted, never logs anything, and goes back only to the
//! sender.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::Response;
use serde::de::DeserializeOwned;

use super::problem;

/// What axum said after its own words ("Failed to deserialize query
/// string: missing field `service`" gives "missing field `service`").
fn cause(body_text: &str) -> &str {
    body_text.split_once(": ").map(|(_, rest)| rest).unwrap_or(body_text).trim()
}

pub fn invalid_request(detail: &str) -> Response {
    problem(StatusCode::BAD_REQUEST, "invalid_request", "Invalid request", detail)
}

pub fn unsupported_media_type() -> Response {
    problem(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        "Unsupported media type",
        "Send the body as JSON, with Content-Type: application/json.",
    )
}

pub fn too_large() -> Response {
    problem(StatusCode::PAYLOAD_TOO_LARGE, "too_large", "Too large", "The body is too large for this API.")
}

/// The query string, deserialised (`axum::extract::Query`).
pub struct QueryParams<T>(pub T);

impl<T, S> FromRequestParts<S> for QueryParams<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Self(value)),
            Err(rejection) => Err(query_rejection(&rejection)),
        }
    }
}

fn query_rejection(rejection: &QueryRejection) -> Response {
    invalid_request(&format!(
        "The query string cannot be used: {}. See /api/v1/openapi.json for the parameters.",
        cause(&rejection.body_text())
    ))
}

/// A JSON body, deserialised (`axum::Json`): it must be sent as
/// `application/json` (415 otherwise), be JSON (400) and have the fields
/// the operation takes (400).
pub struct JsonBody<T>(pub T);

impl<T, S> FromRequest<S> for JsonBody<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

fn json_rejection(rejection: &JsonRejection) -> Response {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => unsupported_media_type(),
        JsonRejection::JsonSyntaxError(_) => invalid_request(&format!(
            "The body is not valid JSON: {}. Send one JSON object.",
            cause(&rejection.body_text())
        )),
        JsonRejection::JsonDataError(_) => invalid_request(&format!(
            "The body does not have the fields this operation takes: {}. See /api/v1/openapi.json for its schema.",
            cause(&rejection.body_text())
        )),
        _ if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => too_large(),
        _ => invalid_request("The body could not be read. Send it again."),
    }
}

/// Path parameters, deserialised (`axum::extract::Path`).
pub struct PathParams<T>(pub T);

impl<T, S> FromRequestParts<S> for PathParams<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Self(value)),
            Err(rejection) => Err(path_rejection(&rejection)),
        }
    }
}

fn path_rejection(rejection: &PathRejection) -> Response {
    match rejection {
        PathRejection::FailedToDeserializePathParams(_) => invalid_request(&format!(
            "The address cannot be used: {}. Identifiers in the path are UUIDs.",
            cause(&rejection.body_text())
        )),
        _ => super::unavailable(),
    }
}

#[cfg(test)]
mod tests {
    use super::cause;

    #[test]
    fn the_cause_is_what_follows_axums_own_words() {
        assert_eq!(cause("Failed to deserialize query string: missing field `service`"), "missing field `service`");
        assert_eq!(cause("plain"), "plain");
    }
}
