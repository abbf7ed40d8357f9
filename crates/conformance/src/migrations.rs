//! A fresh store: reachable, migrated, and migrating again changes nothing.

use std::sync::Arc;

use carebook_core::store::Store;

scenarios! {
    migrations;

    pub async fn a_fresh_store_answers_a_ping_and_has_every_migration(store: Arc<dyn Store>) {
        store.ping().await.expect("ping");
        let status = store.migration_status().await.expect("status");
        assert!(!status.known.is_empty(), "the binary embeds its migrations");
        assert!(status.is_current(), "pending: {:?}", status.pending());
        assert_eq!(store.population_counts().await.unwrap().patients, 0);
    }

    pub async fn migrating_twice_changes_nothing(store: Arc<dyn Store>) {
        let before = store.migration_status().await.unwrap();
        store.migrate().await.expect("second migrate is a no-op");
        assert_eq!(store.migration_status().await.unwrap(), before);
    }
}
