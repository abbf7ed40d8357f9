//! Rota templates, the slots planned from them, and booking rules.

/// Implements `RotaStore` for `$store`.
#[macro_export]
macro_rules! rota_store {
    ($store:ty) => {
        $crate::area_imports!();
        use carebook_core::booking::rota::{PlannedSlot, RotaTemplate};
        use carebook_core::booking::rules::BookingRules;
        use carebook_core::booking::ServiceKind;

        #[async_trait::async_trait]
        impl RotaStore for $store {
            #[tracing::instrument(skip_all, fields(rota_template_id = %template.rota_template_id), err)]
            async fn save_rota_template(&self, template: &RotaTemplate) -> StoreResult<()> {
                let mut tx = begin_write(&self.pool).await?;
                sqlx::query(
                    "insert into rota_template (rota_template_id, organisation_id, location_id, clinician_id, service,
                         channel, bookable_by, effective_from, effective_until)
                     values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                     on conflict (rota_template_id) do update set
                         organisation_id = excluded.organisation_id, location_id = excluded.location_id,
                         clinician_id = excluded.clinician_id, service = excluded.service, channel = excluded.channel,
                         bookable_by = excluded.bookable_by, effective_from = excluded.effective_from,
                         effective_until = excluded.effective_until",
                )
                .bind(id(template.rota_template_id))
                .bind(id(template.organisation_id))
                .bind(id(template.location_id))
                .bind(id(template.clinician_id))
                .bind(template.service.as_str())
                .bind(template.channel.as_str())
                .bind(template.bookable_by.as_str())
                .bind(template.effective_from)
                .bind(template.effective_until)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                for table in ["rota_session", "rota_exception"] {
                    sqlx::query(&format!("delete from {table} where rota_template_id = $1"))
                        .bind(id(template.rota_template_id))
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                }
                for session in &template.sessions {
                    sqlx::query(
                        "insert into rota_session (rota_template_id, weekday, starts, ends, slot_minutes)
                         values ($1, $2, $3, $4, $5)",
                    )
                    .bind(id(template.rota_template_id))
                    .bind(i16::from(session.weekday.number_from_monday()))
                    .bind(hhmm(session.starts))
                    .bind(hhmm(session.ends))
                    .bind(session.slot_minutes as i16)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                }
                for exception in &template.exceptions {
                    sqlx::query(
                        "insert into rota_exception (rota_template_id, exception_date, reason) values ($1, $2, $3)",
                    )
                    .bind(id(template.rota_template_id))
                    .bind(exception.date)
                    .bind(&exception.reason)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                }
                tx.commit().await.map_err(map_err)
            }

            async fn rota_template(&self, rota_template_id: Uuid) -> StoreResult<RotaTemplate> {
                let row = sqlx::query(
                    "select rota_template_id, organisation_id, location_id, clinician_id, service, channel,
                            bookable_by, effective_from, effective_until
                     from rota_template where rota_template_id = $1",
                )
                .bind(id(rota_template_id))
                .fetch_one(&self.pool)
                .await
                .map_err(map_err)?;
                let sessions = sqlx::query(
                    "select weekday, starts, ends, slot_minutes from rota_session where rota_template_id = $1
                     order by weekday, starts",
                )
                .bind(id(rota_template_id))
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
                let exceptions = sqlx::query(
                    "select exception_date, reason from rota_exception where rota_template_id = $1
                     order by exception_date",
                )
                .bind(id(rota_template_id))
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
                rota_template_from_rows(&row, &sessions, &exceptions)
            }

            async fn rota_templates_for(&self, organisation_id: Uuid) -> StoreResult<Vec<RotaTemplate>> {
                let ids = sqlx::query(
                    "select rota_template_id from rota_template where organisation_id = $1
                     order by service, effective_from, rota_template_id",
                )
                .bind(id(organisation_id))
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
                let mut out = Vec::with_capacity(ids.len());
                for row in &ids {
                    out.push(self.rota_template(row_uuid(row, "rota_template_id")?).await?);
                }
                Ok(out)
            }

            #[tracing::instrument(skip_all, fields(planned = slots.len()), err)]
            async fn add_planned_slots(&self, slots: &[PlannedSlot]) -> StoreResult<u64> {
                let mut tx = begin_write(&self.pool).await?;
                let mut added = 0;
                for s in slots {
                    let done = sqlx::query(
                        "insert into slot (slot_id, organisation_id, location_id, clinician_id, service, channel,
                             bookable_by, starts_at, ends_at, status, rota_template_id)
                         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'free', $10)
                         on conflict (rota_template_id, starts_at) do nothing",
                    )
                    .bind(id(Uuid::new_v4()))
                    .bind(id(s.organisation_id))
                    .bind(id(s.location_id))
                    .bind(id(s.clinician_id))
                    .bind(s.service.as_str())
                    .bind(s.channel.as_str())
                    .bind(s.bookable_by.as_str())
                    .bind(utc(s.starts_at))
                    .bind(utc(s.ends_at))
                    .bind(id(s.rota_template_id))
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                    added += done.rows_affected();
                }
                tx.commit().await.map_err(map_err)?;
                Ok(added)
            }

            #[tracing::instrument(skip_all, err)]
            async fn booking_rules(&self, organisation_id: Uuid) -> StoreResult<Vec<(ServiceKind, BookingRules)>> {
                let rows = sqlx::query(&format!(
                    "select {BOOKING_RULE_COLUMNS} from booking_rule where organisation_id = $1 order by service"
                ))
                .bind(id(organisation_id))
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
                rows.iter().map(booking_rule_from_row).collect()
            }

            #[tracing::instrument(
                skip_all,
                fields(organisation_id = %organisation_id, service = service.as_str()),
                err
            )]
            async fn set_booking_rules(
                &self,
                organisation_id: Uuid,
                service: ServiceKind,
                rules: Option<&BookingRules>,
                by: Option<Uuid>,
                at: time::OffsetDateTime,
            ) -> StoreResult<()> {
                // Other instances drop their cached rules when this commits.
                let mut tx = begin_write(&self.pool).await?;
                announce_directory_change(&mut tx).await?;
                let Some(r) = rules else {
                    sqlx::query("delete from booking_rule where organisation_id = $1 and service = $2")
                        .bind(id(organisation_id))
                        .bind(service.as_str())
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                    tx.commit().await.map_err(map_err)?;
                    self.directory_changed();
                    return Ok(());
                };
                let number = |n: u32| i32::try_from(n).map_err(|_| StoreError::Conflict(Conflict::OutOfRange));
                sqlx::query(
                    "insert into booking_rule (organisation_id, service, horizon_days, same_day_release,
                         minimum_notice_minutes, change_cutoff_minutes, max_active_per_patient, condition_codes,
                         condition_description, updated_at, updated_by_staff_id)
                     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                     on conflict (organisation_id, service) do update set
                         horizon_days = excluded.horizon_days, same_day_release = excluded.same_day_release,
                         minimum_notice_minutes = excluded.minimum_notice_minutes,
                         change_cutoff_minutes = excluded.change_cutoff_minutes,
                         max_active_per_patient = excluded.max_active_per_patient,
                         condition_codes = excluded.condition_codes,
                         condition_description = excluded.condition_description,
                         updated_at = excluded.updated_at, updated_by_staff_id = excluded.updated_by_staff_id",
                )
                .bind(id(organisation_id))
                .bind(service.as_str())
                .bind(i32::from(r.horizon_days))
                .bind(r.same_day_release.map(hhmm))
                .bind(number(r.minimum_notice_minutes)?)
                .bind(number(r.change_cutoff_minutes)?)
                .bind(r.max_active_per_patient.map(number).transpose()?)
                .bind(r.requires_condition.as_ref().map(|c| c.snomed_codes.join(" ")))
                .bind(r.requires_condition.as_ref().map(|c| c.description.clone()))
                .bind(utc(at))
                .bind(by.map(id))
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                tx.commit().await.map_err(map_err)?;
                self.directory_changed();
                Ok(())
            }
        }
    };
}
