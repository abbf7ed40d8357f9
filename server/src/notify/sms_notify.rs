//! Text messages through a GOV.UK Notify-compatible API.
//!
//! `POST {base_url}/v2/notifications/sms` with
//! `{phone_number, template_id, personalisation, reference}`, authenticated
//! with a JSON Web Token signed with HS256 by the API key's secret, whose
//! issuer is the service id and whose `iat` is now (Notify refuses tokens
//! more than 30 seconds off its clock). An API key is
//! `{key name}-{service id}-{secret}`, the last two UUIDs. Every text uses
//! one template whose content is `((body))`.
//!
//! Notify's answers: 201 sent; 4xx a request that will never work (a
//! number it cannot text, a bad template, a revoked key) except 408 and
//! 429 (try later); 5xx and network failures are temporary.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use carebook_core::notify::compose::OutgoingSms;
use carebook_core::notify::delivery::SmsGateway;
use carebook_core::notify::outbox::Notification;
use carebook_core::notify::worker::DeliveryError;
use serde::Serialize;

use super::SetupError;
use crate::config::SmsConfig;

pub struct NotifySms {
    client: reqwest::Client,
    endpoint: String,
    service_id: String,
    secret: String,
    template_id: String,
}

/// The service id and secret in a Notify API key.
pub fn parse_api_key(key: &str) -> Option<(String, String)> {
    let key = key.trim();
    if !key.is_ascii() || key.len() < 74 {
        return None;
    }
    let secret = &key[key.len() - 36..];
    let service_id = &key[key.len() - 73..key.len() - 37];
    if &key[key.len() - 37..key.len() - 36] != "-" {
        return None;
    }
    uuid::Uuid::parse_str(secret).ok()?;
    uuid::Uuid::parse_str(service_id).ok()?;
    Some((service_id.to_string(), secret.to_string()))
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    iat: u64,
}

impl NotifySms {
    pub fn new(config: &SmsConfig) -> Result<Self, SetupError> {
        if !(config.base_url.starts_with("http://") || config.base_url.starts_with("https://")) {
            return Err(SetupError::SmsUrl);
        }
        let (service_id, secret) = parse_api_key(config.api_key.expose()).ok_or(SetupError::SmsKey)?;
        uuid::Uuid::parse_str(config.template_id.trim()).map_err(|_| SetupError::SmsTemplate)?;
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("carebook/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SetupError::SmsClient(e.to_string()))?;
        Ok(Self {
            client,
            endpoint: format!("{}/v2/notifications/sms", config.base_url.trim_end_matches('/')),
            service_id,
            secret,
            template_id: config.template_id.trim().to_string(),
        })
    }

    /// The bearer token for a request made now.
    fn token(&self) -> Result<String, DeliveryError> {
        let iat = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
            &Claims { iss: &self.service_id, iat },
            &jsonwebtoken::EncodingKey::from_secret(self.secret.as_bytes()),
        )
        .map_err(|e| DeliveryError::Permanent(format!("notify: token: {e}")))
    }
}

/// What Notify says went wrong: its error classes, never the request.
fn error_classes(body: &str) -> String {
    let parsed: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let classes: Vec<String> = parsed["errors"]
        .as_array()
        .map(|errors| errors.iter().filter_map(|e| e["error"].as_str()).map(str::to_string).collect())
        .unwrap_or_default();
    if classes.is_empty() {
        "no error detail".into()
    } else {
        classes.join(", ")
    }
}

#[async_trait]
impl SmsGateway for NotifySms {
    async fn send_sms(&self, notification: &Notification, sms: &OutgoingSms) -> Result<(), DeliveryError> {
        let body = serde_json::json!({
            "phone_number": sms.to.as_e164(),
            "template_id": self.template_id,
            "personalisation": { "body": sms.text },
            "reference": sms.reference,
        });
        let response = self
            .client
            .post(&self.endpoint)
            .bearer_auth(self.token()?)
            .json(&body)
            .send()
            .await
            .map_err(|e| DeliveryError::Temporary(format!("notify: {}", without_url(e))))?;
        let status = response.status();
        if status.is_success() {
            tracing::info!(kind = notification.kind.as_str(), "text message sent");
            return Ok(());
        }
        let detail = error_classes(&response.text().await.unwrap_or_default());
        let error = format!("notify: {} {detail}", status.as_u16());
        if status.is_client_error() && status.as_u16() != 408 && status.as_u16() != 429 {
            Err(DeliveryError::Permanent(error))
        } else {
            Err(DeliveryError::Temporary(error))
        }
    }
}

/// A transport error, without the request's address.
fn without_url(e: reqwest::Error) -> String {
    e.without_url().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_api_key_yields_its_service_id_and_secret_whatever_the_key_is_called() {
        let service = "26785a09-ab16-4eb0-8407-a37497a57506";
        let secret = "3d844edf-8d35-48ac-975b-e847b4f122b0";
        let key = format!("my-test-key-{service}-{secret}");
        assert_eq!(parse_api_key(&key), Some((service.to_string(), secret.to_string())));
        assert_eq!(parse_api_key(&format!("k-{service}-{secret}")).unwrap().0, service);
        assert_eq!(parse_api_key(secret), None, "too short");
        assert_eq!(parse_api_key(&format!("key-{service}x{secret}")), None);
        assert_eq!(parse_api_key(&format!("key-{service}-not-a-uuid-at-all-not-a-uuid-at-al")), None);
    }

    #[test]
    fn only_notify_error_classes_are_kept_from_a_refusal() {
        let body = r#"{"errors":[{"error":"BadRequestError","message":"phone_number 07700 900123 is not a UK mobile"}],"status_code":400}"#;
        assert_eq!(error_classes(body), "BadRequestError");
        assert_eq!(error_classes("<html>gateway timeout</html>"), "no error detail");
    }
}
