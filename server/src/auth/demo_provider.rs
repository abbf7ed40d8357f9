//! The built-in demonstration OpenID Provider, served at `/demo-idp` by
//! `carebook demo` (or when `[demo_provider] enabled = true`; refused in
//! production). It is a real provider built from the openidconnect crate's
//! provider-side types: discovery, authorize (a page listing the synthetic
//! personas, or `login_hint` to skip it), token (authorization code with
//! PKCE S256, the client authenticated by a `private_key_jwt` assertion or a
//! client secret), userinfo and JWKS, with its own generated RS512 signing
//! key. carebook's relying party talks to it over HTTP like to any other.
//!
//! Tests make it misbehave through [`Faults`] and [`DemoProvider::rotate_key`]
//! (never reachable over HTTP) to show that the relying party refuses what
//! it must.

// Handlers here answer early with a finished HTTP response; boxing it
// would only add noise.
#![allow(clippy::result_large_err)]

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use axum::extract::{Form, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use carebook_core::access::ProofingLevel;
use carebook_core::store::Store;
use carebook_core::NhsNumber;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use openidconnect::core::{
    CoreClientAuthMethod, CoreJwsSigningAlgorithm, CoreProviderMetadata, CoreResponseType, CoreSubjectIdentifierType,
};
use openidconnect::{
    AccessToken, Audience, AuthUrl, AuthorizationCode, EmptyAdditionalProviderMetadata, EndUserBirthday, EndUserEmail,
    EndUserFamilyName, EndUserGivenName, EndUserPhoneNumber, IssuerUrl, JsonWebKeySetUrl, LocalizedClaim, Nonce,
    PkceCodeChallenge, PkceCodeVerifier, ResponseTypes, Scope, StandardClaims, SubjectIdentifier, TokenUrl,
    UserInfoUrl,
};
use serde::Deserialize;
use serde_json::{json, Value};

use super::keys::{AssertionClaims, RsaKey};
use super::relying_party::{CarebookClaims, CarebookIdToken, CarebookIdTokenClaims, GpRegistration};

/// Ways to misbehave, for the relying party's negative tests.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    pub wrong_nonce: bool,
    pub wrong_audience: bool,
    pub wrong_issuer: bool,
    pub expired: bool,
    /// Issued an hour in the future (a provider whose clock is wrong).
    pub issued_in_future: bool,
    pub tamper_signature: bool,
    /// Sign with a key the JWKS does not publish.
    pub unpublished_key: bool,
    pub userinfo_subject: Option<String>,
    /// Answer the token endpoint with HTTP 500.
    pub token_endpoint_down: bool,
    /// Claim this NHS number instead of the person's own.
    pub nhs_number: Option<String>,
    /// Claim this date of birth (YYYY-MM-DD) instead.
    pub birthdate: Option<String>,
}

/// Who may use the provider: a client id, its exact redirect URIs, how it
/// proves itself, and whose log-in page it gets.
#[derive(Clone, Debug)]
pub struct RegisteredClient {
    pub client_id: String,
    pub redirect_uris: Vec<String>,
    pub credential: ClientCredential,
    pub audience: Audience_,
}

#[derive(Clone, Debug)]
pub enum ClientCredential {
    /// The client's public key (RSA modulus and exponent, base64url) for
    /// private_key_jwt.
    PublicKey {
        n: String,
        e: String,
    },
    Secret(String),
}

/// Whose personas the log-in page offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience_ {
    Patients,
    Staff,
}

struct IssuedCode {
    client_id: String,
    redirect_uri: String,
    code_challenge: String,
    nonce: Option<String>,
    person: Person,
    expires_at: i64,
}

#[derive(Clone, Debug)]
enum Person {
    Patient { nhs_number: NhsNumber, vot: Option<String> },
    Staff { uid: String },
}

