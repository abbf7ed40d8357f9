//! The booking rules where they meet concurrency, retries and time: the
//! per-patient limit under a burst, idempotency keys, staff overrides,
//! eligibility from active conditions only, and London's date for the
//! access policy.

use std::sync::Arc;

use carebook_core::access::{Actor, PatientActor, ProofingLevel};
use carebook_core::booking::rota::WeeklySession;
use carebook_core::booking::rules::{Outcome, Rule};
use carebook_core::booking::service::{BookingAsk, BookingError};
use carebook_core::booking::{BookableBy, ServiceKind, Slot};
use carebook_core::clock::{FixedClock, SequentialIds};
use carebook_core::model::{snomed, ClinicalStatus, Condition, ProxyAccess, ProxyRelationshipKind, ProxyScope};
use carebook_core::services::Services;
use carebook_core::store::Store;
use time::macros::{date, datetime, time};
use uuid::Uuid;

use crate::fixtures::service::{patient_actor, receptionist, registered_at, rota_of, world, world_with, World};

/// A Tuesday morning of GP times at the practice (09:00 to 12:00, ten
/// minutes each: 18 slots) and the free ones a patient may book.
pub(crate) async fn a_morning_of_times(store: &Arc<dyn Store>, w: &World, patient_id: Uuid) -> Vec<Slot> {
    let session = WeeklySession { weekday: time::Weekday::Tuesday, starts: time!(09:00), ends: time!(12:00), slot_minutes: 10 };
    let practice = w.practice.clone();
    rota_of(store, &w.population, &practice, 40, ServiceKind::GpAppointment, BookableBy::OwnPractice, session, date!(2027 - 01 - 05)).await;
    w.services
        .booking
        .availability(
            &patient_actor(patient_id, ProofingLevel::P9),
            patient_id,
            ServiceKind::GpAppointment,
            datetime!(2027-01-05 00:00 UTC),
            datetime!(2027-01-06 00:00 UTC),
        )
        .await
        .unwrap()
}

pub(crate) fn ask(patient_id: Uuid, slot_id: Uuid, key: &str) -> BookingAsk {
    BookingAsk { patient_id, slot_id, note: None, idempotency_key: Some(key.into()), override_reason: None }
}

fn refused_by(result: &Result<carebook_core::booking::Appointment, BookingError>, rule: Rule) -> bool {
    matches!(result, Err(BookingError::RulesNotMet(e)) if e.failed().any(|c| c.rule == rule))
}

