//! The token endpoint: the client authenticated (a `private_key_jwt`
//! assertion, RFC 7523, or HTTP Basic), the code used once with its PKCE
//! verifier, and an ID token signed with the provider's key, or broken on
//! purpose as the [`Faults`](super::Faults) ask.

use std::sync::Arc;

use axum::extract::{Form, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use openidconnect::core::CoreJwsSigningAlgorithm;
use openidconnect::{AccessToken, Audience, AuthorizationCode, IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier};
use serde::Deserialize;
use serde_json::json;

use super::authorize::random_token;
use super::claims::{claims_of, subject_of};
use super::{ClientCredential, DemoProvider, Faults, IssuedCode, RegisteredClient};
use crate::auth::keys::{AssertionClaims, RsaKey};
use crate::auth::relying_party::{CarebookIdToken, CarebookIdTokenClaims};

#[derive(Debug, Default, Deserialize)]
pub(super) struct TokenForm {
    #[serde(default)]
    grant_type: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    redirect_uri: String,
    #[serde(default)]
    code_verifier: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    client_assertion_type: String,
    #[serde(default)]
    client_assertion: String,
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (status, [(header::CACHE_CONTROL, "no-store")], Json(json!({ "error": error, "error_description": description })))
        .into_response()
}

/// Which client is calling, proved by a client assertion or HTTP Basic.
fn authenticate_client<'a>(
    p: &'a DemoProvider,
    headers: &HeaderMap,
    form: &TokenForm,
) -> Result<&'a RegisteredClient, Response> {
    let unauthorised = |why: &str| Err(oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", why));
    if form.client_assertion_type == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
        let header = jsonwebtoken::decode_header(&form.client_assertion);
        let Ok(header) = header else { return unauthorised("the client assertion is not a JWT") };
        // The client is named by the assertion's sub (= iss), read before
        // the signature is checked with that client's key.
        let mut peek = Validation::new(header.alg);
        peek.insecure_disable_signature_validation();
        peek.validate_aud = false;
        peek.validate_exp = false;
        let Ok(unverified) =
            jsonwebtoken::decode::<AssertionClaims>(&form.client_assertion, &DecodingKey::from_secret(&[]), &peek)
        else {
            return unauthorised("the client assertion's claims are unreadable");
        };
        let Some(client) = p.client(&unverified.claims.sub) else { return unauthorised("unknown client") };
        let ClientCredential::PublicKey { n, e } = &client.credential else {
            return unauthorised("this client authenticates with a secret");
        };
        if !matches!(header.alg, Algorithm::RS256 | Algorithm::RS384 | Algorithm::RS512) {
            return unauthorised("the client assertion must be signed with RS256, RS384 or RS512");
        }
        let Ok(key) = DecodingKey::from_rsa_components(n, e) else {
            return unauthorised("the client's key is unusable");
        };
        let mut v = Validation::new(header.alg);
        v.set_audience(&[p.url("/token")]);
        v.set_issuer(&[client.client_id.as_str()]);
        v.set_required_spec_claims(&["exp", "iat", "aud", "iss", "sub", "jti"]);
        v.leeway = 5;
        let claims = match jsonwebtoken::decode::<AssertionClaims>(&form.client_assertion, &key, &v) {
            Ok(d) => d.claims,
            Err(e) => return unauthorised(&format!("the client assertion is not valid: {e}")),
        };
        if claims.sub != client.client_id || claims.exp - claims.iat > 300 {
            return unauthorised("the client assertion must have sub = iss = client_id and live at most 5 minutes");
        }
        if !form.client_id.is_empty() && form.client_id != client.client_id {
            return unauthorised("client_id differs from the assertion");
        }
        if !p.used_jtis.lock().expect("jtis").insert(claims.jti) {
            return unauthorised("this client assertion was used before");
        }
        return Ok(client);
    }
    if let Some(basic) =
        headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Basic "))
    {
        use base64::Engine as _;
        let decoded = base64::engine::general_purpose::STANDARD.decode(basic.trim()).ok();
        let pair = decoded.and_then(|d| String::from_utf8(d).ok());
        let Some((id, secret)) = pair.as_deref().and_then(|s| s.split_once(':')) else {
            return unauthorised("malformed Basic credentials");
        };
        let id = url_decode(id);
        let secret = url_decode(secret);
        let Some(client) = p.client(&id) else { return unauthorised("unknown client") };
        return match &client.credential {
            ClientCredential::Secret(s) if s.as_bytes() == secret.as_bytes() => Ok(client),
            _ => unauthorised("wrong client secret"),
        };
    }
    unauthorised("client authentication is required")
}

