//! Rotas and what they make: templates, the slots planned from them, and
//! the booking rules an organisation sets for its services.

use async_trait::async_trait;
use uuid::Uuid;

use super::StoreResult;
use crate::booking::rota::{PlannedSlot, RotaTemplate};
use crate::booking::rules::BookingRules;
use crate::booking::ServiceKind;

#[async_trait]
pub trait RotaStore: Send + Sync {
    /// Create or replace a rota template with its sessions and exceptions,
    /// in one transaction. Slots already made from it are kept.
    async fn save_rota_template(&self, template: &RotaTemplate) -> StoreResult<()>;

    async fn rota_template(&self, rota_template_id: Uuid) -> StoreResult<RotaTemplate>;

    /// An organisation's rota templates, with sessions and exceptions, by
    /// service then start date.
    async fn rota_templates_for(&self, organisation_id: Uuid) -> StoreResult<Vec<RotaTemplate>>;

    /// Add the planned slots the store does not have yet (a slot is known by
    /// its template and start), returning how many were added. Never
    /// removes or changes a slot.
    async fn add_planned_slots(&self, slots: &[PlannedSlot]) -> StoreResult<u64>;

    /// The booking rules an organisation has set, by service. A service
    /// not listed follows the defaults.
    async fn booking_rules(&self, organisation_id: Uuid) -> StoreResult<Vec<(ServiceKind, BookingRules)>>;

    /// Set an organisation's rules for a service (`Some`), or go back to the
    /// defaults (`None`). `by` is the member of staff who changed them.
    async fn set_booking_rules(
        &self,
        organisation_id: Uuid,
        service: ServiceKind,
        rules: Option<&BookingRules>,
        by: Option<Uuid>,
        at: time::OffsetDateTime,
    ) -> StoreResult<()>;
}
