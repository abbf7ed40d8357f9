//! The booking service: who may see and book what, and the rules it applies.

use std::sync::Arc;

use carebook_core::store::Store;
use uuid::Uuid;

use crate::fixtures::desk as desk_fixture;
use crate::fixtures::service as service_fixture;

scenarios! {
    booking_service;

    pub async fn patients_see_their_practice_and_hub_slots_and_nobody_elses(store: Arc<dyn Store>) {
        use carebook_core::access::ProofingLevel;
        use carebook_core::booking::service::BookingError;
        use carebook_core::booking::ServiceKind;
        use service_fixture::*;
        let w = world(&store).await;
        let me = registered_at(&w, w.practice.organisation_id).next().unwrap().patient_id;
        let actor = patient_actor(me, ProofingLevel::P9);

        let slots = w.services.booking.availability(&actor, me, ServiceKind::GpAppointment, FROM, TO).await.unwrap();

        assert_eq!(slots.len(), 6, "three at my practice and three at the hub");
        assert!(slots.iter().any(|s| s.organisation_id == w.hub.organisation_id));
        assert!(slots.windows(2).all(|x| x[0].starts_at <= x[1].starts_at));
        // Someone registered at a practice outside the federation sees none.
        let outsider = w
            .population
            .patients
            .iter()
            .find(|p| {
                w.population
                    .organisations
                    .iter()
                    .any(|o| o.organisation_id == p.registered_practice_id && o.federation_id.is_none())
            })
            .unwrap()
            .patient_id;
        let theirs = w
            .services
            .booking
            .availability(&patient_actor(outsider, ProofingLevel::P9), outsider, ServiceKind::GpAppointment, FROM, TO)
            .await
            .unwrap();
        assert!(theirs.is_empty(), "{theirs:?}");
        // And nobody may look at someone else's availability.
        let nosy = w
            .services
            .booking
            .availability(&patient_actor(outsider, ProofingLevel::P9), me, ServiceKind::GpAppointment, FROM, TO)
            .await;
        assert!(matches!(nosy, Err(BookingError::NotAllowed(_))), "{nosy:?}");
    }

    pub async fn the_second_booker_of_a_slot_hears_it_was_just_taken_with_alternatives(store: Arc<dyn Store>) {
        use carebook_core::access::ProofingLevel;
        use carebook_core::booking::service::{BookingAsk, BookingError};
        use carebook_core::booking::ServiceKind;
        use service_fixture::*;
        let w = world(&store).await;
        let mut people = registered_at(&w, w.practice.organisation_id).map(|p| p.patient_id);
        let (first, second) = (people.next().unwrap(), people.next().unwrap());
        let slots = w
            .services
            .booking
            .availability(&patient_actor(first, ProofingLevel::P9), first, ServiceKind::GpAppointment, FROM, TO)
            .await
            .unwrap();
        let ask = |patient_id| BookingAsk {
            patient_id,
            slot_id: slots[0].slot_id,
            note: None,
            idempotency_key: None,
            override_reason: None,
        };

        w.services.booking.book(&patient_actor(first, ProofingLevel::P9), &ask(first)).await.unwrap();
        let late = w.services.booking.book(&patient_actor(second, ProofingLevel::P9), &ask(second)).await;

        match late {
            Err(BookingError::JustTaken { alternatives }) => {
                assert!(!alternatives.is_empty() && alternatives.len() <= 3);
                assert!(alternatives.iter().all(|s| s.slot_id != slots[0].slot_id));
            }
            other => panic!("expected 'just taken' with alternatives, got {other:?}"),
        }
    }

    pub async fn patients_hold_move_and_cancel_through_the_booking_service_within_the_rules(store: Arc<dyn Store>) {
        use carebook_core::access::ProofingLevel;
        use carebook_core::booking::service::{BookingAsk, BookingError};
        use carebook_core::booking::{AppointmentStatus, ServiceKind, SlotStatus};
        use service_fixture::*;
        let w = world(&store).await;
        let mut people = registered_at(&w, w.practice.organisation_id).map(|p| p.patient_id);
        let (me, other) = (people.next().unwrap(), people.next().unwrap());
        let actor = patient_actor(me, ProofingLevel::P9);
        let slots = w.services.booking.availability(&actor, me, ServiceKind::GpAppointment, FROM, TO).await.unwrap();

        // A hold keeps the slot from others until it lapses.
        let held = w.services.booking.hold(&actor, me, slots[0].slot_id).await.unwrap();
        assert_eq!(held.status, SlotStatus::Held);
        let theirs = w.services.booking.hold(&patient_actor(other, ProofingLevel::P9), other, slots[0].slot_id).await;
        assert!(matches!(theirs, Err(BookingError::JustTaken { .. })), "{theirs:?}");

        let ask = BookingAsk {
            patient_id: me,
            slot_id: slots[1].slot_id,
            note: None,
            idempotency_key: None,
            override_reason: None,
        };
        let booked = w.services.booking.book(&actor, &ask).await.unwrap();
        // Someone else can neither see, move nor cancel it.
        let nosy = patient_actor(other, ProofingLevel::P9);
        assert!(matches!(w.services.booking.appointments(&nosy, me).await, Err(BookingError::NotAllowed(_))));
        assert!(matches!(
            w.services.booking.cancel(&nosy, booked.appointment_id, "x").await,
            Err(BookingError::NotAllowed(_))
        ));
        assert!(matches!(
            w.services.booking.amend(&nosy, booked.appointment_id, slots[2].slot_id).await,
            Err(BookingError::NotAllowed(_))
        ));

        // Moving keeps one live appointment, on the new slot, and frees the old.
        let moved = w.services.booking.amend(&actor, booked.appointment_id, slots[2].slot_id).await.unwrap();
        assert_eq!(moved.slot_id, slots[2].slot_id);
        assert_eq!(store.slot(slots[1].slot_id).await.unwrap().status, SlotStatus::Free);
        let mine = w.services.booking.appointments(&actor, me).await.unwrap();
        assert_eq!(mine.iter().filter(|a| a.status.is_live()).count(), 1);

        // Cancelling frees the slot; cancelling again is "changed".
        let cancelled = w.services.booking.cancel(&actor, moved.appointment_id, "feeling better").await.unwrap();
        assert_eq!(cancelled.status, AppointmentStatus::CancelledByPatient);
        assert_eq!(store.slot(slots[2].slot_id).await.unwrap().status, SlotStatus::Free);
        let again = w.services.booking.cancel(&actor, moved.appointment_id, "again").await;
        assert!(matches!(again, Err(BookingError::Changed)), "{again:?}");

        // The waitlist: their own practice and hub, a window of London days.
        let day = carebook_core::london::to_local(FROM).date();
        let entry = w
            .services
            .booking
            .join_waitlist(&actor, me, ServiceKind::GpAppointment, day, day + time::Duration::days(3))
            .await
            .unwrap();
        assert_eq!(store.waitlist_entry(entry.waitlist_entry_id).await.unwrap().practice_id, w.practice.organisation_id);
        assert_eq!(entry.hub_id, Some(w.hub.organisation_id));
        let backwards = w
            .services
            .booking
            .join_waitlist(&actor, me, ServiceKind::GpAppointment, day, day - time::Duration::days(1))
            .await;
        assert!(matches!(backwards, Err(BookingError::TooLate(_))), "{backwards:?}");
        let nosy = w
            .services
            .booking
            .join_waitlist(&patient_actor(other, ProofingLevel::P9), me, ServiceKind::GpAppointment, day, day)
            .await;
        assert!(matches!(nosy, Err(BookingError::NotAllowed(_))));
    }

    pub async fn the_booking_service_checks_who_is_asking_and_the_rules(store: Arc<dyn Store>) {
        use carebook_core::access::{ProofingLevel, Refusal};
        use carebook_core::booking::service::{BookingAsk, BookingError};
        use carebook_core::booking::ServiceKind;
        use carebook_core::model::snomed;
        use service_fixture::*;
        let w = world(&store).await;
        let at_practice: Vec<_> = registered_at(&w, w.practice.organisation_id).collect();
        let me = at_practice[0].patient_id;
        let gp =
            w.services.booking.availability(&receptionist(&w), me, ServiceKind::GpAppointment, FROM, TO).await.unwrap();
        let ask = |patient_id, slot_id| BookingAsk {
            patient_id,
            slot_id,
            note: Some("  ".into()),
            idempotency_key: None,
            override_reason: None,
        };

        // Partial identity checks are not enough for GP services.
        let p5 = w.services.booking.book(&patient_actor(me, ProofingLevel::P5), &ask(me, gp[0].slot_id)).await;
        assert!(matches!(p5, Err(BookingError::NotAllowed(Refusal::NeedsFullIdentityCheck))), "{p5:?}");
        // A receptionist books for the patient; a blank note is not stored.
        let booked = w.services.booking.book(&receptionist(&w), &ask(me, gp[0].slot_id)).await.unwrap();
        assert_eq!(booked.booked_by_kind, "staff");
        assert_eq!(booked.note, None);

        // The diabetes review is only for people with diabetes.
        let has_diabetes =
            |id: Uuid| w.population.conditions.iter().any(|c| c.patient_id == id && c.code.code == snomed::TYPE_2_DIABETES);
        let without = at_practice.iter().find(|p| !has_diabetes(p.patient_id)).unwrap().patient_id;
        let with = at_practice.iter().find(|p| has_diabetes(p.patient_id)).unwrap().patient_id;
        let none = w
            .services
            .booking
            .availability(&patient_actor(without, ProofingLevel::P9), without, ServiceKind::DiabetesReview, FROM, TO)
            .await
            .unwrap();
        assert!(none.is_empty());
        let reviews = w
            .services
            .booking
            .availability(&patient_actor(with, ProofingLevel::P9), with, ServiceKind::DiabetesReview, FROM, TO)
            .await
            .unwrap();
        assert_eq!(reviews.len(), 3, "the three review slots of the Monday session");
        let refused =
            w.services.booking.book(&patient_actor(without, ProofingLevel::P9), &ask(without, reviews[0].slot_id)).await;
        match refused {
            Err(BookingError::RulesNotMet(e)) => assert!(e.failed().any(|c| c.explanation.contains("diabetes"))),
            other => panic!("{other:?}"),
        }
        let explained = w.services.booking.explain(&receptionist(&w), without, reviews[0].slot_id).await.unwrap();
        assert!(!explained.allowed());
    }

    pub async fn an_organisations_booking_rules_replace_the_defaults_for_its_own_slots(store: Arc<dyn Store>) {
        use carebook_core::access::{ProofingLevel, Refusal};
        use carebook_core::booking::rules::{BookingRules, ConditionRequirement};
        use carebook_core::booking::service::{BookingAsk, BookingError};
        use carebook_core::booking::ServiceKind;
        use carebook_core::model::StaffRole;
        use service_fixture::*;
        let w = world(&store).await;
        let me = registered_at(&w, w.practice.organisation_id).next().unwrap().patient_id;
        let patient = patient_actor(me, ProofingLevel::P9);
        // Who changed the rules is recorded, so the admin is someone on record.
        let on_record =
            w.population.staff_assignments.iter().find(|a| a.organisation_id == w.practice.organisation_id).unwrap();
        let admin = carebook_core::access::Actor::Staff(carebook_core::access::StaffActor {
            staff_member_id: on_record.staff_member_id,
            roles: vec![carebook_core::model::StaffAssignment {
                staff_member_id: on_record.staff_member_id,
                organisation_id: w.practice.organisation_id,
                role: StaffRole::PracticeAdmin,
            }],
        });
        let desk = desk_fixture::staff(2, w.practice.organisation_id, StaffRole::Receptionist);
        let booking = &w.services.booking;
        let gp = |_: ()| booking.availability(&patient, me, ServiceKind::GpAppointment, FROM, TO);
        assert_eq!(gp(()).await.unwrap().len(), 6, "the defaults: three at the practice, three at the hub");

        // Only admins set rules; a bad value is refused with a message and nothing is stored.
        let short = BookingRules { horizon_days: 2, ..BookingRules::default() };
        let refused =
            booking.set_rules(&desk, w.practice.organisation_id, ServiceKind::GpAppointment, Some(short.clone())).await;
        assert!(matches!(refused, Err(BookingError::NotAllowed(Refusal::WrongOrganisationOrRole))), "{refused:?}");
        let bad = BookingRules { horizon_days: 0, ..BookingRules::default() };
        let invalid = booking.set_rules(&admin, w.practice.organisation_id, ServiceKind::GpAppointment, Some(bad)).await;
        assert!(matches!(&invalid, Err(BookingError::Invalid(m)) if m.contains("between 1 and 366")), "{invalid:?}");
        assert!(store.booking_rules(w.practice.organisation_id).await.unwrap().is_empty());

        // The practice looks two days ahead (the Monday is three away); the hub keeps the defaults.
        booking
            .set_rules(&admin, w.practice.organisation_id, ServiceKind::GpAppointment, Some(short.clone()))
            .await
            .unwrap();
        let seen = gp(()).await.unwrap();
        assert_eq!(seen.len(), 3);
        assert!(seen.iter().all(|s| s.organisation_id == w.hub.organisation_id));
        let listed = booking.organisation_rules(&desk, w.practice.organisation_id).await.unwrap();
        assert_eq!(listed.len(), ServiceKind::ALL.len());
        let gp_rules = listed.iter().find(|r| r.service == ServiceKind::GpAppointment).unwrap();
        assert!(gp_rules.set_here);
        assert_eq!(gp_rules.rules, short);
        assert!(listed.iter().filter(|r| r.service != ServiceKind::GpAppointment).all(|r| !r.set_here));
        let practice_slot = booking.availability(&desk, me, ServiceKind::GpAppointment, FROM, TO).await.unwrap();
        assert_eq!(practice_slot.len(), 3, "staff see what the rules allow too, and may override");

        // Every field round-trips through the store.
        let full = BookingRules {
            horizon_days: 14,
            same_day_release: Some(time::macros::time!(08:00)),
            minimum_notice_minutes: 60,
            change_cutoff_minutes: 14 * 24 * 60,
            max_active_per_patient: None,
            requires_condition: Some(ConditionRequirement {
                snomed_codes: vec!["44054006".into(), "73211009".into()],
                description: "for people with diabetes".into(),
            }),
        };
        booking.set_rules(&admin, w.practice.organisation_id, ServiceKind::Nurse, Some(full.clone())).await.unwrap();
        let stored = store.booking_rules(w.practice.organisation_id).await.unwrap();
        assert_eq!(stored.iter().find(|(s, _)| *s == ServiceKind::Nurse).map(|(_, r)| r.clone()), Some(full));

        // Back to the defaults, then a cut-off of 14 days at the practice only:
        // the patient cannot cancel there online, but can at the hub.
        booking.set_rules(&admin, w.practice.organisation_id, ServiceKind::GpAppointment, None).await.unwrap();
        let all = gp(()).await.unwrap();
        assert_eq!(all.len(), 6);
        let strict = BookingRules { change_cutoff_minutes: 14 * 24 * 60, ..BookingRules::default() };
        booking.set_rules(&admin, w.practice.organisation_id, ServiceKind::GpAppointment, Some(strict)).await.unwrap();
        let ask =
            |slot_id| BookingAsk { patient_id: me, slot_id, note: None, idempotency_key: None, override_reason: None };
        let at_practice = all.iter().find(|s| s.organisation_id == w.practice.organisation_id).unwrap();
        let at_hub = all.iter().find(|s| s.organisation_id == w.hub.organisation_id).unwrap();
        let here = booking.book(&patient, &ask(at_practice.slot_id)).await.unwrap();
        let there = booking.book(&patient, &ask(at_hub.slot_id)).await.unwrap();
        assert!(matches!(booking.cancel(&patient, here.appointment_id, "no").await, Err(BookingError::TooLate(_))));
        booking.cancel(&patient, there.appointment_id, "better").await.unwrap();
        // Staff may cancel any time.
        booking.cancel(&desk, here.appointment_id, "the patient rang").await.unwrap();
    }
}
