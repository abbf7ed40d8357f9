//! The storage port. Each method is a whole unit of work (one transaction
//! where it writes), because transactions do not cross a `dyn` boundary.
//! SQLite and PostgreSQL implement it in crates/store-*; the conformance
//! story in crates/conformance holds both to the same behaviour.

use async_trait::async_trait;
use uuid::Uuid;

use crate::booking::rota::{PlannedSlot, RotaTemplate};
use crate::booking::{Appointment, AppointmentStatus, BookingRequest, Slot};
use crate::domain::{NhsNumber, OdsCode};
use crate::model::{
    Area, AuditEvent, Condition, Federation, Organisation, OrganisationKind, Patient, Population, PopulationCounts,
    ProxyAccess, StaffAssignment, StaffMember, StoredAuditEvent,
};
use crate::notify::outbox::Notification;

/// Storage speaks storage: what went wrong in its own terms. The edges decide
/// what a person sees.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness or reference rule of the store refused the change; the
    /// string names the rule (the constraint), never the data.
    #[error("conflict with {0}")]
    Conflict(String),
    #[error(transparent)]
    Other(Box<dyn std::error::Error + Send + Sync + 'static>),
}

impl StoreError {
    pub fn other(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        StoreError::Other(Box::new(e))
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Which migrations the binary knows and which the database has applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationStatus {
    pub known: Vec<i64>,
    pub applied: Vec<i64>,
}

impl MigrationStatus {
    /// Current when every known migration has been applied successfully.
    pub fn is_current(&self) -> bool {
        self.known.iter().all(|v| self.applied.contains(v))
    }
    pub fn pending(&self) -> Vec<i64> {
        self.known.iter().copied().filter(|v| !self.applied.contains(v)).collect()
    }
}

/// A search of the organisation directory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrganisationSearch {
    /// Matched case-insensitively against name, town, postcode and ODS code.
    pub text: Option<String>,
    /// Empty means every kind.
    pub kinds: Vec<OrganisationKind>,
    pub area: Option<crate::model::AreaCode>,
    pub federation_id: Option<Uuid>,
    /// At most this many, ordered by name.
    pub limit: u32,
}

/// A receptionist's search for a patient by name and date of birth, among
/// the practices they work for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientSearch {
    /// Registered at one of these practices.
    pub practice_ids: Vec<Uuid>,
    /// Matched whole, ignoring case and surrounding spaces.
    pub family_name: String,
    /// When given, the given name must start with it (ignoring case).
    pub given_name: Option<String>,
    pub date_of_birth: time::Date,
    /// At most this many, ordered by family name, given name.
    pub limit: u32,
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// "sqlite" or "postgres", for logs and /ready.
    fn backend(&self) -> &'static str;

    /// A round trip to the database.
    async fn ping(&self) -> StoreResult<()>;

    /// Apply every pending migration.
    async fn migrate(&self) -> StoreResult<()>;

    async fn migration_status(&self) -> StoreResult<MigrationStatus>;

    /// Replace everything with `population`, in one transaction: on failure
    /// the store is left exactly as it was. Used by `carebook demo` and by the
    /// demonstration reset.
    async fn replace_population(&self, population: &Population) -> StoreResult<PopulationCounts>;

    async fn population_counts(&self) -> StoreResult<PopulationCounts>;

    async fn list_areas(&self) -> StoreResult<Vec<Area>>;

    async fn list_federations(&self) -> StoreResult<Vec<Federation>>;

    /// Add one organisation. `Conflict` when its ODS code is taken.
    async fn insert_organisation(&self, organisation: &Organisation) -> StoreResult<()>;

    async fn search_organisations(&self, search: &OrganisationSearch) -> StoreResult<Vec<Organisation>>;

    async fn organisation_by_ods(&self, ods_code: &OdsCode) -> StoreResult<Organisation>;

    async fn organisation_by_id(&self, organisation_id: Uuid) -> StoreResult<Organisation>;

    /// Add one patient. `Conflict` when the NHS number is already registered
    /// or the practice does not exist.
    async fn insert_patient(&self, patient: &Patient) -> StoreResult<()>;

    async fn patient_by_id(&self, patient_id: Uuid) -> StoreResult<Patient>;

    async fn patient_by_nhs_number(&self, nhs_number: &NhsNumber) -> StoreResult<Patient>;

    async fn conditions_for_patient(&self, patient_id: Uuid) -> StoreResult<Vec<Condition>>;

    /// A member of staff by the subject their identity provider gives them,
    /// with every role they hold.
    async fn staff_by_uid(&self, staff_uid: &str) -> StoreResult<(StaffMember, Vec<StaffAssignment>)>;

    /// The people `proxy_patient_id` may act for.
    async fn proxy_access_held_by(&self, proxy_patient_id: Uuid) -> StoreResult<Vec<ProxyAccess>>;