pub struct DemoProvider {
    issuer: String,
    store: Arc<dyn Store>,
    clients: Vec<RegisteredClient>,
    /// The signing key first, then keys still published after a rotation.
    keys: Mutex<Vec<RsaKey>>,
    codes: Mutex<HashMap<String, IssuedCode>>,
    tokens: Mutex<HashMap<String, (String, Person)>>,
    used_jtis: Mutex<HashSet<String>>,
    faults: Mutex<Faults>,
    key_counter: std::sync::atomic::AtomicU32,
}

impl DemoProvider {
    pub fn new(issuer: String, store: Arc<dyn Store>, clients: Vec<RegisteredClient>) -> Result<Self, String> {
        let key = RsaKey::generate("demo-idp-1").map_err(|e| e.to_string())?;
        Ok(Self {
            issuer,
            store,
            clients,
            keys: Mutex::new(vec![key]),
            codes: Mutex::default(),
            tokens: Mutex::default(),
            used_jtis: Mutex::default(),
            faults: Mutex::default(),
            key_counter: std::sync::atomic::AtomicU32::new(1),
        })
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub fn set_faults(&self, faults: Faults) {
        *self.faults.lock().expect("faults") = faults;
    }

    /// Sign with a new key from now on; the JWKS publishes the new key and
    /// the previous one.
    pub fn rotate_key(&self) {
        let n = self.key_counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        let key = RsaKey::generate(format!("demo-idp-{n}")).expect("key generation");
        let mut keys = self.keys.lock().expect("keys");
        keys.insert(0, key);
        keys.truncate(2);
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.issuer)
    }

    fn metadata(&self) -> Value {
        let md = CoreProviderMetadata::new(
            IssuerUrl::new(self.issuer.clone()).expect("issuer is a URL"),
            AuthUrl::new(self.url("/authorize")).expect("URL"),
            JsonWebKeySetUrl::new(self.url("/jwks")).expect("URL"),
            vec![ResponseTypes::new(vec![CoreResponseType::Code])],
            vec![CoreSubjectIdentifierType::Public],
            vec![CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512, CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256],
            EmptyAdditionalProviderMetadata {},
        )
        .set_token_endpoint(Some(TokenUrl::new(self.url("/token")).expect("URL")))
        .set_userinfo_endpoint(Some(UserInfoUrl::new(self.url("/userinfo")).expect("URL")))
        .set_scopes_supported(Some(
            ["openid", "profile", "email", "phone", "profile_extended", "gp_registration_details"]
                .map(|s| Scope::new(s.to_string()))
                .to_vec(),
        ))
        .set_token_endpoint_auth_methods_supported(Some(vec![
            CoreClientAuthMethod::PrivateKeyJwt,
            CoreClientAuthMethod::ClientSecretBasic,
        ]));
        let mut value = serde_json::to_value(md).expect("metadata serialises");
        value["code_challenge_methods_supported"] = json!(["S256"]);
        value["token_endpoint_auth_signing_alg_values_supported"] = json!(["RS256", "RS384", "RS512"]);
        value
    }

    fn jwks(&self) -> Value {
        let keys: Vec<Value> = self
            .keys
            .lock()
            .expect("keys")
            .iter()
            .map(|k| k.public_jwks_json()["keys"][0].clone())
            .map(|mut k| {
                k["alg"] = json!("RS512");
                k
            })
            .collect();
        json!({ "keys": keys })
    }

    fn client(&self, client_id: &str) -> Option<&RegisteredClient> {
        self.clients.iter().find(|c| c.client_id == client_id)
    }

    pub fn router<S: Clone + Send + Sync + 'static>(self: Arc<Self>) -> Router<S> {
        Router::new()
            .route("/demo-idp/.well-known/openid-configuration", get(discovery))
            .route("/demo-idp/jwks", get(jwks))
            .route("/demo-idp/authorize", get(authorize).post(authorize_decision))
            .route("/demo-idp/token", axum::routing::post(token))
            .route("/demo-idp/userinfo", get(userinfo))
            .with_state(self)
    }
}

