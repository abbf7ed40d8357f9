//! The delivery worker draining the outbox against a test transport.

use std::sync::Arc;

use carebook_core::store::Store;

use crate::fixtures::booking::{self as booking_fixture, monday_slots};
use crate::fixtures::outbox::busy_outbox;
use crate::fixtures::worker as worker_fixture;

scenarios! {
    worker;

    pub async fn the_worker_delivers_every_due_message_once(store: Arc<dyn Store>) {
        use carebook_core::clock::FixedClock;
        use time::macros::datetime;
        let due = busy_outbox(&store).await;
        let clock = Arc::new(FixedClock::at(datetime!(2027-01-03 20:30 UTC)));
        let transport = worker_fixture::TestTransport::new(0, false);
        let worker = worker_fixture::worker(&store, transport.clone(), clock.clone());

        let report = worker.drain().await.unwrap();

        assert_eq!(report.sent as usize, due);
        let mut delivered = transport.delivered();
        delivered.sort();
        delivered.dedup();
        assert_eq!(delivered.len(), due, "each once");
        assert_eq!(worker.drain().await.unwrap().sent, 0, "nothing more is due");
        // The two-hour reminders fall due in the morning.
        clock.set(datetime!(2027-01-04 09:00 UTC));
        assert_eq!(worker.drain().await.unwrap().sent as usize, due);
    }

    pub async fn a_mail_outage_is_retried_and_nothing_is_lost(store: Arc<dyn Store>) {
        use carebook_core::clock::FixedClock;
        use time::macros::datetime;
        let due = busy_outbox(&store).await;
        let clock = Arc::new(FixedClock::at(datetime!(2027-01-03 20:30 UTC)));
        // The mail server refuses the first five attempts.
        let transport = worker_fixture::TestTransport::new(5, false);
        let worker = worker_fixture::worker(&store, transport.clone(), clock.clone());

        let first = worker.drain().await.unwrap();
        assert_eq!(first.retrying, 5);
        assert_eq!(first.sent as usize, due - 5);
        clock.advance(time::Duration::minutes(30));
        let second = worker.drain().await.unwrap();

        assert_eq!(second.sent, 5);
        let mut delivered = transport.delivered();
        delivered.sort();
        delivered.dedup();
        assert_eq!(delivered.len(), due, "every message arrived, none twice");
    }

    pub async fn a_message_that_can_never_be_delivered_is_parked(store: Arc<dyn Store>) {
        use carebook_core::clock::FixedClock;
        use carebook_core::notify::outbox::NotificationStatus;
        use time::macros::datetime;
        let (population, template) = booking_fixture::practice_with_slots(&store).await;
        let slots = monday_slots(&store, template.organisation_id).await;
        let me = population.patients[0].patient_id;
        store.book(&booking_fixture::request(slots[0].slot_id, me, None, 1)).await.unwrap();
        let clock = Arc::new(FixedClock::at(datetime!(2027-01-03 20:30 UTC)));
        let transport = worker_fixture::TestTransport::new(1, true);

        let report = worker_fixture::worker(&store, transport, clock).drain().await.unwrap();

        assert_eq!(report.parked, 1);
        let mine = store.notifications_for_patient(me).await.unwrap();
        let parked: Vec<_> = mine.iter().filter(|n| n.status == NotificationStatus::Parked).collect();
        assert_eq!(parked.len(), 1);
        assert_eq!(parked[0].last_error.as_deref(), Some("permanent: no contact details"));
    }
}
