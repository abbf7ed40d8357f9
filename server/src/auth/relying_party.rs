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

use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use openidconnect::core::{
    CoreAuthPrompt, CoreAuthenticationFlow, CoreClient, CoreGenderClaim, CoreJsonWebKeySet, CoreJwsSigningAlgorithm,
    CoreProviderMetadata,
};
use openidconnect::{
    AccessToken, AccessTokenHash, AdditionalClaims, AuthType, AuthorizationCode, ClaimsVerificationError, ClientId,
    ClientSecret, CsrfToken, IdToken, IdTokenVerifier, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope, SignatureVerificationError, SubjectIdentifier,
    UserInfoClaims,
};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

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

/// The claims carebook reads beyond the standard ones. NHS login's
/// (`vot`, `vtm`, `nhs_number`, `identity_proofing_level`,
/// `gp_registration_details`) and, through `other`, the staff provider's
/// configurable roles claim.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CarebookClaims {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vot: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vtm: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nhs_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_proofing_level: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gp_ods_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gp_registration_details: Option<GpRegistration>,
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl AdditionalClaims for CarebookClaims {}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GpRegistration {
    #[serde(default)]
    pub gp_ods_code: Option<String>,
}

pub type CarebookIdToken = IdToken<
    CarebookClaims,
    CoreGenderClaim,
    openidconnect::core::CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
pub type CarebookIdTokenClaims = openidconnect::IdTokenClaims<CarebookClaims, CoreGenderClaim>;

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

/// A log-in the provider vouched for, claims checked.
#[derive(Clone, Debug, Default)]
pub struct VerifiedLogin {
    pub subject: String,
    pub vot: Option<String>,
    pub vtm: Option<String>,
    pub nhs_number: Option<String>,
    pub birthdate: Option<time::Date>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    pub gp_ods_code: Option<String>,
    pub roles: Vec<carebook_core::identity::ClaimedRole>,
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

    fn client(
        &self,
        metadata: CoreProviderMetadata,
    ) -> CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    > {
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

    fn key_for(
        &self,
        id_token: &CarebookIdToken,
        jwks: &CoreJsonWebKeySet,
    ) -> Option<openidconnect::core::CoreJsonWebKey> {
        let verifier = self.verifier(jwks.clone(), time::OffsetDateTime::now_utc());
        id_token.signing_key(&verifier).ok().cloned()
    }

    fn verifier(
        &self,
        jwks: CoreJsonWebKeySet,
        now: time::OffsetDateTime,
    ) -> IdTokenVerifier<'static, openidconnect::core::CoreJsonWebKey> {
        let skew = self.config.clock_skew_seconds;
        let issuer = IssuerUrl::new(self.config.issuer.clone()).expect("checked at start");
        // "now" for the expiry check, moved back by the allowed skew.
        let lenient_now = chrono::DateTime::from_timestamp(now.unix_timestamp() - skew, 0).unwrap_or_default();
        let latest_iat = now.unix_timestamp() + skew;
        IdTokenVerifier::new_public_client(ClientId::new(self.config.client_id.clone()), issuer, jwks)
            .set_allowed_algs([
                CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
                CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
            ])
            .set_time_fn(move || lenient_now)
            .set_issue_time_verifier_fn(move |iat| {
                if iat.timestamp() > latest_iat {
                    Err("issued in the future".to_string())
                } else {
                    Ok(())
                }
            })
    }

    fn verify(
        &self,
        id_token: &CarebookIdToken,
        jwks: &CoreJsonWebKeySet,
        nonce: &Nonce,
        now: time::OffsetDateTime,
    ) -> Result<CarebookIdTokenClaims, LoginFailure> {
        let verifier = self.verifier(jwks.clone(), now);
        id_token.claims(&verifier, nonce).cloned().map_err(|e| {
            let failure = match &e {
                ClaimsVerificationError::Expired(m) if m.contains("future") => LoginFailure::ClockSkew,
                ClaimsVerificationError::Expired(_) => LoginFailure::Expired,
                ClaimsVerificationError::InvalidAudience(_) => LoginFailure::WrongAudience,
                ClaimsVerificationError::InvalidIssuer(_) => LoginFailure::WrongIssuer,
                ClaimsVerificationError::InvalidNonce(_) => LoginFailure::WrongNonce,
                ClaimsVerificationError::SignatureVerification(SignatureVerificationError::NoMatchingKey) => {
                    LoginFailure::UnknownKey
                }
                ClaimsVerificationError::SignatureVerification(_) => LoginFailure::BadSignature,
                ClaimsVerificationError::Other(m) if m.contains("future") => LoginFailure::ClockSkew,
                _ => LoginFailure::Invalid("id_token_invalid"),
            };
            tracing::warn!(provider = self.kind.as_str(), reason = failure.code(), error = %e, "ID token refused");
            failure
        })
    }

