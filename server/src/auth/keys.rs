//! RSA keys: carebook's client key (for `private_key_jwt`) and the
//! demonstration provider's signing key. Loaded from a PEM or JWKS file, or
//! generated for the demonstration. The client assertion itself (RFC 7523)
//! is signed by the `jsonwebtoken` crate.

use std::path::Path;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use openidconnect::core::{CoreJsonWebKey, CoreRsaPrivateSigningKey};
use openidconnect::{JsonWebKeyId, PrivateSigningKey};
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey};
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;
use rsa::{BigUint, RsaPrivateKey};
use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("could not read the key file {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("the key file {path} holds no RSA private key in PEM (PKCS#1 or PKCS#8) or JWKS form")]
    Unreadable { path: String },
    #[error("could not make an RSA key: {0}")]
    Generate(String),
    #[error("could not sign: {0}")]
    Sign(String),
}

/// An RSA private key with the id its public half is known by.
#[derive(Clone)]
pub struct RsaKey {
    pub kid: String,
    private: RsaPrivateKey,
    pem: String,
}

impl std::fmt::Debug for RsaKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RsaKey").field("kid", &self.kid).finish_non_exhaustive()
    }
}

impl RsaKey {
    /// A new 2048-bit key (the demonstration's keys).
    pub fn generate(kid: impl Into<String>) -> Result<Self, KeyError> {
        let private =
            RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).map_err(|e| KeyError::Generate(e.to_string()))?;
        Self::from_private(kid.into(), private)
    }

    fn from_private(kid: String, private: RsaPrivateKey) -> Result<Self, KeyError> {
        let pem = private.to_pkcs1_pem(rsa::pkcs1::LineEnding::LF).map_err(|e| KeyError::Generate(e.to_string()))?;
        Ok(Self { kid, private, pem: pem.to_string() })
    }

    /// From a PEM file (PKCS#1 or PKCS#8) or a JWKS file holding a private
    /// RSA key. A JWKS key's own `kid` wins over `kid`.
    pub fn load(path: &Path, kid: &str) -> Result<Self, KeyError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| KeyError::Read { path: path.display().to_string(), source })?;
        Self::parse(&text, kid).ok_or_else(|| KeyError::Unreadable { path: path.display().to_string() })
    }

    pub fn parse(text: &str, kid: &str) -> Option<Self> {
        if text.trim_start().starts_with('{') {
            let set: PrivateJwks = serde_json::from_str(text).ok()?;
            let jwk = set.keys.into_iter().find(|k| k.kty == "RSA" && k.d.is_some())?;
            let part = |s: &str| -> Option<BigUint> {
                use base64::Engine as _;
                base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(s).ok().map(|b| BigUint::from_bytes_be(&b))
            };
            let primes = match (&jwk.p, &jwk.q) {
                (Some(p), Some(q)) => vec![part(p)?, part(q)?],
                _ => Vec::new(),
            };
            let private =
                RsaPrivateKey::from_components(part(&jwk.n)?, part(&jwk.e)?, part(jwk.d.as_deref()?)?, primes).ok()?;
            return Self::from_private(jwk.kid.unwrap_or_else(|| kid.to_string()), private).ok();
        }
        let private = RsaPrivateKey::from_pkcs1_pem(text).or_else(|_| RsaPrivateKey::from_pkcs8_pem(text)).ok()?;
        Self::from_private(kid.to_string(), private).ok()
    }

    /// The key as openidconnect signs ID tokens with it.
    pub fn signing_key(&self) -> CoreRsaPrivateSigningKey {
        CoreRsaPrivateSigningKey::from_pem(&self.pem, Some(JsonWebKeyId::new(self.kid.clone())))
            .expect("a key carebook made itself is readable")
    }

    /// The public half, as a JWK (what a provider is given to register the
    /// client, and what a provider publishes in its JWKS).
    pub fn public_jwk(&self) -> CoreJsonWebKey {
        self.signing_key().as_verification_key()
    }

    /// The public half's modulus and exponent, base64url.
    pub fn public_components(&self) -> (String, String) {
        use base64::Engine as _;
        let enc = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        (enc.encode(self.private.n().to_bytes_be()), enc.encode(self.private.e().to_bytes_be()))
    }

    /// The public half as PEM (SubjectPublicKeyInfo, "BEGIN PUBLIC KEY"), as
    /// a record source registers it.
    pub fn public_pem(&self) -> Result<String, KeyError> {
        use rsa::pkcs8::EncodePublicKey;
        self.private
            .to_public_key()
            .to_public_key_pem(rsa::pkcs8::LineEnding::LF)
            .map_err(|e| KeyError::Generate(e.to_string()))
    }

    /// A JWKS document holding only the public half.
    pub fn public_jwks_json(&self) -> serde_json::Value {
        let (n, e) = self.public_components();
        serde_json::json!({ "keys": [{ "kty": "RSA", "use": "sig", "kid": self.kid, "n": n, "e": e }] })
    }

    /// An RFC 7523 client assertion: iss = sub = the client id, aud = the
    /// token endpoint, a unique jti, valid for one minute.
    pub fn client_assertion(
        &self,
        client_id: &str,
        token_endpoint: &str,
        alg: &str,
        now: time::OffsetDateTime,
    ) -> Result<String, KeyError> {
        let algorithm = match alg {
            "RS256" => Algorithm::RS256,
            "RS384" => Algorithm::RS384,
            _ => Algorithm::RS512,
        };
        let header = Header { alg: algorithm, kid: Some(self.kid.clone()), ..Header::default() };
        let iat = now.unix_timestamp();
        let claims = AssertionClaims {
            iss: client_id.to_string(),
            sub: client_id.to_string(),
            aud: token_endpoint.to_string(),
            jti: uuid::Uuid::new_v4().to_string(),
            iat,
            exp: iat + 60,
        };
        let key = EncodingKey::from_rsa_pem(self.pem.as_bytes()).map_err(|e| KeyError::Sign(e.to_string()))?;
        jsonwebtoken::encode(&header, &claims, &key).map_err(|e| KeyError::Sign(e.to_string()))
    }
}

