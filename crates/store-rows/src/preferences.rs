//! Contact preferences.

/// Implements `PreferenceStore` for `$store`.
#[macro_export]
macro_rules! preferences_store {
    ($store:ty) => {
        $crate::area_imports!();
        use carebook_core::notify::preferences::{ContactPreference, MessageGroup};

        #[async_trait::async_trait]
        impl PreferenceStore for $store {
            async fn contact_preferences(&self, patient_id: Uuid) -> StoreResult<Vec<ContactPreference>> {
                let rows = sqlx::query(
                    "select message_group, by_email, by_sms from contact_preference where patient_id = $1
                     order by message_group",
                )
                .bind(id(patient_id))
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
                rows.iter()
                    .map(|r| {
                        let group: String = r.try_get("message_group").map_err(map_err)?;
                        Ok(ContactPreference {
                            group: MessageGroup::parse(&group).ok_or_else(|| {
                                StoreError::Other("stored value for message_group is not valid".into())
                            })?,
                            by_email: r.try_get("by_email").map_err(map_err)?,
                            by_sms: r.try_get("by_sms").map_err(map_err)?,
                        })
                    })
                    .collect()
            }

            async fn set_contact_preference(&self, patient_id: Uuid, preference: ContactPreference) -> StoreResult<()> {
                sqlx::query(
                    "insert into contact_preference (patient_id, message_group, by_email, by_sms)
                     values ($1, $2, $3, $4)
                     on conflict (patient_id, message_group) do update
                     set by_email = excluded.by_email, by_sms = excluded.by_sms",
                )
                .bind(id(patient_id))
                .bind(preference.group.as_str())
                .bind(preference.by_email)
                .bind(preference.by_sms)
                .execute(&self.pool)
                .await
                .map_err(map_err)?;
                Ok(())
            }
        }
    };
}
