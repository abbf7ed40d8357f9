//! The outbox: messages written with the booking, claimed once, retried, parked and counted.

use std::sync::Arc;

use carebook_core::store::{Conflict, Store, StoreError};
use uuid::Uuid;

use crate::fixtures::booking::{self as booking_fixture, monday_slots};
use crate::fixtures::outbox::{self as outbox_fixture, busy_outbox};

scenarios! {
    outbox;

    pub async fn a_booking_writes_its_messages_in_the_same_transaction(store: Arc<dyn Store>) {
        use carebook_core::notify::outbox::{NotificationKind as K, NotificationStatus as S};
        use outbox_fixture::of;
        use time::macros::datetime;
        let (population, template) = booking_fixture::practice_with_slots(&store).await;
        let slots = monday_slots(&store, template.organisation_id).await;
        let (me, other) = (population.patients[0].patient_id, population.patients[1].patient_id);

        let booked = store.book(&booking_fixture::request(slots[0].slot_id, me, None, 1)).await.unwrap();

        let mine = store.notifications_for_patient(me).await.unwrap();
        let confirmations = of(&mine, K::AppointmentBooked, S::Pending);
        assert_eq!(confirmations.len(), 1);
        assert_eq!(confirmations[0].due_at, booked.created_at);
        assert_eq!(confirmations[0].subject_id, Some(booked.appointment_id));
        assert!(confirmations[0].payload.contains(&booked.appointment_id.to_string()));
        // Booked at 20:00 the evening before an 08:30 appointment: the day-ahead
        // reminder has passed; the two-hour one is due at 06:30.
        let reminders = of(&mine, K::AppointmentReminder, S::Pending);
        assert_eq!(reminders.iter().map(|n| n.due_at).collect::<Vec<_>>(), vec![datetime!(2027-01-04 06:30 UTC)]);
        // A booking that fails writes nothing.
        let lost = store.book(&booking_fixture::request(slots[0].slot_id, other, None, 2)).await;
        assert!(lost.is_err());
        assert!(store.notifications_for_patient(other).await.unwrap().is_empty());
    }

    pub async fn moving_or_cancelling_withdraws_and_retimes_the_reminders(store: Arc<dyn Store>) {
        use carebook_core::booking::AppointmentStatus;
        use carebook_core::notify::outbox::{NotificationKind as K, NotificationStatus as S};
        use outbox_fixture::of;
        use time::macros::datetime;
        let (population, template) = booking_fixture::practice_with_slots(&store).await;
        let slots = monday_slots(&store, template.organisation_id).await;
        let me = population.patients[0].patient_id;
        let booked = store.book(&booking_fixture::request(slots[0].slot_id, me, None, 1)).await.unwrap();

        let moved = store.amend(booked.appointment_id, slots[5].slot_id, None, booked.created_at).await.unwrap();

        let list = store.notifications_for_patient(me).await.unwrap();
        assert_eq!(of(&list, K::AppointmentAmended, S::Pending).len(), 1);
        let payload: serde_json::Value =
            serde_json::from_str(&of(&list, K::AppointmentAmended, S::Pending)[0].payload).expect("JSON");
        assert_eq!(payload["sequence"], moved.sequence, "the invitation's SEQUENCE rises");
        assert_eq!(of(&list, K::AppointmentReminder, S::Withdrawn).len(), 1);
        let live: Vec<_> = of(&list, K::AppointmentReminder, S::Pending).iter().map(|n| n.due_at).collect();
        assert_eq!(live, vec![datetime!(2027-01-04 07:20 UTC)], "two hours before the new 09:20 slot");

        store
            .cancel(booked.appointment_id, AppointmentStatus::CancelledByPractice, "clinic closed", booked.created_at)
            .await
            .unwrap();

        let list = store.notifications_for_patient(me).await.unwrap();
        assert!(of(&list, K::AppointmentReminder, S::Pending).is_empty(), "no reminder for a cancelled appointment");
        assert_eq!(of(&list, K::AppointmentCancelledByPractice, S::Pending).len(), 1);
    }

    pub async fn two_workers_never_claim_the_same_message(store: Arc<dyn Store>) {
        use time::macros::datetime;
        let due = busy_outbox(&store).await;
        let now = datetime!(2027-01-03 20:30 UTC);

        let worker = |name: &'static str| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let batch = store.claim_notifications(name, now, time::Duration::minutes(5), 2).await.unwrap();
                    if batch.is_empty() {
                        break;
                    }
                    for n in batch {
                        store.complete_notification(n.notification_id, name, now).await.unwrap();
                        mine.push(n.notification_id);
                    }
                }
                mine
            })
        };
        let (a, b) = (worker("worker-a"), worker("worker-b"));
        let (a, b) = (a.await.unwrap(), b.await.unwrap());

        let mut all: Vec<Uuid> = a.iter().chain(&b).copied().collect();
        let claimed = all.len();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), claimed, "no message was claimed twice");
        assert_eq!(claimed, due, "every due confirmation was sent once; the reminders are not due yet");
    }

    pub async fn a_message_whose_lease_ran_out_is_claimed_again(store: Arc<dyn Store>) {
        use time::macros::datetime;
        busy_outbox(&store).await;
        let now = datetime!(2027-01-03 20:30 UTC);
        let first = store.claim_notifications("worker-that-dies", now, time::Duration::minutes(1), 1).await.unwrap();
        assert_eq!(first.len(), 1);
        let early = store.claim_notifications("worker-b", now, time::Duration::minutes(1), 100).await.unwrap();
        assert!(early.iter().all(|n| n.notification_id != first[0].notification_id), "held while the lease runs");

        let later = now + time::Duration::minutes(2);
        let again = store.claim_notifications("worker-c", later, time::Duration::minutes(1), 100).await.unwrap();

        assert!(again.iter().any(|n| n.notification_id == first[0].notification_id), "reclaimed after the lease");
        let stale = store.complete_notification(first[0].notification_id, "worker-that-dies", later).await;
        assert!(matches!(stale, Err(StoreError::Conflict(Conflict::LeaseLost))), "{stale:?}");
        store.complete_notification(first[0].notification_id, "worker-c", later).await.unwrap();
    }

    pub async fn failed_messages_retry_then_park_until_replayed(store: Arc<dyn Store>) {
        use carebook_core::notify::outbox::NotificationStatus as S;
        use time::macros::datetime;
        busy_outbox(&store).await;
        let now = datetime!(2027-01-03 20:30 UTC);
        let n = store.claim_notifications("w", now, time::Duration::minutes(1), 1).await.unwrap().remove(0);

        store
            .fail_notification(n.notification_id, "w", "smtp: connection refused", Some(now + time::Duration::minutes(5)))
            .await
            .unwrap();
        let too_soon = store
            .claim_notifications("w", now + time::Duration::minutes(1), time::Duration::minutes(1), 100)
            .await
            .unwrap();
        assert!(too_soon.iter().all(|x| x.notification_id != n.notification_id), "not before its retry time");
        for other in too_soon {
            store.complete_notification(other.notification_id, "w", now).await.unwrap();
        }
        let retry = store
            .claim_notifications("w", now + time::Duration::minutes(6), time::Duration::minutes(1), 100)
            .await
            .unwrap();
        assert_eq!(retry.iter().map(|x| x.notification_id).collect::<Vec<_>>(), vec![n.notification_id]);
        assert_eq!(retry[0].attempts, 1);
        assert_eq!(retry[0].last_error.as_deref(), Some("smtp: connection refused"));

        store.fail_notification(n.notification_id, "w", "smtp: mailbox unavailable", None).await.unwrap();
        let parked = store.notifications_for_patient(n.patient_id).await.unwrap();
        assert_eq!(parked.iter().find(|x| x.notification_id == n.notification_id).unwrap().status, S::Parked);
        assert!(
            store
                .claim_notifications("w", now + time::Duration::days(1), time::Duration::minutes(1), 100)
                .await
                .unwrap()
                .iter()
                .all(|x| x.notification_id != n.notification_id),
            "parked messages wait for an admin"
        );

        store.replay_notification(n.notification_id, now + time::Duration::days(1)).await.unwrap();
        let replayed =
            store.claim_notifications("w", now + time::Duration::days(1), time::Duration::minutes(1), 100).await.unwrap();
        assert!(replayed.iter().any(|x| x.notification_id == n.notification_id));
        assert!(
            matches!(store.replay_notification(n.notification_id, now).await, Err(StoreError::NotFound)),
            "only parked ones"
        );
    }

    pub async fn the_outbox_counts_what_is_queued_sent_failed_and_parked(store: Arc<dyn Store>) {
        use carebook_core::notify::outbox::OutboxStats;
        use time::macros::datetime;
        let now = datetime!(2027-01-03 20:30 UTC);
        assert_eq!(store.outbox_stats(now).await.unwrap(), OutboxStats::default(), "empty");
        let due = busy_outbox(&store).await as u64;

        let fresh = store.outbox_stats(now).await.unwrap();
        assert_eq!((fresh.pending_due, fresh.pending_later, fresh.in_flight), (due, due, 0), "{fresh:?}");
        assert_eq!(fresh.queue_depth(), due);
        assert_eq!(fresh.oldest_due_at, Some(datetime!(2027-01-03 20:00 UTC)), "booked at 20:00");
        assert_eq!(fresh.oldest_pending_age(now), time::Duration::minutes(30));

        let claimed = store.claim_notifications("w", now, time::Duration::minutes(5), 4).await.unwrap();
        store.complete_notification(claimed[0].notification_id, "w", now).await.unwrap();
        store
            .fail_notification(claimed[1].notification_id, "w", "smtp: refused", Some(now + time::Duration::hours(1)))
            .await
            .unwrap();
        store.fail_notification(claimed[2].notification_id, "w", "smtp: no such mailbox", None).await.unwrap();

        let s = store.outbox_stats(now).await.unwrap();
        assert_eq!(s.sent, 1);
        assert_eq!(s.parked, 1);
        assert_eq!(s.in_flight, 1, "the fourth is still claimed");
        assert_eq!(s.pending_due, due - 4);
        assert_eq!(s.pending_later, due + 1, "the retry waits its turn with the reminders");
        assert_eq!(s.failed_attempts, 2);
        assert_eq!(s.queue_depth(), due - 3);
        // Nothing left due: no age.
        for n in store.claim_notifications("w", now, time::Duration::minutes(5), 100).await.unwrap() {
            store.complete_notification(n.notification_id, "w", now).await.unwrap();
        }
        store.complete_notification(claimed[3].notification_id, "w", now).await.unwrap();
        let done = store.outbox_stats(now).await.unwrap();
        assert_eq!((done.queue_depth(), done.oldest_due_at, done.sent), (0, None, due - 2));
    }

    pub async fn parked_messages_are_listed_newest_first_with_their_last_error(store: Arc<dyn Store>) {
        use carebook_core::notify::outbox::NotificationStatus;
        use time::macros::datetime;
        busy_outbox(&store).await;
        let now = datetime!(2027-01-03 20:30 UTC);
        assert!(store.parked_notifications(10).await.unwrap().is_empty());
        let claimed = store.claim_notifications("w", now, time::Duration::minutes(5), 3).await.unwrap();
        for (i, n) in claimed.iter().enumerate() {
            store.fail_notification(n.notification_id, "w", &format!("permanent: reason {i}"), None).await.unwrap();
        }

        let parked = store.parked_notifications(10).await.unwrap();
        assert_eq!(parked.len(), 3);
        assert!(parked.iter().all(|n| n.status == NotificationStatus::Parked && n.attempts == 1));
        assert!(parked.windows(2).all(|w| w[0].created_at >= w[1].created_at), "newest first");
        assert!(parked.iter().any(|n| n.last_error.as_deref() == Some("permanent: reason 1")));
        assert_eq!(store.parked_notifications(2).await.unwrap().len(), 2, "at most the limit");

        store.replay_notification(parked[0].notification_id, now).await.unwrap();
        let left = store.parked_notifications(10).await.unwrap();
        assert_eq!(left.len(), 2);
        assert!(left.iter().all(|n| n.notification_id != parked[0].notification_id), "a replayed one leaves the list");
    }

    pub async fn a_deferred_message_waits_without_counting_an_attempt_and_keeps_its_channels(store: Arc<dyn Store>) {
        use carebook_core::notify::preferences::DeliveryChannel;
        use time::macros::datetime;
        busy_outbox(&store).await;
        let now = datetime!(2027-01-03 21:30 UTC);
        let n = store.claim_notifications("w", now, time::Duration::minutes(5), 1).await.unwrap().remove(0);
        assert!(n.channels_sent.is_empty());

        store.record_channel_sent(n.notification_id, DeliveryChannel::Email).await.unwrap();
        store.record_channel_sent(n.notification_id, DeliveryChannel::Email).await.unwrap();
        let morning = datetime!(2027-01-04 08:00 UTC);
        let stale = store.defer_notification(n.notification_id, "someone-else", morning).await;
        assert!(matches!(stale, Err(StoreError::Conflict(Conflict::LeaseLost))), "{stale:?}");
        store.defer_notification(n.notification_id, "w", morning).await.unwrap();

        let early =
            store.claim_notifications("w", now + time::Duration::hours(1), time::Duration::minutes(5), 100).await.unwrap();
        assert!(early.iter().all(|x| x.notification_id != n.notification_id), "not before 08:00");
        for x in early {
            store.complete_notification(x.notification_id, "w", now).await.unwrap();
        }
        let again = store.claim_notifications("w2", morning, time::Duration::minutes(5), 100).await.unwrap();
        let again = again.into_iter().find(|x| x.notification_id == n.notification_id).expect("due at 08:00");
        assert_eq!(again.attempts, 0, "putting off is not failing");
        assert_eq!(again.last_error, None);
        assert_eq!(again.channels_sent, vec![DeliveryChannel::Email], "recorded once");
        store.record_channel_sent(n.notification_id, DeliveryChannel::Sms).await.unwrap();
        let mine = store.notifications_for_patient(n.patient_id).await.unwrap();
        let row = mine.iter().find(|x| x.notification_id == n.notification_id).unwrap();
        assert_eq!(row.channels_sent, vec![DeliveryChannel::Email, DeliveryChannel::Sms]);
        assert!(matches!(
            store.record_channel_sent(Uuid::from_u128(9), DeliveryChannel::Sms).await,
            Err(StoreError::NotFound)
        ));
    }
}