async fn discovery(State(p): State<Arc<DemoProvider>>) -> Json<Value> {
    Json(p.metadata())
}

async fn jwks(State(p): State<Arc<DemoProvider>>) -> Json<Value> {
    Json(p.jwks())
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct AuthorizeParams {
    #[serde(default)]
    response_type: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    redirect_uri: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    nonce: String,
    #[serde(default)]
    code_challenge: String,
    #[serde(default)]
    code_challenge_method: String,
    #[serde(default)]
    vtr: String,
    #[serde(default)]
    prompt: String,
    #[serde(default)]
    login_hint: String,
    // From the persona page.
    #[serde(default)]
    persona: String,
    #[serde(default)]
    decision: String,
}

fn error_redirect(redirect_uri: &str, error: &str, state: &str) -> Response {
    let mut url = url::Url::parse(redirect_uri).expect("registered redirect URIs are URLs");
    url.query_pairs_mut().append_pair("error", error).append_pair("state", state);
    Redirect::to(url.as_str()).into_response()
}

/// Check the request; on a bad client or redirect URI show an error here
/// (never redirect to an unregistered address).
fn check_request<'a>(p: &'a DemoProvider, q: &AuthorizeParams) -> Result<&'a RegisteredClient, Response> {
    let Some(client) = p.client(&q.client_id) else {
        return Err((
            StatusCode::BAD_REQUEST,
            page("Unknown client", "<p>This application is not registered with the demonstration provider.</p>"),
        )
            .into_response());
    };
    if !client.redirect_uris.iter().any(|r| r == &q.redirect_uri) {
        return Err((
            StatusCode::BAD_REQUEST,
            page(
                "Wrong redirect address",
                "<p>The application asked to return to an address it has not registered.</p>",
            ),
        )
            .into_response());
    }
    let invalid = if q.response_type != "code" {
        Some("unsupported_response_type")
    } else if !q.scope.split(' ').any(|s| s == "openid")
        || q.state.is_empty()
        || q.code_challenge_method != "S256"
        || q.code_challenge.len() < 43
    {
        Some("invalid_request")
    } else {
        None
    };
    match invalid {
        Some(e) => Err(error_redirect(&q.redirect_uri, e, &q.state)),
        None => Ok(client),
    }
}

async fn authorize(State(p): State<Arc<DemoProvider>>, Query(q): Query<AuthorizeParams>) -> Response {
    let client = match check_request(&p, &q) {
        Ok(c) => c.clone(),
        Err(r) => return r,
    };
    if !q.login_hint.is_empty() {
        return match find_person(&p, &client, &q, &q.login_hint).await {
            Some(person) => issue_code(&p, &client, &q, person),
            None => error_redirect(&q.redirect_uri, "login_required", &q.state),
        };
    }
    persona_page(&client, &q).into_response()
}

async fn authorize_decision(State(p): State<Arc<DemoProvider>>, Form(q): Form<AuthorizeParams>) -> Response {
    let client = match check_request(&p, &q) {
        Ok(c) => c.clone(),
        Err(r) => return r,
    };
    if q.decision == "decline" {
        return error_redirect(&q.redirect_uri, "access_denied", &q.state);
    }
    match find_person(&p, &client, &q, &q.persona).await {
        Some(person) => issue_code(&p, &client, &q, person),
        None => (StatusCode::BAD_REQUEST, persona_page_with_error(&client, &q)).into_response(),
    }
}

/// The vectors of trust the client asked for, e.g. `["P9.Cp.Cd","P5.Cp.Cd"]`.
fn requested_vtr(q: &AuthorizeParams) -> Vec<String> {
    serde_json::from_str::<Vec<String>>(&q.vtr).unwrap_or_default()
}