scenarios! {
    booking_rules;

    pub async fn one_patient_booking_sixteen_times_at_once_gets_only_their_limit(store: Arc<dyn Store>) {
        let w = world(&store).await;
        let me = registered_at(&w, w.practice.organisation_id).next().unwrap().patient_id;
        let slots = a_morning_of_times(&store, &w, me).await;
        assert!(slots.len() >= 16, "{} free times", slots.len());

        let attempts = slots.iter().take(16).enumerate().map(|(i, slot)| {
            let booking = w.services.booking.clone();
            let ask = ask(me, slot.slot_id, &format!("tab-{i}"));
            tokio::spawn(async move { booking.book(&patient_actor(me, ProofingLevel::P9), &ask).await })
        });
        let results: Vec<_> = futures_join(attempts.collect()).await;

        let booked = results.iter().filter(|r| r.is_ok()).count();
        let over_limit = results.iter().filter(|r| refused_by(r, Rule::BookingLimit)).count();
        assert_eq!((booked, over_limit), (2, 14), "{results:?}");
        let live = w
            .services
            .booking
            .appointments(&patient_actor(me, ProofingLevel::P9), me)
            .await
            .unwrap()
            .into_iter()
            .filter(|a| a.status.is_live())
            .count();
        assert_eq!(live, 2, "the store holds exactly the limit");
    }

    pub async fn moving_two_appointments_at_once_never_passes_the_limit(store: Arc<dyn Store>) {
        // Moving does not add an appointment, so two moves at once both
        // succeed; neither is counted against the limit twice.
        let w = world(&store).await;
        let me = registered_at(&w, w.practice.organisation_id).next().unwrap().patient_id;
        let slots = a_morning_of_times(&store, &w, me).await;
        let actor = patient_actor(me, ProofingLevel::P9);
        let first = w.services.booking.book(&actor, &ask(me, slots[0].slot_id, "a")).await.unwrap();
        let second = w.services.booking.book(&actor, &ask(me, slots[1].slot_id, "b")).await.unwrap();

        let (b1, b2) = (w.services.booking.clone(), w.services.booking.clone());
        let (a1, a2) = (actor.clone(), actor.clone());
        let (to1, to2) = (slots[5].slot_id, slots[6].slot_id);
        let m1 = tokio::spawn(async move { b1.amend(&a1, first.appointment_id, to1).await });
        let m2 = tokio::spawn(async move { b2.amend(&a2, second.appointment_id, to2).await });
        assert!(m1.await.unwrap().is_ok());
        assert!(m2.await.unwrap().is_ok());
        let third = w.services.booking.book(&actor, &ask(me, slots[7].slot_id, "c")).await;
        assert!(refused_by(&third, Rule::BookingLimit), "{third:?}");
    }

    pub async fn a_retry_of_the_booking_that_reached_the_limit_returns_it(store: Arc<dyn Store>) {
        let w = world(&store).await;
        let me = registered_at(&w, w.practice.organisation_id).next().unwrap().patient_id;
        let slots = a_morning_of_times(&store, &w, me).await;
        let actor = patient_actor(me, ProofingLevel::P9);
        w.services.booking.book(&actor, &ask(me, slots[0].slot_id, "first")).await.unwrap();
        let second = w.services.booking.book(&actor, &ask(me, slots[1].slot_id, "second")).await.unwrap();

        let retried = w.services.booking.book(&actor, &ask(me, slots[1].slot_id, "second")).await;

        assert_eq!(retried.unwrap().appointment_id, second.appointment_id, "the first answer, not the limit");
    }

    pub async fn a_key_sent_again_for_another_slot_is_refused_and_nothing_is_stored(store: Arc<dyn Store>) {
        let w = world(&store).await;
        let me = registered_at(&w, w.practice.organisation_id).next().unwrap().patient_id;
        let slots = a_morning_of_times(&store, &w, me).await;
        let actor = patient_actor(me, ProofingLevel::P9);
        let first = w.services.booking.book(&actor, &ask(me, slots[0].slot_id, "once")).await.unwrap();

        let reused = w.services.booking.book(&actor, &ask(me, slots[3].slot_id, "once")).await;

        assert!(matches!(reused, Err(BookingError::IdempotencyKeyReused)), "{reused:?}");
        let mine = w.services.booking.appointments(&actor, me).await.unwrap();
        assert_eq!(mine.iter().map(|a| a.appointment_id).collect::<Vec<_>>(), vec![first.appointment_id]);
        let still_free = store.slot(slots[3].slot_id).await.unwrap();
        assert!(still_free.is_free_at(datetime!(2027-01-01 12:00 UTC)));
    }

    pub async fn a_staff_override_keeps_its_reason_and_who_gave_it(store: Arc<dyn Store>) {
        let w = world(&store).await;
        let me = registered_at(&w, w.practice.organisation_id).next().unwrap().patient_id;
        let slots = a_morning_of_times(&store, &w, me).await;
        let actor = patient_actor(me, ProofingLevel::P9);
        w.services.booking.book(&actor, &ask(me, slots[0].slot_id, "a")).await.unwrap();
        w.services.booking.book(&actor, &ask(me, slots[1].slot_id, "b")).await.unwrap();
        let desk = receptionist(&w);
        let Actor::Staff(staff) = &desk else { unreachable!() };

        let without = w.services.booking.book(&desk, &BookingAsk { idempotency_key: None, ..ask(me, slots[2].slot_id, "") }).await;
        assert!(refused_by(&without, Rule::BookingLimit), "no reason, no override: {without:?}");
        let over = BookingAsk {
            override_reason: Some("  Urgent follow-up agreed with the GP ".into()),
            idempotency_key: None,
            ..ask(me, slots[2].slot_id, "")
        };
        let booked = w.services.booking.book(&desk, &over).await.unwrap();

        assert_eq!(booked.override_reason.as_deref(), Some("Urgent follow-up agreed with the GP"));
        assert_eq!(booked.overridden_by, Some(staff.staff_member_id));
        let stored = store.appointment(booked.appointment_id).await.unwrap();
        assert_eq!(stored.override_reason, booked.override_reason);
        assert_eq!(stored.overridden_by, booked.overridden_by);
        let trail = store.audit_for_target("appointment", booked.appointment_id, 10).await.unwrap();
        let line = trail.iter().find(|l| l.event.action == "booking_override").expect("an audit line for the override");
        assert_eq!(line.event.actor_id, Some(staff.staff_member_id));
        assert_eq!(line.event.reason.as_deref(), Some("booking_limit"), "the rules overridden, never the free text");
        // The day list shows it.
        let day = w.services.booking.day_list(&desk, w.practice.organisation_id, date!(2027 - 01 - 05)).await.unwrap();
        let (_, on_list) = day.iter().find(|(s, _)| s.slot_id == slots[2].slot_id).unwrap();
        assert_eq!(on_list.as_ref().and_then(|a| a.override_reason.clone()), booked.override_reason);
        // A reason given where no rule needed overriding records nothing.
        let other = registered_at(&w, w.practice.organisation_id).nth(1).unwrap().patient_id;
        let plain = BookingAsk { override_reason: Some("just because".into()), idempotency_key: None, ..ask(other, slots[9].slot_id, "") };
        let explained = w.services.booking.explain(&desk, other, slots[9].slot_id).await.unwrap();
        assert!(explained.checks.iter().all(|c| c.outcome == Outcome::Passed), "{explained:?}");
        let plain = w.services.booking.book(&desk, &plain).await.unwrap();
        assert_eq!((plain.override_reason, plain.overridden_by), (None, None));
        let trail = store.audit_for_target("appointment", plain.appointment_id, 10).await.unwrap();
        assert!(trail.iter().all(|l| l.event.action != "booking_override"));
    }

    pub async fn a_resolved_condition_does_not_make_a_patient_eligible_for_a_review(store: Arc<dyn Store>) {
        use carebook_core::model::{OrganisationKind, SnomedConcept};
        let mut chosen = (Uuid::nil(), Uuid::nil());
        let w = world_with(&store, |p| {
            let practice = p.organisations.iter().find(|o| o.kind == OrganisationKind::GpPractice).unwrap().organisation_id;
            let diabetic: Vec<Uuid> = p.conditions.iter().filter(|c| c.code.code == snomed::TYPE_2_DIABETES).map(|c| c.patient_id).collect();
            let mut without = p.patients.iter().filter(|x| x.registered_practice_id == practice && !diabetic.contains(&x.patient_id));
            let (resolved, active) = (without.next().unwrap().patient_id, without.next().unwrap().patient_id);
            for (n, (patient_id, status)) in [(resolved, ClinicalStatus::Resolved), (active, ClinicalStatus::Active)].into_iter().enumerate() {
                p.conditions.push(Condition {
                    condition_id: Uuid::from_u128(0xC0_0000 + n as u128),
                    patient_id,
                    code: SnomedConcept { code: snomed::TYPE_2_DIABETES.into(), display: "Type 2 diabetes mellitus".into() },
                    clinical_status: status,
                    onset_date: Some(date!(2015 - 03 - 01)),
                    recorded_by_organisation_id: practice,
                });
            }
            chosen = (resolved, active);
        })
        .await;
        let (resolved, active) = chosen;
        let slots_for = |patient_id| {
            let booking = w.services.booking.clone();
            async move {
                booking
                    .availability(&patient_actor(patient_id, ProofingLevel::P9), patient_id, ServiceKind::DiabetesReview, crate::fixtures::service::FROM, crate::fixtures::service::TO)
                    .await
                    .unwrap()
            }
        };
        let open = slots_for(active).await;
        assert_eq!(open.len(), 3, "an active diabetes diagnosis opens the review");
        assert!(slots_for(resolved).await.is_empty(), "a resolved one does not");
        let tried = w.services.booking.book(&patient_actor(resolved, ProofingLevel::P9), &ask(resolved, open[0].slot_id, "r")).await;
        assert!(refused_by(&tried, Rule::Eligibility), "{tried:?}");
    }

    pub async fn a_proxy_whose_access_ended_at_london_midnight_is_refused_in_the_first_summer_hour(store: Arc<dyn Store>) {
        let w = world(&store).await;
        let mut people = registered_at(&w, w.practice.organisation_id).map(|p| p.patient_id);
        let (subject, carer) = (people.next().unwrap(), people.next().unwrap());
        // 00:30 on Tuesday 15 June 2027 in London is 23:30 on the 14th in UTC.
        let services = Services::new(
            store.clone(),
            Arc::new(FixedClock::at(datetime!(2027-06-14 23:30 UTC))),
            Arc::new(SequentialIds::default()),
        );
        let proxy = |until| {
            Actor::Patient(PatientActor {
                patient_id: carer,
                proofing: ProofingLevel::P9,
                proxy_for: vec![ProxyAccess {
                    proxy_access_id: Uuid::from_u128(0xACCE55),
                    proxy_patient_id: carer,
                    subject_patient_id: subject,
                    relationship: ProxyRelationshipKind::Carer,
                    scopes: vec![ProxyScope::Appointments],
                    valid_from: date!(2027 - 01 - 01),
                    valid_until: Some(until),
                }],
            })
        };
        let (from, to) = (datetime!(2027-06-15 00:00 UTC), datetime!(2027-06-30 00:00 UTC));

        let ended = services.booking.availability(&proxy(date!(2027 - 06 - 15)), subject, ServiceKind::GpAppointment, from, to).await;
        let current = services.booking.availability(&proxy(date!(2027 - 06 - 16)), subject, ServiceKind::GpAppointment, from, to).await;

        assert!(matches!(ended, Err(BookingError::NotAllowed(_))), "London's date is the 15th: {ended:?}");
        assert!(current.is_ok(), "{current:?}");
    }
}

/// Every spawned booking's answer, in order.
async fn futures_join<T: Send + 'static>(handles: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(h.await.expect("the booking task ran"));
    }
    out
}
