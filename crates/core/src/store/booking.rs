//! Slots and appointments: holding, booking, moving, cancelling, blocking,
//! and what happened on the day.

use async_trait::async_trait;
use uuid::Uuid;

use super::StoreResult;
use crate::booking::service::BookingError;
use crate::booking::{
    Appointment, AppointmentStatus, Booked, BookingCheck, BookingPlan, BookingRequest, PatientBookingFacts,
    PatientLimit, ServiceKind, Slot,
};

#[async_trait]
pub trait BookingStore: Send + Sync {
    async fn slot(&self, slot_id: Uuid) -> StoreResult<Slot>;

    /// An organisation's slots starting in `[from, to)`, by start time.
    async fn slots_between(
        &self,
        organisation_id: Uuid,
        from: time::OffsetDateTime,
        to: time::OffsetDateTime,
    ) -> StoreResult<Vec<Slot>>;

    /// Hold a free slot (or one whose hold has lapsed) for `patient_id`
    /// until `until`, while they confirm. `Conflict::SlotTaken` otherwise.
    async fn hold(
        &self,
        slot_id: Uuid,
        patient_id: Uuid,
        until: time::OffsetDateTime,
        now: time::OffsetDateTime,
    ) -> StoreResult<Slot>;

    /// Take a free slot out of use with a reason (leave, a closed room).
    /// `Conflict::SlotNotFree` when it is booked or held.
    async fn block_slot(&self, slot_id: Uuid, reason: &str, now: time::OffsetDateTime) -> StoreResult<Slot>;

    /// Put a blocked slot back in use. `Conflict::SlotNotBlocked` otherwise.
    async fn unblock_slot(&self, slot_id: Uuid) -> StoreResult<Slot>;

    /// What the booking rules need of a patient (see
    /// [`PatientBookingFacts`]), in one statement: `service`'s live
    /// appointments counted from `now`. `NotFound` when there is no such
    /// patient.
    async fn booking_facts(
        &self,
        patient_id: Uuid,
        service: ServiceKind,
        now: time::OffsetDateTime,
    ) -> StoreResult<PatientBookingFacts>;

    /// The slots of `service` at either organisation starting in
    /// `[from, to)` that are free at `now` (or whose hold has lapsed), by
    /// start time, at most `limit`: availability and a booking's
    /// alternatives, in one statement.
    async fn bookable_slots(
        &self,
        organisations: [Uuid; 2],
        service: ServiceKind,
        from: time::OffsetDateTime,
        to: time::OffsetDateTime,
        now: time::OffsetDateTime,
        limit: u32,
    ) -> StoreResult<Vec<Slot>>;

    /// Book in one transaction: read the slot and the patient's facts
    /// together (the patient's row locked where writers are not
    /// serialised, so one person's bookings take turns), let `check`
    /// decide (the access policy and the rules; its `Err` rolls back and is
    /// returned as `Ok(Err(..))`), then claim the slot and record the
    /// appointment, its messages, an override's audit line and an accepted
    /// waiting-list offer, on PostgreSQL in one statement.
    ///
    /// A retry with the same idempotency key returns the first appointment.
    /// `Conflict::SlotTaken` when the slot is not free (the database's
    /// unique index backs this under any concurrency),
    /// `Conflict::IdempotencyKeyReused` when the key names someone else's
    /// booking or was first sent for another slot,
    /// `Conflict::PatientLimitReached` when the plan's limit is reached
    /// (counted after the patient's lock is held), `NotFound` when there is
    /// no such slot or patient.
    async fn book_checked(
        &self,
        request: &BookingRequest,
        check: &BookingCheck<'_>,
    ) -> StoreResult<Result<Booked, BookingError>>;

    /// Book as [`BookingStore::book_checked`] does, with the request's own
    /// limit and override and no other check.
    async fn book(&self, request: &BookingRequest) -> StoreResult<Appointment> {
        let plan = BookingPlan::Book { limit: request.limit, overridden: request.overridden.clone() };
        let check = move |seen: crate::booking::BookingSeen| {
            let plan = if seen.key_used.is_some() { BookingPlan::ReturnFirst } else { plan.clone() };
            Box::pin(async move { Ok(plan) })
                as std::pin::Pin<Box<dyn std::future::Future<Output = Result<BookingPlan, BookingError>> + Send>>
        };
        match self.book_checked(request, &check).await? {
            Ok(booked) => Ok(booked.appointment),
            Err(e) => Err(super::StoreError::Other(format!("a booking without checks was refused: {e}").into())),
        }
    }

    /// The appointment first booked with `key`, for a retry to return
    /// before any rule is checked. `Conflict::IdempotencyKeyReused` when
    /// the key was sent by someone else or for another slot.
    async fn booked_with_key(&self, patient_id: Uuid, slot_id: Uuid, key: &str) -> StoreResult<Option<Appointment>>;

    async fn appointment(&self, appointment_id: Uuid) -> StoreResult<Appointment>;

    /// A patient's appointments, any status, by slot start.
    async fn appointments_for_patient(&self, patient_id: Uuid) -> StoreResult<Vec<Appointment>>;

    /// The appointments that are not cancelled or moved, in an
    /// organisation's slots starting in `[from, to)`: the day list.
    async fn appointments_between(
        &self,
        organisation_id: Uuid,
        from: time::OffsetDateTime,
        to: time::OffsetDateTime,
    ) -> StoreResult<Vec<Appointment>>;

    /// Move a live appointment to another slot in one transaction: the new
    /// slot is claimed and the old one released, the appointment keeps its
    /// id and its sequence rises, or nothing changes at all.
    /// `Conflict::SlotTaken` when the new slot is not free,
    /// `Conflict::AppointmentChanged` when the appointment is no longer
    /// live (cancelled or moved meanwhile).
    /// `limit`, when given, is counted inside the transaction without the
    /// appointment being moved (`Conflict::PatientLimitReached`).
    async fn amend(
        &self,
        appointment_id: Uuid,
        new_slot_id: Uuid,
        limit: Option<&PatientLimit>,
        at: time::OffsetDateTime,
    ) -> StoreResult<Appointment>;

    /// Cancel a live appointment and free its slot, in one transaction.
    /// `status` says who cancelled. `Conflict::AppointmentChanged` when it
    /// is no longer live.
    async fn cancel(
        &self,
        appointment_id: Uuid,
        status: AppointmentStatus,
        reason: &str,
        at: time::OffsetDateTime,
    ) -> StoreResult<Appointment>;

    /// Staff record what happened: arrived (from booked), did not attend
    /// (from booked), completed (from booked or arrived).
    /// `Conflict::AppointmentChanged` for any other change.
    async fn record_attendance(
        &self,
        appointment_id: Uuid,
        status: AppointmentStatus,
        at: time::OffsetDateTime,
    ) -> StoreResult<Appointment>;
}
