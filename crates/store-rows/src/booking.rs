//! Slots and appointments.

/// Implements `BookingStore` for `$store`.
///
/// Every change here runs in a transaction from `begin_write`: SQLite's
/// `BEGIN IMMEDIATE` serialises writers, PostgreSQL's statements lock the
/// rows they change (and say `for update` where a read must wait), so the
/// same statements hold under concurrency on both.
#[macro_export]
macro_rules! booking_store {
    ($store:ty) => {
        $crate::area_imports!();
        use carebook_core::booking::service::BookingError;
        use carebook_core::booking::{
            Appointment, AppointmentStatus, Booked, BookingCheck, BookingPlan, BookingRequest, BookingSeen,
            PatientBookingFacts, PatientLimit, ServiceKind, Slot, SlotStatus,
        };
        use carebook_core::notify::outbox::{appointment_payload, NotificationKind};
        use crate::outbox::{enqueue, schedule_reminders, withdraw_reminders};
        use crate::waitlist::offer_freed_slot;

        #[async_trait::async_trait]
        impl BookingStore for $store {
            async fn slot(&self, slot_id: Uuid) -> StoreResult<Slot> {
                let row = sqlx::query(&format!("select {SLOT_COLUMNS} from slot where slot_id = $1"))
                    .bind(id(slot_id))
                    .fetch_one(&self.pool)
                    .await
                    .map_err(map_err)?;
                slot_from_row(&row)
            }

            async fn slots_between(
                &self,
                organisation_id: Uuid,
                from: time::OffsetDateTime,
                to: time::OffsetDateTime,
            ) -> StoreResult<Vec<Slot>> {
                let rows = sqlx::query(&format!(
                    "select {SLOT_COLUMNS} from slot where organisation_id = $1 and starts_at >= $2 and starts_at < $3
                     order by starts_at, slot_id"
                ))
                .bind(id(organisation_id))
                .bind(utc(from))
                .bind(utc(to))
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
                rows.iter().map(slot_from_row).collect()
            }

            #[tracing::instrument(skip_all, fields(slot_id = %slot_id), err)]
            async fn hold(
                &self,
                slot_id: Uuid,
                patient_id: Uuid,
                until: time::OffsetDateTime,
                now: time::OffsetDateTime,
            ) -> StoreResult<Slot> {
                let row = sqlx::query(&format!(
                    "update slot set status = 'held', held_for_patient_id = $1, held_until = $2
                     where slot_id = $3 and (status = 'free' or (status = 'held' and held_until <= $4))
                     returning {SLOT_COLUMNS}"
                ))
                .bind(id(patient_id))
                .bind(utc(until))
                .bind(id(slot_id))
                .bind(utc(now))
                .fetch_optional(&self.pool)
                .await
                .map_err(map_err)?;
                changed_or(self, slot_id, row.as_ref().map(slot_from_row).transpose()?, Conflict::SlotTaken).await
            }

            #[tracing::instrument(skip_all, fields(slot_id = %slot_id), err)]
            async fn block_slot(&self, slot_id: Uuid, reason: &str, now: time::OffsetDateTime) -> StoreResult<Slot> {
                let row = sqlx::query(&format!(
                    "update slot set status = 'blocked', blocked_reason = $1, held_for_patient_id = null,
                         held_until = null
                     where slot_id = $2 and (status = 'free' or (status = 'held' and held_until <= $3))
                     returning {SLOT_COLUMNS}"
                ))
                .bind(reason)
                .bind(id(slot_id))
                .bind(utc(now))
                .fetch_optional(&self.pool)
                .await
                .map_err(map_err)?;
                changed_or(self, slot_id, row.as_ref().map(slot_from_row).transpose()?, Conflict::SlotNotFree).await
            }

            #[tracing::instrument(skip_all, fields(slot_id = %slot_id), err)]
            async fn unblock_slot(&self, slot_id: Uuid) -> StoreResult<Slot> {
                let row = sqlx::query(&format!(
                    "update slot set status = 'free', blocked_reason = null where slot_id = $1 and status = 'blocked'
                     returning {SLOT_COLUMNS}"
                ))
                .bind(id(slot_id))
                .fetch_optional(&self.pool)
                .await
                .map_err(map_err)?;
                changed_or(self, slot_id, row.as_ref().map(slot_from_row).transpose()?, Conflict::SlotNotBlocked).await
            }

            async fn booked_with_key(
                &self,
                patient_id: Uuid,
                slot_id: Uuid,
                key: &str,
            ) -> StoreResult<Option<Appointment>> {
                let mut conn = self.pool.acquire().await.map_err(map_err)?;
                first_booked_with(&mut conn, patient_id, slot_id, key).await
            }

            async fn booking_facts(
                &self,
                patient_id: Uuid,
                service: ServiceKind,
                now: time::OffsetDateTime,
            ) -> StoreResult<PatientBookingFacts> {
                let row = sqlx::query(&facts_statement("$2", "", ""))
                    .bind(id(patient_id))
                    .bind(service.as_str())
                    .bind(utc(now))
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_err)?
                    .ok_or(StoreError::NotFound)?;
                facts_from_row(&row)
            }

            async fn bookable_slots(
                &self,
                organisations: [Uuid; 2],
                service: ServiceKind,
                from: time::OffsetDateTime,
                to: time::OffsetDateTime,
                now: time::OffsetDateTime,
                limit: u32,
            ) -> StoreResult<Vec<Slot>> {
                let rows = sqlx::query(&format!(
                    "select {SLOT_COLUMNS} from slot
                     where organisation_id in ($1, $2) and service = $3 and starts_at >= $4 and starts_at < $5
                       and (status = 'free' or (status = 'held' and held_until <= $6))
                     order by starts_at, slot_id
                     limit $7"
                ))
                .bind(id(organisations[0]))
                .bind(id(organisations[1]))
                .bind(service.as_str())
                .bind(utc(from))
                .bind(utc(to))
                .bind(utc(now))
                .bind(i64::from(limit.max(1)))
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
                rows.iter().map(slot_from_row).collect()
            }

            #[tracing::instrument(skip_all, fields(slot_id = %request.slot_id), err)]
            async fn book_checked(
                &self,
                request: &BookingRequest,
                check: &BookingCheck<'_>,
            ) -> StoreResult<Result<Booked, BookingError>> {
                let mut tx = begin_write(&self.pool).await?;
                // One read: the patient (locked where writers are not
                // serialised: one person's bookings take turns), their
                // facts, the slot, and what the key was used for before.
                let slot_columns = prefixed(SLOT_COLUMNS, "x");
                let row = sqlx::query(&(facts_statement(
                    "x.service",
                    &format!(
                        ", {slot_columns},
                         (select appointment_id from appointment where idempotency_key = $4) as used_appointment_id,
                         (select patient_id from appointment where idempotency_key = $4) as used_patient_id,
                         (select coalesce(idempotency_slot_id, slot_id) from appointment
                          where idempotency_key = $4) as used_slot_id"
                    ),
                    "left join slot x on x.slot_id = $2",
                ) + LOCK_PATIENT))
                .bind(id(request.patient_id))
                .bind(id(request.slot_id))
                .bind(utc(request.at))
                .bind(&request.idempotency_key)
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err)?
                .ok_or(StoreError::NotFound)?;
                if opt_row_uuid(&row, "slot_id")?.is_none() {
                    return Err(StoreError::NotFound);
                }
                let slot = slot_from_row(&row)?;
                let used = match opt_row_uuid(&row, "used_appointment_id")? {
                    None => None,
                    Some(first) => Some((
                        first,
                        opt_row_uuid(&row, "used_patient_id")? == Some(request.patient_id)
                            && opt_row_uuid(&row, "used_slot_id")? == Some(request.slot_id),
                    )),
                };
                let seen = BookingSeen { slot: slot.clone(), facts: facts_from_row(&row)?, key_used: used.map(|u| u.1) };
                let plan = match check(seen).await {
                    Ok(plan) => plan,
                    Err(refused) => return Ok(Err(refused)),
                };
                let (limit, overridden) = match plan {
                    BookingPlan::ReturnFirst => {
                        return match used {
                            Some((first, true)) => {
                                let appointment = appointment_in(&mut tx, first).await?;
                                Ok(Ok(Booked { appointment, slot }))
                            }
                            _ => Err(Conflict::IdempotencyKeyReused.into()),
                        };
                    }
                    BookingPlan::Book { limit, overridden } => (limit, overridden),
                };
                if used.is_some() {
                    return Err(Conflict::IdempotencyKeyReused.into());
                }
                let request = BookingRequest { limit, overridden, ..request.clone() };
                let written = match book_in_one_statement(&mut tx, &request, &slot).await {
                    // PostgreSQL: one statement wrote everything, or
                    // nothing and said why.
                    Ok(Some(written)) => written,
                    Ok(None) => book_in_steps(&mut tx, &request).await?,
                    // A retry aimed at another slot, or someone else's
                    // request with the same key, raced this one to the
                    // key's unique index: this transaction is spent.
                    Err(StoreError::Conflict(Conflict::IdempotencyKeyReused)) if !WRITERS_SERIALISED => {
                        tx.rollback().await.map_err(map_err)?;
                        let mut conn = self.pool.acquire().await.map_err(map_err)?;
                        let first = booked_with_key(&mut conn, &request)
                            .await?
                            .ok_or(StoreError::Conflict(Conflict::IdempotencyKeyReused))?;
                        return Ok(Ok(Booked { appointment: first, slot: self.slot(request.slot_id).await? }));
                    }
                    Err(StoreError::Conflict(_)) => return Err(Conflict::SlotTaken.into()),
                    Err(e) => return Err(e),
                };
                match written {
                    BookingWritten::Booked(appointment) => {
                        tx.commit().await.map_err(map_err)?;
                        Ok(Ok(Booked {
                            appointment,
                            slot: Slot { status: SlotStatus::Booked, held_until: None, ..slot },
                        }))
                    }
                    // The patient's lock was waited for and a retry of
                    // this very request committed meanwhile.
                    BookingWritten::KeyUsed { first, same_request: true } => {
                        let appointment = appointment_in(&mut tx, first).await?;
                        Ok(Ok(Booked { appointment, slot: Slot { status: SlotStatus::Booked, held_until: None, ..slot } }))
                    }
                    BookingWritten::KeyUsed { same_request: false, .. } => Err(Conflict::IdempotencyKeyReused.into()),
                    BookingWritten::LimitReached => Err(Conflict::PatientLimitReached.into()),
                    BookingWritten::SlotTaken => Err(Conflict::SlotTaken.into()),
                }
            }

            async fn appointment(&self, appointment_id: Uuid) -> StoreResult<Appointment> {
                let row =
                    sqlx::query(&format!("select {APPOINTMENT_COLUMNS} from appointment where appointment_id = $1"))
                        .bind(id(appointment_id))
                        .fetch_one(&self.pool)
                        .await
                        .map_err(map_err)?;
                appointment_from_row(&row)
            }

            async fn appointments_for_patient(&self, patient_id: Uuid) -> StoreResult<Vec<Appointment>> {
                let columns =
                    APPOINTMENT_COLUMNS.split(", ").map(|c| format!("a.{c}")).collect::<Vec<_>>().join(", ");
                let rows = sqlx::query(&format!(
                    "select {columns} from appointment a join slot s on s.slot_id = a.slot_id
                     where a.patient_id = $1 order by s.starts_at, a.appointment_id"
                ))
                .bind(id(patient_id))
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
                rows.iter().map(appointment_from_row).collect()
            }

            async fn appointments_between(
                &self,
                organisation_id: Uuid,
                from: time::OffsetDateTime,
                to: time::OffsetDateTime,
            ) -> StoreResult<Vec<Appointment>> {
                let rows = sqlx::query(&format!(
                    "select {APPOINTMENT_COLUMNS} from appointment
                     where status in ('booked', 'arrived', 'completed', 'did_not_attend')
                       and slot_id in (select slot_id from slot
                                       where organisation_id = $1 and starts_at >= $2 and starts_at < $3)"
                ))
                .bind(id(organisation_id))
                .bind(utc(from))
                .bind(utc(to))
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
                rows.iter().map(appointment_from_row).collect()
            }

            #[tracing::instrument(skip_all, fields(appointment_id = %appointment_id), err)]
            async fn amend(
                &self,
                appointment_id: Uuid,
                new_slot_id: Uuid,
                limit: Option<&PatientLimit>,
                at: time::OffsetDateTime,
            ) -> StoreResult<Appointment> {
                let mut tx = begin_write(&self.pool).await?;
                // BEGIN IMMEDIATE (SQLite) or the row lock (PostgreSQL)
                // serialises a concurrent amend and cancel.
                let current = sqlx::query(&format!(
                    "select slot_id, status, patient_id from appointment where appointment_id = $1{FOR_UPDATE}"
                ))
                .bind(id(appointment_id))
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err)?
                .ok_or(StoreError::NotFound)?;
                let status: String = current.try_get("status").map_err(map_err)?;
                if status != "booked" {
                    return Err(Conflict::AppointmentChanged.into());
                }
                let old_slot = row_uuid(&current, "slot_id")?;
                if old_slot == new_slot_id {
                    return Err(Conflict::SlotTaken.into());
                }
                if let Some(limit) = limit {
                    let patient_id = row_uuid(&current, "patient_id")?;
                    lock_patient(&mut tx, patient_id).await?;
                    within_limit(&mut tx, patient_id, limit, Some(appointment_id)).await?;
                }
                let claimed = sqlx::query("update slot set status = 'booked' where slot_id = $1 and status = 'free'")
                    .bind(id(new_slot_id))
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                if claimed.rows_affected() == 0 {
                    let exists = sqlx::query("select 1 from slot where slot_id = $1")
                        .bind(id(new_slot_id))
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(map_err)?;
                    return Err(if exists.is_some() { Conflict::SlotTaken.into() } else { StoreError::NotFound });
                }
                sqlx::query("update slot set status = 'free' where slot_id = $1")
                    .bind(id(old_slot))
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                let moved = sqlx::query(
                    "update appointment set slot_id = $1, sequence = sequence + 1, updated_at = $2
                     where appointment_id = $3 and status = 'booked'",
                )
                .bind(id(new_slot_id))
                .bind(utc(at))
                .bind(id(appointment_id))
                .execute(&mut *tx)
                .await
                .map_err(|e| match map_err(e) {
                    StoreError::Conflict(_) => Conflict::SlotTaken.into(),
                    other => other,
                })?;
                if moved.rows_affected() != 1 {
                    return Err(Conflict::AppointmentChanged.into());
                }
                let appointment = appointment_in(&mut tx, appointment_id).await?;
                let payload = appointment_payload(appointment_id, appointment.sequence, new_slot_id, Some(old_slot));
                withdraw_reminders(&mut tx, appointment_id).await?;
                enqueue(
                    &mut tx,
                    NotificationKind::AppointmentAmended,
                    appointment.patient_id,
                    appointment_id,
                    &payload,
                    at,
                    at,
                )
                .await?;
                schedule_reminders(&mut tx, appointment_id, appointment.patient_id, new_slot_id, &payload, at)
                    .await?;
                offer_freed_slot(&mut tx, old_slot, at).await?;
                tx.commit().await.map_err(map_err)?;
                Ok(appointment)
            }

            #[tracing::instrument(skip_all, fields(appointment_id = %appointment_id), err)]
            async fn cancel(
                &self,
                appointment_id: Uuid,
                status: AppointmentStatus,
                reason: &str,
                at: time::OffsetDateTime,
            ) -> StoreResult<Appointment> {
                if !matches!(status, AppointmentStatus::CancelledByPatient | AppointmentStatus::CancelledByPractice) {
                    return Err(Conflict::NotACancellation.into());
                }
                let mut tx = begin_write(&self.pool).await?;
                // The slot is read by the same statement that cancels, so a
                // move that committed first is seen and its new slot is the
                // one freed.
                let cancelled = sqlx::query(
                    "update appointment set status = $1, cancel_reason = $2, sequence = sequence + 1, updated_at = $3
                     where appointment_id = $4 and status = 'booked'
                     returning slot_id",
                )
                .bind(status.as_str())
                .bind(reason)
                .bind(utc(at))
                .bind(id(appointment_id))
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err)?;
                let Some(row) = cancelled else {
                    let exists = sqlx::query("select 1 from appointment where appointment_id = $1")
                        .bind(id(appointment_id))
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(map_err)?;
                    return Err(if exists.is_some() {
                        Conflict::AppointmentChanged.into()
                    } else {
                        StoreError::NotFound
                    });
                };
                let slot_id = row_uuid(&row, "slot_id")?;
                sqlx::query("update slot set status = 'free' where slot_id = $1")
                    .bind(id(slot_id))
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                offer_freed_slot(&mut tx, slot_id, at).await?;
                let appointment = appointment_in(&mut tx, appointment_id).await?;
                let kind = if status == AppointmentStatus::CancelledByPatient {
                    NotificationKind::AppointmentCancelledByPatient
                } else {
                    NotificationKind::AppointmentCancelledByPractice
                };
                withdraw_reminders(&mut tx, appointment_id).await?;
                let payload = appointment_payload(appointment_id, appointment.sequence, appointment.slot_id, None);
                enqueue(&mut tx, kind, appointment.patient_id, appointment_id, &payload, at, at).await?;
                tx.commit().await.map_err(map_err)?;
                Ok(appointment)
            }

            #[tracing::instrument(skip_all, fields(appointment_id = %appointment_id), err)]
            async fn record_attendance(
                &self,
                appointment_id: Uuid,
                status: AppointmentStatus,
                at: time::OffsetDateTime,
            ) -> StoreResult<Appointment> {
                let from: &[&str] = match status {
                    AppointmentStatus::Arrived | AppointmentStatus::DidNotAttend => &["booked"],
                    AppointmentStatus::Completed => &["booked", "arrived"],
                    _ => return Err(Conflict::NotAnAttendance.into()),
                };
                let mut tx = begin_write(&self.pool).await?;
                let done = sqlx::query(
                    "update appointment set status = $1, updated_at = $2
                     where appointment_id = $3 and (status = $4 or status = $5)",
                )
                .bind(status.as_str())
                .bind(utc(at))
                .bind(id(appointment_id))
                .bind(from[0])
                .bind(from.get(1).copied().unwrap_or(from[0]))
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                let row =
                    sqlx::query(&format!("select {APPOINTMENT_COLUMNS} from appointment where appointment_id = $1"))
                        .bind(id(appointment_id))
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(map_err)?
                        .ok_or(StoreError::NotFound)?;
                if done.rows_affected() != 1 {
                    return Err(Conflict::AppointmentChanged.into());
                }
                let appointment = appointment_from_row(&row)?;
                tx.commit().await.map_err(map_err)?;
                Ok(appointment)
            }
        }

        /// The slot a guarded update changed or, when its guard let nothing
        /// through, why not: `NotFound` when there is no such slot,
        /// `refusal` otherwise.
        async fn changed_or(
            store: &$store,
            slot_id: Uuid,
            changed: Option<Slot>,
            refusal: Conflict,
        ) -> StoreResult<Slot> {
            match changed {
                Some(slot) => Ok(slot),
                None => {
                    store.slot(slot_id).await?;
                    Err(refusal.into())
                }
            }
        }

        /// The statement that reads a patient's booking facts: their row,
        /// the codes of their active conditions, and their live
        /// appointments of `service` (an expression) starting after $3;
        /// `$1` is the patient. `extra` adds columns, `join` a table.
        fn facts_statement(service: &str, extra: &str, join: &str) -> String {
            let patient_columns = prefixed(PATIENT_COLUMNS, "p");
            format!(
                "select {patient_columns},
                     (select {ACTIVE_CODES} from patient_condition c
                      where c.patient_id = p.patient_id and c.clinical_status = 'active') as active_codes,
                     (select count(*) from appointment a join slot s on s.slot_id = a.slot_id
                      where a.patient_id = p.patient_id and a.status in ('booked', 'arrived')
                        and s.service = {service} and s.starts_at > $3) as live_of_service{extra}
                 from patient p {join}
                 where p.patient_id = $1"
            )
        }

        fn facts_from_row(row: &DbRow) -> StoreResult<PatientBookingFacts> {
            let codes: Option<String> = row.try_get("active_codes").map_err(map_err)?;
            let live: i64 = row.try_get("live_of_service").map_err(map_err)?;
            let mut active_condition_codes: Vec<String> =
                codes.unwrap_or_default().split(' ').filter(|c| !c.is_empty()).map(str::to_string).collect();
            active_condition_codes.sort();
            active_condition_codes.dedup();
            Ok(PatientBookingFacts {
                patient: patient_from_row(row)?,
                active_condition_codes,
                live_of_service: u32::try_from(live).unwrap_or(u32::MAX),
            })
        }

        /// The booking written statement by statement, where one statement
        /// cannot do it all (SQLite: its writers are serialised, so the
        /// count and the claim see everything committed before).
        async fn book_in_steps(conn: &mut Conn, request: &BookingRequest) -> StoreResult<BookingWritten> {
            if let Some(limit) = &request.limit {
                if let Err(StoreError::Conflict(Conflict::PatientLimitReached)) =
                    within_limit(conn, request.patient_id, limit, None).await
                {
                    return Ok(BookingWritten::LimitReached);
                }
            }
            let claimed = sqlx::query(
                "update slot set status = 'booked', held_for_patient_id = null, held_until = null
                 where slot_id = $1
                   and (status = 'free' or (status = 'held' and (held_for_patient_id = $2 or held_until <= $3)))",
            )
            .bind(id(request.slot_id))
            .bind(id(request.patient_id))
            .bind(utc(request.at))
            .execute(&mut *conn)
            .await
            .map_err(map_err)?;
            if claimed.rows_affected() == 0 {
                return Ok(BookingWritten::SlotTaken);
            }
            sqlx::query(
                "insert into appointment (appointment_id, slot_id, patient_id, status, note, booked_by_kind,
                     booked_by_id, idempotency_key, sequence, created_at, updated_at, override_reason,
                     overridden_by, idempotency_slot_id)
                 values ($1, $2, $3, 'booked', $4, $5, $6, $7, 0, $8, $8, $9, $10, $11)",
            )
            .bind(id(request.appointment_id))
            .bind(id(request.slot_id))
            .bind(id(request.patient_id))
            .bind(&request.note)
            .bind(&request.booked_by_kind)
            .bind(request.booked_by_id.map(id))
            .bind(&request.idempotency_key)
            .bind(utc(request.at))
            .bind(request.overridden.as_ref().map(|o| o.reason.as_str()))
            .bind(request.overridden.as_ref().map(|o| id(o.by)))
            .bind(request.idempotency_key.as_ref().map(|_| id(request.slot_id)))
            .execute(&mut *conn)
            .await
            .map_err(map_err)?;
            // An override is audited with the booking it allowed: the
            // rules' codes as the reason, never the free text.
            if let Some(o) = &request.overridden {
                sqlx::query(
                    "insert into audit_event (occurred_at, actor_kind, actor_id, action, target_kind, target_id,
                         outcome, reason)
                     values ($1, 'staff', $2, 'booking_override', 'appointment', $3, 'success', $4)",
                )
                .bind(utc(request.at))
                .bind(id(o.by))
                .bind(id(request.appointment_id))
                .bind(&o.rules)
                .execute(&mut *conn)
                .await
                .map_err(map_err)?;
            }
            // The messages go in the same transaction as the booking.
            let payload = appointment_payload(request.appointment_id, 0, request.slot_id, None);
            enqueue(
                conn,
                NotificationKind::AppointmentBooked,
                request.patient_id,
                request.appointment_id,
                &payload,
                request.at,
                request.at,
            )
            .await?;
            schedule_reminders(conn, request.appointment_id, request.patient_id, request.slot_id, &payload, request.at)
                .await?;
            sqlx::query(
                "update waitlist_entry set status = 'accepted'
                 where patient_id = $1 and offered_slot_id = $2 and status = 'offered'",
            )
            .bind(id(request.patient_id))
            .bind(id(request.slot_id))
            .execute(&mut *conn)
            .await
            .map_err(map_err)?;
            Ok(BookingWritten::Booked(appointment_in(conn, request.appointment_id).await?))
        }

        /// The appointment as the caller's transaction sees it.
        async fn appointment_in(conn: &mut Conn, appointment_id: Uuid) -> StoreResult<Appointment> {
            let row = sqlx::query(&format!("select {APPOINTMENT_COLUMNS} from appointment where appointment_id = $1"))
                .bind(id(appointment_id))
                .fetch_one(&mut *conn)
                .await
                .map_err(map_err)?;
            appointment_from_row(&row)
        }

        /// The appointment already booked with the request's idempotency
        /// key, if any.
        async fn booked_with_key(conn: &mut Conn, request: &BookingRequest) -> StoreResult<Option<Appointment>> {
            let Some(key) = &request.idempotency_key else { return Ok(None) };
            first_booked_with(conn, request.patient_id, request.slot_id, key).await
        }

        /// The appointment first booked with `key`. `Conflict::IdempotencyKeyReused`
        /// when someone else sent the key (a key never hands one person's
        /// booking to another), or when it was first sent for another slot:
        /// the same key with a different request is refused, as the IETF
        /// Idempotency-Key draft says, not answered with the first booking.
        async fn first_booked_with(
            conn: &mut Conn,
            patient_id: Uuid,
            slot_id: Uuid,
            key: &str,
        ) -> StoreResult<Option<Appointment>> {
            let existing = sqlx::query(&format!(
                "select {APPOINTMENT_COLUMNS}, idempotency_slot_id from appointment where idempotency_key = $1"
            ))
            .bind(key)
            .fetch_optional(&mut *conn)
            .await
            .map_err(map_err)?;
            let Some(row) = existing else { return Ok(None) };
            let first = appointment_from_row(&row)?;
            let first_slot = opt_row_uuid(&row, "idempotency_slot_id")?.unwrap_or(first.slot_id);
            if first.patient_id != patient_id || first_slot != slot_id {
                return Err(Conflict::IdempotencyKeyReused.into());
            }
            Ok(Some(first))
        }

        /// Where writers are not serialised (PostgreSQL), the patient's row
        /// is locked before their appointments are counted, so two bookings
        /// by one person take turns and the second counts the first. SQLite's
        /// `BEGIN IMMEDIATE` already did that for every writer.
        async fn lock_patient(conn: &mut Conn, patient_id: Uuid) -> StoreResult<()> {
            if !WRITERS_SERIALISED {
                sqlx::query(&format!("select 1 from patient where patient_id = $1{FOR_UPDATE}"))
                    .bind(id(patient_id))
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(map_err)?;
            }
            Ok(())
        }

        /// `Conflict::PatientLimitReached` when the patient already has
        /// `limit.max` live appointments of the service starting after
        /// `limit.after` (not counting the one being moved).
        async fn within_limit(
            conn: &mut Conn,
            patient_id: Uuid,
            limit: &PatientLimit,
            moving: Option<Uuid>,
        ) -> StoreResult<()> {
            let live: i64 = sqlx::query_scalar(
                "select count(*) from appointment a join slot s on s.slot_id = a.slot_id
                 where a.patient_id = $1 and a.status in ('booked', 'arrived') and s.service = $2
                   and s.starts_at > $3 and a.appointment_id <> $4",
            )
            .bind(id(patient_id))
            .bind(limit.service.as_str())
            .bind(utc(limit.after))
            .bind(id(moving.unwrap_or(Uuid::nil())))
            .fetch_one(&mut *conn)
            .await
            .map_err(map_err)?;
            if live >= i64::from(limit.max) {
                return Err(Conflict::PatientLimitReached.into());
            }
            Ok(())
        }
    };
}
