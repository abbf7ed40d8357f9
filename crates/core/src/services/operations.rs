//! What operations ask of the store: which backend it is, whether it
//! answers with every migration applied, and the outbox's counts. Nothing
//! here is about a person.

use std::sync::Arc;

use time::OffsetDateTime;

use crate::notify::outbox::OutboxStats;
use crate::store::{Store, StoreError, StoreResult};

/// Why the service is not ready to take traffic.
#[derive(Debug, thiserror::Error)]
pub enum NotReady {
    #[error("store unreachable: {0}")]
    Unreachable(StoreError),
    #[error("migration status unknown: {0}")]
    MigrationStatusUnknown(StoreError),
    #[error("migrations pending: {0:?}")]
    MigrationsPending(Vec<i64>),
}

#[derive(Clone)]
pub struct Operations {
    store: Arc<dyn Store>,
}

impl Operations {
    pub(super) fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    /// "sqlite" or "postgres", for logs and /ready.
    pub fn backend(&self) -> &'static str {
        self.store.backend()
    }

    /// The store answers and every migration this binary knows is applied.
    pub async fn readiness(&self) -> Result<(), NotReady> {
        self.store.ping().await.map_err(NotReady::Unreachable)?;
        let status = self.store.migration_status().await.map_err(NotReady::MigrationStatusUnknown)?;
        if status.is_current() {
            Ok(())
        } else {
            Err(NotReady::MigrationsPending(status.pending()))
        }
    }

    /// Counts over the whole outbox (every instance reports the same
    /// shared totals); `now` decides what is due.
    pub async fn outbox_stats(&self, now: OffsetDateTime) -> StoreResult<OutboxStats> {
        self.store.outbox_stats(now).await
    }
}
