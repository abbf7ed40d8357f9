//! Reminders fire at the right London time across the clock changes, with
//! the clock injected: the day-ahead reminder at the appointment's own time
//! of day the day before (23 or 25 hours ahead when the clocks change in
//! between), the two-hour one two real hours before. The worker is driven
//! through the night before and the day itself, a minute at a time around
//! each moment.

use std::sync::{Arc, Mutex};

use carebook_conformance::small_population;
use carebook_core::booking::rota::{RotaTemplate, WeeklySession};
use carebook_core::booking::{BookableBy, BookingRequest, Channel, ServiceKind};
use carebook_core::clock::FixedClock;
use carebook_core::model::OrganisationKind;
use carebook_core::notify::compose::OutgoingEmail;
use carebook_core::notify::delivery::{ChannelTransport, EmailGateway};
use carebook_core::notify::outbox::Notification;
use carebook_core::notify::retry::RetryPolicy;
use carebook_core::notify::worker::{DeliveryError, Worker};
use carebook_core::store::prelude::*;
use carebook_store_sqlite::SqliteStore;
use time::macros::{date, datetime, time};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::helpers::scratch_dir;

#[derive(Default)]
struct Inbox {
    /// (when the worker sent it by the injected clock, subject, text)
    mail: Mutex<Vec<(OffsetDateTime, String, String)>>,
    clock: Mutex<Option<Arc<FixedClock>>>,
}

#[async_trait::async_trait]
impl EmailGateway for Inbox {
    async fn send_email(&self, _: &Notification, email: &OutgoingEmail) -> Result<(), DeliveryError> {
        let now = carebook_core::clock::Clock::now(self.clock.lock().unwrap().as_ref().unwrap().as_ref());
        self.mail.lock().unwrap().push((now, email.subject.clone(), email.text.clone()));
        Ok(())
    }
}

/// An appointment on a Sunday clinic at 10:00 London time, booked a week
/// ahead; returns the inbox, the clock and a worker.
async fn sunday_appointment(sunday: time::Date) -> (Arc<Inbox>, Arc<FixedClock>, Worker, std::path::PathBuf) {
    let dir = scratch_dir();
    let sqlite = SqliteStore::connect(&format!("sqlite://{}/reminders.db", dir.display())).await.unwrap();
    sqlite.migrate().await.unwrap();
    let store: Arc<dyn Store> = Arc::new(sqlite);
    let population = small_population();
    store.replace_population(&population).await.unwrap();
    let hub = population.organisations.iter().find(|o| o.kind == OrganisationKind::Hub).unwrap();
    let location = population.locations.iter().find(|l| l.organisation_id == hub.organisation_id).unwrap();
    let template = RotaTemplate {
        rota_template_id: Uuid::from_u128(0x5u128),
        organisation_id: hub.organisation_id,
        location_id: location.location_id,
        clinician_id: population.staff[0].staff_member_id,
        service: ServiceKind::GpAppointment,
        channel: Channel::FaceToFace,
        bookable_by: BookableBy::Federation,
        sessions: vec![WeeklySession {
            weekday: time::Weekday::Sunday,
            starts: time!(10:00),
            ends: time!(10:30),
            slot_minutes: 10,
        }],
        effective_from: sunday - Duration::days(14),
        effective_until: None,
        exceptions: vec![],
    };
    store.save_rota_template(&template).await.unwrap();
    store.add_planned_slots(&template.expand(sunday, sunday).unwrap()).await.unwrap();
    let slot = store
        .slots_between(
            hub.organisation_id,
            sunday.midnight().assume_utc() - Duration::hours(2),
            sunday.next_day().unwrap().midnight().assume_utc(),
        )
        .await
        .unwrap()
        .remove(0);
    let patient = population.patients.iter().find(|p| p.email.is_some()).unwrap();
    let booked_at = slot.starts_at - Duration::days(7);
    store
        .book(&BookingRequest {
            appointment_id: Uuid::from_u128(0xABC),
            slot_id: slot.slot_id,
            patient_id: patient.patient_id,
            note: None,
            booked_by_kind: "patient".into(),
            booked_by_id: Some(patient.patient_id),
            idempotency_key: None,
            at: booked_at,
            limit: None,
            overridden: None,
        })
        .await
        .unwrap();
    let clock = Arc::new(FixedClock::at(booked_at));
    let inbox = Arc::new(Inbox::default());
    *inbox.clock.lock().unwrap() = Some(clock.clone());
    let worker = Worker {
        name: "reminders".into(),
        store: store.clone(),
        transport: Arc::new(ChannelTransport {
            store: store.clone(),
            clock: clock.clone(),
            email: Some(inbox.clone()),
            sms: None,
        }),
        clock: clock.clone(),
        policy: RetryPolicy::default(),
        lease: Duration::minutes(5),
        batch: 10,
        random: Arc::new(|| 0.5),
    };
    assert_eq!(worker.drain().await.unwrap().sent, 1, "the confirmation, at booking");
    (inbox, clock, worker, dir)
}

