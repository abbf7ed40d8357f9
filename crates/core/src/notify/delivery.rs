//! Delivery on the channels a patient allows: the [`Transport`] the workers
//! use. It reads what the message is about once, decides the channels from
//! the patient's choices and contact details (a cancellation by the
//! practice always goes out on some channel they have), and hands the
//! composed e-mail and text message to the gateways this deployment has:
//! SMTP and a GOV.UK Notify-compatible SMS service, or the demonstration's
//! recorder.
//!
//! A message that goes out on two channels is sent on each once: a channel
//! that succeeded is noted on the outbox row before the next is tried, so a
//! retry after a failure, or a text message put off by the quiet hours,
//! never repeats the e-mail.

use std::sync::Arc;

use async_trait::async_trait;

use super::compose::{self, OutgoingEmail, OutgoingSms};
use super::outbox::Notification;
use super::preferences::DeliveryChannel;
use super::sms::{self, SmsTiming};
use super::worker::{DeliveryError, Transport};
use crate::clock::Clock;
use crate::store::Store;

/// Where e-mail goes: SMTP, or the demonstration's recorder.
#[async_trait]
pub trait EmailGateway: Send + Sync + 'static {
    async fn send_email(&self, notification: &Notification, email: &OutgoingEmail) -> Result<(), DeliveryError>;
}

/// Where text messages go: an SMS gateway, or the demonstration's recorder.
#[async_trait]
pub trait SmsGateway: Send + Sync + 'static {
    async fn send_sms(&self, notification: &Notification, sms: &OutgoingSms) -> Result<(), DeliveryError>;
}

pub struct ChannelTransport {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    /// `None` when this deployment sends no e-mail.
    pub email: Option<Arc<dyn EmailGateway>>,
    /// `None` when this deployment sends no text messages.
    pub sms: Option<Arc<dyn SmsGateway>>,
}

#[async_trait]
impl Transport for ChannelTransport {
    async fn deliver(&self, n: &Notification) -> Result<(), DeliveryError> {
        let facts = compose::load(self.store.as_ref(), n).await?;
        let wanted = facts.channels(true, true);
        let usable = facts.channels(self.email.is_some(), self.sms.is_some());
        if usable.is_empty() {
            if wanted.is_empty() {
                // Their choice (or no contact details at all): nothing to send.
                return Ok(());
            }
            let names: Vec<&str> = wanted.iter().map(|c| c.as_str()).collect();
            return Err(DeliveryError::Permanent(format!("no gateway configured for {}", names.join(" or "))));
        }
        let to_do: Vec<DeliveryChannel> = usable.into_iter().filter(|c| !n.channels_sent.contains(c)).collect();
        let mut deferred = None;
        for (i, channel) in to_do.iter().enumerate() {
            let last = i + 1 == to_do.len();
            match channel {
                DeliveryChannel::Email => {
                    let gateway = self.email.as_ref().expect("usable channels have gateways");
                    gateway.send_email(n, &compose::email(&facts)?).await?;
                }
                DeliveryChannel::Sms => {
                    let gateway = self.sms.as_ref().expect("usable channels have gateways");
                    let timing = if facts.superseded() {
                        // Cancelled or changed again since: the newer message says so.
                        SmsTiming::TooLate
                    } else {
                        sms::timing(n.kind, self.clock.now(), facts.starts_at(), facts.deadline())
                    };
                    match timing {
                        SmsTiming::Now => gateway.send_sms(n, &compose::sms(&facts)?).await?,
                        SmsTiming::Defer(until) => {
                            deferred = Some(until);
                            continue;
                        }
                        // Stale by the morning: the other channels carried it.
                        SmsTiming::TooLate => {}
                    }
                }
            }
            if !last || deferred.is_some() {
                self.store
                    .record_channel_sent(n.notification_id, *channel)
                    .await
                    .map_err(|e| DeliveryError::Temporary(format!("store: {e}")))?;
            }
        }
        match deferred {
            Some(until) => Err(DeliveryError::Deferred(until)),
            None => Ok(()),
        }
    }
}
