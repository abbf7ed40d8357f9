//! The audit trail: who did what, to what, with what outcome and a reason
//! code. Never a claimed value, a name or an NHS number.

use carebook_core::access::Actor;
use carebook_core::model::AuditOutcome;

use crate::state::AppState;

/// Add a line to the audit trail: who, what, outcome and a reason code.
pub async fn audit(state: &AppState, actor: Actor, action: &str, outcome: AuditOutcome, reason: Option<&str>) {
    audit_event(state, actor, action, None, outcome, reason).await;
}

/// The same, about one thing (a patient, an appointment).
pub async fn audit_target(
    state: &AppState,
    actor: Actor,
    action: &str,
    target_kind: &str,
    target_id: uuid::Uuid,
    outcome: AuditOutcome,
    reason: Option<&str>,
) {
    audit_event(state, actor, action, Some((target_kind, target_id)), outcome, reason).await;
}

async fn audit_event(
    state: &AppState,
    actor: Actor,
    action: &str,
    target: Option<(&str, uuid::Uuid)>,
    outcome: AuditOutcome,
    reason: Option<&str>,
) {
    if let Err(e) = state.services.audit.record(&actor, action, target, outcome, reason).await {
        tracing::error!(error = %e, action, "audit event not written");
    }
}