/// The persona a hint or a choice names: a patient's NHS number or a staff
/// uid, within the client's audience.
async fn find_person(p: &DemoProvider, client: &RegisteredClient, q: &AuthorizeParams, hint: &str) -> Option<Person> {
    match client.audience {
        Audience_::Patients => {
            let nhs_number = NhsNumber::parse(hint).ok()?;
            p.store.patient_by_nhs_number(&nhs_number).await.ok()?;
            let level = carebook_core::demo::personas()
                .into_iter()
                .find(|x| x.nhs_number == nhs_number.as_str())
                .map(|x| x.proofing_level())
                .unwrap_or(ProofingLevel::P9);
            let vtr = requested_vtr(q);
            let vot = if vtr.is_empty() {
                None
            } else {
                // The persona's own level if asked for; a P5 persona asked
                // only for P9 (a step-up) proves their identity at once.
                let own = vtr.iter().find(|v| ProofingLevel::from_vot(v) == Some(level));
                let best = vtr.iter().find(|v| ProofingLevel::from_vot(v) == Some(ProofingLevel::P9));
                Some(own.or(best).or(vtr.first())?.clone())
            };
            Some(Person::Patient { nhs_number, vot })
        }
        Audience_::Staff => {
            p.store.staff_by_uid(hint).await.ok()?;
            Some(Person::Staff { uid: hint.to_string() })
        }
    }
}

fn issue_code(p: &DemoProvider, client: &RegisteredClient, q: &AuthorizeParams, person: Person) -> Response {
    let code = random_token();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    p.codes.lock().expect("codes").insert(
        code.clone(),
        IssuedCode {
            client_id: client.client_id.clone(),
            redirect_uri: q.redirect_uri.clone(),
            code_challenge: q.code_challenge.clone(),
            nonce: (!q.nonce.is_empty()).then(|| q.nonce.clone()),
            person,
            expires_at: now + 60,
        },
    );
    let mut url = url::Url::parse(&q.redirect_uri).expect("registered");
    url.query_pairs_mut().append_pair("code", &code).append_pair("state", &q.state);
    Redirect::to(url.as_str()).into_response()
}

fn random_token() -> String {
    format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple())
}

