//! How each patient wants to hear from carebook.

use async_trait::async_trait;
use uuid::Uuid;

use super::StoreResult;
use crate::notify::preferences::ContactPreference;

#[async_trait]
pub trait PreferenceStore: Send + Sync {
    /// The choices a patient has made (groups without a row use the default).
    async fn contact_preferences(&self, patient_id: Uuid) -> StoreResult<Vec<ContactPreference>>;

    /// Record a patient's choice for one group. `Conflict::UnknownReference`
    /// when there is no such patient.
    async fn set_contact_preference(&self, patient_id: Uuid, preference: ContactPreference) -> StoreResult<()>;
}
