//! The directory: areas, federations, organisations, their locations, and
//! the staff who work there.

use async_trait::async_trait;
use uuid::Uuid;

use super::StoreResult;
use crate::domain::OdsCode;
use crate::model::{
    Area, AreaCode, Federation, Location, Organisation, OrganisationKind, StaffAssignment, StaffMember,
};

/// A search of the organisation directory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrganisationSearch {
    /// Matched case-insensitively against name, town, postcode and ODS code.
    pub text: Option<String>,
    /// Empty means every kind.
    pub kinds: Vec<OrganisationKind>,
    pub area: Option<AreaCode>,
    pub federation_id: Option<Uuid>,
    /// At most this many, ordered by name.
    pub limit: u32,
}

#[async_trait]
pub trait DirectoryStore: Send + Sync {
    /// A number that rises whenever organisations, locations or booking
    /// rules change: at once for this process's own changes, and, where
    /// several instances share the database, when another instance's
    /// change is announced. The directory cache compares it on every read.
    fn directory_generation(&self) -> u64;

    async fn list_areas(&self) -> StoreResult<Vec<Area>>;

    async fn list_federations(&self) -> StoreResult<Vec<Federation>>;

    /// Add one organisation. `Conflict::OdsCodeTaken` when its ODS code is
    /// taken.
    async fn insert_organisation(&self, organisation: &Organisation) -> StoreResult<()>;

    async fn search_organisations(&self, search: &OrganisationSearch) -> StoreResult<Vec<Organisation>>;

    async fn organisation_by_ods(&self, ods_code: &OdsCode) -> StoreResult<Organisation>;

    async fn organisation_by_id(&self, organisation_id: Uuid) -> StoreResult<Organisation>;

    async fn location(&self, location_id: Uuid) -> StoreResult<Location>;

    /// An organisation's locations, by name.
    async fn locations_for(&self, organisation_id: Uuid) -> StoreResult<Vec<Location>>;

    /// A member of staff by the subject their identity provider gives them,
    /// with every role they hold.
    async fn staff_by_uid(&self, staff_uid: &str) -> StoreResult<(StaffMember, Vec<StaffAssignment>)>;

    /// A member of staff by id (clinicians own slots).
    async fn staff_member(&self, staff_member_id: Uuid) -> StoreResult<StaffMember>;

    /// Staff with a clinical role who work at an organisation, by family
    /// name: the people a rota can name.
    async fn clinicians_at(&self, organisation_id: Uuid) -> StoreResult<Vec<StaffMember>>;
}
