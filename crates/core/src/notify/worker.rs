//! The delivery loop, as a function tests can call: claim a batch of due
//! messages, hand each to a transport, and record what happened. With
//! SQLite it runs inside the server process; with PostgreSQL any number of
//! workers share the outbox (claims never overlap).

use std::sync::Arc;

use async_trait::async_trait;
use time::Duration;

use super::outbox::Notification;
use super::retry::{Next, RetryPolicy};
use crate::clock::Clock;
use crate::store::{Store, StoreResult};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    /// Worth trying again later (the mail server is down, a timeout).
    #[error("temporary: {0}")]
    Temporary(String),
    /// Will never work (no address on record for any allowed channel).
    #[error("permanent: {0}")]
    Permanent(String),
}

/// How a message leaves: e-mail, SMS, or the demonstration's viewer.
#[async_trait]
pub trait Transport: Send + Sync + 'static {
    async fn deliver(&self, notification: &Notification) -> Result<(), DeliveryError>;
}

/// What one drain did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DrainReport {
    pub sent: u32,
    pub retrying: u32,
    pub parked: u32,
}

pub struct Worker {
    pub name: String,
    pub store: Arc<dyn Store>,
    pub transport: Arc<dyn Transport>,
    pub clock: Arc<dyn Clock>,
    pub policy: RetryPolicy,
    pub lease: Duration,
    pub batch: u32,
    /// Uniform in [0, 1), for the retry jitter.
    pub random: Arc<dyn Fn() -> f64 + Send + Sync>,
}

impl Worker {
    /// Claim and handle one batch.
    pub async fn run_once(&self) -> StoreResult<(usize, DrainReport)> {
        let now = self.clock.now();
        let batch = self.store.claim_notifications(&self.name, now, self.lease, self.batch).await?;
        let mut report = DrainReport::default();
        for n in &batch {
            match self.transport.deliver(n).await {
                Ok(()) => {
                    self.store.complete_notification(n.notification_id, &self.name, self.clock.now()).await?;
                    report.sent += 1;
                }
                Err(e) => {
                    let next = match &e {
                        DeliveryError::Permanent(_) => Next::Park,
                        DeliveryError::Temporary(_) => {
                            self.policy.after_failure(u32::try_from(n.attempts).unwrap_or(0) + 1, (self.random)())
                        }
                    };
                    let retry_at = match next {
                        Next::RetryAfter(wait) => {
                            report.retrying += 1;
                            Some(self.clock.now() + wait)
                        }
                        Next::Park => {
                            report.parked += 1;
                            None
                        }
                    };
                    // The stored error names the failure, never the message.
                    self.store.fail_notification(n.notification_id, &self.name, &e.to_string(), retry_at).await?;
                }
            }
        }
        Ok((batch.len(), report))
    }

    /// Handle batches until nothing is due.
    pub async fn drain(&self) -> StoreResult<DrainReport> {
        let mut total = DrainReport::default();
        loop {
            let (claimed, r) = self.run_once().await?;
            total.sent += r.sent;
            total.retrying += r.retrying;
            total.parked += r.parked;
            if claimed == 0 {
                return Ok(total);
            }
        }
    }
}
