//! The notification outbox and the demonstration's sent messages.

/// Implements `OutboxStore` for `$store`, with the helpers that write
/// outbox rows inside another area's transaction: `enqueue`,
/// `schedule_reminders` and `withdraw_reminders`.
#[macro_export]
macro_rules! outbox_store {
    ($store:ty) => {
        $crate::area_imports!();
        use carebook_core::notify::demonstration::SentMessage;
        use carebook_core::notify::outbox::{
            channels_from_text, channels_to_text, reminder_due_times, Notification, NotificationKind, OutboxStats,
        };
        use carebook_core::notify::preferences::DeliveryChannel;

        #[async_trait::async_trait]
        impl OutboxStore for $store {
            async fn claim_notifications(
                &self,
                worker: &str,
                now: time::OffsetDateTime,
                lease: time::Duration,
                limit: u32,
            ) -> StoreResult<Vec<Notification>> {
                let mut tx = begin_write(&self.pool).await?;
                let rows = sqlx::query(&format!(
                    "update notification_outbox set status = 'in_flight', claimed_by = $1, claimed_until = $2
                     where notification_id in (
                         select notification_id from notification_outbox
                         where (status = 'pending' and due_at <= $3) or (status = 'in_flight' and claimed_until < $3)
                         order by due_at, notification_id
                         limit $4{CLAIM_LOCK})
                     returning {NOTIFICATION_COLUMNS}"
                ))
                .bind(worker)
                .bind(utc(now + lease))
                .bind(utc(now))
                .bind(i64::from(limit.max(1)))
                .fetch_all(&mut *tx)
                .await
                .map_err(map_err)?;
                tx.commit().await.map_err(map_err)?;
                let mut claimed = rows.iter().map(notification_from_row).collect::<StoreResult<Vec<_>>>()?;
                claimed.sort_by_key(|n| (n.due_at, n.notification_id));
                Ok(claimed)
            }

            async fn complete_notification(
                &self,
                notification_id: Uuid,
                worker: &str,
                at: time::OffsetDateTime,
            ) -> StoreResult<()> {
                let done = sqlx::query(
                    "update notification_outbox set status = 'sent', sent_at = $1, attempts = attempts + 1,
                         claimed_by = null, claimed_until = null
                     where notification_id = $2 and status = 'in_flight' and claimed_by = $3",
                )
                .bind(utc(at))
                .bind(id(notification_id))
                .bind(worker)
                .execute(&self.pool)
                .await
                .map_err(map_err)?;
                still_held(done.rows_affected())
            }

            async fn fail_notification(
                &self,
                notification_id: Uuid,
                worker: &str,
                error: &str,
                retry_at: Option<time::OffsetDateTime>,
            ) -> StoreResult<()> {
                let done = sqlx::query(
                    "update notification_outbox
                     set status = $1, due_at = coalesce($2, due_at), attempts = attempts + 1, last_error = $3,
                         claimed_by = null, claimed_until = null
                     where notification_id = $4 and status = 'in_flight' and claimed_by = $5",
                )
                .bind(if retry_at.is_some() { "pending" } else { "parked" })
                .bind(retry_at.map(utc))
                .bind(error.chars().take(500).collect::<String>())
                .bind(id(notification_id))
                .bind(worker)
                .execute(&self.pool)
                .await
                .map_err(map_err)?;
                still_held(done.rows_affected())
            }

            async fn defer_notification(
                &self,
                notification_id: Uuid,
                worker: &str,
                until: time::OffsetDateTime,
            ) -> StoreResult<()> {
                let done = sqlx::query(
                    "update notification_outbox set status = 'pending', due_at = $1, claimed_by = null,
                         claimed_until = null
                     where notification_id = $2 and status = 'in_flight' and claimed_by = $3",
                )
                .bind(utc(until))
                .bind(id(notification_id))
                .bind(worker)
                .execute(&self.pool)
                .await
                .map_err(map_err)?;
                still_held(done.rows_affected())
            }

            async fn record_channel_sent(&self, notification_id: Uuid, channel: DeliveryChannel) -> StoreResult<()> {
                let mut tx = begin_write(&self.pool).await?;
                let current: String = sqlx::query_scalar(&format!(
                    "select channels_sent from notification_outbox where notification_id = $1{FOR_UPDATE}"
                ))
                .bind(id(notification_id))
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err)?;
                let mut channels = channels_from_text(&current);
                if !channels.contains(&channel) {
                    channels.push(channel);
                }
                sqlx::query("update notification_outbox set channels_sent = $1 where notification_id = $2")
                    .bind(channels_to_text(&channels))
                    .bind(id(notification_id))
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                tx.commit().await.map_err(map_err)
            }

            async fn replay_notification(&self, notification_id: Uuid, now: time::OffsetDateTime) -> StoreResult<()> {
                let done = sqlx::query(
                    "update notification_outbox set status = 'pending', due_at = $1
                     where notification_id = $2 and status = 'parked'",
                )
                .bind(utc(now))
                .bind(id(notification_id))
                .execute(&self.pool)
                .await
                .map_err(map_err)?;
                if done.rows_affected() == 1 {
                    Ok(())
                } else {
                    Err(StoreError::NotFound)
                }
            }

            async fn notifications_for_patient(&self, patient_id: Uuid) -> StoreResult<Vec<Notification>> {
                let rows = sqlx::query(&format!(
                    "select {NOTIFICATION_COLUMNS} from notification_outbox where patient_id = $1
                     order by due_at, created_at, kind"
                ))
                .bind(id(patient_id))
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
                rows.iter().map(notification_from_row).collect()
            }

            async fn parked_notifications(&self, limit: u32) -> StoreResult<Vec<Notification>> {
                let rows = sqlx::query(&format!(
                    "select {NOTIFICATION_COLUMNS} from notification_outbox where status = 'parked'
                     order by created_at desc, notification_id limit $1"
                ))
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
                rows.iter().map(notification_from_row).collect()
            }

            async fn outbox_stats(&self, now: time::OffsetDateTime) -> StoreResult<OutboxStats> {
                // sum() of an integer column is a 64-bit integer on both.
                let rows = sqlx::query(
                    "select case when status = 'pending' and due_at > $1 then 'later' else status end as bucket,
                            count(*) as n, coalesce(sum(attempts), 0) as attempts
                     from notification_outbox group by bucket",
                )
                .bind(utc(now))
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
                let mut stats = OutboxStats::default();
                let mut attempts: i64 = 0;
                for row in &rows {
                    let bucket: String = row.try_get("bucket").map_err(map_err)?;
                    let n = u64::try_from(row.try_get::<i64, _>("n").map_err(map_err)?).unwrap_or(0);
                    attempts += row.try_get::<i64, _>("attempts").map_err(map_err)?;
                    match bucket.as_str() {
                        "pending" => stats.pending_due = n,
                        "later" => stats.pending_later = n,
                        "in_flight" => stats.in_flight = n,
                        "sent" => stats.sent = n,
                        "parked" => stats.parked = n,
                        _ => stats.withdrawn = n,
                    }
                }
                // A sent message's last attempt succeeded; every other one
                // failed.
                stats.failed_attempts = u64::try_from(attempts).unwrap_or(0).saturating_sub(stats.sent);
                stats.oldest_due_at = sqlx::query_scalar(
                    "select due_at from notification_outbox
                     where (status = 'pending' and due_at <= $1) or status = 'in_flight'
                     order by due_at limit 1",
                )
                .bind(utc(now))
                .fetch_optional(&self.pool)
                .await
                .map_err(map_err)?;
                Ok(stats)
            }

            async fn record_demo_message(&self, m: &SentMessage) -> StoreResult<()> {
                sqlx::query(
                    "insert into demo_sent_message (notification_id, kind, channel, recipient, subject, body,
                         invitation, sent_at)
                     values ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(id(m.notification_id))
                .bind(m.kind.as_str())
                .bind(m.channel.as_str())
                .bind(&m.recipient)
                .bind(&m.subject)
                .bind(&m.body)
                .bind(&m.invitation)
                .bind(utc(m.sent_at))
                .execute(&self.pool)
                .await
                .map_err(map_err)?;
                Ok(())
            }

            async fn demo_messages(&self, limit: u32) -> StoreResult<Vec<SentMessage>> {
                let rows = sqlx::query(&format!(
                    "select {DEMO_MESSAGE_COLUMNS} from demo_sent_message
                     order by sent_at desc, demo_sent_message_id desc limit $1"
                ))
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
                rows.iter().map(demo_message_from_row).collect()
            }
        }

        /// A worker's change to a claimed row touched it only while the
        /// worker still held it.
        fn still_held(rows_affected: u64) -> StoreResult<()> {
            if rows_affected == 1 {
                Ok(())
            } else {
                Err(Conflict::LeaseLost.into())
            }
        }

        /// One outbox row, inside the caller's transaction.
        pub(crate) async fn enqueue(
            tx: &mut Conn,
            kind: NotificationKind,
            patient_id: Uuid,
            subject_id: Uuid,
            payload: &str,
            due_at: time::OffsetDateTime,
            now: time::OffsetDateTime,
        ) -> StoreResult<()> {
            sqlx::query(&format!(
                "insert into notification_outbox (notification_id, kind, patient_id, subject_id, payload, due_at,
                     status, created_at)
                 values ($1, $2, $3, $4, $5{JSON}, $6, 'pending', $7)"
            ))
            .bind(id(Uuid::new_v4()))
            .bind(kind.as_str())
            .bind(id(patient_id))
            .bind(id(subject_id))
            .bind(payload)
            .bind(utc(due_at))
            .bind(utc(now))
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
            Ok(())
        }

        /// Reminders before the slot's start, where their time has not
        /// passed.
        pub(crate) async fn schedule_reminders(
            tx: &mut Conn,
            appointment_id: Uuid,
            patient_id: Uuid,
            slot_id: Uuid,
            payload: &str,
            now: time::OffsetDateTime,
        ) -> StoreResult<()> {
            let starts_at: time::OffsetDateTime = sqlx::query_scalar("select starts_at from slot where slot_id = $1")
                .bind(id(slot_id))
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err)?;
            for due in reminder_due_times(starts_at) {
                if due > now {
                    enqueue(tx, NotificationKind::AppointmentReminder, patient_id, appointment_id, payload, due, now)
                        .await?;
                }
            }
            Ok(())
        }

        /// An appointment's pending reminders, withdrawn when it moves or is
        /// cancelled.
        pub(crate) async fn withdraw_reminders(tx: &mut Conn, appointment_id: Uuid) -> StoreResult<()> {
            sqlx::query(
                "update notification_outbox set status = 'withdrawn'
                 where subject_id = $1 and kind = 'appointment_reminder' and status in ('pending', 'in_flight')",
            )
            .bind(id(appointment_id))
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
            Ok(())
        }
    };
}
