//! The append-only audit trail: who did what, to what, how it ended, and a
//! reason code. Codes only: never a name, an NHS number or a clinical value.

use std::sync::Arc;

use uuid::Uuid;

use crate::access::Actor;
use crate::clock::Clock;
use crate::model::{AuditEvent, AuditOutcome, StoredAuditEvent};
use crate::store::{Store, StoreResult};

#[derive(Clone)]
pub struct AuditTrail {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

impl AuditTrail {
    pub(super) fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    /// Add a line, now: `actor` did `action` (to `target`, a kind and an
    /// id, when it was about one thing) with `outcome`. A failure to write
    /// is the caller's to log; it does not undo what was done.
    pub async fn record(
        &self,
        actor: &Actor,
        action: &str,
        target: Option<(&str, Uuid)>,
        outcome: AuditOutcome,
        reason: Option<&str>,
    ) -> StoreResult<()> {
        let (actor_kind, actor_id) = match actor {
            Actor::Anonymous => ("anonymous", None),
            // Below P9 the person is not linked to a carebook patient.
            Actor::PartlyVerified { .. } => ("patient", None),
            Actor::Patient(p) => ("patient", Some(p.patient_id)),
            Actor::Staff(s) => ("staff", Some(s.staff_member_id)),
        };
        let event = AuditEvent {
            occurred_at: self.clock.now(),
            actor_kind: actor_kind.to_string(),
            actor_id,
            action: action.to_string(),
            target_kind: target.map(|t| t.0.to_string()),
            target_id: target.map(|t| t.1),
            outcome,
            reason: reason.map(str::to_string),
        };
        self.store.append_audit(&event).await.map(|_| ())
    }

    /// The newest `limit` lines about one thing, newest first: "who looked
    /// at my record".
    pub async fn about(&self, target_kind: &str, target_id: Uuid, limit: u32) -> StoreResult<Vec<StoredAuditEvent>> {
        self.store.audit_for_target(target_kind, target_id, limit).await
    }
}
