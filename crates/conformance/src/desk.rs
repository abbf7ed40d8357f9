//! The reception desk: its practice's day list, and finding patients where it books.

use std::sync::Arc;

use carebook_core::model::OrganisationKind;
use carebook_core::store::Store;

use crate::fixtures::desk as desk_fixture;
use crate::fixtures::service as service_fixture;

scenarios! {
    desk;

    pub async fn receptionists_run_their_own_practices_day_list_and_nobody_elses(store: Arc<dyn Store>) {
        use carebook_core::access::ProofingLevel;
        use carebook_core::booking::service::{BookingAsk, BookingError};
        use carebook_core::booking::{AppointmentStatus, ServiceKind, SlotStatus};
        use service_fixture::*;
        let w = world(&store).await;
        let me = registered_at(&w, w.practice.organisation_id).next().unwrap().patient_id;
        let actor = patient_actor(me, ProofingLevel::P9);
        let slots = w.services.booking.availability(&actor, me, ServiceKind::GpAppointment, FROM, TO).await.unwrap();
        let at_practice: Vec<_> = slots.iter().filter(|s| s.organisation_id == w.practice.organisation_id).collect();
        let ask = BookingAsk {
            patient_id: me,
            slot_id: at_practice[0].slot_id,
            note: None,
            idempotency_key: None,
            override_reason: None,
        };
        let booked = w.services.booking.book(&actor, &ask).await.unwrap();
        let day = carebook_core::london::to_local(at_practice[0].starts_at).date();
        let desk = receptionist(&w);

        let list = w.services.booking.day_list(&desk, w.practice.organisation_id, day).await.unwrap();
        assert!(list.len() >= 3, "{}", list.len());
        let with_appointment: Vec<_> = list.iter().filter(|(_, a)| a.is_some()).collect();
        assert_eq!(with_appointment.len(), 1);
        assert_eq!(with_appointment[0].1.as_ref().unwrap().appointment_id, booked.appointment_id);
        // Not the hub's day, and not for patients.
        assert!(matches!(
            w.services.booking.day_list(&desk, w.hub.organisation_id, day).await,
            Err(BookingError::NotAllowed(_))
        ));
        assert!(matches!(
            w.services.booking.day_list(&actor, w.practice.organisation_id, day).await,
            Err(BookingError::NotAllowed(_))
        ));

        let arrived =
            w.services.booking.record_attendance(&desk, booked.appointment_id, AppointmentStatus::Arrived).await.unwrap();
        assert_eq!(arrived.status, AppointmentStatus::Arrived);
        assert!(matches!(
            w.services.booking.record_attendance(&actor, booked.appointment_id, AppointmentStatus::DidNotAttend).await,
            Err(BookingError::NotAllowed(_))
        ));
        let blocked = w.services.booking.set_blocked(&desk, at_practice[1].slot_id, Some("Room closed")).await.unwrap();
        assert_eq!(blocked.status, SlotStatus::Blocked);
        let again = w.services.booking.set_blocked(&desk, at_practice[0].slot_id, Some("x")).await;
        assert!(matches!(again, Err(BookingError::Changed)), "a booked slot cannot be blocked: {again:?}");
        let free = w.services.booking.set_blocked(&desk, at_practice[1].slot_id, None).await.unwrap();
        assert_eq!(free.status, SlotStatus::Free);
        // The store's day query leaves out cancelled appointments.
        let from = carebook_core::london::resolve(day, time::Time::MIDNIGHT);
        let count = store
            .appointments_between(w.practice.organisation_id, from, from + time::Duration::days(1))
            .await
            .unwrap()
            .len();
        assert_eq!(count, 1);
    }

    pub async fn the_desk_finds_patients_by_name_and_birth_date_only_where_it_books(store: Arc<dyn Store>) {
        use carebook_core::booking::service::BookingError;
        use carebook_core::model::StaffRole;
        use service_fixture::*;
        let w = world(&store).await;
        let booking = &w.services.booking;
        let desk = desk_fixture::staff(6, w.practice.organisation_id, StaffRole::Receptionist);
        let hub_desk = desk_fixture::staff(7, w.hub.organisation_id, StaffRole::Receptionist);
        let me = registered_at(&w, w.practice.organisation_id).next().unwrap().clone();

        let shouted = format!("  {}  ", me.family_name.to_uppercase());
        let found = booking.find_patients(&desk, &shouted, None, me.date_of_birth).await.unwrap();
        assert!(found.iter().any(|p| p.patient_id == me.patient_id));
        assert!(found.iter().all(|p| p.registered_practice_id == w.practice.organisation_id));
        let first_letters: String = me.given_name.chars().take(2).collect();
        let narrowed = booking
            .find_patients(&desk, &me.family_name, Some(&first_letters.to_lowercase()), me.date_of_birth)
            .await
            .unwrap();
        assert!(narrowed.iter().any(|p| p.patient_id == me.patient_id));
        assert!(narrowed.iter().all(|p| p.given_name.to_lowercase().starts_with(&first_letters.to_lowercase())));
        let wrong_day = me.date_of_birth.next_day().unwrap();
        assert!(booking
            .find_patients(&desk, &me.family_name, None, wrong_day)
            .await
            .unwrap()
            .iter()
            .all(|p| p.patient_id != me.patient_id));
        assert!(matches!(booking.find_patients(&desk, "   ", None, me.date_of_birth).await, Err(BookingError::Invalid(_))));

        // Another practice in the federation: its receptionist does not find them; the hub's does.
        let neighbour = w
            .population
            .organisations
            .iter()
            .find(|o| {
                o.kind == OrganisationKind::GpPractice
                    && o.federation_id == w.practice.federation_id
                    && o.organisation_id != w.practice.organisation_id
                    && registered_at(&w, o.organisation_id).next().is_some()
            })
            .unwrap();
        let them = registered_at(&w, neighbour.organisation_id).next().unwrap().clone();
        let from_here = booking.find_patients(&desk, &them.family_name, None, them.date_of_birth).await.unwrap();
        assert!(from_here.iter().all(|p| p.patient_id != them.patient_id));
        let from_hub = booking.find_patients(&hub_desk, &them.family_name, None, them.date_of_birth).await.unwrap();
        assert!(from_hub.iter().any(|p| p.patient_id == them.patient_id));
        // Patients do not search.
        let patient = patient_actor(me.patient_id, carebook_core::access::ProofingLevel::P9);
        assert!(matches!(
            booking.find_patients(&patient, &them.family_name, None, them.date_of_birth).await,
            Err(BookingError::NotAllowed(_))
        ));
    }
}
