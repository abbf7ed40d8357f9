//! The audit trail: who did what to which record.

use async_trait::async_trait;
use uuid::Uuid;

use super::StoreResult;
use crate::model::{AuditEvent, StoredAuditEvent};

#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Add a line to the audit trail. The trail is append-only: the
    /// database itself refuses updates and deletes, and a demonstration
    /// reset leaves it alone.
    async fn append_audit(&self, event: &AuditEvent) -> StoreResult<i64>;

    /// The newest `limit` audit lines about one thing (for "who looked at my
    /// record"), newest first.
    async fn audit_for_target(
        &self,
        target_kind: &str,
        target_id: Uuid,
        limit: u32,
    ) -> StoreResult<Vec<StoredAuditEvent>>;
}
