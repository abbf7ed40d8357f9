//! The OpenID Connect relying party: one code path for every provider
//! (NHS login, a CIS2-style staff provider, the built-in demonstration
//! provider, any standard OP).
//!
//! Discovery and JWKS come from the issuer and are cached; a token naming a
//! key carebook has not seen makes it fetch the JWKS again (key rotation),
//! at most once per `JWKS_REFETCH_INTERVAL`. The authorization-code flow
//! uses PKCE S256, `state` and `nonce`, all bound to the pre-login session
//! and used once. The client authenticates with `private_key_jwt` (RFC 7523)
//! or `client_secret_basic`. The ID token's signature (RS256 or RS512),
//! issuer, audience, expiry, issue time and nonce are checked by the
//! openidconnect crate, and userinfo's `sub` must equal the ID token's.

mod claims;
mod verify;

use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use openidconnect::core::{
    CoreAuthPrompt, CoreAuthenticationFlow, CoreClient, CoreJsonWebKeySet, CoreProviderMetadata,
};
use openidconnect::{
    AccessTokenHash, AuthType, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope,
};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

pub use claims::{CarebookClaims, CarebookIdToken, CarebookIdTokenClaims, GpRegistration, VerifiedLogin};

use super::keys::RsaKey;
use crate::config::{ClientAuth, ProviderConfig};

/// Which provider: the patients' (NHS login) or the staff one (CIS2-style).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    Patient,
    Staff,
}

impl ProviderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Patient => "patient",
            ProviderKind::Staff => "staff",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "patient" => Some(Self::Patient),
            "staff" => Some(Self::Staff),
            _ => None,
        }
    }
}

/// The smallest gap between two JWKS fetches caused by unknown key ids, so
/// that tokens with made-up `kid`s cannot make carebook hammer a provider.
pub const JWKS_REFETCH_INTERVAL: StdDuration = StdDuration::from_secs(60);
/// How long discovery is trusted before it is fetched again.
const DISCOVERY_TTL: StdDuration = StdDuration::from_secs(3600);

/// What the pre-login session keeps between sending someone to the
/// provider and their coming back. Used once.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PendingLogin {
    pub provider: ProviderKind,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
    pub step_up: bool,
    pub vtr: Vec<String>,
    /// Unix seconds.
    pub started_at: i64,
}

/// Why a callback did not produce a verified log-in. `code()` is what the
/// audit trail records; `page()` chooses what the person is told.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoginFailure {
    /// The person declined, or the provider refused (`access_denied`).
    Declined,
    /// The provider reported another error in the redirect.
    ProviderError(String),
    ProviderUnreachable,
    /// The ID token was issued in the future beyond the allowed skew.
    ClockSkew,
    Expired,
    WrongNonce,
    WrongAudience,
    WrongIssuer,
    BadSignature,
    UnknownKey,
    UserinfoSubjectMismatch,
    /// The token endpoint refused the code (used already, expired, PKCE).
    TokenRejected,
    Invalid(&'static str),
}

impl LoginFailure {
    pub fn code(&self) -> &'static str {
        match self {
            LoginFailure::Declined => "access_denied",
            LoginFailure::ProviderError(_) => "provider_error",
            LoginFailure::ProviderUnreachable => "provider_unreachable",
            LoginFailure::ClockSkew => "clock_skew",
            LoginFailure::Expired => "expired_token",
            LoginFailure::WrongNonce => "wrong_nonce",
            LoginFailure::WrongAudience => "wrong_audience",
            LoginFailure::WrongIssuer => "wrong_issuer",
            LoginFailure::BadSignature => "bad_signature",
            LoginFailure::UnknownKey => "unknown_key",
            LoginFailure::UserinfoSubjectMismatch => "userinfo_subject_mismatch",
            LoginFailure::TokenRejected => "token_rejected",
            LoginFailure::Invalid(what) => what,
        }
    }

    /// The problem page: declined, unavailable, timing or failed.
    pub fn page(&self) -> &'static str {
        match self {
            LoginFailure::Declined => "declined",
            LoginFailure::ProviderUnreachable => "unavailable",
            LoginFailure::ClockSkew | LoginFailure::Expired => "timing",
            _ => "failed",
        }
    }
}

struct Discovered {
    metadata: CoreProviderMetadata,
    jwks: CoreJsonWebKeySet,
    fetched_at: Instant,
    last_refetch: Option<Instant>,
}

/// The openidconnect client as carebook configures it: discovered
/// endpoints, a redirect URI, and userinfo and token endpoints if the
/// provider has them.
type Client = CoreClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

pub struct RelyingParty {
    pub kind: ProviderKind,
    config: ProviderConfig,
    key: Option<RsaKey>,
    redirect_uri: RedirectUrl,
    http: reqwest::Client,
    cache: Mutex<Option<Discovered>>,
    /// JWKS fetches, for tests and metrics.
    jwks_fetches: std::sync::atomic::AtomicU64,
}

