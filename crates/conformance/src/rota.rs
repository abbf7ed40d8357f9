//! Rota templates and the slots they generate, at the store and through the booking policy.

use std::sync::Arc;

use carebook_core::store::{Store, StoreError};
use uuid::Uuid;

use crate::fixtures::booking as booking_fixture;
use crate::fixtures::desk as desk_fixture;
use crate::fixtures::service as service_fixture;

scenarios! {
    rota;

    pub async fn a_rota_template_round_trips_and_regenerating_its_slots_adds_nothing(store: Arc<dyn Store>) {
        use time::macros::{date, datetime};
        let (_, mut template) = booking_fixture::practice_with_slots(&store).await;

        assert_eq!(store.rota_template(template.rota_template_id).await.unwrap(), template);
        let planned = template.expand(date!(2027 - 01 - 04), date!(2027 - 01 - 10)).unwrap();
        assert_eq!(store.add_planned_slots(&planned).await.unwrap(), 0, "nothing new the second time");
        let slots = store
            .slots_between(template.organisation_id, datetime!(2027-01-04 00:00 UTC), datetime!(2027-01-11 00:00 UTC))
            .await
            .unwrap();
        assert_eq!(slots.len(), 9);
        assert_eq!(slots[0].starts_at, datetime!(2027-01-04 08:30 UTC));
        assert!(slots.windows(2).all(|w| w[0].starts_at < w[1].starts_at));

        // A longer rota adds only what is missing.
        template
            .exceptions
            .push(carebook_core::booking::rota::RotaException { date: date!(2027 - 01 - 18), reason: "Training".into() });
        store.save_rota_template(&template).await.unwrap();
        assert_eq!(store.rota_template(template.rota_template_id).await.unwrap(), template);
        let planned = template.expand(date!(2027 - 01 - 04), date!(2027 - 01 - 24)).unwrap();
        assert_eq!(store.add_planned_slots(&planned).await.unwrap(), 9, "one new Monday; the training day is skipped");
    }

    pub async fn rotas_are_saved_and_generated_through_the_policy_and_regenerating_adds_nothing(store: Arc<dyn Store>) {
        use carebook_core::access::Refusal;
        use carebook_core::booking::rota::{RotaException, RotaTemplate, WeeklySession};
        use carebook_core::booking::service::{BookingAsk, BookingError};
        use carebook_core::booking::{BookableBy, Channel, ServiceKind, SlotStatus};
        use carebook_core::model::StaffRole;
        use service_fixture::*;
        use time::macros::{date, time};
        let w = world(&store).await;
        let booking = &w.services.booking;
        let desk = desk_fixture::staff(3, w.practice.organisation_id, StaffRole::Receptionist);
        let clinician_only = desk_fixture::staff(4, w.practice.organisation_id, StaffRole::Clinician);
        let hub_desk = desk_fixture::staff(5, w.hub.organisation_id, StaffRole::Receptionist);

        let choices = booking.rota_choices(&desk, w.practice.organisation_id).await.unwrap();
        assert!(!choices.locations.is_empty());
        assert!(choices.locations.iter().all(|l| l.organisation_id == w.practice.organisation_id));
        assert!(!choices.clinicians.is_empty());
        assert!(choices.clinicians.iter().all(|c| c.clinical_role.is_some()));
        let hub_choices = booking.rota_choices(&hub_desk, w.hub.organisation_id).await.unwrap();
        assert!(matches!(
            booking.rota_choices(&clinician_only, w.practice.organisation_id).await,
            Err(BookingError::NotAllowed(Refusal::WrongOrganisationOrRole))
        ));

        let template = RotaTemplate {
            rota_template_id: Uuid::from_u128(0x7E57_0001),
            organisation_id: w.practice.organisation_id,
            location_id: choices.locations[0].location_id,
            clinician_id: choices.clinicians[0].staff_member_id,
            service: ServiceKind::Nurse,
            channel: Channel::Telephone,
            bookable_by: BookableBy::OwnPractice,
            sessions: vec![
                WeeklySession {
                    weekday: time::Weekday::Tuesday,
                    starts: time!(09:00),
                    ends: time!(10:00),
                    slot_minutes: 15,
                },
                WeeklySession {
                    weekday: time::Weekday::Thursday,
                    starts: time!(14:00),
                    ends: time!(15:00),
                    slot_minutes: 20,
                },
            ],
            effective_from: date!(2027 - 01 - 01),
            effective_until: None,
            exceptions: vec![RotaException { date: date!(2027 - 01 - 07), reason: "Training".into() }],
        };
        // Someone else's location or clinician, no sessions, or another practice: refused, nothing saved.
        let elsewhere = RotaTemplate { location_id: hub_choices.locations[0].location_id, ..template.clone() };
        assert!(matches!(booking.save_rota(&desk, &elsewhere).await, Err(BookingError::Invalid(_))));
        let stranger = hub_choices.clinicians.iter().find(|c| !choices.clinicians.contains(c)).unwrap();
        let other_clinician = RotaTemplate { clinician_id: stranger.staff_member_id, ..template.clone() };
        assert!(matches!(booking.save_rota(&desk, &other_clinician).await, Err(BookingError::Invalid(_))));
        let empty = RotaTemplate { sessions: vec![], ..template.clone() };
        assert!(matches!(booking.save_rota(&desk, &empty).await, Err(BookingError::Invalid(m)) if m.contains("session")));
        assert!(matches!(booking.save_rota(&hub_desk, &template).await, Err(BookingError::NotAllowed(_))));
        assert!(matches!(store.rota_template(template.rota_template_id).await, Err(StoreError::NotFound)));

        booking.save_rota(&desk, &template).await.unwrap();
        let listed = booking.rota_templates(&desk, w.practice.organisation_id).await.unwrap();
        assert!(listed.contains(&template));
        assert!(listed.iter().all(|t| t.organisation_id == w.practice.organisation_id));
        assert!(matches!(booking.rota_template(&hub_desk, template.rota_template_id).await, Err(BookingError::NotFound)));

        // Two weeks: Tuesday 4 + Thursday 3, twice, less the Thursday off.
        let from = date!(2027 - 01 - 04);
        let to = date!(2027 - 01 - 17);
        let first = booking.generate_slots(&desk, template.rota_template_id, from, to).await.unwrap();
        assert_eq!((first.planned, first.added), (11, 11));
        let again = booking.generate_slots(&desk, template.rota_template_id, from, to).await.unwrap();
        assert_eq!((again.planned, again.added), (11, 0), "regenerating adds nothing");
        assert!(matches!(
            booking.generate_slots(&desk, template.rota_template_id, date!(2026 - 12 - 31), to).await,
            Err(BookingError::Invalid(_))
        ));
        assert!(matches!(
            booking.generate_slots(&desk, template.rota_template_id, from, date!(2027 - 06 - 01)).await,
            Err(BookingError::Invalid(_))
        ));

        // Book one, change the template's hours and regenerate: the booked slot stays.
        let day_from = carebook_core::london::resolve(date!(2027 - 01 - 05), time!(00:00));
        let tuesday =
            store.slots_between(w.practice.organisation_id, day_from, day_from + time::Duration::days(1)).await.unwrap();
        let nurse_slot = tuesday.iter().find(|s| s.service == ServiceKind::Nurse).unwrap().clone();
        let patient = registered_at(&w, w.practice.organisation_id).next().unwrap().patient_id;
        let ask = BookingAsk {
            patient_id: patient,
            slot_id: nurse_slot.slot_id,
            note: None,
            idempotency_key: None,
            override_reason: None,
        };
        booking.book(&desk, &ask).await.unwrap();
        let later = RotaTemplate {
            sessions: vec![WeeklySession {
                weekday: time::Weekday::Tuesday,
                starts: time!(09:30),
                ends: time!(10:30),
                slot_minutes: 30,
            }],
            ..template.clone()
        };
        booking.save_rota(&desk, &later).await.unwrap();
        let changed = booking.generate_slots(&desk, template.rota_template_id, from, to).await.unwrap();
        assert_eq!(changed.planned, 4);
        let kept = store.slot(nurse_slot.slot_id).await.unwrap();
        assert_eq!(kept.status, SlotStatus::Booked, "a booked slot is never removed or changed");
        assert_eq!(store.rota_template(template.rota_template_id).await.unwrap(), later);
    }
}
