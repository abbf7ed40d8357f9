//! The organisation directory, staff roles and proxy access.

use std::sync::Arc;

use carebook_core::model::{AreaCode, OrganisationKind};
use carebook_core::store::{OrganisationSearch, Store};

use crate::fixtures::population::small_population;

scenarios! {
    directory;

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
}
