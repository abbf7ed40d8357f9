//! Source systems authenticate as applications: OAuth 2.0 client
//! credentials (RFC 6749 section 4.4) with a signed JWT client assertion
//! (RFC 7523 section 2.2; RS512, the way NHS APIs authenticate
//! application-restricted clients), at `POST /oauth2/token`. The answer is
//! a short-lived bearer token scoped to that one source; `POST /fhir/r4`
//! takes it (`source_from_bearer`).
//!
//! The assertion must be signed RS512 with the key the source registered,
//! `iss` and `sub` its client id, `aud` this token endpoint, `exp` in the
//! future and at most 5 minutes ahead, and carry a `jti`. Errors are RFC
//! 6749 section 5.2 JSON (`invalid_request`, `unsupported_grant_type`,
//! `invalid_client`), never saying which check failed.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Form, Router};
use base64::Engine;
use carebook_core::record::service::{RecordError, TOKEN_LIFETIME};
use carebook_core::record::RecordSource;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::json;
use sha2::Digest;

use crate::state::AppState;

pub const TOKEN_PATH: &str = "/oauth2/token";
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// NHS APIs refuse an assertion whose `exp` is more than 5 minutes ahead.
const MAX_ASSERTION_SECONDS: i64 = 300;

pub fn router() -> Router<AppState> {
    Router::new().route(TOKEN_PATH, post(token))
}

#[derive(Deserialize)]
struct TokenForm {
    grant_type: Option<String>,
    client_assertion_type: Option<String>,
    client_assertion: Option<String>,
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
    exp: i64,
    jti: String,
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut response = (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(json!({"error": error, "error_description": description})),
    )
        .into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}

fn invalid_client() -> Response {
    oauth_error(
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        "The client assertion was not accepted. Check the client id, the key, the algorithm (RS512), aud, exp and jti.",
    )
}

/// The token endpoint's own address, as a source puts it in `aud`.
pub fn token_url(state: &AppState, headers: &HeaderMap) -> String {
    let base = crate::fhir::base_url(state, headers);
    format!("{}{TOKEN_PATH}", base.trim_end_matches(crate::fhir::PREFIX))
}

/// The `iss` of an unverified JWT: which source's key to verify it with.
fn claimed_issuer(jwt: &str) -> Option<String> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    value.get("iss")?.as_str().map(str::to_string)
}

async fn token(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<TokenForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Send an application/x-www-form-urlencoded body.",
        );
    };
    if form.grant_type.as_deref() != Some("client_credentials") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant_type must be client_credentials.",
        );
    }
    let (Some(JWT_BEARER), Some(assertion)) = (form.client_assertion_type.as_deref(), form.client_assertion) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Send client_assertion_type urn:ietf:params:oauth:client-assertion-type:jwt-bearer and a client_assertion.",
        );
    };
    let Some(client_id) = claimed_issuer(&assertion) else { return invalid_client() };
    let source = match state.services.record.source_for_client(&client_id).await {
        Ok(source) => source,
        Err(RecordError::InvalidClient) => return invalid_client(),
        Err(_) => return oauth_error(StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable", "Try again later."),
    };
    let Ok(key) = DecodingKey::from_rsa_pem(source.public_key_pem.as_bytes()) else {
        tracing::warn!(source = %source.record_source_id, "a record source's registered key cannot be read");
        return invalid_client();
    };
    let mut validation = Validation::new(Algorithm::RS512);
    validation.set_audience(&[token_url(&state, &headers)]);
    validation.set_issuer(&[client_id.as_str()]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    validation.leeway = 30;
    let claims = match jsonwebtoken::decode::<Claims>(&assertion, &key, &validation) {
        Ok(data) => data.claims,
        Err(e) => {
            tracing::info!(source = %source.record_source_id, reason = %e, "client assertion refused");
            return invalid_client();
        }
    };
    let now = state.services.clock.now().unix_timestamp();
    if claims.sub != client_id || claims.jti.is_empty() || claims.exp > now + MAX_ASSERTION_SECONDS + 30 {
        tracing::info!(source = %source.record_source_id, "client assertion refused: sub, jti or exp");
        return invalid_client();
    }
    let mut secret = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut secret);
    let access_token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret);
    match state.services.record.issue_token(&source, digest(&access_token)).await {
        Ok(_) => (
            [(header::CACHE_CONTROL, "no-store")],
            axum::Json(json!({
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": TOKEN_LIFETIME.whole_seconds(),
            })),
        )
            .into_response(),
        Err(_) => oauth_error(StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable", "Try again later."),
    }
}

/// A token as the store knows it: its SHA-256, hex.
pub fn digest(token: &str) -> String {
    sha2::Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// The source an `Authorization: Bearer` token was issued to, while it
/// lasts; `None` for no token, an unknown one or an expired one.
pub async fn source_from_bearer(state: &AppState, headers: &HeaderMap) -> Result<Option<RecordSource>, RecordError> {
    let Some(token) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
    else {
        return Ok(None);
    };
    match state.services.record.source_for_token(&digest(token)).await {
        Ok(source) => Ok(Some(source)),
        Err(RecordError::InvalidClient) => Ok(None),
        Err(e) => Err(e),
    }
}
