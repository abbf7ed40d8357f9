//! The services the edges (pages, JSON API, FHIR API, worker) call. Each is
//! a thin layer of rules over the store; the edges never reach the store
//! directly.

use std::sync::Arc;

use crate::clock::{Clock, IdSource};
use crate::domain::OdsCode;
use crate::model::{Federation, Organisation, OrganisationKind, PopulationCounts};
use crate::store::{OrganisationSearch, Store, StoreError, StoreResult};

/// Everything the edges need, cheap to clone.
#[derive(Clone)]
pub struct Services {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub directory: Directory,
    pub booking: crate::booking::service::BookingService,
}

impl Services {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, ids: Arc<dyn IdSource>) -> Self {
        Self {
            directory: Directory { store: store.clone() },
            booking: crate::booking::service::BookingService::new(store.clone(), clock.clone(), ids),
            store,
            clock,
        }
    }
}

/// A practice or hub page: the organisation, its federation, and the other
/// members that share the federation's hub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganisationProfile {
    pub organisation: Organisation,
    pub federation: Option<Federation>,
    pub federation_members: Vec<Organisation>,
}

/// The public directory of practices, hubs and pharmacies.
#[derive(Clone)]
pub struct Directory {
    store: Arc<dyn Store>,
}

impl Directory {
    /// The most a single directory search returns.
    pub const MAX_RESULTS: u32 = 200;

    /// GP practices and hubs matching `text` (blank means all).
    pub async fn find_practices(&self, text: &str) -> StoreResult<Vec<Organisation>> {
        let text = text.trim();
        self.store
            .search_organisations(&OrganisationSearch {
                text: (!text.is_empty()).then(|| text.chars().take(100).collect()),
                kinds: vec![OrganisationKind::GpPractice, OrganisationKind::Hub],
                limit: Self::MAX_RESULTS,
                ..Default::default()
            })
            .await
    }

    pub async fn profile(&self, ods_code: &OdsCode) -> StoreResult<OrganisationProfile> {
        let organisation = self.store.organisation_by_ods(ods_code).await?;
        let (federation, federation_members) = match organisation.federation_id {
            None => (None, Vec::new()),
            Some(federation_id) => {
                let federation = self
                    .store
                    .list_federations()
                    .await?
                    .into_iter()
                    .find(|f| f.federation_id == federation_id)
                    .ok_or(StoreError::NotFound)?;
                let members = self
                    .store
                    .search_organisations(&OrganisationSearch {
                        federation_id: Some(federation_id),
                        kinds: vec![OrganisationKind::GpPractice, OrganisationKind::Hub],
                        limit: Self::MAX_RESULTS,
                        ..Default::default()
                    })
                    .await?;
                (Some(federation), members)
            }
        };
        Ok(OrganisationProfile { organisation, federation, federation_members })
    }

    pub async fn counts(&self) -> StoreResult<PopulationCounts> {
        self.store.population_counts().await
    }
}
