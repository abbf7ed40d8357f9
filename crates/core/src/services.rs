//! The services the edges (pages, JSON API, FHIR API, worker, log-in) call.
//! Each is a thin layer of rules over the store that asks the access policy
//! where the edge used to; the store itself stays private to the core, so
//! no edge can reach it past a rule.

use std::sync::Arc;

use crate::booking::service::BookingService;
use crate::clock::{Clock, IdSource};
use crate::record::service::RecordService;
use crate::store::Store;

mod access;
mod accounts;
mod audit;
mod cache;
mod demonstration;
mod directory;
mod operations;
mod outbox;

pub use access::{Access, Denial};
pub use accounts::{Accounts, Identity, PatientSummary};
pub use audit::AuditTrail;
pub use cache::DirectoryCache;
pub use demonstration::Demonstration;
pub use directory::{Directory, OrganisationProfile};
pub use operations::{NotReady, Operations};
pub use outbox::{Outbox, ReplayError, WorkerSettings};

/// Everything the edges need, cheap to clone.
#[derive(Clone)]
pub struct Services {
    store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub directory: Directory,
    pub booking: BookingService,
    /// The shared authorisation: may this person see this patient's data?
    pub access: Access,
    /// Who is logged in, log-ins, a patient's own settings.
    pub accounts: Accounts,
    pub audit: AuditTrail,
    /// Parked messages and the delivery workers.
    pub outbox: Outbox,
    /// Liveness of the store, migrations and outbox counts, for operations.
    pub operations: Operations,
    /// The synthetic world of `carebook demo`.
    pub demonstration: Demonstration,
    /// The patient's record: sources' bundles in, the patient's view out.
    pub record: RecordService,
}

impl Services {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, ids: Arc<dyn IdSource>) -> Self {
        let audit = AuditTrail::new(store.clone(), clock.clone());
        let access = Access::new(store.clone(), clock.clone());
        Self {
            record: RecordService::new(store.clone(), clock.clone(), ids.clone(), access.clone()),
            directory: Directory::new(store.clone()),
            booking: BookingService::new(
                store.clone(),
                clock.clone(),
                ids,
                Arc::new(DirectoryCache::new(store.clone())),
            ),
            access,
            accounts: Accounts::new(store.clone(), clock.clone()),
            outbox: Outbox::new(store.clone(), clock.clone()),
            operations: Operations::new(store.clone()),
            demonstration: Demonstration::new(store.clone(), clock.clone()),
            audit,
            store,
            clock,
        }
    }

    /// The raw store, for integration tests that arrange data no service
    /// offers to write (a second practice, a slot in the past). Entry points
    /// never use it: they ask a service, which asks the access policy.
    #[doc(hidden)]
    pub fn store_for_tests(&self) -> &Arc<dyn Store> {
        &self.store
    }
}
