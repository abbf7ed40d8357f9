//! The store as a whole: ping, migrations, the population, on SQLite: the statements shared with PostgreSQL
//! (crates/store-rows/src/population.rs), bound by this store.

carebook_store_rows::population_store!(crate::SqliteStore);
