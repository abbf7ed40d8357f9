//! Checking an ID token: signature (RS256 or RS512) against the provider's
//! JWKS, issuer, audience, expiry and issue time within the configured clock
//! skew, and nonce; each refusal named for the audit trail.

use openidconnect::core::{CoreJsonWebKeySet, CoreJwsSigningAlgorithm};
use openidconnect::{ClaimsVerificationError, ClientId, IdTokenVerifier, IssuerUrl, Nonce, SignatureVerificationError};

use super::{CarebookIdToken, CarebookIdTokenClaims, LoginFailure, RelyingParty};

impl RelyingParty {
    pub(super) fn key_for(
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

    pub(super) fn verify(
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
}
