//! The outbox seen from outside the delivery loop: the parked messages an
//! administrator reviews and replays (only their own organisations'
//! patients'), and the workers that drain it.

use std::sync::Arc;

use time::Duration;
use uuid::Uuid;

use crate::access::{Actor, Subject};
use crate::clock::Clock;
use crate::model::StaffRole;
use crate::notify::delivery::{ChannelTransport, EmailGateway, SmsGateway};
use crate::notify::outbox::Notification;
use crate::notify::retry::RetryPolicy;
use crate::notify::worker::Worker;
use crate::store::{Store, StoreError, StoreResult};

/// The most parked messages an administrator's list looks through.
const PARKED_LIMIT: u32 = 500;

/// Why a parked message was not queued again.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// It is no longer parked (it may have been replayed already).
    #[error("no longer waiting")]
    NotWaiting,
    /// Not one this administrator looks after: the same answer as a
    /// message that does not exist.
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How a delivery worker runs, besides its gateways.
pub struct WorkerSettings {
    /// Unique among the workers sharing the outbox.
    pub name: String,
    /// How long a claim keeps other workers off a message.
    pub lease: Duration,
    /// Messages claimed at a time.
    pub batch: u32,
    /// Uniform in [0, 1), for the retry jitter.
    pub random: Arc<dyn Fn() -> f64 + Send + Sync>,
}

#[derive(Clone)]
pub struct Outbox {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

/// Practice administrators look after their practice's patients' messages;
/// federation administrators those of every practice whose hub they run.
fn administers(actor: &Actor, subject: &Subject) -> bool {
    let Actor::Staff(s) = actor else { return false };
    s.holds(subject.registered_practice_id, StaffRole::PracticeAdmin)
        || subject.federation_hub_id.is_some_and(|hub| s.holds(hub, StaffRole::FederationAdmin))
}

impl Outbox {
    pub(super) fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    /// The parked messages about patients this administrator looks after,
    /// most recently created first.
    pub async fn parked(&self, actor: &Actor) -> StoreResult<Vec<Notification>> {
        let mut mine = Vec::new();
        for n in self.store.parked_notifications(PARKED_LIMIT).await? {
            let Ok(subject) = Subject::load(self.store.as_ref(), n.patient_id).await else { continue };
            if administers(actor, &subject) {
                mine.push(n);
            }
        }
        Ok(mine)
    }

    /// Queue a parked message again, due now.
    pub async fn replay(&self, actor: &Actor, notification_id: Uuid) -> Result<(), ReplayError> {
        let parked = self.store.parked_notifications(PARKED_LIMIT).await?;
        let Some(n) = parked.into_iter().find(|n| n.notification_id == notification_id) else {
            return Err(ReplayError::NotWaiting);
        };
        let subject = Subject::load(self.store.as_ref(), n.patient_id).await?;
        if !administers(actor, &subject) {
            return Err(ReplayError::NotFound);
        }
        Ok(self.store.replay_notification(notification_id, self.clock.now()).await?)
    }

    /// A worker that sends over these gateways (either may be absent),
    /// choosing channels by each patient's preferences.
    pub fn worker(
        &self,
        settings: WorkerSettings,
        email: Option<Arc<dyn EmailGateway>>,
        sms: Option<Arc<dyn SmsGateway>>,
    ) -> Worker {
        Worker {
            name: settings.name,
            transport: Arc::new(ChannelTransport { store: self.store.clone(), clock: self.clock.clone(), email, sms }),
            store: self.store.clone(),
            clock: self.clock.clone(),
            policy: RetryPolicy::default(),
            lease: settings.lease,
            batch: settings.batch,
            random: settings.random,
        }
    }
}
