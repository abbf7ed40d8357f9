//! Booking, amending, cancelling, holding and blocking slots, and recording attendance, at the store.

use std::sync::Arc;

use carebook_core::store::{Conflict, Store, StoreError};
use uuid::Uuid;

use crate::fixtures::booking::{self as booking_fixture, monday_slots};

scenarios! {
    booking;

    pub async fn a_slot_is_never_booked_twice_under_a_burst(store: Arc<dyn Store>) {
        use time::macros::datetime;
        let (population, template) = booking_fixture::practice_with_slots(&store).await;
        let slot = store
            .slots_between(template.organisation_id, datetime!(2027-01-04 00:00 UTC), datetime!(2027-01-05 00:00 UTC))
            .await
            .unwrap()[0]
            .clone();
        let patients: Vec<Uuid> = population.patients.iter().take(32).map(|p| p.patient_id).collect();

        let attempts = patients.iter().enumerate().map(|(n, patient)| {
            let store = store.clone();
            let request = booking_fixture::request(slot.slot_id, *patient, None, n as u128);
            async move { store.book(&request).await }
        });
        // Spawned on the test's multi-threaded runtime: the attempts race each
        // other on separate connections.
        let handles: Vec<_> = attempts.map(tokio::spawn).collect();
        let mut results = Vec::new();
        for h in handles {
            results.push(h.await.expect("the attempt ran"));
        }

        let won: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(won.len(), 1, "exactly one booking: {results:?}");
        for r in &results {
            match r {
                Ok(_) => {}
                Err(StoreError::Conflict(why)) => assert_eq!(*why, Conflict::SlotTaken),
                Err(other) => panic!("a losing booker gets 'slot taken', not {other:?}"),
            }
        }
        assert_eq!(store.appointment(won[0].appointment_id).await.unwrap().slot_id, slot.slot_id);
    }

    pub async fn a_retried_booking_with_the_same_key_books_once(store: Arc<dyn Store>) {
        use time::macros::datetime;
        let (population, template) = booking_fixture::practice_with_slots(&store).await;
        let slots = store
            .slots_between(template.organisation_id, datetime!(2027-01-04 00:00 UTC), datetime!(2027-01-05 00:00 UTC))
            .await
            .unwrap();
        let me = population.patients[0].patient_id;
        let first = store.book(&booking_fixture::request(slots[0].slot_id, me, Some("key-1"), 1)).await.unwrap();

        // The retry carries the same key (and, say, a fresh appointment id).
        let again = store.book(&booking_fixture::request(slots[0].slot_id, me, Some("key-1"), 2)).await.unwrap();
        assert_eq!(again, first);
        // Aimed at another slot, the same key is a different request under a
        // used key: refused, and the other slot stays free.
        let elsewhere = store.book(&booking_fixture::request(slots[1].slot_id, me, Some("key-1"), 3)).await;
        assert!(matches!(elsewhere, Err(StoreError::Conflict(Conflict::IdempotencyKeyReused))), "{elsewhere:?}");
        let still_free = store
            .slots_between(template.organisation_id, datetime!(2027-01-04 00:00 UTC), datetime!(2027-01-05 00:00 UTC))
            .await
            .unwrap();
        assert_eq!(still_free[1].status, carebook_core::booking::SlotStatus::Free);
        // Someone else cannot reuse my key.
        let other = population.patients[1].patient_id;
        let stolen = store.book(&booking_fixture::request(slots[2].slot_id, other, Some("key-1"), 4)).await;
        assert!(matches!(stolen, Err(StoreError::Conflict(Conflict::IdempotencyKeyReused))), "{stolen:?}");
        assert_eq!(first.status, carebook_core::booking::AppointmentStatus::Booked);
        assert_eq!(first.note.as_deref(), Some("Cough for three weeks"));
    }

    pub async fn a_missing_slot_cannot_be_booked(store: Arc<dyn Store>) {
        let (population, _) = booking_fixture::practice_with_slots(&store).await;
        let me = population.patients[0].patient_id;
        let missing = store.book(&booking_fixture::request(Uuid::from_u128(404), me, None, 1)).await;
        assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
        assert!(matches!(store.appointment(Uuid::from_u128(404)).await, Err(StoreError::NotFound)));
    }

    pub async fn an_amendment_moves_the_appointment_and_frees_the_old_slot(store: Arc<dyn Store>) {
        use carebook_core::booking::SlotStatus;
        let (population, template) = booking_fixture::practice_with_slots(&store).await;
        let slots = monday_slots(&store, template.organisation_id).await;
        let me = population.patients[0].patient_id;
        let booked = store.book(&booking_fixture::request(slots[0].slot_id, me, None, 1)).await.unwrap();

        let moved = store.amend(booked.appointment_id, slots[3].slot_id, None, booked.created_at).await.unwrap();

        assert_eq!(moved.appointment_id, booked.appointment_id, "the same appointment, so the same invitation UID");
        assert_eq!(moved.slot_id, slots[3].slot_id);
        assert_eq!(moved.sequence, booked.sequence + 1);
        assert_eq!(store.slot(slots[0].slot_id).await.unwrap().status, SlotStatus::Free);
        assert_eq!(store.slot(slots[3].slot_id).await.unwrap().status, SlotStatus::Booked);
        assert_eq!(store.appointments_for_patient(me).await.unwrap(), vec![moved]);
    }

    pub async fn an_amendment_to_a_taken_slot_leaves_the_original_untouched(store: Arc<dyn Store>) {
        use carebook_core::booking::SlotStatus;
        let (population, template) = booking_fixture::practice_with_slots(&store).await;
        let slots = monday_slots(&store, template.organisation_id).await;
        let (me, other) = (population.patients[0].patient_id, population.patients[1].patient_id);
        let mine = store.book(&booking_fixture::request(slots[0].slot_id, me, None, 1)).await.unwrap();
        store.book(&booking_fixture::request(slots[1].slot_id, other, None, 2)).await.unwrap();

        let result = store.amend(mine.appointment_id, slots[1].slot_id, None, mine.created_at).await;

        assert!(matches!(result, Err(StoreError::Conflict(Conflict::SlotTaken))), "{result:?}");
        assert_eq!(store.appointment(mine.appointment_id).await.unwrap(), mine, "untouched");
        assert_eq!(store.slot(slots[0].slot_id).await.unwrap().status, SlotStatus::Booked);
        let missing = store.amend(mine.appointment_id, Uuid::from_u128(404), None, mine.created_at).await;
        assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
        assert_eq!(store.appointment(mine.appointment_id).await.unwrap(), mine, "still untouched");
    }

    pub async fn a_cancellation_frees_the_slot_and_happens_once(store: Arc<dyn Store>) {
        use carebook_core::booking::{AppointmentStatus, SlotStatus};
        let (population, template) = booking_fixture::practice_with_slots(&store).await;
        let slots = monday_slots(&store, template.organisation_id).await;
        let me = population.patients[0].patient_id;
        let booked = store.book(&booking_fixture::request(slots[0].slot_id, me, None, 1)).await.unwrap();

        let cancelled = store
            .cancel(booked.appointment_id, AppointmentStatus::CancelledByPatient, "feeling better", booked.created_at)
            .await
            .unwrap();

        assert_eq!(cancelled.status, AppointmentStatus::CancelledByPatient);
        assert_eq!(cancelled.sequence, booked.sequence + 1);
        assert_eq!(store.slot(slots[0].slot_id).await.unwrap().status, SlotStatus::Free);
        let again = store
            .cancel(booked.appointment_id, AppointmentStatus::CancelledByPractice, "clinic closed", booked.created_at)
            .await;
        assert!(matches!(again, Err(StoreError::Conflict(Conflict::AppointmentChanged))), "{again:?}");
        let moved = store.amend(booked.appointment_id, slots[2].slot_id, None, booked.created_at).await;
        assert!(matches!(moved, Err(StoreError::Conflict(Conflict::AppointmentChanged))), "{moved:?}");
        // The freed slot can be booked by someone else.
        let other = population.patients[1].patient_id;
        store.book(&booking_fixture::request(slots[0].slot_id, other, None, 2)).await.expect("the slot is free again");
    }

    pub async fn a_concurrent_amend_and_cancel_leave_one_consistent_outcome(store: Arc<dyn Store>) {
        use carebook_core::booking::{AppointmentStatus, SlotStatus};
        let (population, template) = booking_fixture::practice_with_slots(&store).await;
        let slots = monday_slots(&store, template.organisation_id).await;
        // Four rounds, each with its own pair of slots.
        for round in 0..4usize {
            let (from, to) = (&slots[2 * round], &slots[2 * round + 1]);
            let patient = population.patients[round].patient_id;
            let booked =
                store.book(&booking_fixture::request(from.slot_id, patient, None, 100 + round as u128)).await.unwrap();
            let (s1, s2) = (store.clone(), store.clone());
            let (id, to_id, at) = (booked.appointment_id, to.slot_id, booked.created_at);
            let amend = tokio::spawn(async move { s1.amend(id, to_id, None, at).await });
            let cancel =
                tokio::spawn(
                    async move { s2.cancel(id, AppointmentStatus::CancelledByPractice, "clinic closed", at).await },
                );
            let (amended, cancelled) = (amend.await.unwrap(), cancel.await.unwrap());

            assert!(cancelled.is_ok(), "the cancel always finds a live appointment: {cancelled:?}");
            let end = store.appointment(id).await.unwrap();
            assert_eq!(end.status, AppointmentStatus::CancelledByPractice);
            // Whichever ran first, both slots end free and the appointment
            // points at the slot it was last moved to.
            assert_eq!(store.slot(from.slot_id).await.unwrap().status, SlotStatus::Free, "round {round}");
            assert_eq!(store.slot(to.slot_id).await.unwrap().status, SlotStatus::Free, "round {round}");
            match amended {
                Ok(_) => assert_eq!(end.slot_id, to.slot_id),
                Err(StoreError::Conflict(why)) => {
                    assert_eq!(why, Conflict::AppointmentChanged);
                    assert_eq!(end.slot_id, from.slot_id);
                }
                Err(other) => panic!("round {round}: {other:?}"),
            }
        }
    }

    pub async fn a_hold_keeps_a_slot_for_one_person_until_it_lapses(store: Arc<dyn Store>) {
        use carebook_core::booking::SlotStatus;
        use time::macros::datetime;
        let (population, template) = booking_fixture::practice_with_slots(&store).await;
        let slot = monday_slots(&store, template.organisation_id).await.remove(0);
        let (me, other) = (population.patients[0].patient_id, population.patients[1].patient_id);
        let now = datetime!(2027-01-03 20:00 UTC);
        let until = now + time::Duration::minutes(5);

        let held = store.hold(slot.slot_id, me, until, now).await.unwrap();
        assert_eq!(held.status, SlotStatus::Held);
        assert_eq!(held.held_until, Some(until));
        assert!(!held.is_free_at(now) && held.is_free_at(until));
        // Nobody else can hold or book it while the hold lasts...
        let theirs = store.hold(slot.slot_id, other, until, now + time::Duration::minutes(1)).await;
        assert!(matches!(theirs, Err(StoreError::Conflict(Conflict::SlotTaken))), "{theirs:?}");
        let mut ask = booking_fixture::request(slot.slot_id, other, None, 2);
        ask.at = now + time::Duration::minutes(1);
        assert!(matches!(store.book(&ask).await, Err(StoreError::Conflict(Conflict::SlotTaken))));
        // ...but once it lapses the slot is anyone's.
        ask.at = now + time::Duration::minutes(6);
        let booked = store.book(&ask).await.expect("a lapsed hold does not block");
        assert_eq!(booked.patient_id, other);
        // And the holder confirms their own hold in time.
        let second = monday_slots(&store, template.organisation_id).await.remove(1);
        store.hold(second.slot_id, me, until, now).await.unwrap();
        let mut mine = booking_fixture::request(second.slot_id, me, None, 3);
        mine.at = now + time::Duration::minutes(2);
        assert_eq!(store.book(&mine).await.unwrap().patient_id, me);
        assert!(matches!(store.hold(Uuid::from_u128(404), me, until, now).await, Err(StoreError::NotFound)));
    }

    pub async fn blocked_slots_cannot_be_booked_until_unblocked(store: Arc<dyn Store>) {
        use carebook_core::booking::SlotStatus;
        let (population, template) = booking_fixture::practice_with_slots(&store).await;
        let slots = monday_slots(&store, template.organisation_id).await;
        let me = population.patients[0].patient_id;
        let at = booking_fixture::request(slots[0].slot_id, me, None, 1).at;

        let blocked = store.block_slot(slots[0].slot_id, "GP on leave", at).await.unwrap();
        assert_eq!(blocked.status, SlotStatus::Blocked);
        assert_eq!(blocked.blocked_reason.as_deref(), Some("GP on leave"));
        assert!(matches!(
            store.book(&booking_fixture::request(slots[0].slot_id, me, None, 1)).await,
            Err(StoreError::Conflict(Conflict::SlotTaken))
        ));
        let unblocked = store.unblock_slot(slots[0].slot_id).await.unwrap();
        assert_eq!((unblocked.status, unblocked.blocked_reason), (SlotStatus::Free, None));
        assert!(
            matches!(store.unblock_slot(slots[0].slot_id).await, Err(StoreError::Conflict(Conflict::SlotNotBlocked)))
        );
        // A booked slot cannot be blocked: the appointment must be cancelled first.
        store.book(&booking_fixture::request(slots[1].slot_id, me, None, 2)).await.unwrap();
        assert!(
            matches!(store.block_slot(slots[1].slot_id, "room closed", at).await, Err(StoreError::Conflict(Conflict::SlotNotFree)))
        );
    }

    pub async fn staff_record_arrivals_non_attendance_and_completion_in_order(store: Arc<dyn Store>) {
        use carebook_core::booking::AppointmentStatus as A;
        let (population, template) = booking_fixture::practice_with_slots(&store).await;
        let slots = monday_slots(&store, template.organisation_id).await;
        let (me, other) = (population.patients[0].patient_id, population.patients[1].patient_id);
        let first = store.book(&booking_fixture::request(slots[0].slot_id, me, None, 1)).await.unwrap();
        let second = store.book(&booking_fixture::request(slots[1].slot_id, other, None, 2)).await.unwrap();
        let at = first.created_at;

        assert_eq!(store.record_attendance(first.appointment_id, A::Arrived, at).await.unwrap().status, A::Arrived);
        assert_eq!(store.record_attendance(first.appointment_id, A::Completed, at).await.unwrap().status, A::Completed);
        assert_eq!(
            store.record_attendance(second.appointment_id, A::DidNotAttend, at).await.unwrap().status,
            A::DidNotAttend
        );
        for (id, status) in [(first.appointment_id, A::Arrived), (second.appointment_id, A::Completed)] {
            let refused = store.record_attendance(id, status, at).await;
            assert!(matches!(refused, Err(StoreError::Conflict(Conflict::AppointmentChanged))), "{refused:?}");
        }
        assert!(matches!(store.record_attendance(first.appointment_id, A::Moved, at).await, Err(StoreError::Conflict(Conflict::NotAnAttendance))));
        assert!(matches!(store.record_attendance(Uuid::from_u128(404), A::Arrived, at).await, Err(StoreError::NotFound)));
        // An arrived patient still holds the slot; a completed one no longer does.
        let third = store.book(&booking_fixture::request(slots[2].slot_id, me, None, 3)).await.unwrap();
        store.record_attendance(third.appointment_id, A::Arrived, at).await.unwrap();
        assert!(store.book(&booking_fixture::request(slots[2].slot_id, other, None, 4)).await.is_err());
    }
}
