//! The storage port, one trait per area. Each method is a whole unit of work
//! (one transaction where it writes), because transactions do not cross a
//! `dyn` boundary. SQLite and PostgreSQL implement every area in
//! crates/store-*, in files named as these are; the conformance story in
//! crates/conformance holds both to the same behaviour.
//!
//! [`Store`] is the sum of the areas. Code holding an `Arc<dyn Store>`, a
//! `&dyn Store` or an `S: Store` calls any area's method without importing
//! that area's trait (a trait object and a bound bring their supertraits'
//! methods with them); code holding a concrete store (`SqliteStore`) imports
//! [`prelude`].

mod audit;
mod booking;
mod directory;
mod outbox;
mod patients;
mod population;
mod preferences;
mod record;
mod rota;
mod waitlist;

pub use audit::AuditStore;
pub use booking::BookingStore;
pub use directory::{DirectoryStore, OrganisationSearch};
pub use outbox::OutboxStore;
pub use patients::{PatientSearch, PatientStore};
pub use population::PopulationStore;
pub use preferences::PreferenceStore;
pub use record::RecordStore;
pub use rota::RotaStore;
pub use waitlist::WaitlistStore;

/// Every area trait and their sum, for code that calls a concrete store's
/// methods: `use carebook_core::store::prelude::*;`.
pub mod prelude {
    pub use super::{
        AuditStore, BookingStore, DirectoryStore, OutboxStore, PatientStore, PopulationStore, PreferenceStore,
        RecordStore, RotaStore, Store, WaitlistStore,
    };
}

/// The whole storage port: every area. Implemented for any type that
/// implements them all.
pub trait Store:
    PopulationStore
    + DirectoryStore
    + PatientStore
    + AuditStore
    + RotaStore
    + BookingStore
    + OutboxStore
    + WaitlistStore
    + PreferenceStore
    + RecordStore
    + Send
    + Sync
    + 'static
{
}

impl<T> Store for T where
    T: PopulationStore
        + DirectoryStore
        + PatientStore
        + AuditStore
        + RotaStore
        + BookingStore
        + OutboxStore
        + WaitlistStore
        + PreferenceStore
        + RecordStore
        + Send
        + Sync
        + 'static
{
}

/// Storage speaks storage: what went wrong in its own terms. The edges decide
/// what a person sees.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A rule of the store refused the change.
    #[error("conflict with {0}")]
    Conflict(Conflict),
    #[error(transparent)]
    Other(Box<dyn std::error::Error + Send + Sync + 'static>),
}

impl StoreError {
    pub fn other(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        StoreError::Other(Box::new(e))
    }
}

