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

mod authorize;
mod claims;
mod page;
mod token;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use carebook_core::services::Demonstration;
use carebook_core::NhsNumber;
use openidconnect::core::{
    CoreClientAuthMethod, CoreJwsSigningAlgorithm, CoreProviderMetadata, CoreResponseType, CoreSubjectIdentifierType,
};
use openidconnect::{
    AuthUrl, EmptyAdditionalProviderMetadata, IssuerUrl, JsonWebKeySetUrl, ResponseTypes, Scope, TokenUrl, UserInfoUrl,
};
use serde_json::{json, Value};

use super::keys::RsaKey;

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
    /// The synthetic people it can log in.
    people: Demonstration,
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
    pub fn new(issuer: String, people: Demonstration, clients: Vec<RegisteredClient>) -> Result<Self, String> {
        let key = RsaKey::generate("demo-idp-1").map_err(|e| e.to_string())?;
        Ok(Self {
            issuer,
            people,
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
            .route("/demo-idp/authorize", get(authorize::authorize).post(authorize::authorize_decision))
            .route("/demo-idp/token", axum::routing::post(token::token))
            .route("/demo-idp/userinfo", get(claims::userinfo))
            .with_state(self)
    }
}

async fn discovery(State(p): State<Arc<DemoProvider>>) -> Json<Value> {
    Json(p.metadata())
}

async fn jwks(State(p): State<Arc<DemoProvider>>) -> Json<Value> {
    Json(p.jwks())
}
