//! The store conformance story: every method of [`Store`] exercised, with
//! the same expectations for SQLite and PostgreSQL. Each store crate runs it
//! with [`conformance_tests!`], handing it a function that makes a fresh,
//! migrated, empty store.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use carebook_core::demo;
use carebook_core::domain::{NhsNumber, OdsCode};
use carebook_core::model::{AreaCode, AuditEvent, AuditOutcome, OrganisationKind, Population};
use carebook_core::store::{OrganisationSearch, Store, StoreError};
use uuid::Uuid;

/// A fresh store for one scenario, and what tidies it away afterwards.
pub struct Fresh {
    pub store: Arc<dyn Store>,
    pub cleanup: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
}

impl Fresh {
    pub async fn finish(self) {
        if let Some(c) = self.cleanup {
            c.await;
        }
    }
}

/// A small population: enough of everything, quick to load.
pub fn small_population() -> Population {
    demo::generate_with(demo::DEFAULT_SEED, 60)
}

/// A valid test-range NHS number nobody in `population` has.
pub fn unused_nhs_number(population: &Population) -> NhsNumber {
    (0..100_000)
        .filter_map(|i| NhsNumber::from_nine_digits(&format!("999{:06}", 999_999 - i)))
        .find(|n| !population.patients.iter().any(|p| &p.nhs_number == n))
        .expect("a free test number")
}

/// Generates one `#[tokio::test]` per scenario. `$fresh` is an async fn
/// returning `Option<Fresh>`; `None` skips (used when PostgreSQL is not
/// configured; CI always configures it).
#[macro_export]
macro_rules! conformance_tests {
    ($fresh:path) => {
        $crate::conformance_tests!(@each $fresh;
            a_fresh_store_answers_a_ping_and_has_every_migration,
            migrating_twice_changes_nothing,
            a_population_round_trips_through_the_store,
            replacing_the_population_leaves_only_the_new_one,
            a_failed_replace_leaves_the_store_as_it_was,
            a_second_patient_with_the_same_nhs_number_is_a_conflict,
            a_patient_at_an_unknown_practice_is_a_conflict,
            a_second_organisation_with_the_same_ods_code_is_a_conflict,
            what_is_not_there_is_not_found,
            the_directory_search_filters_by_text_kind_area_and_federation,
            staff_come_back_with_every_role_they_hold,
            proxies_see_the_people_they_act_for,
            the_audit_trail_keeps_every_line_newest_first_and_survives_a_reset,
            a_rota_template_round_trips_and_regenerating_its_slots_adds_nothing,
            a_slot_is_never_booked_twice_under_a_burst,
            a_retried_booking_with_the_same_key_books_once,
            a_missing_slot_cannot_be_booked,
            an_amendment_moves_the_appointment_and_frees_the_old_slot,
            an_amendment_to_a_taken_slot_leaves_the_original_untouched,
            a_cancellation_frees_the_slot_and_happens_once,
            a_concurrent_amend_and_cancel_leave_one_consistent_outcome,
            patients_see_their_practice_and_hub_slots_and_nobody_elses,
            the_second_booker_of_a_slot_hears_it_was_just_taken_with_alternatives,
            the_booking_service_checks_who_is_asking_and_the_rules,
            patients_hold_move_and_cancel_through_the_booking_service_within_the_rules,
            receptionists_run_their_own_practices_day_list_and_nobody_elses,
            a_booking_writes_its_messages_in_the_same_transaction,
            moving_or_cancelling_withdraws_and_retimes_the_reminders,
            two_workers_never_claim_the_same_message,
            a_message_whose_lease_ran_out_is_claimed_again,
            failed_messages_retry_then_park_until_replayed,
            the_worker_delivers_every_due_message_once,
            a_mail_outage_is_retried_and_nothing_is_lost,
            a_message_that_can_never_be_delivered_is_parked,
            a_fully_verified_login_becomes_the_registered_patient_with_their_proxies,
            a_login_that_does_not_match_a_registration_is_refused_for_a_reason,
            staff_logins_keep_only_roles_both_claimed_and_on_record,
            a_hold_keeps_a_slot_for_one_person_until_it_lapses,
            blocked_slots_cannot_be_booked_until_unblocked,
            staff_record_arrivals_non_attendance_and_completion_in_order,
            a_freed_slot_is_offered_to_the_first_person_waiting,
            an_unanswered_offer_passes_to_the_next_person,
            a_patient_waits_once_per_service_and_only_matching_slots_are_offered,
            contact_preferences_are_kept_per_group_and_can_be_changed,
            the_outbox_counts_what_is_queued_sent_failed_and_parked,
            parked_messages_are_listed_newest_first_with_their_last_error,
            a_deferred_message_waits_without_counting_an_attempt_and_keeps_its_channels,
            the_demonstration_keeps_what_it_would_have_sent_until_a_reset,
            an_organisations_booking_rules_replace_the_defaults_for_its_own_slots,
            rotas_are_saved_and_generated_through_the_policy_and_regenerating_adds_nothing,
            the_desk_finds_patients_by_name_and_birth_date_only_where_it_books,
            the_waitlist_lists_open_entries_for_the_practice_and_its_hub_oldest_first,
        );
    };
    (@each $fresh:path; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let Some(fresh) = $fresh().await else {
                    eprintln!("skipped: no database configured for this store");
                    return;
                };
                $crate::$name(fresh.store.clone()).await;
                fresh.finish().await;
            }
        )*
    };
}

pub async fn a_fresh_store_answers_a_ping_and_has_every_migration(store: Arc<dyn Store>) {
    store.ping().await.expect("ping");
    let status = store.migration_status().await.expect("status");
    assert!(!status.known.is_empty(), "the binary embeds its migrations");
    assert!(status.is_current(), "pending: {:?}", status.pending());
    assert_eq!(store.population_counts().await.unwrap().patients, 0);
}

pub async fn migrating_twice_changes_nothing(store: Arc<dyn Store>) {
    let before = store.migration_status().await.unwrap();
    store.migrate().await.expect("second migrate is a no-op");
    assert_eq!(store.migration_status().await.unwrap(), before);
}

