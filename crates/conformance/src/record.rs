//! The patient's record: matching, all or nothing, update not duplicate,
//! the merge, withheld items and the practice's access level, tokens.

use std::sync::Arc;

use carebook_core::record::service::RecordError;
use carebook_core::record::{AccessLevel, Category, IngestOutcome, Origin, RecordQuery};
use carebook_core::store::{Conflict, Store, StoreError};

use crate::fixtures::record::*;

scenarios! {
    record;

    pub async fn a_bundle_for_a_registered_patient_is_stored_with_its_columns_and_as_received(store: Arc<dyn Store>) {
        let w = world(&store).await;
        let p = w.patient(0);
        let mut problem = condition("c1", "44054006", "Diabetes mellitus type 2", "2019-03-12", "2026-11-30T09:15:00Z");
        problem["extension"] = serde_json::json!([{"url": "https://example.org/unknown", "valueString": "kept"}]);
        let body = bundle(vec![patient_resource(p), problem.clone(), observation("o1", 5.9, 3.5, 5.3, "2026-11-02T08:30:00Z")]);

        let receipt = w.services.record.ingest(&w.gp, &body).await.unwrap();

        assert_eq!((receipt.resources, receipt.counts.created, receipt.counts.updated), (2, 2, 0));
        let (_, items) = w.services.record.patient_items(&patient_actor(p), p.patient_id, None).await.unwrap();
        assert_eq!(items.len(), 2);
        let c = items.iter().find(|i| i.resource_type == "Condition").unwrap();
        assert_eq!(c.origin, Origin::Source(w.gp.record_source_id));
        assert_eq!((c.category, c.coding.code.as_deref(), c.status.as_deref()), (Category::Problem, Some("44054006"), Some("active")));
        assert_eq!(c.effective_at, Some(time::macros::datetime!(2019-03-12 00:00 UTC)));
        assert_eq!(c.last_updated, time::macros::datetime!(2026-11-30 09:15 UTC));
        let kept: serde_json::Value = serde_json::from_str(&c.resource_json).unwrap();
        assert_eq!(kept, problem, "the resource reads back equal to what was sent, unknown elements and all");
        let o = items.iter().find(|i| i.resource_type == "Observation").unwrap();
        assert_eq!((o.value_number, o.range_low, o.range_high, o.value_unit.as_deref()), (Some(5.9), Some(3.5), Some(5.3), Some("mmol/L")));
        let log = store.ingest_log(w.gp.record_source_id, 10).await.unwrap();
        assert_eq!((log.len(), log[0].outcome, log[0].patient_id), (1, IngestOutcome::Accepted, Some(p.patient_id)));
    }

    pub async fn a_bundle_for_nobody_or_for_a_mismatched_person_is_refused_whole_and_logged(store: Arc<dyn Store>) {
        let w = world(&store).await;
        let p = w.patient(0).clone();
        let mut nobody = p.clone();
        nobody.nhs_number = crate::fixtures::population::unused_nhs_number(&w.population);
        let mut mismatched = p.clone();
        mismatched.date_of_birth = p.date_of_birth.previous_day().unwrap();
        let problem = condition("c1", "44054006", "Diabetes", "2019-03-12", "2026-11-30T09:15:00Z");

        let for_nobody = w.services.record.ingest(&w.gp, &bundle(vec![patient_resource(&nobody), problem.clone()])).await;
        let for_mismatch = w.services.record.ingest(&w.gp, &bundle(vec![patient_resource(&mismatched), problem])).await;

        assert!(matches!(for_nobody, Err(RecordError::PatientNotFound)), "{for_nobody:?}");
        assert!(matches!(for_mismatch, Err(RecordError::PatientMismatch)), "{for_mismatch:?}");
        let (_, items) = w.services.record.patient_items(&patient_actor(&p), p.patient_id, None).await.unwrap();
        assert!(items.is_empty(), "nothing stored");
        let log = store.ingest_log(w.gp.record_source_id, 10).await.unwrap();
        let mut codes: Vec<&str> = log.iter().map(|l| l.code.as_str()).collect();
        codes.sort();
        assert_eq!(codes, ["patient_mismatch", "patient_not_found"]);
        assert!(log.iter().all(|l| l.outcome == IngestOutcome::Refused && l.patient_id.is_none()));
    }

    pub async fn a_bundle_with_one_bad_resource_stores_none_of_it(store: Arc<dyn Store>) {
        let w = world(&store).await;
        let p = w.patient(0);
        let good = condition("c1", "44054006", "Diabetes", "2019-03-12", "2026-11-30T09:15:00Z");
        let bad = serde_json::json!({"resourceType": "Observation", "id": "o1", "code": {}});

        let refused = w.services.record.ingest(&w.gp, &bundle(vec![patient_resource(p), good, bad])).await;

        let Err(RecordError::Invalid(problem)) = refused else { panic!("{refused:?}") };
        assert_eq!(problem.expression, "Bundle.entry[2].resource.status");
        let (_, items) = w.services.record.patient_items(&patient_actor(p), p.patient_id, None).await.unwrap();
        assert!(items.is_empty());
        assert_eq!(store.ingest_log(w.gp.record_source_id, 10).await.unwrap()[0].code, "missing_element");
    }

    pub async fn a_batch_the_database_refuses_part_way_leaves_nothing_behind(store: Arc<dyn Store>) {
        let w = world(&store).await;
        let p = w.patient(0);
        w.services
            .record
            .ingest(&w.gp, &bundle(vec![patient_resource(p), condition("c1", "1", "One", "2019", "2026-11-30T09:15:00Z")]))
            .await
            .unwrap();
        let (_, items) = w.services.record.patient_items(&patient_actor(p), p.patient_id, None).await.unwrap();
        let mut first = items[0].clone();
        first.resource_id = "new-one".into();
        first.record_item_id = uuid::Uuid::from_u128(0xBEEF1);
        let mut orphan = first.clone();
        orphan.resource_id = "orphan".into();
        orphan.record_item_id = uuid::Uuid::from_u128(0xBEEF2);
        orphan.patient_id = uuid::Uuid::from_u128(0xDEAD);
        let batch = carebook_core::record::IngestBatch {
            record_ingest_id: uuid::Uuid::from_u128(0xBEEF3),
            record_source_id: w.gp.record_source_id,
            patient_id: p.patient_id,
            received_at: first.received_at,
            items: vec![first, orphan],
        };

        let refused = store.ingest_record(&batch).await;

        assert!(matches!(refused, Err(StoreError::Conflict(Conflict::UnknownReference))), "{refused:?}");
        let (_, after) = w.services.record.patient_items(&patient_actor(p), p.patient_id, None).await.unwrap();
        assert_eq!(after.len(), 1, "the first item of the failed batch was rolled back");
        assert_eq!(store.ingest_log(w.gp.record_source_id, 10).await.unwrap().len(), 1, "no log line either");
    }

    pub async fn sending_a_resource_again_updates_it_and_never_duplicates_it(store: Arc<dyn Store>) {
        let w = world(&store).await;
        let p = w.patient(0);
        let first = condition("c1", "44054006", "Diabetes", "2019-03-12", "2026-11-30T09:15:00Z");
        let mut second = condition("c1", "44054006", "Type 2 diabetes", "2019-03-12", "2026-12-01T08:00:00Z");
        second["clinicalStatus"]["coding"][0]["code"] = serde_json::json!("resolved");

        let a = w.services.record.ingest(&w.gp, &bundle(vec![patient_resource(p), first.clone()])).await.unwrap();
        let b = w.services.record.ingest(&w.gp, &bundle(vec![patient_resource(p), second])).await.unwrap();
        // The same id from another source is another source's item.
        let c = w.services.record.ingest(&w.hospital, &bundle(vec![patient_resource(p), first])).await.unwrap();

        assert_eq!((a.counts.created, b.counts.updated, c.counts.created), (1, 1, 1));
        let (_, items) = w.services.record.patient_items(&patient_actor(p), p.patient_id, None).await.unwrap();
        assert_eq!(items.len(), 2, "one per source");
        let gp = items.iter().find(|i| i.origin == Origin::Source(w.gp.record_source_id)).unwrap();
        assert_eq!((gp.status.as_deref(), gp.coding.display.as_deref()), (Some("resolved"), Some("Type 2 diabetes")));
    }

    pub async fn an_older_last_updated_never_overwrites_a_newer_one(store: Arc<dyn Store>) {
        let w = world(&store).await;
        let p = w.patient(0);
        let newer = condition("c1", "44054006", "Newer", "2019-03-12", "2026-12-01T08:00:00Z");
        let older = condition("c1", "44054006", "Older", "2019-03-12", "2026-11-01T08:00:00Z");
        w.services.record.ingest(&w.gp, &bundle(vec![patient_resource(p), newer])).await.unwrap();

        let late = w.services.record.ingest(&w.gp, &bundle(vec![patient_resource(p), older])).await.unwrap();

        assert_eq!((late.counts.created, late.counts.updated, late.counts.stale), (0, 0, 1));
        let (_, items) = w.services.record.patient_items(&patient_actor(p), p.patient_id, None).await.unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].coding.display.as_deref(), Some("Newer"));
        assert_eq!(items[0].last_updated, time::macros::datetime!(2026-12-01 08:00 UTC));
    }

    pub async fn a_withheld_item_is_never_returned_to_the_patient_or_to_someone_acting_for_them(store: Arc<dyn Store>) {
        let w = world(&store).await;
        let p = w.patient(0);
        let proxy = w.patient(1);
        let open = condition("c1", "1", "Open", "2019", "2026-11-30T09:15:00Z");
        let nopat = labelled(condition("c2", "2", "Not for the patient", "2019", "2026-11-30T09:15:00Z"), ACT_CODE, "NOPAT");
        let restricted = labelled(condition("c3", "3", "Restricted", "2019", "2026-11-30T09:15:00Z"), CONFIDENTIALITY, "R");
        let very = labelled(condition("c4", "4", "Very restricted", "2019", "2026-11-30T09:15:00Z"), CONFIDENTIALITY, "V");
        w.services.record.ingest(&w.gp, &bundle(vec![patient_resource(p), open, nopat, restricted, very])).await.unwrap();

        for actor in [patient_actor(p), proxy_for(proxy, p)] {
            let (_, items) = w.services.record.patient_items(&actor, p.patient_id, None).await.unwrap();
            let codes: Vec<_> = items.iter().map(|i| i.coding.code.clone().unwrap()).collect();
            assert_eq!(codes, ["1"], "only the open item");
            let view = w.services.record.patient_record(&actor, p.patient_id, None).await.unwrap();
            let shown: usize = view.sections.iter().map(|s| s.items.len()).sum();
            assert_eq!(shown, 1);
        }
        // They are stored, and a clinician's query (withheld included) sees them.
        let all = store
            .record_items(&RecordQuery { patient_id: p.patient_id, include_withheld: true, summary_only: false, record_source_id: None, labels: carebook_core::record::staff::SharingChoices::ALL })
            .await
            .unwrap();
        assert_eq!(all.iter().filter(|i| i.withheld).count(), 3);
        // Nobody else reaches the record at all.
        let stranger = patient_actor(w.patient(2));
        assert!(matches!(w.services.record.patient_items(&stranger, p.patient_id, None).await, Err(RecordError::Denied(_))));
    }

    pub async fn the_practice_access_level_limits_what_the_patient_sees(store: Arc<dyn Store>) {
        let w = world(&store).await;
        let p = w.patient(0);
        let body = bundle(vec![
            patient_resource(p),
            condition("c1", "1", "Problem", "2019", "2026-11-30T09:15:00Z"),
            allergy("a1", "91936005", "Penicillin allergy", "2020-01-01"),
            observation("o1", 4.0, 3.5, 5.3, "2026-11-02"),
        ]);
        w.services.record.ingest(&w.gp, &body).await.unwrap();
        let actor = patient_actor(p);
        assert_eq!(w.services.record.patient_items(&actor, p.patient_id, None).await.unwrap().1.len(), 3, "full by default");

        w.services.record.set_access_level(p.patient_id, AccessLevel::Summary).await.unwrap();
        let (level, summary) = w.services.record.patient_items(&actor, p.patient_id, None).await.unwrap();
        assert_eq!(level, AccessLevel::Summary);
        assert!(summary.iter().all(|i| i.category.in_summary()), "the store's summary is Category::in_summary's");
        assert_eq!(summary.len(), 2);
        assert!(w.services.record.patient_record(&actor, p.patient_id, None).await.unwrap().some_items_not_shown);

        w.services.record.set_access_level(p.patient_id, AccessLevel::None).await.unwrap();
        let view = w.services.record.patient_record(&actor, p.patient_id, None).await.unwrap();
        assert!(view.sections.is_empty() && view.some_items_not_shown);
    }

    pub async fn the_same_fact_from_two_sources_shows_once_naming_both(store: Arc<dyn Store>) {
        let w = world(&store).await;
        let p = w.patient(0);
        let penicillin = || allergy("a1", "91936005", "Penicillin allergy", "2020-01-01");
        w.services.record.ingest(&w.gp, &bundle(vec![patient_resource(p), penicillin()])).await.unwrap();
        w.services.record.ingest(&w.hospital, &bundle(vec![patient_resource(p), penicillin()])).await.unwrap();

        let view = w.services.record.patient_record(&patient_actor(p), p.patient_id, None).await.unwrap();

        let allergies = view.sections.iter().find(|s| s.category == Category::Allergy).unwrap();
        assert_eq!(allergies.items.len(), 1);
        let named: Vec<_> = allergies.items[0].provenance.iter().map(|pr| pr.source.clone().unwrap().record_source_id).collect();
        assert!(named.contains(&w.gp.record_source_id) && named.contains(&w.hospital.record_source_id));
        assert_eq!(view.sources.len(), 2, "both sources offered in the filter");
        // Filtering by one source shows its entry only, and still both in the filter.
        let only_gp = w.services.record.patient_record(&patient_actor(p), p.patient_id, Some(w.gp.record_source_id)).await.unwrap();
        assert_eq!(only_gp.sections[0].items[0].provenance.len(), 1);
        assert_eq!(only_gp.sources.len(), 2);
    }

    pub async fn a_confidential_items_warning_says_some_items_are_not_shown(store: Arc<dyn Store>) {
        let w = world(&store).await;
        let p = w.patient(0);
        let warning = serde_json::json!({"resourceType": "List", "id": "l1", "status": "current", "mode": "snapshot",
            "extension": [{"url": "https://fhir.nhs.uk/StructureDefinition/Extension-CareConnect-GPC-ListWarningCode-1", "valueCode": "confidential-items"}]});
        w.services.record.ingest(&w.gp, &bundle(vec![patient_resource(p), condition("c1", "1", "P", "2019", "2026-11-30T09:15:00Z")])).await.unwrap();
        assert!(!w.services.record.patient_record(&patient_actor(p), p.patient_id, None).await.unwrap().some_items_not_shown);

        w.services.record.ingest(&w.mental_health, &bundle(vec![patient_resource(p), warning])).await.unwrap();

        let view = w.services.record.patient_record(&patient_actor(p), p.patient_id, None).await.unwrap();
        assert!(view.some_items_not_shown);
        assert!(view.sections.iter().all(|s| s.category != Category::Warning), "the warning itself is not an item");
    }

    pub async fn a_source_token_opens_only_its_source_until_it_expires(store: Arc<dyn Store>) {
        let w = world(&store).await;
        let token = w.services.record.issue_token(&w.hospital, "digest-1".into()).await.unwrap();
        assert_eq!(w.services.record.source_for_token("digest-1").await.unwrap().record_source_id, w.hospital.record_source_id);
        assert!(matches!(w.services.record.source_for_token("digest-2").await, Err(RecordError::InvalidClient)));
        assert_eq!(token.expires_at - token.issued_at, carebook_core::record::service::TOKEN_LIFETIME);

        w.clock.advance(carebook_core::record::service::TOKEN_LIFETIME);

        assert!(matches!(w.services.record.source_for_token("digest-1").await, Err(RecordError::InvalidClient)));
        assert_eq!(w.services.record.source_for_client("hospital").await.unwrap().record_source_id, w.hospital.record_source_id);
        assert!(matches!(w.services.record.source_for_client("nobody").await, Err(RecordError::InvalidClient)));
    }

    pub async fn a_client_id_names_one_source(store: Arc<dyn Store>) {
        let w = world(&store).await;
        let mut again = w.gp.clone();
        again.record_source_id = uuid::Uuid::from_u128(0x5050);
        assert!(matches!(store.insert_record_source(&again).await, Err(StoreError::Conflict(Conflict::ClientIdTaken))));
    }
}
