//! The transactional outbox the notification workers drain, and the
//! demonstration's record of what would have been sent.

use async_trait::async_trait;
use uuid::Uuid;

use super::StoreResult;
use crate::notify::demonstration::SentMessage;
use crate::notify::outbox::{Notification, OutboxStats};
use crate::notify::preferences::DeliveryChannel;

#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Claim up to `limit` due notifications for `worker` for `lease`: rows
    /// that are pending and due, or whose previous worker's lease ran out.
    /// Two workers never claim the same row (PostgreSQL: SKIP LOCKED).
    async fn claim_notifications(
        &self,
        worker: &str,
        now: time::OffsetDateTime,
        lease: time::Duration,
        limit: u32,
    ) -> StoreResult<Vec<Notification>>;

    /// Mark a claimed notification sent. `Conflict::LeaseLost` when `worker`
    /// no longer holds it (its lease ran out and another worker took it).
    async fn complete_notification(
        &self,
        notification_id: Uuid,
        worker: &str,
        at: time::OffsetDateTime,
    ) -> StoreResult<()>;

    /// Record a failed attempt: due again at `retry_at`, or parked when
    /// `None`. `Conflict::LeaseLost` when `worker` no longer holds it.
    async fn fail_notification(
        &self,
        notification_id: Uuid,
        worker: &str,
        error: &str,
        retry_at: Option<time::OffsetDateTime>,
    ) -> StoreResult<()>;

    /// Hand a claimed notification back unsent, due at `until`, without
    /// counting an attempt: text messages waiting for the quiet hours to
    /// end, and the rest of a batch when a worker stops.
    /// `Conflict::LeaseLost` when `worker` no longer holds it.
    async fn defer_notification(
        &self,
        notification_id: Uuid,
        worker: &str,
        until: time::OffsetDateTime,
    ) -> StoreResult<()>;

    /// Note that a notification went out on `channel`, so that a retry or a
    /// deferred text never sends it there again.
    async fn record_channel_sent(&self, notification_id: Uuid, channel: DeliveryChannel) -> StoreResult<()>;

    /// Put a parked notification back in the queue, due `now`.
    async fn replay_notification(&self, notification_id: Uuid, now: time::OffsetDateTime) -> StoreResult<()>;

    async fn notifications_for_patient(&self, patient_id: Uuid) -> StoreResult<Vec<Notification>>;

    /// Parked notifications, most recently created first, with their last
    /// error: what an admin reviews and replays.
    async fn parked_notifications(&self, limit: u32) -> StoreResult<Vec<Notification>>;

    /// Counts over the whole outbox, for /metrics; `now` decides what is due.
    async fn outbox_stats(&self, now: time::OffsetDateTime) -> StoreResult<OutboxStats>;

    /// The demonstration's record of a message that would have been sent.
    async fn record_demo_message(&self, message: &SentMessage) -> StoreResult<()>;

    /// What the demonstration would have sent, newest first.
    async fn demo_messages(&self, limit: u32) -> StoreResult<Vec<SentMessage>>;
}