fn url_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes()).next().map(|(_, v)| v.into_owned()).unwrap_or_default()
}

pub(super) async fn token(
    State(p): State<Arc<DemoProvider>>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Response {
    let faults = p.faults.lock().expect("faults").clone();
    if faults.token_endpoint_down {
        return (StatusCode::INTERNAL_SERVER_ERROR, "down").into_response();
    }
    let client = match authenticate_client(&p, &headers, &form) {
        Ok(c) => c.clone(),
        Err(r) => return r,
    };
    if form.grant_type != "authorization_code" {
        return oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", "only authorization_code");
    }
    // Single use: the code is removed whatever happens next.
    let Some(issued) = p.codes.lock().expect("codes").remove(&form.code) else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "unknown or used code");
    };
    let now = time::OffsetDateTime::now_utc();
    if issued.expires_at < now.unix_timestamp() {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "the code has expired");
    }
    if issued.client_id != client.client_id || issued.redirect_uri != form.redirect_uri {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "the code was issued to another client or redirect",
        );
    }
    let challenge = PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(form.code_verifier.clone()));
    if form.code_verifier.len() < 43 || challenge.as_str() != issued.code_challenge {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "PKCE verification failed");
    }
    let access_token = random_token();
    let subject = match subject_of(&p, &issued.person).await {
        Some(s) => s,
        None => return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "the person is no longer known"),
    };
    let id_token = match id_token(&p, &client, &issued, &subject, &access_token, &form.code, &faults, now).await {
        Ok(t) => t,
        Err(e) => return oauth_error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", &e),
    };
    p.tokens.lock().expect("tokens").insert(access_token.clone(), (subject, issued.person.clone()));
    (
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({ "access_token": access_token, "token_type": "Bearer", "expires_in": 300, "id_token": id_token })),
    )
        .into_response()
}

#[allow(clippy::too_many_arguments)]
async fn id_token(
    p: &DemoProvider,
    client: &RegisteredClient,
    issued: &IssuedCode,
    subject: &str,
    access_token: &str,
    code: &str,
    faults: &Faults,
    now: time::OffsetDateTime,
) -> Result<String, String> {
    let (standard, extra) = claims_of(p, &issued.person).await.ok_or("unknown person")?;
    let _ = subject;
    let at = |t: time::OffsetDateTime| chrono::DateTime::from_timestamp(t.unix_timestamp(), 0).unwrap_or_default();
    let (iat, exp) = if faults.expired {
        (now - time::Duration::minutes(20), now - time::Duration::minutes(10))
    } else if faults.issued_in_future {
        (now + time::Duration::hours(1), now + time::Duration::hours(2))
    } else {
        (now, now + time::Duration::minutes(10))
    };
    let issuer = if faults.wrong_issuer { format!("{}-elsewhere", p.issuer) } else { p.issuer.clone() };
    let audience = if faults.wrong_audience { "another-client".to_string() } else { client.client_id.clone() };
    let nonce = if faults.wrong_nonce { Some("not-the-nonce".to_string()) } else { issued.nonce.clone() };
    let claims: CarebookIdTokenClaims = CarebookIdTokenClaims::new(
        IssuerUrl::new(issuer).map_err(|e| e.to_string())?,
        vec![Audience::new(audience)],
        at(exp),
        at(iat),
        standard,
        extra,
    )
    .set_nonce(nonce.map(Nonce::new))
    .set_auth_time(Some(at(iat)));
    let key = if faults.unpublished_key {
        RsaKey::generate("never-published").map_err(|e| e.to_string())?
    } else {
        p.keys.lock().expect("keys")[0].clone()
    };
    let token = CarebookIdToken::new(
        claims,
        &key.signing_key(),
        CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
        Some(&AccessToken::new(access_token.to_string())),
        Some(&AuthorizationCode::new(code.to_string())),
    )
    .map_err(|e| e.to_string())?
    .to_string();
    if faults.tamper_signature {
        // Change one character of the signature.
        let mut t = token.into_bytes();
        let last = t.len() - 2;
        t[last] = if t[last] == b'A' { b'B' } else { b'A' };
        return String::from_utf8(t).map_err(|e| e.to_string());
    }
    Ok(token)
}
