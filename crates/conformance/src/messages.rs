//! What each message says: the truth of its own event, whenever the worker
//! gets round to sending it.

use std::sync::Arc;

use carebook_core::access::ProofingLevel;
use carebook_core::booking::service::BookingAsk;
use carebook_core::booking::ServiceKind;
use carebook_core::notify::compose::{self, when};
use carebook_core::notify::outbox::{NotificationKind, NotificationStatus};
use carebook_core::store::Store;

use crate::fixtures::service::{patient_actor, registered_at, world, FROM, TO};

scenarios! {
    messages;

    pub async fn messages_composed_after_two_moves_each_tell_their_own_time(store: Arc<dyn Store>) {
        // The worker is stopped: the patient books, moves, and moves again
        // before any message goes out.
        let w = world(&store).await;
        let me = registered_at(&w, w.practice.organisation_id).find(|p| p.email.is_some()).unwrap().patient_id;
        let actor = patient_actor(me, ProofingLevel::P9);
        let slots = w.services.booking.availability(&actor, me, ServiceKind::GpAppointment, FROM, TO).await.unwrap();
        let at = |org, nth: usize| slots.iter().filter(|s| s.organisation_id == org).nth(nth).unwrap().clone();
        let (a, b, c) = (at(w.practice.organisation_id, 0), at(w.hub.organisation_id, 1), at(w.practice.organisation_id, 2));
        let ask = BookingAsk { patient_id: me, slot_id: a.slot_id, note: None, idempotency_key: None, override_reason: None };
        let booked = w.services.booking.book(&actor, &ask).await.unwrap();
        w.services.booking.amend(&actor, booked.appointment_id, b.slot_id).await.unwrap();
        w.services.booking.amend(&actor, booked.appointment_id, c.slot_id).await.unwrap();

        let mut pending: Vec<_> = store
            .notifications_for_patient(me)
            .await
            .unwrap()
            .into_iter()
            .filter(|n| n.status == NotificationStatus::Pending)
            .filter(|n| matches!(n.kind, NotificationKind::AppointmentBooked | NotificationKind::AppointmentAmended))
            .collect();
        pending.sort_by_key(|n| serde_json::from_str::<serde_json::Value>(&n.payload).unwrap()["sequence"].as_i64());
        let mut texts = Vec::new();
        for n in &pending {
            let facts = compose::load(store.as_ref(), n).await.unwrap();
            texts.push(compose::email(&facts).unwrap());
        }

        assert_eq!(texts.len(), 3, "{pending:?}");
        let (hub, practice) = (&w.hub.name, &w.practice.name);
        assert!(texts[0].text.contains(&format!("When: {}", when(a.starts_at))), "{}", texts[0].text);
        assert!(texts[0].text.contains(practice.as_str()) && !texts[0].text.contains(hub.as_str()), "{}", texts[0].text);
        assert!(texts[0].invitation.as_ref().unwrap().1.contains("SEQUENCE:0"));
        assert!(texts[1].text.contains(&format!("Was: {}", when(a.starts_at))), "{}", texts[1].text);
        assert!(texts[1].text.contains(&format!("When: {}", when(b.starts_at))), "{}", texts[1].text);
        assert!(texts[1].text.contains(hub.as_str()), "{}", texts[1].text);
        assert!(texts[1].invitation.as_ref().unwrap().1.contains("SEQUENCE:1"));
        assert!(texts[2].text.contains(&format!("Was: {}", when(b.starts_at))), "{}", texts[2].text);
        assert!(texts[2].text.contains(&format!("When: {}", when(c.starts_at))), "{}", texts[2].text);
        assert!(texts[2].invitation.as_ref().unwrap().1.contains("SEQUENCE:2"));
        for t in &texts {
            assert!(!t.subject.contains(&booked.patient_id.to_string()));
        }
    }
}
