//! The waitlist: people asking for an earlier time, and the offers made to
//! them when one frees.

use async_trait::async_trait;
use uuid::Uuid;

use super::StoreResult;
use crate::booking::waitlist::WaitlistEntry;

#[async_trait]
pub trait WaitlistStore: Send + Sync {
    /// Join the waitlist. `Conflict::AlreadyWaiting` when the patient
    /// already waits for this service.
    async fn join_waitlist(&self, entry: &WaitlistEntry) -> StoreResult<()>;

    async fn waitlist_entry(&self, waitlist_entry_id: Uuid) -> StoreResult<WaitlistEntry>;

    /// Waitlist entries still open (waiting or offered) for an
    /// organisation: patients of a practice, or people who may be seen at a
    /// hub. Oldest first (the order offers are made in).
    async fn waitlist_for_organisation(&self, organisation_id: Uuid) -> StoreResult<Vec<WaitlistEntry>>;

    /// Offers nobody answered in time pass on: the entry expires, the slot's
    /// hold is released, and the slot is offered to the next person waiting.
    /// Returns how many offers expired.
    async fn expire_waitlist_offers(&self, now: time::OffsetDateTime) -> StoreResult<u64>;
}
