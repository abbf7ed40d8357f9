//! The waitlist: offers of freed slots, in order, and the desk view of it.

use std::sync::Arc;

use carebook_core::store::{Conflict, Store, StoreError};

use crate::fixtures::booking::{self as booking_fixture, monday_slots};
use crate::fixtures::desk as desk_fixture;
use crate::fixtures::service as service_fixture;
use crate::fixtures::waitlist as waitlist_fixture;

scenarios! {
    waitlist;

    pub async fn a_freed_slot_is_offered_to_the_first_person_waiting(store: Arc<dyn Store>) {
        use carebook_core::booking::waitlist::{WaitlistStatus, OFFER_WINDOW};
        use carebook_core::booking::{AppointmentStatus, ServiceKind, SlotStatus};
        use carebook_core::notify::outbox::NotificationKind;
        let (population, template) = booking_fixture::practice_with_slots(&store).await;
        let slots = monday_slots(&store, template.organisation_id).await;
        let p = |n: usize| population.patients[n].patient_id;
        let booked = store.book(&booking_fixture::request(slots[0].slot_id, p(0), None, 1)).await.unwrap();
        let first = waitlist_fixture::entry(1, p(1), template.organisation_id, ServiceKind::GpAppointment, 0);
        let second = waitlist_fixture::entry(2, p(2), template.organisation_id, ServiceKind::GpAppointment, 5);
        store.join_waitlist(&second).await.unwrap();
        store.join_waitlist(&first).await.unwrap();
        let at = booked.created_at;

        store.cancel(booked.appointment_id, AppointmentStatus::CancelledByPatient, "better", at).await.unwrap();

        let offered = store.waitlist_entry(first.waitlist_entry_id).await.unwrap();
        assert_eq!(offered.status, WaitlistStatus::Offered, "the earlier joiner is first");
        assert_eq!(offered.offered_slot_id, Some(slots[0].slot_id));
        assert_eq!(offered.offer_expires_at, Some(at + OFFER_WINDOW));
        assert_eq!(store.waitlist_entry(second.waitlist_entry_id).await.unwrap().status, WaitlistStatus::Waiting);
        let slot = store.slot(slots[0].slot_id).await.unwrap();
        assert_eq!((slot.status, slot.held_until), (SlotStatus::Held, Some(at + OFFER_WINDOW)));
        let told = store.notifications_for_patient(p(1)).await.unwrap();
        assert!(told.iter().any(|n| n.kind == NotificationKind::WaitlistOffer));
        // Nobody else can take it while the offer stands; the offered patient can.
        assert!(store.book(&booking_fixture::request(slots[0].slot_id, p(2), None, 2)).await.is_err());
        store.book(&booking_fixture::request(slots[0].slot_id, p(1), None, 3)).await.unwrap();
        assert_eq!(store.waitlist_entry(first.waitlist_entry_id).await.unwrap().status, WaitlistStatus::Accepted);
    }

    pub async fn an_unanswered_offer_passes_to_the_next_person(store: Arc<dyn Store>) {
        use carebook_core::booking::waitlist::{WaitlistStatus, OFFER_WINDOW};
        use carebook_core::booking::{AppointmentStatus, ServiceKind};
        let (population, template) = booking_fixture::practice_with_slots(&store).await;
        let slots = monday_slots(&store, template.organisation_id).await;
        let p = |n: usize| population.patients[n].patient_id;
        let booked = store.book(&booking_fixture::request(slots[0].slot_id, p(0), None, 1)).await.unwrap();
        let first = waitlist_fixture::entry(1, p(1), template.organisation_id, ServiceKind::GpAppointment, 0);
        let second = waitlist_fixture::entry(2, p(2), template.organisation_id, ServiceKind::GpAppointment, 5);
        store.join_waitlist(&first).await.unwrap();
        store.join_waitlist(&second).await.unwrap();
        let at = booked.created_at;
        store.cancel(booked.appointment_id, AppointmentStatus::CancelledByPatient, "better", at).await.unwrap();

        assert_eq!(store.expire_waitlist_offers(at + time::Duration::minutes(10)).await.unwrap(), 0, "not yet");
        let later = at + OFFER_WINDOW + time::Duration::minutes(1);
        assert_eq!(store.expire_waitlist_offers(later).await.unwrap(), 1);

        assert_eq!(store.waitlist_entry(first.waitlist_entry_id).await.unwrap().status, WaitlistStatus::Expired);
        let next = store.waitlist_entry(second.waitlist_entry_id).await.unwrap();
        assert_eq!(next.status, WaitlistStatus::Offered);
        assert_eq!(next.offer_expires_at, Some(later + OFFER_WINDOW));
        // When nobody else waits, the slot simply becomes free again.
        assert_eq!(store.expire_waitlist_offers(later + OFFER_WINDOW).await.unwrap(), 1);
        assert!(store.slot(slots[0].slot_id).await.unwrap().is_free_at(later + OFFER_WINDOW));
    }

    pub async fn a_patient_waits_once_per_service_and_only_matching_slots_are_offered(store: Arc<dyn Store>) {
        use carebook_core::booking::waitlist::WaitlistStatus;
        use carebook_core::booking::{AppointmentStatus, ServiceKind};
        let (population, template) = booking_fixture::practice_with_slots(&store).await;
        let slots = monday_slots(&store, template.organisation_id).await;
        let p = |n: usize| population.patients[n].patient_id;
        let nurse = waitlist_fixture::entry(1, p(1), template.organisation_id, ServiceKind::Nurse, 0);
        store.join_waitlist(&nurse).await.unwrap();
        let twice = waitlist_fixture::entry(2, p(1), template.organisation_id, ServiceKind::Nurse, 1);
        assert!(matches!(store.join_waitlist(&twice).await, Err(StoreError::Conflict(Conflict::AlreadyWaiting))));
        let mut too_late = waitlist_fixture::entry(3, p(2), template.organisation_id, ServiceKind::GpAppointment, 2);
        too_late.window_starts_at = time::macros::datetime!(2027-01-04 09:00 UTC);
        store.join_waitlist(&too_late).await.unwrap();

        // The freed slot is an 08:30 GP appointment: wrong service for the
        // first, outside the window of the second.
        let booked = store.book(&booking_fixture::request(slots[0].slot_id, p(0), None, 1)).await.unwrap();
        store
            .cancel(booked.appointment_id, AppointmentStatus::CancelledByPractice, "closed", booked.created_at)
            .await
            .unwrap();

        assert_eq!(store.waitlist_entry(nurse.waitlist_entry_id).await.unwrap().status, WaitlistStatus::Waiting);
        assert_eq!(store.waitlist_entry(too_late.waitlist_entry_id).await.unwrap().status, WaitlistStatus::Waiting);
        assert!(store.slot(slots[0].slot_id).await.unwrap().is_free_at(booked.created_at));
    }

    pub async fn the_waitlist_lists_open_entries_for_the_practice_and_its_hub_oldest_first(store: Arc<dyn Store>) {
        use carebook_core::access::ProofingLevel;
        use carebook_core::booking::service::BookingError;
        use carebook_core::booking::ServiceKind;
        use carebook_core::model::StaffRole;
        use service_fixture::*;
        use time::macros::date;
        let w = world(&store).await;
        let booking = &w.services.booking;
        let desk = desk_fixture::staff(8, w.practice.organisation_id, StaffRole::Receptionist);
        let hub_desk = desk_fixture::staff(9, w.hub.organisation_id, StaffRole::Receptionist);
        let patients: Vec<_> = registered_at(&w, w.practice.organisation_id).take(2).map(|p| p.patient_id).collect();
        assert!(booking.waitlist(&desk, w.practice.organisation_id).await.unwrap().is_empty());
        let mut joined = Vec::new();
        for (i, id) in patients.iter().enumerate() {
            let service = if i == 0 { ServiceKind::GpAppointment } else { ServiceKind::Nurse };
            let e = booking
                .join_waitlist(
                    &patient_actor(*id, ProofingLevel::P9),
                    *id,
                    service,
                    date!(2027 - 01 - 04),
                    date!(2027 - 01 - 08),
                )
                .await
                .unwrap();
            joined.push(e.waitlist_entry_id);
        }
        let listed = booking.waitlist(&desk, w.practice.organisation_id).await.unwrap();
        assert_eq!(listed.iter().map(|e| e.waitlist_entry_id).collect::<Vec<_>>(), joined);
        let at_hub = booking.waitlist(&hub_desk, w.hub.organisation_id).await.unwrap();
        assert_eq!(at_hub.len(), 2, "they may be seen at the hub too");
        assert!(matches!(booking.waitlist(&hub_desk, w.practice.organisation_id).await, Err(BookingError::NotAllowed(_))));
    }
}
