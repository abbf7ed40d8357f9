//! Loading, replacing and reading the population, and the constraints that guard it.

use std::sync::Arc;

use carebook_core::demo;
use carebook_core::domain::OdsCode;
use carebook_core::store::{Conflict, Store, StoreError};
use uuid::Uuid;

use crate::fixtures::population::{small_population, unused_nhs_number};

scenarios! {
    population;

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

        assert!(matches!(result, Err(StoreError::Conflict(Conflict::UnknownReference))), "{result:?}");
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

        assert!(matches!(result, Err(StoreError::Conflict(Conflict::NhsNumberTaken))), "{result:?}");
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

        assert!(matches!(result, Err(StoreError::Conflict(Conflict::UnknownReference))), "{result:?}");
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

        assert!(matches!(result, Err(StoreError::Conflict(Conflict::OdsCodeTaken))), "{result:?}");
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
}