/// The claims of a client assertion.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AssertionClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub jti: String,
    pub iat: i64,
    pub exp: i64,
}

#[derive(Deserialize)]
struct PrivateJwks {
    keys: Vec<PrivateJwk>,
}

#[derive(Deserialize)]
struct PrivateJwk {
    kty: String,
    kid: Option<String>,
    n: String,
    e: String,
    d: Option<String>,
    p: Option<String>,
    q: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{decode, DecodingKey, Validation};

    #[test]
    fn a_client_assertion_verifies_with_the_public_half_and_names_the_client() {
        let key = RsaKey::generate("k1").unwrap();
        let now = time::OffsetDateTime::now_utc();
        let jwt = key.client_assertion("carebook", "https://op.example/token", "RS512", now).unwrap();
        let (n, e) = key.public_components();
        let mut v = Validation::new(Algorithm::RS512);
        v.set_audience(&["https://op.example/token"]);
        v.set_issuer(&["carebook"]);
        let data = decode::<AssertionClaims>(&jwt, &DecodingKey::from_rsa_components(&n, &e).unwrap(), &v).unwrap();
        assert_eq!(data.claims.sub, "carebook");
        assert_eq!(data.header.kid.as_deref(), Some("k1"));
        assert!(data.claims.exp - data.claims.iat <= 60);
        let other = key.client_assertion("carebook", "https://op.example/token", "RS512", now).unwrap();
        let other = decode::<AssertionClaims>(&other, &DecodingKey::from_rsa_components(&n, &e).unwrap(), &v).unwrap();
        assert_ne!(other.claims.jti, data.claims.jti, "each assertion has its own jti");
    }

    #[test]
    fn keys_load_from_pkcs1_pkcs8_and_jwks_and_refuse_anything_else() {
        use rsa::pkcs8::EncodePrivateKey;
        use rsa::traits::PrivateKeyParts;
        let key = RsaKey::generate("k").unwrap();
        let pkcs1 = key.private.to_pkcs1_pem(rsa::pkcs1::LineEnding::LF).unwrap();
        let pkcs8 = key.private.to_pkcs8_pem(rsa::pkcs8::LineEnding::LF).unwrap();
        assert_eq!(RsaKey::parse(&pkcs1, "a").unwrap().public_components(), key.public_components());
        assert_eq!(RsaKey::parse(&pkcs8, "a").unwrap().public_components(), key.public_components());
        use base64::Engine as _;
        let enc = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let (n, e) = key.public_components();
        let primes = key.private.primes();
        let jwks = serde_json::json!({"keys": [{"kty": "RSA", "kid": "from-file", "n": n, "e": e,
            "d": enc.encode(key.private.d().to_bytes_be()),
            "p": enc.encode(primes[0].to_bytes_be()), "q": enc.encode(primes[1].to_bytes_be())}]});
        let loaded = RsaKey::parse(&jwks.to_string(), "a").unwrap();
        assert_eq!(loaded.kid, "from-file");
        assert_eq!(loaded.public_components(), key.public_components());
        assert!(RsaKey::parse("not a key", "a").is_none());
        assert!(RsaKey::parse(&key.public_jwks_json().to_string(), "a").is_none(), "a public key cannot sign");
    }
}
