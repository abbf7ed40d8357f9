//! E-mail through SMTP (lettre): plain text and HTML alternatives, and the
//! RFC 5545 invitation as a `text/calendar` part with its METHOD, so
//! calendar programs offer to add, update or remove the event.

use std::sync::Arc;

use async_trait::async_trait;
use carebook_core::notify::compose::{compose_email, OutgoingEmail};
use carebook_core::notify::ics::Method;
use carebook_core::notify::outbox::Notification;
use carebook_core::notify::worker::{DeliveryError, Transport};
use carebook_core::store::Store;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{SmtpConfig, SmtpTls};

pub struct SmtpTransport {
    store: Arc<dyn Store>,
    mailer: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

#[derive(Debug, thiserror::Error)]
pub enum SmtpSetupError {
    #[error("smtp.from is not a valid mailbox: {0}")]
    From(String),
    #[error("could not set up SMTP to {host}: {reason}")]
    Relay { host: String, reason: String },
}

impl SmtpTransport {
    pub fn new(config: &SmtpConfig, store: Arc<dyn Store>) -> Result<Self, SmtpSetupError> {
        let from: Mailbox =
            config.from.parse().map_err(|e: lettre::address::AddressError| SmtpSetupError::From(e.to_string()))?;
        let relay_error = |e: lettre::transport::smtp::Error| SmtpSetupError::Relay {
            host: config.host.clone(),
            reason: e.to_string(),
        };
        let mut builder = match config.tls {
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host),
            SmtpTls::Starttls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.host).map_err(relay_error)?
            }
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&config.host).map_err(relay_error)?,
        }
        .port(config.port)
        .timeout(Some(std::time::Duration::from_secs(20)));
        if !config.username.is_empty() {
            builder =
                builder.credentials(Credentials::new(config.username.clone(), config.password.expose().to_string()));
        }
        Ok(Self { store, mailer: builder.build(), from })
    }

    fn message(&self, email: &OutgoingEmail) -> Result<Message, DeliveryError> {
        let to: Mailbox = email.to.as_str().parse().map_err(|_| DeliveryError::Permanent("unusable address".into()))?;
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.clone())
            .message_id(Some(email.message_id.clone()));
        if let Some(reply_to) = email.reply_to.as_ref().and_then(|r| r.as_str().parse::<Mailbox>().ok()) {
            builder = builder.reply_to(reply_to);
        }
        let alternatives = MultiPart::alternative()
            .singlepart(SinglePart::plain(email.text.clone()))
            .singlepart(SinglePart::html(email.html.clone()));
        let body = match &email.invitation {
            None => MultiPart::mixed().multipart(alternatives),
            Some((method, ics)) => {
                let method = match method {
                    Method::Request => "REQUEST",
                    Method::Cancel => "CANCEL",
                };
                let content_type = ContentType::parse(&format!("text/calendar; charset=utf-8; method={method}"))
                    .map_err(|_| DeliveryError::Permanent("invitation content type".into()))?;
                MultiPart::mixed()
                    .multipart(alternatives)
                    .singlepart(Attachment::new("invitation.ics".into()).body(ics.clone(), content_type))
            }
        };
        builder.multipart(body).map_err(|e| DeliveryError::Permanent(format!("message: {e}")))
    }
}

#[async_trait]
impl Transport for SmtpTransport {
    async fn deliver(&self, notification: &Notification) -> Result<(), DeliveryError> {
        let Some(email) = compose_email(self.store.as_ref(), notification).await? else {
            // They chose not to hear about this by e-mail.
            tracing::info!(kind = notification.kind.as_str(), "no e-mail wanted");
            return Ok(());
        };
        let message = self.message(&email)?;
        match self.mailer.send(message).await {
            Ok(_) => {
                tracing::info!(kind = notification.kind.as_str(), "e-mail sent");
                Ok(())
            }
            Err(e) if e.is_permanent() => Err(DeliveryError::Permanent(format!("smtp: {e}"))),
            Err(e) => Err(DeliveryError::Temporary(format!("smtp: {e}"))),
        }
    }
}
