//! The public directory of practices, hubs and pharmacies: anyone may
//! read it, so nothing here asks the access policy.

use std::sync::Arc;

use uuid::Uuid;

use crate::domain::OdsCode;
use crate::model::{Federation, Organisation, OrganisationKind, PopulationCounts};
use crate::store::{OrganisationSearch, Store, StoreError, StoreResult};

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

    pub(super) fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

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

    /// One organisation: its name and kind head the staff pages about it.
    pub async fn organisation(&self, organisation_id: Uuid) -> StoreResult<Organisation> {
        self.store.organisation_by_id(organisation_id).await
    }

    /// The clinical role of each clinician named (a booking page's "kind of
    /// clinician" filter); one read per clinician, unknown ones left out.
    /// Roles are public: a practice's web site says who its GPs and nurses
    /// are.
    pub async fn clinical_roles(
        &self,
        clinician_ids: impl IntoIterator<Item = Uuid>,
    ) -> StoreResult<std::collections::HashMap<Uuid, crate::model::ClinicalRole>> {
        let mut roles = std::collections::HashMap::new();
        let mut seen = std::collections::HashSet::new();
        for id in clinician_ids {
            if !seen.insert(id) {
                continue;
            }
            match self.store.staff_member(id).await {
                Ok(m) => {
                    if let Some(role) = m.clinical_role {
                        roles.insert(id, role);
                    }
                }
                Err(StoreError::NotFound) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(roles)
    }

    pub async fn counts(&self) -> StoreResult<PopulationCounts> {
        self.store.population_counts().await
    }
}