#[derive(Debug, thiserror::Error)]
pub enum RelyingPartySetupError {
    #[error("[oidc.{0}] issuer is not a URL: {1}")]
    Issuer(&'static str, String),
    #[error("[oidc.{0}] client_id is empty")]
    ClientId(&'static str),
    #[error("[oidc.{0}] private_key_jwt needs private_key_file: {1}")]
    Key(&'static str, String),
    #[error("the redirect URI {0} is not a URL")]
    Redirect(String),
}

impl RelyingParty {
    /// `key` overrides `private_key_file` (the demonstration makes its own).
    pub fn new(
        kind: ProviderKind,
        config: ProviderConfig,
        key: Option<RsaKey>,
        redirect_uri: String,
    ) -> Result<Self, RelyingPartySetupError> {
        let name = kind.as_str();
        IssuerUrl::new(config.issuer.clone()).map_err(|e| RelyingPartySetupError::Issuer(name, e.to_string()))?;
        if config.client_id.is_empty() {
            return Err(RelyingPartySetupError::ClientId(name));
        }
        let key = match (key, config.client_auth) {
            (Some(k), _) => Some(k),
            (None, ClientAuth::PrivateKeyJwt) => Some(
                RsaKey::load(&config.private_key_file, &config.key_id)
                    .map_err(|e| RelyingPartySetupError::Key(name, e.to_string()))?,
            ),
            (None, ClientAuth::ClientSecretBasic) => None,
        };
        let redirect_uri =
            RedirectUrl::new(redirect_uri.clone()).map_err(|_| RelyingPartySetupError::Redirect(redirect_uri))?;
        // Redirects are never followed: a token endpoint that redirects is
        // refused (openidconnect's advice against SSRF).
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(StdDuration::from_secs(10))
            .build()
            .expect("an HTTP client with default TLS");
        Ok(Self { kind, config, key, redirect_uri, http, cache: Mutex::new(None), jwks_fetches: Default::default() })
    }

    pub fn jwks_fetches(&self) -> u64 {
        self.jwks_fetches.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn client_id(&self) -> &str {
        &self.config.client_id
    }

    pub fn redirect_uri(&self) -> &str {
        self.redirect_uri.as_str()
    }

    pub fn vtr(&self, step_up: bool) -> Vec<String> {
        if step_up {
            self.config.step_up_vtr.clone()
        } else {
            self.config.vtr.clone()
        }
    }

    async fn discovered(&self) -> Result<(CoreProviderMetadata, CoreJsonWebKeySet), LoginFailure> {
        let mut cache = self.cache.lock().await;
        if let Some(d) = cache.as_ref().filter(|d| d.fetched_at.elapsed() < DISCOVERY_TTL) {
            return Ok((d.metadata.clone(), d.jwks.clone()));
        }
        let issuer = IssuerUrl::new(self.config.issuer.clone()).map_err(|_| LoginFailure::Invalid("bad_issuer"))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http).await.map_err(|e| {
            tracing::warn!(provider = self.kind.as_str(), error = %e, "OpenID Provider discovery failed");
            LoginFailure::ProviderUnreachable
        })?;
        self.jwks_fetches.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let jwks = metadata.jwks().clone();
        *cache = Some(Discovered {
            metadata: metadata.clone(),
            jwks: jwks.clone(),
            fetched_at: Instant::now(),
            last_refetch: None,
        });
        Ok((metadata, jwks))
    }

    /// Fetch the JWKS again because a token named a key not in it; `None`
    /// when a refetch happened too recently.
    async fn refetch_jwks(&self) -> Option<CoreJsonWebKeySet> {
        let mut cache = self.cache.lock().await;
        let d = cache.as_mut()?;
        if d.last_refetch.is_some_and(|t| t.elapsed() < JWKS_REFETCH_INTERVAL) {
            tracing::warn!(provider = self.kind.as_str(), "unknown signing key; JWKS refetch refused (too soon)");
            return None;
        }
        d.last_refetch = Some(Instant::now());
        let jwks = openidconnect::JsonWebKeySet::fetch_async(d.metadata.jwks_uri(), &self.http).await.ok()?;
        self.jwks_fetches.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tracing::info!(provider = self.kind.as_str(), "provider signing keys fetched again");
        d.jwks = jwks.clone();
        Some(jwks)
    }

    fn client(&self, metadata: CoreProviderMetadata) -> Client {
        let secret = match self.config.client_auth {
            ClientAuth::ClientSecretBasic => Some(ClientSecret::new(self.config.client_secret.expose().to_string())),
            ClientAuth::PrivateKeyJwt => None,
        };
        let client = CoreClient::from_provider_metadata(metadata, ClientId::new(self.config.client_id.clone()), secret)
            .set_redirect_uri(self.redirect_uri.clone());
        match self.config.client_auth {
            ClientAuth::ClientSecretBasic => client.set_auth_type(AuthType::BasicAuth),
            ClientAuth::PrivateKeyJwt => client.set_auth_type(AuthType::RequestBody),
        }
    }

    /// Where to send the person, and what to remember until they return.
    pub async fn begin(
        &self,
        step_up: bool,
        login_hint: Option<&str>,
        now: time::OffsetDateTime,
    ) -> Result<(String, PendingLogin), LoginFailure> {
        let (metadata, _) = self.discovered().await?;
        let client = self.client(metadata);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request =
            client.authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random);
        for scope in self.config.scopes.iter().filter(|s| s.as_str() != "openid") {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        request = request.set_pkce_challenge(challenge);
        let vtr = self.vtr(step_up);
        if !vtr.is_empty() {
            request = request.add_extra_param("vtr", serde_json::to_string(&vtr).expect("strings serialise"));
        }
        if step_up {
            request = request.add_prompt(CoreAuthPrompt::Login);
        }
        if let Some(hint) = login_hint {
            request = request.add_extra_param("login_hint", hint.to_string());
        }
        let (url, state, nonce) = request.url();
        Ok((
            url.to_string(),
            PendingLogin {
                provider: self.kind,
                state: state.secret().clone(),
                nonce: nonce.secret().clone(),
                pkce_verifier: verifier.secret().clone(),
                step_up,
                vtr,
                started_at: now.unix_timestamp(),
            },
        ))
    }

    /// Exchange the code, verify the ID token and userinfo, map the claims.
    pub async fn complete(
        &self,
        pending: &PendingLogin,
        code: &str,
        now: time::OffsetDateTime,
    ) -> Result<VerifiedLogin, LoginFailure> {
        let (metadata, jwks) = self.discovered().await?;
        let client = self.client(metadata.clone());
        let mut request = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|_| LoginFailure::Invalid("no_token_endpoint"))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()));
        if let (ClientAuth::PrivateKeyJwt, Some(key)) = (self.config.client_auth, &self.key) {
            let token_endpoint = metadata.token_endpoint().map(|u| u.as_str().to_string()).unwrap_or_default();
            let assertion = key
                .client_assertion(&self.config.client_id, &token_endpoint, &self.config.assertion_alg, now)
                .map_err(|_| LoginFailure::Invalid("client_assertion"))?;
            request = request
                .add_extra_param("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
                .add_extra_param("client_assertion", assertion);
        }
        let response = request.request_async(&self.http).await.map_err(|e| match e {
            RequestTokenError::ServerResponse(r) => {
                tracing::warn!(provider = self.kind.as_str(), error = %r.error(), "token request refused");
                LoginFailure::TokenRejected
            }
            RequestTokenError::Request(e) => {
                tracing::warn!(provider = self.kind.as_str(), error = %e, "token endpoint unreachable");
                LoginFailure::ProviderUnreachable
            }
            other => {
                tracing::warn!(provider = self.kind.as_str(), error = %other, "token response unreadable");
                LoginFailure::Invalid("token_response")
            }
        })?;
        let raw = openidconnect::TokenResponse::id_token(&response).ok_or(LoginFailure::Invalid("no_id_token"))?;
        let id_token: CarebookIdToken =
            raw.to_string().parse().map_err(|_| LoginFailure::Invalid("id_token_unreadable"))?;
        let nonce = Nonce::new(pending.nonce.clone());
        let (claims, jwks) = match self.verify(&id_token, &jwks, &nonce, now) {
            Err(LoginFailure::UnknownKey) => match self.refetch_jwks().await {
                Some(fresh) => (self.verify(&id_token, &fresh, &nonce, now)?, fresh),
                None => return Err(LoginFailure::UnknownKey),
            },
            other => (other?, jwks),
        };
        // at_hash, when present, binds the access token to the ID token.
        if let Some(expected) = claims.access_token_hash() {
            let alg = id_token.signing_alg().map_err(|_| LoginFailure::BadSignature)?;
            let ok = self
                .key_for(&id_token, &jwks)
                .and_then(|k| AccessTokenHash::from_token(response.access_token(), alg, &k).ok())
                .is_some_and(|h| &h == expected);
            if !ok {
                return Err(LoginFailure::Invalid("at_hash_mismatch"));
            }
        }
        let mut login = self.map_claims(claims.subject().as_str(), claims.additional_claims(), Some(&claims));
        self.merge_userinfo(&client, response.access_token().clone(), claims.subject().clone(), &mut login).await?;
        Ok(login)
    }
}

/// Shared, so that routes and tests hold the same cache.
pub type SharedRelyingParty = Arc<RelyingParty>;
