//! Patients, their coded conditions, and who may act for them.

use async_trait::async_trait;
use uuid::Uuid;

use super::StoreResult;
use crate::domain::NhsNumber;
use crate::model::{Condition, Patient, ProxyAccess};

/// A receptionist's search for a patient by name and date of birth, among
/// the practices they work for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientSearch {
    /// Registered at one of these practices.
    pub practice_ids: Vec<Uuid>,
    /// Matched whole, ignoring case and surrounding spaces.
    pub family_name: String,
    /// When given, the given name must start with it (ignoring case).
    pub given_name: Option<String>,
    pub date_of_birth: time::Date,
    /// At most this many, ordered by family name, given name.
    pub limit: u32,
}

#[async_trait]
pub trait PatientStore: Send + Sync {
    /// Add one patient. `Conflict::NhsNumberTaken` when the NHS number is
    /// already registered, `Conflict::UnknownReference` when the practice
    /// (or nominated pharmacy) does not exist.
    async fn insert_patient(&self, patient: &Patient) -> StoreResult<()>;

    async fn patient_by_id(&self, patient_id: Uuid) -> StoreResult<Patient>;

    async fn patient_by_nhs_number(&self, nhs_number: &NhsNumber) -> StoreResult<Patient>;

    /// Patients by name and date of birth, at the given practices.
    async fn find_patients(&self, search: &PatientSearch) -> StoreResult<Vec<Patient>>;

    async fn conditions_for_patient(&self, patient_id: Uuid) -> StoreResult<Vec<Condition>>;

    /// The people `proxy_patient_id` may act for.
    async fn proxy_access_held_by(&self, proxy_patient_id: Uuid) -> StoreResult<Vec<ProxyAccess>>;
}
