//! The store as a whole: which database it is, whether it answers, its
//! schema, and the population it holds.

use async_trait::async_trait;

use super::{MigrationStatus, StoreResult};
use crate::model::{Population, PopulationCounts};

#[async_trait]
pub trait PopulationStore: Send + Sync {
    /// "sqlite" or "postgres", for logs and /ready.
    fn backend(&self) -> &'static str;

    /// A round trip to the database.
    async fn ping(&self) -> StoreResult<()>;

    /// Apply every pending migration.
    async fn migrate(&self) -> StoreResult<()>;

    async fn migration_status(&self) -> StoreResult<MigrationStatus>;

    /// Replace everything with `population`, in one transaction: on failure
    /// the store is left exactly as it was. Used by `carebook demo` and by the
    /// demonstration reset.
    async fn replace_population(&self, population: &Population) -> StoreResult<PopulationCounts>;

    async fn population_counts(&self) -> StoreResult<PopulationCounts>;
}
