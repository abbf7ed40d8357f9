//! The delivery loop, as a function tests can call: claim a batch of due
//! messages, hand each to a transport, and record what happened. With
//! SQLite it runs inside the server process; with PostgreSQL any number of
//! workers share the outbox (claims never overlap).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use time::{Duration, OffsetDateTime};

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
    /// Not a failure: what is left to send may not go before this time
    /// (text messages in the quiet hours). Not counted as an attempt.
    #[error("deferred until {0}")]
    Deferred(OffsetDateTime),
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
    /// Put off until later without failing (quiet hours).
    pub deferred: u32,
}

impl DrainReport {
    fn add(&mut self, other: DrainReport) {
        self.sent += other.sent;
        self.retrying += other.retrying;
        self.parked += other.parked;
        self.deferred += other.deferred;
    }

    /// Anything happened at all.
    pub fn any(&self) -> bool {
        self.sent + self.retrying + self.parked + self.deferred > 0
    }
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
    /// Pass on waitlist offers nobody answered in time: the hold is released
    /// and the slot offered to the next person waiting. How many expired.
    pub async fn expire_waitlist_offers(&self) -> StoreResult<u64> {
        self.store.expire_waitlist_offers(self.clock.now()).await
    }

    /// Claim and handle one batch.
    pub async fn run_once(&self) -> StoreResult<(usize, DrainReport)> {
        self.run_once_until(&AtomicBool::new(false)).await
    }

    /// Claim and handle one batch, checking `stop` before each message:
    /// once it is set, the message in hand is finished and the rest of the
    /// batch is handed back unsent (due as before, no attempt counted), so
    /// another worker can take it at once instead of waiting for the lease.
    pub async fn run_once_until(&self, stop: &AtomicBool) -> StoreResult<(usize, DrainReport)> {
        if stop.load(Ordering::SeqCst) {
            return Ok((0, DrainReport::default()));
        }
        let now = self.clock.now();
        let batch = self.store.claim_notifications(&self.name, now, self.lease, self.batch).await?;
        let mut report = DrainReport::default();
        for (i, n) in batch.iter().enumerate() {
            if stop.load(Ordering::SeqCst) {
                for rest in &batch[i..] {
                    self.store.defer_notification(rest.notification_id, &self.name, rest.due_at).await?;
                }
                break;
            }
            match self.transport.deliver(n).await {
                Ok(()) => {
                    self.store.complete_notification(n.notification_id, &self.name, self.clock.now()).await?;
                    report.sent += 1;
                }
                Err(DeliveryError::Deferred(until)) => {
                    self.store.defer_notification(n.notification_id, &self.name, until).await?;
                    report.deferred += 1;
                }
                Err(e) => {
                    let next = match &e {
                        DeliveryError::Temporary(_) => {
                            self.policy.after_failure(u32::try_from(n.attempts).unwrap_or(0) + 1, (self.random)())
                        }
                        _ => Next::Park,
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
        self.drain_until(&AtomicBool::new(false)).await
    }

    /// Handle batches until nothing is due or `stop` is set.
    pub async fn drain_until(&self, stop: &AtomicBool) -> StoreResult<DrainReport> {
        let mut total = DrainReport::default();
        loop {
            let (claimed, r) = self.run_once_until(stop).await?;
            total.add(r);
            if claimed == 0 || stop.load(Ordering::SeqCst) {
                return Ok(total);
            }
        }
    }
}
