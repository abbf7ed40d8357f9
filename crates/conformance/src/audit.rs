//! The audit trail: append-only, newest first, kept across a demonstration reset.

use std::sync::Arc;

use carebook_core::demo;
use carebook_core::model::{AuditEvent, AuditOutcome};
use carebook_core::store::Store;
use uuid::Uuid;

fn audit_line(minute: i64, action: &str, target: Uuid, outcome: AuditOutcome) -> AuditEvent {
    AuditEvent {
        occurred_at: time::macros::datetime!(2026-11-24 09:00 UTC) + time::Duration::minutes(minute),
        actor_kind: "staff".into(),
        actor_id: Some(Uuid::from_u128(500)),
        action: action.into(),
        target_kind: Some("patient".into()),
        target_id: Some(target),
        outcome,
        reason: (outcome != AuditOutcome::Success).then(|| "wrong_organisation_or_role".into()),
    }
}

scenarios! {
    audit;

    pub async fn the_audit_trail_keeps_every_line_newest_first_and_survives_a_reset(store: Arc<dyn Store>) {
        let (me, someone_else) = (Uuid::from_u128(600), Uuid::from_u128(601));
        let first = audit_line(0, "record_view", me, AuditOutcome::Success);
        let second = audit_line(5, "record_view", me, AuditOutcome::Refused);
        let third = audit_line(10, "record_view", me, AuditOutcome::Success);
        let other = audit_line(7, "record_view", someone_else, AuditOutcome::Success);
        let mut ids = Vec::new();
        for e in [&first, &second, &other, &third] {
            ids.push(store.append_audit(e).await.expect("append"));
        }
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids rise: {ids:?}");

        let mine = store.audit_for_target("patient", me, 10).await.unwrap();

        let events: Vec<_> = mine.iter().map(|s| s.event.clone()).collect();
        assert_eq!(events, vec![third.clone(), second.clone(), first.clone()]);
        assert_eq!(store.audit_for_target("patient", me, 2).await.unwrap().len(), 2);
        assert!(store.audit_for_target("appointment", me, 10).await.unwrap().is_empty());
        // A demonstration reset replaces the people, never the trail.
        store.replace_population(&demo::generate_with(5, 20)).await.unwrap();
        assert_eq!(store.audit_for_target("patient", me, 10).await.unwrap().len(), 3);
        assert_eq!(store.audit_for_target("patient", someone_else, 10).await.unwrap()[0].event, other);
    }
}