    /// Add a line to the audit trail. The trail is append-only: the
    /// database itself refuses updates and deletes, and a demonstration
    /// reset leaves it alone.
    async fn append_audit(&self, event: &AuditEvent) -> StoreResult<i64>;

    /// The newest `limit` audit lines about one thing (for "who looked at my
    /// record"), newest first.
    async fn audit_for_target(
        &self,
        target_kind: &str,
        target_id: Uuid,
        limit: u32,
    ) -> StoreResult<Vec<StoredAuditEvent>>;

    /// Create or replace a rota template with its sessions and exceptions,
    /// in one transaction. Slots already made from it are kept.
    async fn save_rota_template(&self, template: &RotaTemplate) -> StoreResult<()>;

    async fn rota_template(&self, rota_template_id: Uuid) -> StoreResult<RotaTemplate>;

    /// Add the planned slots the store does not have yet (a slot is known by
    /// its template and start), returning how many were added. Never
    /// removes or changes a slot.
    async fn add_planned_slots(&self, slots: &[PlannedSlot]) -> StoreResult<u64>;

    /// An organisation's slots starting in `[from, to)`, by start time.
    async fn slots_between(
        &self,
        organisation_id: Uuid,
        from: time::OffsetDateTime,
        to: time::OffsetDateTime,
    ) -> StoreResult<Vec<Slot>>;

    /// Book in one transaction: claim the free slot and record the
    /// appointment. A retry with the same idempotency key returns the first
    /// appointment. `Conflict("slot_taken")` when the slot is not free (the
    /// database's unique index backs this under any concurrency),
    /// `NotFound` when there is no such slot.
    async fn book(&self, request: &BookingRequest) -> StoreResult<Appointment>;

    async fn appointment(&self, appointment_id: Uuid) -> StoreResult<Appointment>;

    async fn slot(&self, slot_id: Uuid) -> StoreResult<Slot>;

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

    /// A member of staff by id (clinicians own slots).
    async fn staff_member(&self, staff_member_id: Uuid) -> StoreResult<StaffMember>;

    /// Move a live appointment to another slot in one transaction: the new
    /// slot is claimed and the old one released, the appointment keeps its
    /// id and its sequence rises, or nothing changes at all.
    /// `Conflict("slot_taken")` when the new slot is not free,
    /// `Conflict("appointment_changed")` when the appointment is no longer
    /// live (cancelled or moved meanwhile).
    async fn amend(
        &self,
        appointment_id: Uuid,
        new_slot_id: Uuid,
        at: time::OffsetDateTime,
    ) -> StoreResult<Appointment>;

    /// Cancel a live appointment and free its slot, in one transaction.
    /// `status` says who cancelled. `Conflict("appointment_changed")` when it
    /// is no longer live.
    async fn cancel(
        &self,
        appointment_id: Uuid,
        status: AppointmentStatus,
        reason: &str,
        at: time::OffsetDateTime,
    ) -> StoreResult<Appointment>;

    /// Claim up to `limit` due notifications for `worker` for `lease`: rows
    /// that are pending and due, or whose previous worker's lease ran out.
    /// Two workers never claim the same row (PostgreSQL: SKIP LOCKED).
    async fn claim_notifications(
        &self,
        worker: &str,
        now: time::OffsetDateTime,
        lease: time::Duration,
        limit: u32,
    ) -> StoreResult<Vec<Notification>>;

    /// Mark a claimed notification sent. `Conflict` when `worker` no longer
    /// holds it (its lease ran out and another worker took it).
    async fn complete_notification(
        &self,
        notification_id: Uuid,
        worker: &str,
        at: time::OffsetDateTime,
    ) -> StoreResult<()>;

    /// Record a failed attempt: due again at `retry_at`, or parked when
    /// `None`.
    async fn fail_notification(
        &self,
        notification_id: Uuid,
        worker: &str,
        error: &str,
        retry_at: Option<time::OffsetDateTime>,
    ) -> StoreResult<()>;

    /// Put a parked notification back in the queue, due `now`.
    async fn replay_notification(&self, notification_id: Uuid, now: time::OffsetDateTime) -> StoreResult<()>;

    async fn notifications_for_patient(&self, patient_id: Uuid) -> StoreResult<Vec<Notification>>;

    /// Hand a claimed notification back unsent, due at `until`, without
    /// counting an attempt: text messages waiting for the quiet hours to
    /// end, and the rest of a batch when a worker stops. `Conflict` when
    /// `worker` no longer holds it.
    async fn defer_notification(
        &self,
        notification_id: Uuid,
        worker: &str,
        until: time::OffsetDateTime,
    ) -> StoreResult<()>;

    /// Note that a notification went out on `channel`, so that a retry or a
    /// deferred text never sends it there again.
    async fn record_channel_sent(
        &self,
        notification_id: Uuid,
        channel: crate::notify::preferences::DeliveryChannel,
    ) -> StoreResult<()>;

