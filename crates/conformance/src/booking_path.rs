//! The booking path as few statements read it: the directory cache that
//! sees a change at once, the patient's facts in one statement, the
//! bookable slots of both places in one, and a booking that answers with
//! its slot as booked.

use std::sync::Arc;

use carebook_core::access::ProofingLevel;
use carebook_core::booking::rules::{BookingRules, ConditionRequirement};
use carebook_core::booking::{ServiceKind, SlotStatus};
use carebook_core::model::ClinicalStatus;
use carebook_core::store::Store;
use time::macros::datetime;

use crate::booking_rules::{a_morning_of_times, ask};
use crate::fixtures::service::{patient_actor, registered_at, world};

scenarios! {
    booking_path;

    pub async fn a_rule_changed_is_seen_at_once_though_the_directory_is_cached(store: Arc<dyn Store>) {
        let w = world(&store).await;
        let me = registered_at(&w, w.practice.organisation_id).next().unwrap().patient_id;
        // The first availability fills the cache with the practice's rules.
        let before = a_morning_of_times(&store, &w, me).await;
        assert!(!before.is_empty());
        let generation = store.directory_generation();

        let only_for_a_condition = BookingRules {
            requires_condition: Some(ConditionRequirement { snomed_codes: vec!["0".into()], description: "for nobody".into() }),
            ..BookingRules::default()
        };
        store
            .set_booking_rules(w.practice.organisation_id, ServiceKind::GpAppointment, Some(&only_for_a_condition), None, datetime!(2027-01-01 09:00 UTC))
            .await
            .unwrap();

        assert!(store.directory_generation() > generation, "a change raises the generation");
        let after = w
            .services
            .booking
            .availability(&patient_actor(me, ProofingLevel::P9), me, ServiceKind::GpAppointment, datetime!(2027-01-05 00:00 UTC), datetime!(2027-01-06 00:00 UTC))
            .await
            .unwrap();
        assert!(after.is_empty(), "the new rule applies to the very next request: {after:?}");
    }

    pub async fn a_patients_facts_are_their_active_codes_and_live_appointments_of_the_service(store: Arc<dyn Store>) {
        let w = world(&store).await;
        let me = registered_at(&w, w.practice.organisation_id).next().unwrap().patient_id;
        let slots = a_morning_of_times(&store, &w, me).await;
        let actor = patient_actor(me, ProofingLevel::P9);
        let kept = w.services.booking.book(&actor, &ask(me, slots[0].slot_id, "kept")).await.unwrap();
        let dropped = w.services.booking.book(&actor, &ask(me, slots[1].slot_id, "dropped")).await.unwrap();
        w.services.booking.cancel(&actor, dropped.appointment_id, "No longer needed").await.unwrap();
        let now = datetime!(2027-01-01 12:00 UTC);

        let facts = store.booking_facts(me, ServiceKind::GpAppointment, now).await.unwrap();

        assert_eq!(facts.patient.patient_id, me);
        assert_eq!(facts.live_of_service, 1, "the cancelled one is not live; {kept:?}");
        let mut active: Vec<String> = w
            .population
            .conditions
            .iter()
            .filter(|c| c.patient_id == me && c.clinical_status == ClinicalStatus::Active)
            .map(|c| c.code.code.clone())
            .collect();
        active.sort();
        active.dedup();
        assert_eq!(facts.active_condition_codes, active);
        assert_eq!(store.booking_facts(me, ServiceKind::Nurse, now).await.unwrap().live_of_service, 0);
        let later = datetime!(2027-01-05 09:30 UTC);
        assert_eq!(store.booking_facts(me, ServiceKind::GpAppointment, later).await.unwrap().live_of_service, 0, "counted from the time asked about");
        assert!(matches!(store.booking_facts(uuid::Uuid::from_u128(404), ServiceKind::Nurse, now).await, Err(carebook_core::store::StoreError::NotFound)));
    }

    pub async fn the_bookable_slots_of_both_places_come_free_by_time_and_at_most_as_many_as_asked(store: Arc<dyn Store>) {
        let w = world(&store).await;
        let me = registered_at(&w, w.practice.organisation_id).next().unwrap().patient_id;
        let slots = a_morning_of_times(&store, &w, me).await;
        let actor = patient_actor(me, ProofingLevel::P9);
        w.services.booking.book(&actor, &ask(me, slots[0].slot_id, "one")).await.unwrap();
        let (from, to, now) = (datetime!(2027-01-05 00:00 UTC), datetime!(2027-01-06 00:00 UTC), datetime!(2027-01-01 12:00 UTC));
        let places = [w.practice.organisation_id, w.hub.organisation_id];

        let free = store.bookable_slots(places, ServiceKind::GpAppointment, from, to, now, 1000).await.unwrap();
        let three = store.bookable_slots(places, ServiceKind::GpAppointment, from, to, now, 3).await.unwrap();

        assert!(free.iter().all(|s| s.slot_id != slots[0].slot_id), "the booked one is not offered");
        assert!(free.iter().all(|s| s.service == ServiceKind::GpAppointment && s.is_free_at(now)));
        assert!(free.windows(2).all(|p| (p[0].starts_at, p[0].slot_id) <= (p[1].starts_at, p[1].slot_id)), "by time");
        assert_eq!(three, free[..3].to_vec());
        let nurse = store.bookable_slots(places, ServiceKind::Nurse, from, to, now, 1000).await.unwrap();
        assert!(nurse.iter().all(|s| s.service == ServiceKind::Nurse));
    }

    pub async fn a_booking_answers_with_its_slot_as_booked_and_a_retry_with_the_same(store: Arc<dyn Store>) {
        let w = world(&store).await;
        let me = registered_at(&w, w.practice.organisation_id).next().unwrap().patient_id;
        let slots = a_morning_of_times(&store, &w, me).await;
        let actor = patient_actor(me, ProofingLevel::P9);

        let booked = w.services.booking.book_with_slot(&actor, &ask(me, slots[2].slot_id, "k")).await.unwrap();
        let again = w.services.booking.book_with_slot(&actor, &ask(me, slots[2].slot_id, "k")).await.unwrap();

        assert_eq!(booked.slot.status, SlotStatus::Booked);
        assert_eq!(booked.slot, store.slot(slots[2].slot_id).await.unwrap(), "the slot as stored");
        assert_eq!(booked.appointment, store.appointment(booked.appointment.appointment_id).await.unwrap());
        assert_eq!(again, booked, "the retry's answer is the first");
        let view = w.services.booking.booked_view(&booked).await.unwrap();
        assert_eq!(view.slot.organisation.organisation_id, w.practice.organisation_id);
        assert_eq!(view.slot.location.location_id, slots[2].location_id);
    }
}