pub async fn a_population_round_trips_through_the_store(store: Arc<dyn Store>) {
    let population = small_population();

    let counts = store.replace_population(&population).await.expect("load");

    assert_eq!(counts, population.counts());
    assert_eq!(store.population_counts().await.unwrap(), population.counts());
    let areas = store.list_areas().await.unwrap();
    assert_eq!(areas.len(), 3);
    let mut federations = store.list_federations().await.unwrap();
    let mut expected = population.federations.clone();
    federations.sort_by_key(|f| f.federation_id);
    expected.sort_by_key(|f| f.federation_id);
    assert_eq!(federations, expected);
    for organisation in &population.organisations {
        assert_eq!(&store.organisation_by_ods(&organisation.ods_code).await.unwrap(), organisation);
        assert_eq!(&store.organisation_by_id(organisation.organisation_id).await.unwrap(), organisation);
    }
    for patient in &population.patients {
        assert_eq!(&store.patient_by_nhs_number(&patient.nhs_number).await.unwrap(), patient);
        assert_eq!(&store.patient_by_id(patient.patient_id).await.unwrap(), patient);
        let mut conditions = store.conditions_for_patient(patient.patient_id).await.unwrap();
        let mut expected: Vec<_> =
            population.conditions.iter().filter(|c| c.patient_id == patient.patient_id).cloned().collect();
        conditions.sort_by_key(|c| c.condition_id);
        expected.sort_by_key(|c| c.condition_id);
        assert_eq!(conditions, expected);
    }
}

pub async fn replacing_the_population_leaves_only_the_new_one(store: Arc<dyn Store>) {
    let first = demo::generate_with(1, 40);
    let second = demo::generate_with(2, 30);
    store.replace_population(&first).await.unwrap();

    let counts = store.replace_population(&second).await.unwrap();

    assert_eq!(counts, second.counts());
    let gone = first.patients.iter().find(|p| !second.patients.iter().any(|q| q.nhs_number == p.nhs_number));
    if let Some(gone) = gone {
        assert!(matches!(store.patient_by_id(gone.patient_id).await, Err(StoreError::NotFound)));
    }
    for p in &second.patients {
        assert_eq!(&store.patient_by_id(p.patient_id).await.unwrap(), p);
    }
}

pub async fn a_failed_replace_leaves_the_store_as_it_was(store: Arc<dyn Store>) {
    let good = small_population();
    store.replace_population(&good).await.unwrap();
    let mut bad = demo::generate_with(99, 20);
    // The last patient names a practice that does not exist: the load must
    // fail part-way through and roll back everything, including the deletes.
    bad.patients.last_mut().unwrap().registered_practice_id = Uuid::from_u128(42);

    let result = store.replace_population(&bad).await;

    assert!(matches!(result, Err(StoreError::Conflict(_))), "{result:?}");
    assert_eq!(store.population_counts().await.unwrap(), good.counts());
    let someone = &good.patients[0];
    assert_eq!(&store.patient_by_id(someone.patient_id).await.unwrap(), someone);
}

pub async fn a_second_patient_with_the_same_nhs_number_is_a_conflict(store: Arc<dyn Store>) {
    let population = small_population();
    store.replace_population(&population).await.unwrap();
    let mut twin = population.patients[3].clone();
    twin.patient_id = Uuid::from_u128(7);
    twin.given_name = "Another".into();

    let result = store.insert_patient(&twin).await;

    assert!(matches!(result, Err(StoreError::Conflict(_))), "{result:?}");
    assert!(matches!(store.patient_by_id(twin.patient_id).await, Err(StoreError::NotFound)));
    assert_eq!(store.population_counts().await.unwrap().patients, population.patients.len() as u64);
}

pub async fn a_patient_at_an_unknown_practice_is_a_conflict(store: Arc<dyn Store>) {
    let population = small_population();
    store.replace_population(&population).await.unwrap();
    let mut stranger = population.patients[0].clone();
    stranger.patient_id = Uuid::from_u128(8);
    stranger.nhs_number = unused_nhs_number(&population);
    stranger.registered_practice_id = Uuid::from_u128(9);

    let result = store.insert_patient(&stranger).await;

    assert!(matches!(result, Err(StoreError::Conflict(_))), "{result:?}");
    // And one that is right goes in.
    stranger.registered_practice_id = population.patients[0].registered_practice_id;
    store.insert_patient(&stranger).await.expect("a valid new patient is stored");
    assert_eq!(store.patient_by_nhs_number(&stranger.nhs_number).await.unwrap(), stranger);
}

pub async fn a_second_organisation_with_the_same_ods_code_is_a_conflict(store: Arc<dyn Store>) {
    let population = small_population();
    store.replace_population(&population).await.unwrap();
    let mut copy = population.organisations[0].clone();
    copy.organisation_id = Uuid::from_u128(10);

    let result = store.insert_organisation(&copy).await;

    assert!(matches!(result, Err(StoreError::Conflict(_))), "{result:?}");
    copy.ods_code = OdsCode::parse("ZZT01").unwrap();
    store.insert_organisation(&copy).await.expect("a new code is accepted");
    assert_eq!(store.organisation_by_ods(&copy.ods_code).await.unwrap(), copy);
}

pub async fn what_is_not_there_is_not_found(store: Arc<dyn Store>) {
    let population = small_population();
    store.replace_population(&population).await.unwrap();
    let nobody = unused_nhs_number(&population);

    assert!(matches!(store.patient_by_nhs_number(&nobody).await, Err(StoreError::NotFound)));
    assert!(matches!(store.patient_by_id(Uuid::from_u128(1)).await, Err(StoreError::NotFound)));
    assert!(matches!(store.organisation_by_ods(&OdsCode::parse("ZZ999").unwrap()).await, Err(StoreError::NotFound)));
    assert!(matches!(store.organisation_by_id(Uuid::from_u128(1)).await, Err(StoreError::NotFound)));
    assert!(matches!(store.staff_by_uid("no-such-staff").await, Err(StoreError::NotFound)));
    assert!(store.conditions_for_patient(Uuid::from_u128(1)).await.unwrap().is_empty());
    assert!(store.proxy_access_held_by(Uuid::from_u128(1)).await.unwrap().is_empty());
}

