//! Message gateways and the delivery loop: e-mail through SMTP (lettre),
//! text messages through a GOV.UK Notify-compatible API, the
//! demonstration's recorder, and the loop `carebook serve` and
//! `carebook worker` both run.

pub mod delivery;
pub mod demo;
pub mod sms_notify;
pub mod smtp;

/// A gateway's configuration cannot work.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("smtp.from is not a valid mailbox: {0}")]
    From(String),
    #[error("could not set up SMTP to {host}: {reason}")]
    Relay { host: String, reason: String },
    #[error("sms.api_key is not a Notify API key ({{name}}-{{service id}}-{{secret}})")]
    SmsKey,
    #[error("sms.base_url must start with http:// or https://")]
    SmsUrl,
    #[error("sms.template_id must be the text message template's id (a UUID)")]
    SmsTemplate,
    #[error("could not set up the SMS gateway's HTTP client: {0}")]
    SmsClient(String),
    #[error("nothing to deliver with: set smtp.host or sms.base_url")]
    NoGateway,
}