#[derive(Debug, Default, Deserialize)]
struct TokenForm {
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

async fn token(State(p): State<Arc<DemoProvider>>, headers: HeaderMap, Form(form): Form<TokenForm>) -> Response {
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

async fn subject_of(p: &DemoProvider, person: &Person) -> Option<String> {
    match person {
        Person::Patient { nhs_number, .. } => {
            let patient = p.store.patient_by_nhs_number(nhs_number).await.ok()?;
            Some(format!("demo-{}", patient.patient_id))
        }
        Person::Staff { uid } => Some(uid.clone()),
    }
}

/// The person's claims, for the ID token and userinfo alike.
async fn claims_of(
    p: &DemoProvider,
    person: &Person,
) -> Option<(StandardClaims<openidconnect::core::CoreGenderClaim>, CarebookClaims)> {
    let (mut standard, mut extra) = person_claims(p, person).await?;
    let faults = p.faults.lock().expect("faults").clone();
    if let Some(n) = faults.nhs_number {
        extra.nhs_number = Some(n);
    }
    if let Some(b) = faults.birthdate {
        standard = standard.set_birthdate(Some(EndUserBirthday::new(b)));
    }
    Some((standard, extra))
}

async fn person_claims(
    p: &DemoProvider,
    person: &Person,
) -> Option<(StandardClaims<openidconnect::core::CoreGenderClaim>, CarebookClaims)> {
    match person {
        Person::Patient { nhs_number, vot } => {
            let patient = p.store.patient_by_nhs_number(nhs_number).await.ok()?;
            let practice = p.store.organisation_by_id(patient.registered_practice_id).await.ok()?;
            let mut standard = StandardClaims::new(SubjectIdentifier::new(format!("demo-{}", patient.patient_id)))
                .set_given_name(Some(LocalizedClaim::from(EndUserGivenName::new(patient.given_name.clone()))))
                .set_family_name(Some(LocalizedClaim::from(EndUserFamilyName::new(patient.family_name.clone()))))
                .set_birthdate(Some(EndUserBirthday::new(patient.date_of_birth.to_string())));
            if let Some(e) = &patient.email {
                standard = standard.set_email(Some(EndUserEmail::new(e.as_str().to_string())));
            }
            if let Some(ph) = &patient.phone {
                standard = standard.set_phone_number(Some(EndUserPhoneNumber::new(ph.as_e164().to_string())));
            }
            let level = vot.as_deref().and_then(ProofingLevel::from_vot);
            let extra = CarebookClaims {
                vot: vot.clone(),
                vtm: Some("https://auth.sandpit.signin.nhs.uk/trustmark/demo".to_string()),
                nhs_number: Some(nhs_number.as_str().to_string()),
                identity_proofing_level: level.map(|l| l.as_str().to_string()),
                gp_ods_code: None,
                gp_registration_details: Some(GpRegistration {
                    gp_ods_code: Some(practice.ods_code.as_str().to_string()),
                }),
                other: Default::default(),
            };
            Some((standard, extra))
        }
        Person::Staff { uid } => {
            let (member, assignments) = p.store.staff_by_uid(uid).await.ok()?;
            let mut roles = Vec::new();
            for a in assignments {
                let org = p.store.organisation_by_id(a.organisation_id).await.ok()?;
                roles.push(json!({ "role": a.role.as_str(), "organisation_code": org.ods_code.as_str() }));
            }
            let standard = StandardClaims::new(SubjectIdentifier::new(uid.clone()))
                .set_given_name(Some(LocalizedClaim::from(EndUserGivenName::new(member.given_name.clone()))))
                .set_family_name(Some(LocalizedClaim::from(EndUserFamilyName::new(member.family_name.clone()))))
                .set_email(Some(EndUserEmail::new(member.email.as_str().to_string())));
            let mut extra = CarebookClaims::default();
            extra.other.insert("carebook_roles".to_string(), Value::Array(roles));
            Some((standard, extra))
        }
    }
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

async fn userinfo(State(p): State<Arc<DemoProvider>>, headers: HeaderMap) -> Response {
    let bearer =
        headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    let found = bearer.and_then(|t| p.tokens.lock().expect("tokens").get(t.trim()).cloned());
    let Some((subject, person)) = found else {
        return (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"")])
            .into_response();
    };
    let Some((standard, extra)) = claims_of(&p, &person).await else {
        return (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"")])
            .into_response();
    };
    let mut body = serde_json::to_value(&standard).unwrap_or_default();
    if let (Value::Object(b), Ok(Value::Object(e))) = (&mut body, serde_json::to_value(&extra)) {
        b.extend(e);
    }
    let forced = p.faults.lock().expect("faults").userinfo_subject.clone();
    body["sub"] = json!(forced.unwrap_or(subject));
    Json(body).into_response()
}

// ---- The log-in page ----

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        r##"<!DOCTYPE html>
<html lang="en-GB">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} - demonstration log-in</title>
<link rel="stylesheet" href="/pkg/carebook.css"></head>
<body>
<a class="nhsuk-skip-link" href="#maincontent">Skip to main content</a>
<div class="carebook-demo-banner" role="region" aria-label="Demonstration"><div class="nhsuk-width-container"><p class="carebook-demo-banner__text">This is the demonstration log-in service. Everyone here is invented.</p></div></div>
<header class="nhsuk-header" role="banner"><div class="nhsuk-header__container nhsuk-width-container"><div class="nhsuk-header__service"><span class="nhsuk-header__service-name">Demonstration log-in</span></div></div></header>
<div class="nhsuk-width-container"><main class="nhsuk-main-wrapper" id="maincontent">
{body}
</main></div>
</body></html>"##,
        title = escape(title),
    ))
}