    fn map_claims(
        &self,
        subject: &str,
        extra: &CarebookClaims,
        standard: Option<&CarebookIdTokenClaims>,
    ) -> VerifiedLogin {
        let mut login = VerifiedLogin { subject: subject.to_string(), ..Default::default() };
        login.vot = extra.vot.clone();
        login.vtm = extra.vtm.clone();
        login.nhs_number = extra.nhs_number.clone();
        login.gp_ods_code = extra
            .gp_ods_code
            .clone()
            .or_else(|| extra.gp_registration_details.as_ref().and_then(|g| g.gp_ods_code.clone()));
        if let Some(c) = standard {
            fill_standard(&mut login, c.birthdate(), c.given_name(), c.family_name(), c.email(), c.phone_number());
        }
        login.roles = self.roles_from(extra);
        login
    }

    /// The staff roles claim: a list of objects naming a role and an
    /// organisation code, under the configured names.
    fn roles_from(&self, extra: &CarebookClaims) -> Vec<carebook_core::identity::ClaimedRole> {
        if self.config.roles_claim.is_empty() {
            return Vec::new();
        }
        let Some(serde_json::Value::Array(items)) = extra.other.get(&self.config.roles_claim) else {
            return Vec::new();
        };
        items
            .iter()
            .filter_map(|item| {
                let role = item.get(&self.config.role_field)?.as_str()?;
                let org = item.get(&self.config.organisation_field)?.as_str()?;
                Some(carebook_core::identity::ClaimedRole {
                    role: role.to_string(),
                    organisation_code: org.to_string(),
                })
            })
            .collect()
    }

    async fn merge_userinfo(
        &self,
        client: &CoreClient<
            openidconnect::EndpointSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointMaybeSet,
            openidconnect::EndpointMaybeSet,
        >,
        access_token: AccessToken,
        subject: SubjectIdentifier,
        login: &mut VerifiedLogin,
    ) -> Result<(), LoginFailure> {
        let Ok(request) = client.user_info(access_token, Some(subject)) else {
            return Ok(()); // no userinfo endpoint: the ID token is all there is
        };
        let info: UserInfoClaims<CarebookClaims, CoreGenderClaim> =
            request.request_async(&self.http).await.map_err(|e| match e {
                openidconnect::UserInfoError::ClaimsVerification(ClaimsVerificationError::InvalidSubject(_)) => {
                    LoginFailure::UserinfoSubjectMismatch
                }
                openidconnect::UserInfoError::Request(_) => LoginFailure::ProviderUnreachable,
                other => {
                    tracing::warn!(provider = self.kind.as_str(), error = %other, "userinfo refused");
                    LoginFailure::Invalid("userinfo_invalid")
                }
            })?;
        let extra = info.additional_claims();
        // Userinfo is the fuller source at NHS login; the ID token's
        // identity-bearing claims stay where userinfo is silent.
        macro_rules! prefer {
            ($field:ident) => {
                if extra.$field.is_some() {
                    login.$field = extra.$field.clone();
                }
            };
        }
        prefer!(nhs_number);
        prefer!(vot);
        prefer!(vtm);
        if let Some(g) = extra
            .gp_ods_code
            .clone()
            .or_else(|| extra.gp_registration_details.as_ref().and_then(|g| g.gp_ods_code.clone()))
        {
            login.gp_ods_code = Some(g);
        }
        fill_standard(
            login,
            info.birthdate(),
            info.given_name(),
            info.family_name(),
            info.email(),
            info.phone_number(),
        );
        let roles = self.roles_from(extra);
        if !roles.is_empty() {
            login.roles = roles;
        }
        Ok(())
    }
}

fn fill_standard(
    login: &mut VerifiedLogin,
    birthdate: Option<&openidconnect::EndUserBirthday>,
    given: Option<&openidconnect::LocalizedClaim<openidconnect::EndUserGivenName>>,
    family: Option<&openidconnect::LocalizedClaim<openidconnect::EndUserFamilyName>>,
    email: Option<&openidconnect::EndUserEmail>,
    phone: Option<&openidconnect::EndUserPhoneNumber>,
) {
    if let Some(b) = birthdate {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        if let Ok(d) = time::Date::parse(b.as_str(), &format) {
            login.birthdate = Some(d);
        }
    }
    if let Some(g) = given.and_then(|c| c.get(None)) {
        login.given_name = Some(g.as_str().to_string());
    }
    if let Some(f) = family.and_then(|c| c.get(None)) {
        login.family_name = Some(f.as_str().to_string());
    }
    if let Some(e) = email {
        login.email = Some(e.as_str().to_string());
    }
    if let Some(p) = phone {
        login.phone_number = Some(p.as_str().to_string());
    }
}

/// Shared, so that routes and tests hold the same cache.
pub type SharedRelyingParty = Arc<RelyingParty>;
