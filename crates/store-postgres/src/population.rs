//! The store as a whole: ping, migrations, the population, on PostgreSQL: the statements shared with SQLite
//! (crates/store-rows/src/population.rs), bound by this store.

carebook_store_rows::population_store!(crate::PostgresStore);