fn hidden_fields(q: &AuthorizeParams) -> String {
    [
        ("response_type", &q.response_type),
        ("client_id", &q.client_id),
        ("redirect_uri", &q.redirect_uri),
        ("scope", &q.scope),
        ("state", &q.state),
        ("nonce", &q.nonce),
        ("code_challenge", &q.code_challenge),
        ("code_challenge_method", &q.code_challenge_method),
        ("vtr", &q.vtr),
        ("prompt", &q.prompt),
    ]
    .iter()
    .map(|(k, v)| format!(r#"<input type="hidden" name="{k}" value="{}">"#, escape(v)))
    .collect()
}

fn persona_choices(client: &RegisteredClient) -> Vec<(String, String, String)> {
    match client.audience {
        Audience_::Patients => carebook_core::demo::personas()
            .into_iter()
            .map(|p| {
                let level = p.proofing_level();
                let label = format!("{} ({})", p.label, level.as_str());
                (p.nhs_number.to_string(), label, p.description.to_string())
            })
            .collect(),
        Audience_::Staff => carebook_core::demo::staff_personas()
            .into_iter()
            .map(|s| (s.staff_uid.to_string(), s.label.to_string(), s.description.to_string()))
            .collect(),
    }
}

fn persona_form(client: &RegisteredClient, q: &AuthorizeParams, error: bool) -> String {
    let who = match client.audience {
        Audience_::Patients => "Choose a patient to log in as",
        Audience_::Staff => "Choose a member of staff to log in as",
    };
    let step_up = q.prompt.split(' ').any(|p| p == "login")
        && requested_vtr(q).iter().all(|v| ProofingLevel::from_vot(v) == Some(ProofingLevel::P9))
        && client.audience == Audience_::Patients;
    let mut items = String::new();
    for (i, (value, label, hint)) in persona_choices(client).iter().enumerate() {
        let checked = if i == 0 { " checked" } else { "" };
        items.push_str(&format!(
            r#"<div class="nhsuk-radios__item"><input class="nhsuk-radios__input" id="persona-{i}" name="persona" type="radio" value="{v}" aria-describedby="persona-{i}-hint"{checked}><label class="nhsuk-label nhsuk-radios__label" for="persona-{i}">{l}</label><div class="nhsuk-hint nhsuk-radios__hint" id="persona-{i}-hint">{h}</div></div>"#,
            v = escape(value),
            l = escape(label),
            h = escape(hint),
        ));
    }
    let summary = if error {
        r##"<div class="nhsuk-error-summary" aria-labelledby="error-summary-title" role="alert" tabindex="-1"><h2 class="nhsuk-error-summary__title" id="error-summary-title">There is a problem</h2><div class="nhsuk-error-summary__body"><ul class="nhsuk-list nhsuk-error-summary__list"><li><a href="#persona-0">Choose someone to log in as</a></li></ul></div></div>"##
    } else {
        ""
    };
    let step_up_text = if step_up {
        r#"<div class="nhsuk-inset-text"><span class="nhsuk-u-visually-hidden">Information: </span><p>The application asked you to prove who you are. In the demonstration this completes at once.</p></div>"#
    } else {
        ""
    };
    format!(
        r#"<div class="nhsuk-grid-row"><div class="nhsuk-grid-column-two-thirds">{summary}
<h1>Log in to the demonstration</h1>{step_up_text}
<form method="post" action="/demo-idp/authorize" novalidate>{hidden}
<div class="nhsuk-form-group"><fieldset class="nhsuk-fieldset"><legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--m">{who}</legend>
<div class="nhsuk-radios">{items}</div></fieldset></div>
<button class="nhsuk-button" type="submit" name="decision" value="allow">Continue</button>
<button class="nhsuk-button nhsuk-button--secondary" type="submit" name="decision" value="decline">Do not share my details</button>
</form></div></div>"#,
        hidden = hidden_fields(q),
    )
}

fn persona_page(client: &RegisteredClient, q: &AuthorizeParams) -> Html<String> {
    page("Log in to the demonstration", &persona_form(client, q, false))
}

fn persona_page_with_error(client: &RegisteredClient, q: &AuthorizeParams) -> Html<String> {
    page("Error: Log in to the demonstration", &persona_form(client, q, true))
}