impl From<Conflict> for StoreError {
    fn from(c: Conflict) -> Self {
        StoreError::Conflict(c)
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The rule that refused a change. A variant names the rule, never the data
/// that broke it, and both stores give the same variant for the same
/// violation: each maps its database's refusals here in one place (its
/// `dialect.rs`), from the constraints named in migrations/*.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Conflict {
    /// The slot is booked, or held for someone else: booking, holding or
    /// moving to it (`appointment_live_slot_unique` backs this under any
    /// concurrency).
    SlotTaken,
    /// Only a free slot (or one whose hold lapsed) can be blocked.
    SlotNotFree,
    /// Only a blocked slot can be unblocked.
    SlotNotBlocked,
    /// A rota already made a slot at this start (`slot_rota_start_unique`).
    SlotAlreadyPlanned,
    /// The appointment is no longer in the state the change starts from
    /// (cancelled, moved or attended meanwhile).
    AppointmentChanged,
    /// A cancellation was asked with a status that is not a cancellation.
    NotACancellation,
    /// An attendance was asked with a status that is not an attendance.
    NotAnAttendance,
    /// The idempotency key already names another person's booking
    /// (`appointment_idempotency_key_unique`).
    IdempotencyKeyReused,
    /// The patient already has as many live future appointments of the
    /// service as its rules allow; counted inside the booking transaction,
    /// so it holds under any concurrency.
    PatientLimitReached,
    /// A note for the clinician is at most 500 characters
    /// (`appointment_note_length_check`).
    NoteTooLong,
    /// Two sessions of a rota start at the same time on the same weekday
    /// (`rota_session_pk`).
    SessionStartsTwice,
    /// A rota names the same day off twice (`rota_exception_pk`).
    DayOffTwice,
    /// A number outside what its rule allows: booking-rule limits, a
    /// session's slot length, a weekday (the `*_check` range constraints),
    /// or too large for its column.
    OutOfRange,
    /// Something ends before it starts: a session, a rota's dates, a slot,
    /// a waitlist window.
    EndsBeforeStart,
    /// Another organisation has this ODS code.
    OdsCodeTaken,
    /// Another patient has this NHS number.
    NhsNumberTaken,
    /// Another member of staff has this identity-provider subject.
    StaffUidTaken,
    /// Another federation has this name.
    FederationNameTaken,
    /// Only GP practices and hubs belong to a federation.
    OnlyPracticesAndHubsFederate,
    /// The person already holds this role at this organisation.
    RoleAlreadyHeld,
    /// This proxy already has access to this patient.
    ProxyAlreadyGranted,
    /// Nobody is their own proxy.
    ProxyForSelf,
    /// The patient already waits for this service.
    AlreadyWaiting,
    /// Another record source already authenticates with this client id
    /// (`record_source_client_id_unique`).
    ClientIdTaken,
    /// The worker no longer holds the notification: its lease ran out and
    /// another worker took it.
    LeaseLost,
    /// The id is already used (a primary key).
    IdTaken,
    /// The change refers to a row that does not exist (a foreign key).
    /// SQLite does not say which reference failed, so neither store does:
    /// the caller knows what it named.
    UnknownReference,
    /// A stored code outside its allowed set (a kind, a status, a role).
    /// The domain's types make this unreachable from parsed values.
    InvalidValue,
    /// A rule of the database that this list does not name yet; the stores'
    /// tests keep it unreached by listing every constraint of migrations/*.
    Unlisted,
}

impl Conflict {
    pub const ALL: [Conflict; 29] = [
        Conflict::SlotTaken,
        Conflict::SlotNotFree,
        Conflict::SlotNotBlocked,
        Conflict::SlotAlreadyPlanned,
        Conflict::AppointmentChanged,
        Conflict::NotACancellation,
        Conflict::NotAnAttendance,
        Conflict::IdempotencyKeyReused,
        Conflict::PatientLimitReached,
        Conflict::NoteTooLong,
        Conflict::SessionStartsTwice,
        Conflict::DayOffTwice,
        Conflict::OutOfRange,
        Conflict::EndsBeforeStart,
        Conflict::OdsCodeTaken,
        Conflict::NhsNumberTaken,
        Conflict::StaffUidTaken,
        Conflict::FederationNameTaken,
        Conflict::OnlyPracticesAndHubsFederate,
        Conflict::RoleAlreadyHeld,
        Conflict::ProxyAlreadyGranted,
        Conflict::ProxyForSelf,
        Conflict::AlreadyWaiting,
        Conflict::ClientIdTaken,
        Conflict::LeaseLost,
        Conflict::IdTaken,
        Conflict::UnknownReference,
        Conflict::InvalidValue,
        Conflict::Unlisted,
    ];

    /// The stable snake_case code, for logs and for the edges' own codes.
    pub fn as_str(self) -> &'static str {
        match self {
            Conflict::SlotTaken => "slot_taken",
            Conflict::SlotNotFree => "slot_not_free",
            Conflict::SlotNotBlocked => "slot_not_blocked",
            Conflict::SlotAlreadyPlanned => "slot_already_planned",
            Conflict::AppointmentChanged => "appointment_changed",
            Conflict::NotACancellation => "not_a_cancellation",
            Conflict::NotAnAttendance => "not_an_attendance",
            Conflict::IdempotencyKeyReused => "idempotency_key_reused",
            Conflict::PatientLimitReached => "patient_limit_reached",
            Conflict::NoteTooLong => "note_too_long",
            Conflict::SessionStartsTwice => "session_starts_twice",
            Conflict::DayOffTwice => "day_off_twice",
            Conflict::OutOfRange => "out_of_range",
            Conflict::EndsBeforeStart => "ends_before_start",
            Conflict::OdsCodeTaken => "ods_code_taken",
            Conflict::NhsNumberTaken => "nhs_number_taken",
            Conflict::StaffUidTaken => "staff_uid_taken",
            Conflict::FederationNameTaken => "federation_name_taken",
            Conflict::OnlyPracticesAndHubsFederate => "only_practices_and_hubs_federate",
            Conflict::RoleAlreadyHeld => "role_already_held",
            Conflict::ProxyAlreadyGranted => "proxy_already_granted",
            Conflict::ProxyForSelf => "proxy_for_self",
            Conflict::AlreadyWaiting => "already_waiting",
            Conflict::ClientIdTaken => "client_id_taken",
            Conflict::LeaseLost => "lease_lost",
            Conflict::IdTaken => "id_taken",
            Conflict::UnknownReference => "unknown_reference",
            Conflict::InvalidValue => "invalid_value",
            Conflict::Unlisted => "unlisted",
        }
    }
}

impl std::fmt::Display for Conflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

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

#[cfg(test)]
mod tests {
    use super::{Conflict, StoreError};

    #[test]
    fn every_conflict_has_its_own_snake_case_code() {
        let mut codes: Vec<&str> = Conflict::ALL.iter().map(|c| c.as_str()).collect();
        assert!(codes.iter().all(|c| c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_')), "{codes:?}");
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), Conflict::ALL.len());
    }

    #[test]
    fn a_conflict_reads_as_its_code() {
        assert_eq!(StoreError::Conflict(Conflict::SlotTaken).to_string(), "conflict with slot_taken");
    }
}