/// Nothing a minute before `at`, the reminder at `at`.
async fn fires_exactly_at(worker: &Worker, clock: &FixedClock, inbox: &Inbox, at: OffsetDateTime) {
    let before = inbox.mail.lock().unwrap().len();
    clock.set(at - Duration::minutes(1));
    assert_eq!(worker.drain().await.unwrap().sent, 0, "nothing a minute before {at}");
    clock.set(at);
    assert_eq!(worker.drain().await.unwrap().sent, 1, "the reminder at {at}");
    let mail = inbox.mail.lock().unwrap();
    assert_eq!(mail.len(), before + 1);
    assert_eq!(mail.last().unwrap().1, "Reminder: your appointment");
}

#[tokio::test]
async fn reminders_for_the_sunday_the_clocks_go_forward_come_at_ten_the_day_before_and_two_hours_ahead() {
    // Sunday 28 March 2027: BST from 01:00 UTC. 10:00 BST is 09:00 UTC.
    let (inbox, clock, worker, dir) = sunday_appointment(date!(2027 - 03 - 28)).await;

    // Saturday 10:00 GMT (10:00 UTC): 23 hours ahead, same time of day.
    fires_exactly_at(&worker, &clock, &inbox, datetime!(2027-03-27 10:00 UTC)).await;
    // Sunday 08:00 BST (07:00 UTC): two hours ahead.
    fires_exactly_at(&worker, &clock, &inbox, datetime!(2027-03-28 07:00 UTC)).await;

    let text = inbox.mail.lock().unwrap()[1].2.clone();
    assert!(text.contains("When: Sunday 28 March 2027 at 10am"), "{text}");
    clock.set(datetime!(2027-03-29 12:00 UTC));
    assert_eq!(worker.drain().await.unwrap().sent, 0, "two reminders, no more");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn reminders_for_the_sunday_the_clocks_go_back_come_at_ten_the_day_before_and_two_hours_ahead() {
    // Sunday 31 October 2027: GMT from 01:00 UTC. 10:00 GMT is 10:00 UTC.
    let (inbox, clock, worker, dir) = sunday_appointment(date!(2027 - 10 - 31)).await;

    // Saturday 10:00 BST (09:00 UTC): 25 hours ahead, same time of day.
    fires_exactly_at(&worker, &clock, &inbox, datetime!(2027-10-30 09:00 UTC)).await;
    // Sunday 08:00 GMT (08:00 UTC).
    fires_exactly_at(&worker, &clock, &inbox, datetime!(2027-10-31 08:00 UTC)).await;

    assert!(inbox.mail.lock().unwrap()[1].2.contains("When: Sunday 31 October 2027 at 10am"));
    let _ = std::fs::remove_dir_all(dir);
}
