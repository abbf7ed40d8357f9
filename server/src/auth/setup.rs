//! The log-in providers, from the configuration. With the demonstration
//! provider on (always in `carebook demo`), a provider left unconfigured
//! points at it, with a client key made at start.

use std::sync::Arc;

use carebook_core::services::Services;

use super::demo_provider::{Audience_, ClientCredential, DemoProvider, RegisteredClient};
use super::keys::RsaKey;
use super::relying_party::{ProviderKind, RelyingParty, RelyingPartySetupError};
use super::{Auth, RateLimiter};
use crate::config::{ClientAuth, Config, Environment};

#[derive(Debug, thiserror::Error)]
pub enum AuthSetupError {
    #[error("{0}")]
    Login(#[from] RelyingPartySetupError),
    #[error("the demonstration provider could not start: {0}")]
    DemoProvider(String),
    #[error("the demonstration log-in provider is refused in production ([demo_provider] enabled)")]
    DemoProviderInProduction,
}

/// `local` is the address the server listens on: the redirect URIs name it
/// when no public URL is configured.
pub fn build(
    config: &Config,
    demo: bool,
    services: &Services,
    local: std::net::SocketAddr,
) -> Result<Arc<Auth>, AuthSetupError> {
    let base = if config.public_url.is_empty() {
        format!("http://{local}")
    } else {
        config.public_url.trim_end_matches('/').to_string()
    };
    let redirect = |kind: ProviderKind| format!("{base}/auth/{}/callback", kind.as_str());
    let mut patient = config.oidc.patient.clone();
    let mut staff = config.oidc.staff.clone();
    let mut patient_key = None;
    let mut staff_key = None;
    let mut demo_provider = None;
    if demo || config.demo_provider.enabled {
        if config.environment == Environment::Production {
            return Err(AuthSetupError::DemoProviderInProduction);
        }
        let issuer = format!("{base}/demo-idp");
        let client_key =
            RsaKey::generate("carebook-demo-client").map_err(|e| AuthSetupError::DemoProvider(e.to_string()))?;
        let (n, e) = client_key.public_components();
        let mut clients = Vec::new();
        if !patient.enabled() {
            patient.issuer = issuer.clone();
            patient.client_id = "carebook-patient".into();
            patient.client_auth = ClientAuth::PrivateKeyJwt;
            patient_key = Some(client_key.clone());
            clients.push(RegisteredClient {
                client_id: patient.client_id.clone(),
                redirect_uris: vec![redirect(ProviderKind::Patient)],
                credential: ClientCredential::PublicKey { n: n.clone(), e: e.clone() },
                audience: Audience_::Patients,
            });
        }
        if !staff.enabled() {
            staff.issuer = issuer.clone();
            staff.client_id = "carebook-staff".into();
            staff.client_auth = ClientAuth::PrivateKeyJwt;
            staff.roles_claim = "carebook_roles".into();
            staff.role_field = "role".into();
            staff.organisation_field = "organisation_code".into();
            staff_key = Some(client_key.clone());
            clients.push(RegisteredClient {
                client_id: staff.client_id.clone(),
                redirect_uris: vec![redirect(ProviderKind::Staff)],
                credential: ClientCredential::PublicKey { n, e },
                audience: Audience_::Staff,
            });
        }
        let provider =
            DemoProvider::new(issuer, services.demonstration.clone(), clients).map_err(AuthSetupError::DemoProvider)?;
        demo_provider = Some(Arc::new(provider));
    }
    let patient = if patient.enabled() {
        Some(Arc::new(RelyingParty::new(ProviderKind::Patient, patient, patient_key, redirect(ProviderKind::Patient))?))
    } else {
        None
    };
    let staff = if staff.enabled() {
        Some(Arc::new(RelyingParty::new(ProviderKind::Staff, staff, staff_key, redirect(ProviderKind::Staff))?))
    } else {
        None
    };
    Ok(Arc::new(Auth { patient, staff, demo_provider, limiter: RateLimiter::new(config.login_rate_limit_per_minute) }))
}
