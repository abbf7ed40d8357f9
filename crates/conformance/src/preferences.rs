//! Contact preferences.

use std::sync::Arc;

use carebook_core::store::{Conflict, Store, StoreError};
use uuid::Uuid;

use crate::fixtures::population::small_population;

scenarios! {
    preferences;

    pub async fn contact_preferences_are_kept_per_group_and_can_be_changed(store: Arc<dyn Store>) {
        use carebook_core::notify::preferences::{ContactPreference, MessageGroup};
        let population = small_population();
        store.replace_population(&population).await.unwrap();
        let me = population.patients[0].patient_id;
        assert!(store.contact_preferences(me).await.unwrap().is_empty(), "nothing chosen yet");

        let reminders = ContactPreference { group: MessageGroup::Reminders, by_email: false, by_sms: true };
        let appointments = ContactPreference { group: MessageGroup::Appointments, by_email: true, by_sms: false };
        store.set_contact_preference(me, reminders).await.unwrap();
        store.set_contact_preference(me, appointments).await.unwrap();
        let changed = ContactPreference { by_email: true, ..reminders };
        store.set_contact_preference(me, changed).await.unwrap();

        assert_eq!(store.contact_preferences(me).await.unwrap(), vec![appointments, changed]);
        let stranger = Uuid::from_u128(123);
        assert!(matches!(store.set_contact_preference(stranger, reminders).await, Err(StoreError::Conflict(Conflict::UnknownReference))));
    }
}