pub async fn the_directory_search_filters_by_text_kind_area_and_federation(store: Arc<dyn Store>) {
    let population = small_population();
    store.replace_population(&population).await.unwrap();
    let practices = |o: &&carebook_core::model::Organisation| o.kind == OrganisationKind::GpPractice;

    // Kind only: every practice, ordered by name.
    let found = store
        .search_organisations(&OrganisationSearch {
            kinds: vec![OrganisationKind::GpPractice],
            limit: 500,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(found.len(), population.organisations.iter().filter(practices).count());
    assert!(found.windows(2).all(|w| w[0].name <= w[1].name), "ordered by name");

    // Text matches name, town, postcode (with or without the space) and ODS
    // code, ignoring case.
    let sample = population.organisations.iter().find(practices).unwrap();
    for text in [
        sample.name.to_uppercase(),
        sample.address.town.to_lowercase(),
        sample.address.postcode.as_str().replace(' ', "").to_lowercase(),
        sample.ods_code.as_str().to_lowercase(),
    ] {
        let found = store
            .search_organisations(&OrganisationSearch { text: Some(text.clone()), limit: 500, ..Default::default() })
            .await
            .unwrap();
        assert!(found.iter().any(|o| o.organisation_id == sample.organisation_id), "{text} finds the sample");
    }
    // Wildcards typed by a person are literal.
    let found = store
        .search_organisations(&OrganisationSearch { text: Some("%".into()), limit: 500, ..Default::default() })
        .await
        .unwrap();
    assert!(found.is_empty());

    // Area and federation narrow; limit caps.
    for area in AreaCode::ALL {
        let found = store
            .search_organisations(&OrganisationSearch { area: Some(area), limit: 500, ..Default::default() })
            .await
            .unwrap();
        assert_eq!(found.len(), population.organisations.iter().filter(|o| o.area == area).count());
    }
    let federation = &population.federations[0];
    let found = store
        .search_organisations(&OrganisationSearch {
            federation_id: Some(federation.federation_id),
            limit: 500,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(!found.is_empty());
    assert!(found.iter().all(|o| o.federation_id == Some(federation.federation_id)));
    assert!(found.iter().any(|o| o.kind == OrganisationKind::Hub), "the hub is a member");
    let found = store.search_organisations(&OrganisationSearch { limit: 3, ..Default::default() }).await.unwrap();
    assert_eq!(found.len(), 3);
}

pub async fn staff_come_back_with_every_role_they_hold(store: Arc<dyn Store>) {
    let population = small_population();
    store.replace_population(&population).await.unwrap();
    for member in &population.staff {
        let (found, mut roles) = store.staff_by_uid(&member.staff_uid).await.unwrap();
        assert_eq!(&found, member);
        let mut expected: Vec<_> = population
            .staff_assignments
            .iter()
            .filter(|a| a.staff_member_id == member.staff_member_id)
            .cloned()
            .collect();
        roles.sort_by_key(|a| (a.organisation_id, a.role.as_str()));
        expected.sort_by_key(|a| (a.organisation_id, a.role.as_str()));
        assert_eq!(roles, expected);
    }
}

pub async fn proxies_see_the_people_they_act_for(store: Arc<dyn Store>) {
    let population = small_population();
    store.replace_population(&population).await.unwrap();
    assert!(!population.proxies.is_empty(), "the small population has proxies");
    for proxy in &population.proxies {
        let held = store.proxy_access_held_by(proxy.proxy_patient_id).await.unwrap();
        assert!(held.contains(proxy));
        assert!(held.iter().all(|h| h.proxy_patient_id == proxy.proxy_patient_id));
    }
}

fn audit_line(minute: i64, action: &str, target: Uuid, outcome: AuditOutcome) -> AuditEvent {
    AuditEvent {
        occurred_at: time::macros::datetime!(2026-11-24 09:00 UTC) + time::Duration::minutes(minute),
        actor_kind: "staff".into(),
        actor_id: Some(Uuid::from_u128(500)),
        action: action.into(),
        target_kind: Some("patient".into()),
        target_id: Some(target),
        outcome,
        reason: (outcome != AuditOutcome::Success).then(|| "wrong_organisation_or_role".into()),
    }
}

pub async fn the_audit_trail_keeps_every_line_newest_first_and_survives_a_reset(store: Arc<dyn Store>) {
    let (me, someone_else) = (Uuid::from_u128(600), Uuid::from_u128(601));
    let first = audit_line(0, "record_view", me, AuditOutcome::Success);
    let second = audit_line(5, "record_view", me, AuditOutcome::Refused);
    let third = audit_line(10, "record_view", me, AuditOutcome::Success);
    let other = audit_line(7, "record_view", someone_else, AuditOutcome::Success);
    let mut ids = Vec::new();
    for e in [&first, &second, &other, &third] {
        ids.push(store.append_audit(e).await.expect("append"));
    }
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids rise: {ids:?}");

    let mine = store.audit_for_target("patient", me, 10).await.unwrap();

    let events: Vec<_> = mine.iter().map(|s| s.event.clone()).collect();
    assert_eq!(events, vec![third.clone(), second.clone(), first.clone()]);
    assert_eq!(store.audit_for_target("patient", me, 2).await.unwrap().len(), 2);
    assert!(store.audit_for_target("appointment", me, 10).await.unwrap().is_empty());
    // A demonstration reset replaces the people, never the trail.
    store.replace_population(&demo::generate_with(5, 20)).await.unwrap();
    assert_eq!(store.audit_for_target("patient", me, 10).await.unwrap().len(), 3);
    assert_eq!(store.audit_for_target("patient", someone_else, 10).await.unwrap()[0].event, other);
}

pub mod booking_fixture {
    use super::*;
    use carebook_core::booking::rota::{RotaTemplate, WeeklySession};
    use carebook_core::booking::{BookableBy, BookingRequest, Channel, ServiceKind};
    use carebook_core::model::ClinicalRole;
    use time::macros::{date, time};

    /// A population, a Monday-morning GP rota at the first practice, and
    /// its slots for one week.
    pub async fn practice_with_slots(store: &Arc<dyn Store>) -> (Population, RotaTemplate) {
        let population = demo::generate_with(demo::DEFAULT_SEED, 60);
        store.replace_population(&population).await.unwrap();
        let practice =
            population.organisations.iter().find(|o| o.kind == OrganisationKind::GpPractice).unwrap().clone();
        let location = population.locations.iter().find(|l| l.organisation_id == practice.organisation_id).unwrap();
        let gp = population
            .staff
            .iter()
            .find(|s| {
                s.clinical_role == Some(ClinicalRole::Gp)
                    && population.staff_assignments.iter().any(|a| {
                        a.staff_member_id == s.staff_member_id && a.organisation_id == practice.organisation_id
                    })
            })
            .unwrap();
        let template = RotaTemplate {
            rota_template_id: Uuid::from_u128(0xB00C),
            organisation_id: practice.organisation_id,
            location_id: location.location_id,
            clinician_id: gp.staff_member_id,
            service: ServiceKind::GpAppointment,
            channel: Channel::FaceToFace,
            bookable_by: BookableBy::OwnPractice,
            sessions: vec![WeeklySession {
                weekday: time::Weekday::Monday,
                starts: time!(08:30),
                ends: time!(10:00),
                slot_minutes: 10,
            }],
            effective_from: date!(2027 - 01 - 01),
            effective_until: None,
            exceptions: vec![],
        };
        store.save_rota_template(&template).await.unwrap();
        let planned = template.expand(date!(2027 - 01 - 04), date!(2027 - 01 - 10)).unwrap();
        store.add_planned_slots(&planned).await.unwrap();
        (population, template)
    }

    pub fn request(slot_id: Uuid, patient_id: Uuid, key: Option<&str>, n: u128) -> BookingRequest {
        BookingRequest {
            appointment_id: Uuid::from_u128(0xA000 + n),
            slot_id,
            patient_id,
            note: Some("Cough for three weeks".into()),
            booked_by_kind: "patient".into(),
            booked_by_id: Some(patient_id),
            idempotency_key: key.map(str::to_string),
            at: time::macros::datetime!(2027-01-03 20:00 UTC),
        }
    }
}

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
            Err(StoreError::Conflict(why)) => assert_eq!(why, "slot_taken"),
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
    // Even aimed at another slot, the same key returns the first result.
    let elsewhere = store.book(&booking_fixture::request(slots[1].slot_id, me, Some("key-1"), 3)).await.unwrap();
    assert_eq!(elsewhere, first);
    let still_free = store
        .slots_between(template.organisation_id, datetime!(2027-01-04 00:00 UTC), datetime!(2027-01-05 00:00 UTC))
        .await
        .unwrap();
    assert_eq!(still_free[1].status, carebook_core::booking::SlotStatus::Free);
    // Someone else cannot reuse my key.
    let other = population.patients[1].patient_id;
    let stolen = store.book(&booking_fixture::request(slots[2].slot_id, other, Some("key-1"), 4)).await;
    assert!(matches!(stolen, Err(StoreError::Conflict(ref why)) if why == "idempotency_key_reused"), "{stolen:?}");
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

async fn monday_slots(store: &Arc<dyn Store>, organisation_id: Uuid) -> Vec<carebook_core::booking::Slot> {
    use time::macros::datetime;
    store
        .slots_between(organisation_id, datetime!(2027-01-04 00:00 UTC), datetime!(2027-01-05 00:00 UTC))
        .await
        .unwrap()
}

pub async fn an_amendment_moves_the_appointment_and_frees_the_old_slot(store: Arc<dyn Store>) {
    use carebook_core::booking::SlotStatus;
    let (population, template) = booking_fixture::practice_with_slots(&store).await;
    let slots = monday_slots(&store, template.organisation_id).await;
    let me = population.patients[0].patient_id;
    let booked = store.book(&booking_fixture::request(slots[0].slot_id, me, None, 1)).await.unwrap();

    let moved = store.amend(booked.appointment_id, slots[3].slot_id, booked.created_at).await.unwrap();

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

    let result = store.amend(mine.appointment_id, slots[1].slot_id, mine.created_at).await;

    assert!(matches!(result, Err(StoreError::Conflict(ref why)) if why == "slot_taken"), "{result:?}");
    assert_eq!(store.appointment(mine.appointment_id).await.unwrap(), mine, "untouched");
    assert_eq!(store.slot(slots[0].slot_id).await.unwrap().status, SlotStatus::Booked);
    let missing = store.amend(mine.appointment_id, Uuid::from_u128(404), mine.created_at).await;
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
    assert!(matches!(again, Err(StoreError::Conflict(ref why)) if why == "appointment_changed"), "{again:?}");
    let moved = store.amend(booked.appointment_id, slots[2].slot_id, booked.created_at).await;
    assert!(matches!(moved, Err(StoreError::Conflict(ref why)) if why == "appointment_changed"), "{moved:?}");
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
        let amend = tokio::spawn(async move { s1.amend(id, to_id, at).await });
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
                assert_eq!(why, "appointment_changed");
                assert_eq!(end.slot_id, from.slot_id);
            }
            Err(other) => panic!("round {round}: {other:?}"),
        }
    }
}

mod service_fixture {
    use super::*;
    use carebook_core::access::{Actor, PatientActor, ProofingLevel, StaffActor};
    use carebook_core::booking::rota::{RotaTemplate, WeeklySession};
    use carebook_core::booking::{BookableBy, Channel, ServiceKind};
    use carebook_core::clock::{FixedClock, SequentialIds};
    use carebook_core::model::{ClinicalRole, Organisation, StaffRole};
    use carebook_core::services::Services;
    use time::macros::{date, datetime, time};

    pub struct World {
        pub population: Population,
        pub services: Services,
        pub practice: Organisation,
        pub hub: Organisation,
    }

    async fn rota(
        store: &Arc<dyn Store>,
        p: &Population,
        org: &Organisation,
        n: u128,
        service: ServiceKind,
        by: BookableBy,
    ) {
        let location = p.locations.iter().find(|l| l.organisation_id == org.organisation_id).unwrap();
        let clinician = p
            .staff
            .iter()
            .find(|s| {
                s.clinical_role == Some(ClinicalRole::Gp)
                    && p.staff_assignments
                        .iter()
                        .any(|a| a.staff_member_id == s.staff_member_id && a.organisation_id == org.organisation_id)
            })
            .unwrap();
        let template = RotaTemplate {
            rota_template_id: Uuid::from_u128(0x5EED_0000 + n),
            organisation_id: org.organisation_id,
            location_id: location.location_id,
            clinician_id: clinician.staff_member_id,
            service,
            channel: Channel::FaceToFace,
            bookable_by: by,
            sessions: vec![WeeklySession {
                weekday: time::Weekday::Monday,
                starts: time!(18:30),
                ends: time!(19:00),
                slot_minutes: 10,
            }],
            effective_from: date!(2027 - 01 - 01),
            effective_until: None,
            exceptions: vec![],
        };
        store.save_rota_template(&template).await.unwrap();
        store.add_planned_slots(&template.expand(date!(2027 - 01 - 04), date!(2027 - 01 - 04)).unwrap()).await.unwrap();
    }

    pub async fn world(store: &Arc<dyn Store>) -> World {
        let population = demo::generate_with(demo::DEFAULT_SEED, 80);
        store.replace_population(&population).await.unwrap();
        let practice =
            population.organisations.iter().find(|o| o.kind == OrganisationKind::GpPractice).unwrap().clone();
        let hub = population
            .organisations
            .iter()
            .find(|o| o.kind == OrganisationKind::Hub && o.federation_id == practice.federation_id)
            .unwrap()
            .clone();
        rota(store, &population, &practice, 1, ServiceKind::GpAppointment, BookableBy::OwnPractice).await;
        rota(store, &population, &hub, 2, ServiceKind::GpAppointment, BookableBy::Federation).await;
        rota(store, &population, &practice, 3, ServiceKind::DiabetesReview, BookableBy::OwnPractice).await;
        let clock = Arc::new(FixedClock::at(datetime!(2027-01-01 12:00 UTC)));
        let services = Services::new(store.clone(), clock, Arc::new(SequentialIds::default()));
        World { population, services, practice, hub }
    }

    pub fn patient_actor(patient_id: Uuid, proofing: ProofingLevel) -> Actor {
        Actor::Patient(PatientActor { patient_id, proofing, proxy_for: vec![] })
    }

    pub fn receptionist(world: &World) -> Actor {
        Actor::Staff(StaffActor {
            staff_member_id: Uuid::from_u128(77),
            roles: vec![carebook_core::model::StaffAssignment {
                staff_member_id: Uuid::from_u128(77),
                organisation_id: world.practice.organisation_id,
                role: StaffRole::Receptionist,
            }],
        })
    }

    pub fn registered_at(w: &World, org: Uuid) -> impl Iterator<Item = &carebook_core::model::Patient> {
        w.population.patients.iter().filter(move |p| p.registered_practice_id == org)
    }

    pub const FROM: time::OffsetDateTime = datetime!(2027-01-04 00:00 UTC);
    pub const TO: time::OffsetDateTime = datetime!(2027-01-05 00:00 UTC);
}

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

mod outbox_fixture {
    use carebook_core::notify::outbox::{Notification, NotificationKind, NotificationStatus};

    pub fn of(list: &[Notification], kind: NotificationKind, status: NotificationStatus) -> Vec<Notification> {
        list.iter().filter(|n| n.kind == kind && n.status == status).cloned().collect()
    }
}

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

    let moved = store.amend(booked.appointment_id, slots[5].slot_id, booked.created_at).await.unwrap();

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

/// Nine bookings' worth of due messages.
async fn busy_outbox(store: &Arc<dyn Store>) -> usize {
    let (population, template) = booking_fixture::practice_with_slots(store).await;
    let slots = monday_slots(store, template.organisation_id).await;
    for (n, slot) in slots.iter().enumerate() {
        let patient = population.patients[n].patient_id;
        store.book(&booking_fixture::request(slot.slot_id, patient, None, 300 + n as u128)).await.unwrap();
    }
    slots.len()
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
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
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

mod worker_fixture {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Mutex;

    use super::*;
    use carebook_core::clock::FixedClock;
    use carebook_core::notify::outbox::Notification;
    use carebook_core::notify::retry::RetryPolicy;
    use carebook_core::notify::worker::{DeliveryError, Transport, Worker};

    /// Records what it delivers; fails the first `fail_first` attempts.
    pub struct TestTransport {
        pub delivered: Mutex<Vec<Uuid>>,
        pub attempts: AtomicU32,
        pub fail_first: u32,
        pub permanent: bool,
    }

    impl TestTransport {
        pub fn new(fail_first: u32, permanent: bool) -> Arc<Self> {
            Arc::new(Self { delivered: Mutex::new(Vec::new()), attempts: AtomicU32::new(0), fail_first, permanent })
        }
        pub fn delivered(&self) -> Vec<Uuid> {
            self.delivered.lock().unwrap().clone()
        }
    }

    #[async_trait::async_trait]
    impl Transport for TestTransport {
        async fn deliver(&self, n: &Notification) -> Result<(), DeliveryError> {
            let attempt = self.attempts.fetch_add(1, Ordering::SeqCst);
            if attempt < self.fail_first {
                return Err(if self.permanent {
                    DeliveryError::Permanent("no contact details".into())
                } else {
                    DeliveryError::Temporary("smtp: connection refused".into())
                });
            }
            self.delivered.lock().unwrap().push(n.notification_id);
            Ok(())
        }
    }

    pub fn worker(store: &Arc<dyn Store>, transport: Arc<TestTransport>, clock: Arc<FixedClock>) -> Worker {
        Worker {
            name: "worker-1".into(),
            store: store.clone(),
            transport,
            clock,
            policy: RetryPolicy::default(),
            lease: time::Duration::minutes(5),
            batch: 4,
            random: Arc::new(|| 0.5),
        }
    }
}

pub async fn the_worker_delivers_every_due_message_once(store: Arc<dyn Store>) {
    use carebook_core::clock::FixedClock;
    use time::macros::datetime;
    let due = busy_outbox(&store).await;
    let clock = Arc::new(FixedClock::at(datetime!(2027-01-03 20:30 UTC)));
    let transport = worker_fixture::TestTransport::new(0, false);
    let worker = worker_fixture::worker(&store, transport.clone(), clock.clone());

    let report = worker.drain().await.unwrap();

    assert_eq!(report.sent as usize, due);
    let mut delivered = transport.delivered();
    delivered.sort();
    delivered.dedup();
    assert_eq!(delivered.len(), due, "each once");
    assert_eq!(worker.drain().await.unwrap().sent, 0, "nothing more is due");
    // The two-hour reminders fall due in the morning.
    clock.set(datetime!(2027-01-04 09:00 UTC));
    assert_eq!(worker.drain().await.unwrap().sent as usize, due);
}

pub async fn a_mail_outage_is_retried_and_nothing_is_lost(store: Arc<dyn Store>) {
    use carebook_core::clock::FixedClock;
    use time::macros::datetime;
    let due = busy_outbox(&store).await;
    let clock = Arc::new(FixedClock::at(datetime!(2027-01-03 20:30 UTC)));
    // The mail server refuses the first five attempts.
    let transport = worker_fixture::TestTransport::new(5, false);
    let worker = worker_fixture::worker(&store, transport.clone(), clock.clone());

    let first = worker.drain().await.unwrap();
    assert_eq!(first.retrying, 5);
    assert_eq!(first.sent as usize, due - 5);
    clock.advance(time::Duration::minutes(30));
    let second = worker.drain().await.unwrap();

    assert_eq!(second.sent, 5);
    let mut delivered = transport.delivered();
    delivered.sort();
    delivered.dedup();
    assert_eq!(delivered.len(), due, "every message arrived, none twice");
}

pub async fn a_message_that_can_never_be_delivered_is_parked(store: Arc<dyn Store>) {
    use carebook_core::clock::FixedClock;
    use carebook_core::notify::outbox::NotificationStatus;
    use time::macros::datetime;
    let (population, template) = booking_fixture::practice_with_slots(&store).await;
    let slots = monday_slots(&store, template.organisation_id).await;
    let me = population.patients[0].patient_id;
    store.book(&booking_fixture::request(slots[0].slot_id, me, None, 1)).await.unwrap();
    let clock = Arc::new(FixedClock::at(datetime!(2027-01-03 20:30 UTC)));
    let transport = worker_fixture::TestTransport::new(1, true);

    let report = worker_fixture::worker(&store, transport, clock).drain().await.unwrap();

    assert_eq!(report.parked, 1);
    let mine = store.notifications_for_patient(me).await.unwrap();
    let parked: Vec<_> = mine.iter().filter(|n| n.status == NotificationStatus::Parked).collect();
    assert_eq!(parked.len(), 1);
    assert_eq!(parked[0].last_error.as_deref(), Some("permanent: no contact details"));
}

fn p9_claims(nhs_number: &str, birthdate: time::Date) -> carebook_core::identity::PatientClaims {
    carebook_core::identity::PatientClaims {
        subject: "provider-subject-1".into(),
        vot: "P9.Cp.Cd".into(),
        nhs_number: Some(nhs_number.into()),
        birthdate: Some(birthdate),
        ..Default::default()
    }
}

fn requested_vtr() -> Vec<String> {
    ["P9.Cp.Cd", "P9.Cp.Ck", "P9.Cm", "P5.Cp.Cd"].iter().map(|s| s.to_string()).collect()
}

pub async fn a_fully_verified_login_becomes_the_registered_patient_with_their_proxies(store: Arc<dyn Store>) {
    use carebook_core::access::{Actor, ProofingLevel};
    use carebook_core::identity::patient_login;
    let population = small_population();
    store.replace_population(&population).await.unwrap();
    let parent = demo::personas().into_iter().find(|p| p.key == "parent-proxy").unwrap();
    let child = demo::personas().into_iter().find(|p| p.key == "child").unwrap();
    let find = |n: &str| population.patients.iter().find(|p| p.nhs_number.as_str() == n).unwrap().clone();
    let (parent_record, child_record) = (find(parent.nhs_number), find(child.nhs_number));

    let actor =
        patient_login(store.as_ref(), &p9_claims(parent.nhs_number, parent_record.date_of_birth), &requested_vtr())
            .await
            .unwrap();

    match actor {
        Actor::Patient(p) => {
            assert_eq!(p.patient_id, parent_record.patient_id);
            assert_eq!(p.proofing, ProofingLevel::P9);
            assert!(p.proxy_for.iter().any(|x| x.subject_patient_id == child_record.patient_id));
        }
        other => panic!("{other:?}"),
    }
    // Spaces in the claimed number are fine.
    let spaced = format!("{} {} {}", &parent.nhs_number[..3], &parent.nhs_number[3..6], &parent.nhs_number[6..]);
    assert!(patient_login(store.as_ref(), &p9_claims(&spaced, parent_record.date_of_birth), &requested_vtr())
        .await
        .is_ok());
}

pub async fn a_login_that_does_not_match_a_registration_is_refused_for_a_reason(store: Arc<dyn Store>) {
    use carebook_core::access::{Actor, ProofingLevel};
    use carebook_core::identity::{patient_login, LoginRefusal};
    let population = small_population();
    store.replace_population(&population).await.unwrap();
    let someone = &population.patients[0];
    let dob = someone.date_of_birth;
    let vtr = requested_vtr();

    let mut wrong_vot = p9_claims(someone.nhs_number.as_str(), dob);
    wrong_vot.vot = "P9.Cm.Ck".into();
    assert_eq!(patient_login(store.as_ref(), &wrong_vot, &vtr).await, Err(LoginRefusal::UnrequestedVectorOfTrust));
    let mut no_number = p9_claims(someone.nhs_number.as_str(), dob);
    no_number.nhs_number = None;
    assert_eq!(patient_login(store.as_ref(), &no_number, &vtr).await, Err(LoginRefusal::MissingNhsNumber));
    let stranger = unused_nhs_number(&population);
    assert_eq!(
        patient_login(store.as_ref(), &p9_claims(stranger.as_str(), dob), &vtr).await,
        Err(LoginRefusal::UnknownNhsNumber)
    );
    assert_eq!(
        patient_login(store.as_ref(), &p9_claims(someone.nhs_number.as_str(), dob.next_day().unwrap()), &vtr).await,
        Err(LoginRefusal::BirthdateMismatch)
    );
    let mut no_dob = p9_claims(someone.nhs_number.as_str(), dob);
    no_dob.birthdate = None;
    assert_eq!(patient_login(store.as_ref(), &no_dob, &vtr).await, Err(LoginRefusal::BirthdateMismatch));
    // At P5 the claimed number is not used, even when it is someone's.
    let mut p5 = p9_claims(someone.nhs_number.as_str(), dob);
    p5.vot = "P5.Cp.Cd".into();
    assert_eq!(
        patient_login(store.as_ref(), &p5, &vtr).await,
        Ok(Actor::PartlyVerified { provider_subject: "provider-subject-1".into(), proofing: ProofingLevel::P5 })
    );
}

pub async fn staff_logins_keep_only_roles_both_claimed_and_on_record(store: Arc<dyn Store>) {
    use carebook_core::access::Actor;
    use carebook_core::identity::{staff_login, ClaimedRole, LoginRefusal};
    use carebook_core::model::StaffRole;
    let population = small_population();
    store.replace_population(&population).await.unwrap();
    let practice = population.organisations.iter().find(|o| o.kind == OrganisationKind::GpPractice).unwrap();
    let elsewhere = population.organisations.iter().filter(|o| o.kind == OrganisationKind::GpPractice).nth(1).unwrap();
    let claim = |role: &str, org: &str| ClaimedRole { role: role.into(), organisation_code: org.into() };

    let actor = staff_login(
        store.as_ref(),
        "demo-receptionist",
        &[
            claim("receptionist", practice.ods_code.as_str()),
            claim("practice_admin", practice.ods_code.as_str()),
            claim("receptionist", elsewhere.ods_code.as_str()),
            claim("astronaut", practice.ods_code.as_str()),
        ],
    )
    .await
    .unwrap();

    match actor {
        Actor::Staff(s) => {
            assert_eq!(s.roles.len(), 1, "{s:?}");
            assert_eq!(s.roles[0].role, StaffRole::Receptionist);
            assert_eq!(s.roles[0].organisation_id, practice.organisation_id);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        staff_login(store.as_ref(), "demo-receptionist", &[claim("clinician", practice.ods_code.as_str())]).await,
        Err(LoginRefusal::NoStaffRole)
    );
    assert_eq!(staff_login(store.as_ref(), "nobody", &[]).await, Err(LoginRefusal::UnknownStaff));
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
    assert!(matches!(theirs, Err(StoreError::Conflict(ref w)) if w == "slot_taken"), "{theirs:?}");
    let mut ask = booking_fixture::request(slot.slot_id, other, None, 2);
    ask.at = now + time::Duration::minutes(1);
    assert!(matches!(store.book(&ask).await, Err(StoreError::Conflict(_))));
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
        Err(StoreError::Conflict(_))
    ));
    let unblocked = store.unblock_slot(slots[0].slot_id).await.unwrap();
    assert_eq!((unblocked.status, unblocked.blocked_reason), (SlotStatus::Free, None));
    assert!(
        matches!(store.unblock_slot(slots[0].slot_id).await, Err(StoreError::Conflict(ref w)) if w == "slot_not_blocked")
    );
    // A booked slot cannot be blocked: the appointment must be cancelled first.
    store.book(&booking_fixture::request(slots[1].slot_id, me, None, 2)).await.unwrap();
    assert!(
        matches!(store.block_slot(slots[1].slot_id, "room closed", at).await, Err(StoreError::Conflict(ref w)) if w == "slot_not_free")
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
        assert!(matches!(refused, Err(StoreError::Conflict(ref w)) if w == "appointment_changed"), "{refused:?}");
    }
    assert!(matches!(store.record_attendance(first.appointment_id, A::Moved, at).await, Err(StoreError::Conflict(_))));
    assert!(matches!(store.record_attendance(Uuid::from_u128(404), A::Arrived, at).await, Err(StoreError::NotFound)));
    // An arrived patient still holds the slot; a completed one no longer does.
    let third = store.book(&booking_fixture::request(slots[2].slot_id, me, None, 3)).await.unwrap();
    store.record_attendance(third.appointment_id, A::Arrived, at).await.unwrap();
    assert!(store.book(&booking_fixture::request(slots[2].slot_id, other, None, 4)).await.is_err());
}

mod waitlist_fixture {
    use super::*;
    use carebook_core::booking::waitlist::{WaitlistEntry, WaitlistStatus};
    use carebook_core::booking::ServiceKind;
    use time::macros::datetime;

    pub fn entry(n: u128, patient_id: Uuid, practice_id: Uuid, service: ServiceKind, minute: i64) -> WaitlistEntry {
        WaitlistEntry {
            waitlist_entry_id: Uuid::from_u128(0x3A17_0000 + n),
            patient_id,
            service,
            practice_id,
            hub_id: None,
            window_starts_at: datetime!(2027-01-04 00:00 UTC),
            window_ends_at: datetime!(2027-01-05 00:00 UTC),
            status: WaitlistStatus::Waiting,
            offered_slot_id: None,
            offer_expires_at: None,
            created_at: datetime!(2027-01-02 09:00 UTC) + time::Duration::minutes(minute),
        }
    }
}

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
    assert!(matches!(store.join_waitlist(&twice).await, Err(StoreError::Conflict(_))));
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

pub async fn contact_preferences_are_kept_per_group_and_can_be_changed(store: Arc<dyn Store>) {
    use carebook_core::notify::preferences::{ContactPreference, MessageGroup};
    let population = small_population();
    store.replace_population(&population).await.unwrap();
    let me = population.patients[0].patient_id;
    assert!(store.contact_preferences(me).await.unwrap().is_empty(), "nothing chosen yet");

    let reminders = ContactPreference { group: MessageGroup::Reminders, by_email: false, by_sms: true };
    let appointments = ContactPreference { group: MessageGroup::Appointments, by_email: true, by_sms: false };
    store.set_contact_preference(me, reminders).await.unwrap();
    store.set_contact_preference(me, appointments).await.unwrap();
    let changed = ContactPreference { by_email: true, ..reminders };
    store.set_contact_preference(me, changed).await.unwrap();

    assert_eq!(store.contact_preferences(me).await.unwrap(), vec![appointments, changed]);
    let stranger = Uuid::from_u128(123);
    assert!(matches!(store.set_contact_preference(stranger, reminders).await, Err(StoreError::Conflict(_))));
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
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
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

pub async fn the_demonstration_keeps_what_it_would_have_sent_until_a_reset(store: Arc<dyn Store>) {
    use carebook_core::notify::demonstration::SentMessage;
    use carebook_core::notify::outbox::NotificationKind;
    use carebook_core::notify::preferences::DeliveryChannel;
    use time::macros::datetime;
    busy_outbox(&store).await;
    let n = store
        .claim_notifications("w", datetime!(2027-01-03 20:30 UTC), time::Duration::minutes(5), 1)
        .await
        .unwrap()
        .remove(0);
    let email = SentMessage {
        notification_id: n.notification_id,
        kind: NotificationKind::AppointmentBooked,
        channel: DeliveryChannel::Email,
        recipient: "Ada Example <ada@example.org>".into(),
        subject: Some("Your appointment is booked".into()),
        body: "Your appointment is booked.\n\nWhen: Monday 4 January 2027 at 8:30am\n".into(),
        invitation: Some("BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n".into()),
        sent_at: datetime!(2027-01-03 20:30:01 UTC),
    };
    let text = SentMessage {
        channel: DeliveryChannel::Sms,
        recipient: "Ada Example, 07700 900123".into(),
        subject: None,
        body: "carebook: your appointment is booked.".into(),
        invitation: None,
        sent_at: datetime!(2027-01-03 20:30:02 UTC),
        ..email.clone()
    };
    store.record_demo_message(&email).await.unwrap();
    store.record_demo_message(&text).await.unwrap();

    assert_eq!(store.demo_messages(10).await.unwrap(), vec![text.clone(), email.clone()], "newest first");
    assert_eq!(store.demo_messages(1).await.unwrap(), vec![text]);
    store.replace_population(&small_population()).await.unwrap();
    assert!(store.demo_messages(10).await.unwrap().is_empty(), "a reset empties it");
}

/// A loaded outbox for the delivery tests and the throughput bench: `n`
/// bookings in slots of the past eight days (so no reminders), each with its
/// confirmation due at `now`, for patients with an e-mail address. Returns
/// the due notifications' ids.
pub mod outbox_load {
    use super::*;
    use carebook_core::booking::rota::{RotaTemplate, WeeklySession};
    use carebook_core::booking::{BookableBy, BookingRequest, Channel, ServiceKind};
    use carebook_core::notify::outbox::NotificationKind;
    use time::{Duration, OffsetDateTime};

    pub async fn queue_due_messages(store: &Arc<dyn Store>, n: usize, now: OffsetDateTime) -> Vec<Uuid> {
        let population = demo::generate_with(demo::DEFAULT_SEED, 60);
        store.replace_population(&population).await.unwrap();
        let practice = population.organisations.iter().find(|o| o.kind == OrganisationKind::GpPractice).unwrap();
        let location = population.locations.iter().find(|l| l.organisation_id == practice.organisation_id).unwrap();
        let today = carebook_core::london::to_local(now).date();
        let template = RotaTemplate {
            rota_template_id: Uuid::from_u128(0x10AD),
            organisation_id: practice.organisation_id,
            location_id: location.location_id,
            clinician_id: population.staff[0].staff_member_id,
            service: ServiceKind::Nurse,
            channel: Channel::FaceToFace,
            bookable_by: BookableBy::OwnPractice,
            sessions: (0..7)
                .map(|i| WeeklySession {
                    weekday: time::Weekday::Monday.nth_next(i),
                    starts: time::macros::time!(00:00),
                    ends: time::macros::time!(23:55),
                    slot_minutes: 5,
                })
                .collect(),
            effective_from: today - Duration::days(10),
            effective_until: None,
            exceptions: vec![],
        };
        store.save_rota_template(&template).await.unwrap();
        // Eight whole days of five-minute slots: room for 2,000 bookings.
        let planned = template.expand(today - Duration::days(8), today - Duration::days(1)).unwrap();
        store.add_planned_slots(&planned).await.unwrap();
        let slots = store
            .slots_between(practice.organisation_id, now - Duration::days(10), now - Duration::hours(1))
            .await
            .unwrap();
        assert!(slots.len() >= n, "{} slots for {n} messages", slots.len());
        let people: Vec<_> = population.patients.iter().filter(|p| p.email.is_some()).collect();
        let mut ids = Vec::with_capacity(n);
        for (i, slot) in slots.iter().take(n).enumerate() {
            let patient = people[i % people.len()];
            let booked = store
                .book(&BookingRequest {
                    appointment_id: Uuid::from_u128(0x10AD_0000_0000 + i as u128),
                    slot_id: slot.slot_id,
                    patient_id: patient.patient_id,
                    note: None,
                    booked_by_kind: "staff".into(),
                    booked_by_id: None,
                    idempotency_key: None,
                    at: now,
                })
                .await
                .unwrap();
            let mine = store.notifications_for_patient(patient.patient_id).await.unwrap();
            let confirmation = mine
                .iter()
                .find(|m| m.kind == NotificationKind::AppointmentBooked && m.subject_id == Some(booked.appointment_id))
                .expect("the confirmation is written with the booking");
            ids.push(confirmation.notification_id);
        }
        ids
    }
}

mod desk_fixture {
    use carebook_core::access::{Actor, StaffActor};
    use carebook_core::model::{StaffAssignment, StaffRole};
    use uuid::Uuid;

    pub fn staff(n: u128, organisation_id: Uuid, role: StaffRole) -> Actor {
        let staff_member_id = Uuid::from_u128(0xD35C_0000 + n);
        Actor::Staff(StaffActor {
            staff_member_id,
            roles: vec![StaffAssignment { staff_member_id, organisation_id, role }],
        })
    }
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
