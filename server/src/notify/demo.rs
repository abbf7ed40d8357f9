//! The demonstration's gateways: in `carebook demo` nothing leaves the
//! machine. Each e-mail and text message is composed by the same code as
//! the real ones and kept in the store for the outbox viewer
//! (`/demonstration/outbox`), with its invitation.

use std::sync::Arc;

use async_trait::async_trait;
use carebook_core::clock::Clock;
use carebook_core::notify::compose::{OutgoingEmail, OutgoingSms};
use carebook_core::notify::delivery::{EmailGateway, SmsGateway};
use carebook_core::notify::demonstration::SentMessage;
use carebook_core::notify::outbox::Notification;
use carebook_core::notify::preferences::DeliveryChannel;
use carebook_core::notify::worker::DeliveryError;
use carebook_core::services::Demonstration;

pub struct DemoGateway {
    pub demonstration: Demonstration,
    pub clock: Arc<dyn Clock>,
}

impl DemoGateway {
    /// The synthetic person's name, for the viewer.
    async fn name(&self, n: &Notification) -> Result<String, DeliveryError> {
        self.demonstration
            .recipient_name(n.patient_id)
            .await
            .map_err(|e| DeliveryError::Temporary(format!("store: {e}")))
    }

    async fn keep(&self, message: SentMessage) -> Result<(), DeliveryError> {
        self.demonstration.keep_message(&message).await.map_err(|e| DeliveryError::Temporary(format!("store: {e}")))?;
        tracing::info!(kind = message.kind.as_str(), channel = message.channel.as_str(), "demonstration message kept");
        Ok(())
    }
}

#[async_trait]
impl EmailGateway for DemoGateway {
    async fn send_email(&self, n: &Notification, email: &OutgoingEmail) -> Result<(), DeliveryError> {
        let name = self.name(n).await?;
        self.keep(SentMessage {
            notification_id: n.notification_id,
            kind: n.kind,
            channel: DeliveryChannel::Email,
            recipient: format!("{name} <{}>", email.to.as_str()),
            subject: Some(email.subject.clone()),
            body: email.text.clone(),
            invitation: email.invitation.as_ref().map(|(_, ics)| ics.clone()),
            sent_at: self.clock.now(),
        })
        .await
    }
}

#[async_trait]
impl SmsGateway for DemoGateway {
    async fn send_sms(&self, n: &Notification, sms: &OutgoingSms) -> Result<(), DeliveryError> {
        let name = self.name(n).await?;
        self.keep(SentMessage {
            notification_id: n.notification_id,
            kind: n.kind,
            channel: DeliveryChannel::Sms,
            recipient: format!("{name}, {}", sms.to),
            subject: None,
            body: sms.text.clone(),
            invitation: None,
            sent_at: self.clock.now(),
        })
        .await
    }
}