    /// Parked notifications, most recently created first, with their last
    /// error: what an admin reviews and replays.
    async fn parked_notifications(&self, limit: u32) -> StoreResult<Vec<Notification>>;

    /// Counts over the whole outbox, for /metrics; `now` decides what is due.
    async fn outbox_stats(&self, now: time::OffsetDateTime) -> StoreResult<crate::notify::outbox::OutboxStats>;

    /// The demonstration's record of a message that would have been sent.
    async fn record_demo_message(&self, message: &crate::notify::demonstration::SentMessage) -> StoreResult<()>;

    /// What the demonstration would have sent, newest first.
    async fn demo_messages(&self, limit: u32) -> StoreResult<Vec<crate::notify::demonstration::SentMessage>>;

    /// Hold a free slot (or one whose hold has lapsed) for `patient_id`
    /// until `until`, while they confirm. `Conflict("slot_taken")` otherwise.
    async fn hold(
        &self,
        slot_id: Uuid,
        patient_id: Uuid,
        until: time::OffsetDateTime,
        now: time::OffsetDateTime,
    ) -> StoreResult<Slot>;

    /// Take a free slot out of use with a reason (leave, a closed room).
    /// `Conflict("slot_not_free")` when it is booked or held.
    async fn block_slot(&self, slot_id: Uuid, reason: &str, now: time::OffsetDateTime) -> StoreResult<Slot>;

    /// Put a blocked slot back in use. `Conflict("slot_not_blocked")` otherwise.
    async fn unblock_slot(&self, slot_id: Uuid) -> StoreResult<Slot>;

    /// Staff record what happened: arrived (from booked), did not attend
    /// (from booked), completed (from booked or arrived).
    /// `Conflict("appointment_changed")` for any other change.
    async fn record_attendance(
        &self,
        appointment_id: Uuid,
        status: crate::booking::AppointmentStatus,
        at: time::OffsetDateTime,
    ) -> StoreResult<Appointment>;

    /// Join the waitlist. `Conflict` when the patient already waits for
    /// this service.
    async fn join_waitlist(&self, entry: &crate::booking::waitlist::WaitlistEntry) -> StoreResult<()>;

    async fn waitlist_entry(&self, waitlist_entry_id: Uuid) -> StoreResult<crate::booking::waitlist::WaitlistEntry>;

    /// Offers nobody answered in time pass on: the entry expires, the slot's
    /// hold is released, and the slot is offered to the next person waiting.
    /// Returns how many offers expired.
    async fn expire_waitlist_offers(&self, now: time::OffsetDateTime) -> StoreResult<u64>;

    async fn location(&self, location_id: Uuid) -> StoreResult<crate::model::Location>;

    /// The choices a patient has made (groups without a row use the default).
    async fn contact_preferences(
        &self,
        patient_id: Uuid,
    ) -> StoreResult<Vec<crate::notify::preferences::ContactPreference>>;

    /// Record a patient's choice for one group.
    async fn set_contact_preference(
        &self,
        patient_id: Uuid,
        preference: crate::notify::preferences::ContactPreference,
    ) -> StoreResult<()>;

    /// The booking rules an organisation has set, by service. A service
    /// not listed follows the defaults.
    async fn booking_rules(
        &self,
        organisation_id: Uuid,
    ) -> StoreResult<Vec<(crate::booking::ServiceKind, crate::booking::rules::BookingRules)>>;

    /// Set an organisation's rules for a service (`Some`), or go back to the
    /// defaults (`None`). `by` is the member of staff who changed them.
    async fn set_booking_rules(
        &self,
        organisation_id: Uuid,
        service: crate::booking::ServiceKind,
        rules: Option<&crate::booking::rules::BookingRules>,
        by: Option<Uuid>,
        at: time::OffsetDateTime,
    ) -> StoreResult<()>;

    /// An organisation's rota templates, with sessions and exceptions, by
    /// service then start date.
    async fn rota_templates_for(&self, organisation_id: Uuid) -> StoreResult<Vec<RotaTemplate>>;

    /// An organisation's locations, by name.
    async fn locations_for(&self, organisation_id: Uuid) -> StoreResult<Vec<crate::model::Location>>;

    /// Staff with a clinical role who work at an organisation, by family
    /// name: the people a rota can name.
    async fn clinicians_at(&self, organisation_id: Uuid) -> StoreResult<Vec<StaffMember>>;

    /// Patients by name and date of birth, at the given practices.
    async fn find_patients(&self, search: &PatientSearch) -> StoreResult<Vec<Patient>>;

    /// Waitlist entries still open (waiting or offered) for an
    /// organisation: patients of a practice, or people who may be seen at a
    /// hub. Oldest first (the order offers are made in).
    async fn waitlist_for_organisation(
        &self,
        organisation_id: Uuid,
    ) -> StoreResult<Vec<crate::booking::waitlist::WaitlistEntry>>;
}
