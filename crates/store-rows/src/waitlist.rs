//! The waitlist and the offers made from it.

/// Implements `WaitlistStore` for `$store`, with `offer_freed_slot`, which
/// booking shares.
#[macro_export]
macro_rules! waitlist_store {
    ($store:ty) => {
        $crate::area_imports!();
        use crate::outbox::enqueue;
        use carebook_core::booking::waitlist::{WaitlistEntry, OFFER_WINDOW};
        use carebook_core::notify::outbox::NotificationKind;

        #[async_trait::async_trait]
        impl WaitlistStore for $store {
            #[tracing::instrument(skip_all, err)]
            async fn join_waitlist(&self, e: &WaitlistEntry) -> StoreResult<()> {
                sqlx::query(
                    "insert into waitlist_entry (waitlist_entry_id, patient_id, service, practice_id, hub_id,
                         window_starts_at, window_ends_at, status, created_at)
                     values ($1, $2, $3, $4, $5, $6, $7, 'waiting', $8)",
                )
                .bind(id(e.waitlist_entry_id))
                .bind(id(e.patient_id))
                .bind(e.service.as_str())
                .bind(id(e.practice_id))
                .bind(e.hub_id.map(id))
                .bind(utc(e.window_starts_at))
                .bind(utc(e.window_ends_at))
                .bind(utc(e.created_at))
                .execute(&self.pool)
                .await
                .map_err(map_err)?;
                Ok(())
            }

            async fn waitlist_entry(&self, waitlist_entry_id: Uuid) -> StoreResult<WaitlistEntry> {
                let row =
                    sqlx::query(&format!("select {WAITLIST_COLUMNS} from waitlist_entry where waitlist_entry_id = $1"))
                        .bind(id(waitlist_entry_id))
                        .fetch_one(&self.pool)
                        .await
                        .map_err(map_err)?;
                waitlist_from_row(&row)
            }

            async fn waitlist_for_organisation(&self, organisation_id: Uuid) -> StoreResult<Vec<WaitlistEntry>> {
                let rows = sqlx::query(&format!(
                    "select {WAITLIST_COLUMNS} from waitlist_entry
                     where (practice_id = $1 or hub_id = $1) and status in ('waiting', 'offered')
                     order by created_at, waitlist_entry_id"
                ))
                .bind(id(organisation_id))
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
                rows.iter().map(waitlist_from_row).collect()
            }

            #[tracing::instrument(skip_all, err)]
            async fn expire_waitlist_offers(&self, now: time::OffsetDateTime) -> StoreResult<u64> {
                let mut tx = begin_write(&self.pool).await?;
                let lapsed = sqlx::query(
                    "update waitlist_entry set status = 'expired'
                     where status = 'offered' and offer_expires_at <= $1
                     returning patient_id, offered_slot_id",
                )
                .bind(utc(now))
                .fetch_all(&mut *tx)
                .await
                .map_err(map_err)?;
                for row in &lapsed {
                    let patient_id = row_uuid(row, "patient_id")?;
                    let slot_id = row_uuid(row, "offered_slot_id")?;
                    let released = sqlx::query(
                        "update slot set status = 'free', held_for_patient_id = null, held_until = null
                         where slot_id = $1 and status = 'held' and held_for_patient_id = $2",
                    )
                    .bind(id(slot_id))
                    .bind(id(patient_id))
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                    if released.rows_affected() == 1 {
                        offer_freed_slot(&mut tx, slot_id, now).await?;
                    }
                }
                tx.commit().await.map_err(map_err)?;
                Ok(lapsed.len() as u64)
            }
        }

        /// A slot just freed goes to the first person waiting for it: held
        /// for them, their entry marked offered, and a message queued, all in
        /// the caller's transaction. Two slots freed at once must not both
        /// go to the same person: where writers are not serialised the entry
        /// is locked, and a concurrent offer skips to the next one waiting
        /// (`OFFER_LOCK`).
        pub(crate) async fn offer_freed_slot(
            tx: &mut Conn,
            slot_id: Uuid,
            now: time::OffsetDateTime,
        ) -> StoreResult<()> {
            let first = sqlx::query(&format!(
                "select w.waitlist_entry_id, w.patient_id from waitlist_entry w join slot s on s.slot_id = $1
                 where s.status = 'free' and w.status = 'waiting' and w.service = s.service
                   and s.starts_at >= w.window_starts_at and s.starts_at < w.window_ends_at and s.starts_at > $2
                   and ((s.bookable_by = 'own_practice' and s.organisation_id = w.practice_id)
                        or (s.bookable_by = 'federation'
                            and (s.organisation_id = w.practice_id or s.organisation_id = w.hub_id)))
                 order by w.created_at, w.waitlist_entry_id
                 limit 1{OFFER_LOCK}"
            ))
            .bind(id(slot_id))
            .bind(utc(now))
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?;
            let Some(row) = first else { return Ok(()) };
            let entry_id = row_uuid(&row, "waitlist_entry_id")?;
            let patient_id = row_uuid(&row, "patient_id")?;
            let until = now + OFFER_WINDOW;
            sqlx::query(
                "update slot set status = 'held', held_for_patient_id = $1, held_until = $2
                 where slot_id = $3 and status = 'free'",
            )
            .bind(id(patient_id))
            .bind(utc(until))
            .bind(id(slot_id))
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
            sqlx::query(
                "update waitlist_entry set status = 'offered', offered_slot_id = $1, offer_expires_at = $2
                 where waitlist_entry_id = $3",
            )
            .bind(id(slot_id))
            .bind(utc(until))
            .bind(id(entry_id))
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
            let payload = format!("{{\"waitlist_entry_id\":\"{entry_id}\",\"slot_id\":\"{slot_id}\"}}");
            enqueue(tx, NotificationKind::WaitlistOffer, patient_id, entry_id, &payload, now, now).await
        }
    };
}
