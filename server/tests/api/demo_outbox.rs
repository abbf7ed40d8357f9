//! The demonstration's outbox viewer, and the outbox in /metrics: in
//! `carebook demo` the in-process worker composes every message as it
//! would be sent and keeps it; `/demonstration/outbox` shows them newest
//! first, with the invitation's fields, server-rendered. Outside the
//! demonstration the page does not exist.

use std::sync::Arc;
use std::time::{Duration, Instant};

use carebook_core::booking::{AppointmentStatus, BookingRequest};
use carebook_core::clock::{Clock, FixedClock};
use carebook_core::model::OrganisationKind;
use carebook_server::startup::Mode;
use time::macros::datetime;

use crate::helpers::{scratch_dir, spawn_with, spawn_with_clock, test_config, TestApp};

/// `carebook demo` on a fixed clock: Monday 4 January 2027 at noon.
async fn demo_at_noon() -> (TestApp, Arc<FixedClock>) {
    let dir = scratch_dir();
    let mut config = test_config(&dir);
    config.worker.poll_interval_seconds = 1;
    let clock = Arc::new(FixedClock::at(datetime!(2027-01-04 12:00 UTC)));
    (spawn_with_clock(config, Mode::Demo, dir, clock.clone()).await, clock)
}

async fn wait_for_page(app: &TestApp, needle: &str, count: usize) -> String {
    let started = Instant::now();
    loop {
        let (status, html) = app.get_text("/demonstration/outbox").await;
        assert_eq!(status, 200);
        if html.matches(needle).count() >= count {
            return html;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "no {needle:?} ×{count} in:\n{html}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demonstration_shows_what_it_would_have_sent_newest_first_with_the_invitation() {
    let (app, clock) = demo_at_noon().await;
    let store = app.services.store_for_tests().clone();
    let (_, empty) = app.get_text("/demonstration/outbox").await;
    assert!(empty.contains("Nothing yet"), "{empty}");

    let population = carebook_core::demo::generate_with(carebook_core::demo::DEFAULT_SEED, 60);
    let practice = population.organisations.iter().find(|o| o.kind == OrganisationKind::GpPractice).unwrap();
    let slot = store
        .slots_between(
            practice.organisation_id,
            clock.now() + time::Duration::days(1),
            clock.now() + time::Duration::days(6),
        )
        .await
        .unwrap()
        .remove(0);
    let patient = population
        .patients
        .iter()
        .find(|p| p.email.is_some() && p.phone.as_ref().is_some_and(|ph| ph.is_mobile()))
        .unwrap();
    let booked = store
        .book(&BookingRequest {
            appointment_id: uuid::Uuid::from_u128(0xDE30),
            slot_id: slot.slot_id,
            patient_id: patient.patient_id,
            note: Some("Rash on both arms".into()),
            booked_by_kind: "patient".into(),
            booked_by_id: Some(patient.patient_id),
            idempotency_key: None,
            at: clock.now(),
            limit: None,
            overridden: None,
        })
        .await
        .unwrap();

    let html = wait_for_page(&app, "Text message", 1).await;
    let html = if html.contains("E-mail") { html } else { wait_for_page(&app, "E-mail", 1).await };
    assert!(html.contains("E-mail: Your appointment is booked"), "{html}");
    assert!(html.contains(&format!("{} {}", patient.given_name, patient.family_name)), "synthetic names may show");
    assert!(html.contains(patient.email.as_ref().unwrap().as_str()));
    let uid = format!("{}@carebook", booked.appointment_id);
    for field in
        ["METHOD", "UID", "SEQUENCE", "DTSTART", "DTEND", "LOCATION", "SUMMARY", "REQUEST", "(Europe/London)", &uid]
    {
        assert!(html.contains(field), "{field} in the page");
    }
    assert!(html.contains(&practice.name));
    assert!(html.contains("1 segment") || html.contains("2 segments"), "a text message's length");
    assert!(!html.contains("Rash"), "no clinical detail");

    store
        .cancel(booked.appointment_id, AppointmentStatus::CancelledByPractice, "clinic closed", clock.now())
        .await
        .unwrap();
    let html = wait_for_page(&app, "E-mail: Your appointment is cancelled", 1).await;

    assert!(html.contains("CANCEL"));
    let cancelled = html.find("E-mail: Your appointment is cancelled").unwrap();
    assert!(cancelled < html.find("E-mail: Your appointment is booked").unwrap(), "newest first");
    for p in &population.patients {
        assert!(
            !html.contains(p.nhs_number.as_str()) && !html.contains(&p.nhs_number.to_string()),
            "never an NHS number"
        );
    }
    // The recorder kept them; nothing else was claimed or left waiting.
    let stats = store.outbox_stats(clock.now()).await.unwrap();
    assert_eq!((stats.sent, stats.queue_depth(), stats.parked), (2, 0, 0), "{stats:?}");
}

#[tokio::test]
async fn the_outbox_viewer_does_not_exist_outside_the_demonstration() {
    let dir = scratch_dir();
    let app = spawn_with(test_config(&dir), Mode::Serve, dir).await;
    let (status, html) = app.get_text("/demonstration/outbox").await;
    assert_eq!(status, 404);
    assert!(html.contains("Page not found"));
}

#[tokio::test]
async fn metrics_report_the_queue_its_oldest_message_and_what_was_sent_failed_and_parked() {
    let dir = scratch_dir();
    let app = spawn_with(test_config(&dir), Mode::Serve, dir).await;
    let store = app.services.store_for_tests().clone();
    let (population, template) = carebook_conformance::booking_fixture::practice_with_slots(&store).await;
    let slots = store
        .slots_between(template.organisation_id, datetime!(2027-01-04 00:00 UTC), datetime!(2027-01-05 00:00 UTC))
        .await
        .unwrap();
    let now = time::OffsetDateTime::now_utc();
    for (i, slot) in slots.iter().take(3).enumerate() {
        let mut request = carebook_conformance::booking_fixture::request(
            slot.slot_id,
            population.patients[i].patient_id,
            None,
            i as u128,
        );
        request.at = now - time::Duration::minutes(10);
        store.book(&request).await.unwrap();
    }
    let claimed = store.claim_notifications("ops-test", now, time::Duration::minutes(5), 2).await.unwrap();
    store.complete_notification(claimed[0].notification_id, "ops-test", now).await.unwrap();
    store.fail_notification(claimed[1].notification_id, "ops-test", "permanent: test", None).await.unwrap();

    let (status, body) = app.get_text("/metrics").await;

    assert_eq!(status, 200);
    let value = |name: &str| -> f64 {
        body.lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name} in\n{body}"))
    };
    assert_eq!(value("carebook_outbox_queue_depth"), 1.0);
    assert_eq!(value("carebook_outbox_sent_total"), 1.0);
    assert_eq!(value("carebook_outbox_failed_attempts_total"), 1.0);
    assert_eq!(value("carebook_outbox_parked"), 1.0);
    assert_eq!(value("carebook_outbox_messages{status=\"pending\"}"), 1.0);
    assert!(value("carebook_outbox_messages{status=\"scheduled\"}") >= 3.0, "the reminders, not yet due");
    let age = value("carebook_outbox_oldest_pending_age_seconds");
    assert!((590.0..3600.0).contains(&age), "booked ten minutes ago: {age}");
    assert!(body.contains("# TYPE carebook_outbox_queue_depth gauge"));
}
