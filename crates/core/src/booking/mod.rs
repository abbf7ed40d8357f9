//! The booking engine's domain: what can be booked (services, channels, who
//! may book a slot), how rotas become slots, and the rules that decide
//! whether a person may book a slot, with an explanation for receptionists.
//! Storage (claiming a slot so that it never holds two live appointments)
//! is the stores' job; these are the rules they apply.

pub mod desk;
pub mod rota;
pub mod rules;
pub mod service;
pub mod view;
pub mod waitlist;

use serde::{Deserialize, Serialize};

/// What an appointment is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceKind {
    GpAppointment,
    Nurse,
    HealthcareAssistant,
    Phlebotomy,
    DiabetesReview,
    CopdReview,
    MedicationReview,
}

impl ServiceKind {
    pub const ALL: [ServiceKind; 7] = [
        ServiceKind::GpAppointment,
        ServiceKind::Nurse,
        ServiceKind::HealthcareAssistant,
        ServiceKind::Phlebotomy,
        ServiceKind::DiabetesReview,
        ServiceKind::CopdReview,
        ServiceKind::MedicationReview,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ServiceKind::GpAppointment => "gp_appointment",
            ServiceKind::Nurse => "nurse",
            ServiceKind::HealthcareAssistant => "healthcare_assistant",
            ServiceKind::Phlebotomy => "phlebotomy",
            ServiceKind::DiabetesReview => "diabetes_review",
            ServiceKind::CopdReview => "copd_review",
            ServiceKind::MedicationReview => "medication_review",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// In plain English, as a patient would choose it.
    pub fn label(self) -> &'static str {
        match self {
            ServiceKind::GpAppointment => "GP appointment",
            ServiceKind::Nurse => "Practice nurse appointment",
            ServiceKind::HealthcareAssistant => "Healthcare assistant appointment",
            ServiceKind::Phlebotomy => "Blood test",
            ServiceKind::DiabetesReview => "Diabetes review",
            ServiceKind::CopdReview => "COPD review",
            ServiceKind::MedicationReview => "Medication review",
        }
    }

    /// The usual length of one appointment, in minutes.
    pub fn default_minutes(self) -> u16 {
        match self {
            ServiceKind::GpAppointment => 10,
            ServiceKind::Nurse | ServiceKind::HealthcareAssistant => 15,
            ServiceKind::Phlebotomy => 10,
            ServiceKind::DiabetesReview | ServiceKind::CopdReview => 30,
            ServiceKind::MedicationReview => 20,
        }
    }
}

/// How the appointment happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    FaceToFace,
    Telephone,
    Video,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::FaceToFace, Channel::Telephone, Channel::Video];
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::FaceToFace => "face_to_face",
            Channel::Telephone => "telephone",
            Channel::Video => "video",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Channel::FaceToFace => "In person",
            Channel::Telephone => "Phone call",
            Channel::Video => "Video call",
        }
    }
}

/// Who may book a slot online.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BookableBy {
    /// Patients registered at the slot's practice.
    OwnPractice,
    /// Patients of every member practice of the slot's federation (hub slots).
    Federation,
    /// Only staff, for example for urgent on-the-day triage.
    StaffOnly,
}

impl BookableBy {
    pub const ALL: [BookableBy; 3] = [BookableBy::OwnPractice, BookableBy::Federation, BookableBy::StaffOnly];
    pub fn as_str(self) -> &'static str {
        match self {
            BookableBy::OwnPractice => "own_practice",
            BookableBy::Federation => "federation",
            BookableBy::StaffOnly => "staff_only",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// As a list of rotas names it, from outside the practice.
    pub fn label(self) -> &'static str {
        match self {
            BookableBy::OwnPractice => "Own practice's patients",
            BookableBy::Federation => "Patients across the federation",
            BookableBy::StaffOnly => "Staff only",
        }
    }

    /// As the rota form offers it. It differs from [`Self::label`] because
    /// the form is filled in at one practice: "this practice".
    pub fn choice_label(self) -> &'static str {
        match self {
            BookableBy::OwnPractice => "Patients of this practice",
            BookableBy::Federation => "Patients of any practice in the federation",
            BookableBy::StaffOnly => "Staff only",
        }
    }
}

/// Where a slot stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlotStatus {
    Free,
    /// Held for a few minutes while someone confirms.
    Held,
    Booked,
    /// Taken out of use by the practice, with a reason.
    Blocked,
}

impl SlotStatus {
    pub const ALL: [SlotStatus; 4] = [SlotStatus::Free, SlotStatus::Held, SlotStatus::Booked, SlotStatus::Blocked];
    pub fn as_str(self) -> &'static str {
        match self {
            SlotStatus::Free => "free",
            SlotStatus::Held => "held",
            SlotStatus::Booked => "booked",
            SlotStatus::Blocked => "blocked",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips_through_its_string() {
        for k in ServiceKind::ALL {
            assert_eq!(ServiceKind::parse(k.as_str()), Some(k));
            assert!(k.default_minutes() >= 10);
        }
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.as_str()), Some(c));
        }
        for b in BookableBy::ALL {
            assert_eq!(BookableBy::parse(b.as_str()), Some(b));
        }
        for s in SlotStatus::ALL {
            assert_eq!(SlotStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(ServiceKind::parse("surgery"), None);
    }
}

/// A bookable period of a clinician's time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slot {
    pub slot_id: uuid::Uuid,
    pub organisation_id: uuid::Uuid,
    pub location_id: uuid::Uuid,
    pub clinician_id: uuid::Uuid,
    pub service: ServiceKind,
    pub channel: Channel,
    pub bookable_by: BookableBy,
    pub starts_at: time::OffsetDateTime,
    pub ends_at: time::OffsetDateTime,
    pub status: SlotStatus,
    pub blocked_reason: Option<String>,
    pub rota_template_id: Option<uuid::Uuid>,
    /// Set while someone is confirming; the hold lapses by itself.
    pub held_until: Option<time::OffsetDateTime>,
}

impl Slot {
    /// Free, or held by a hold that has lapsed.
    pub fn is_free_at(&self, now: time::OffsetDateTime) -> bool {
        self.status == SlotStatus::Free
            || (self.status == SlotStatus::Held && self.held_until.is_some_and(|until| until <= now))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppointmentStatus {
    Booked,
    Arrived,
    Completed,
    DidNotAttend,
    CancelledByPatient,
    CancelledByPractice,
    /// Replaced by an amendment to another slot.
    Moved,
}

impl AppointmentStatus {
    pub const ALL: [AppointmentStatus; 7] = [
        AppointmentStatus::Booked,
        AppointmentStatus::Arrived,
        AppointmentStatus::Completed,
        AppointmentStatus::DidNotAttend,
        AppointmentStatus::CancelledByPatient,
        AppointmentStatus::CancelledByPractice,
        AppointmentStatus::Moved,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            AppointmentStatus::Booked => "booked",
            AppointmentStatus::Arrived => "arrived",
            AppointmentStatus::Completed => "completed",
            AppointmentStatus::DidNotAttend => "did_not_attend",
            AppointmentStatus::CancelledByPatient => "cancelled_by_patient",
            AppointmentStatus::CancelledByPractice => "cancelled_by_practice",
            AppointmentStatus::Moved => "moved",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
    /// A live appointment holds its slot.
    pub fn is_live(self) -> bool {
        matches!(self, AppointmentStatus::Booked | AppointmentStatus::Arrived)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appointment {
    pub appointment_id: uuid::Uuid,
    pub slot_id: uuid::Uuid,
    pub patient_id: uuid::Uuid,
    pub status: AppointmentStatus,
    pub note: Option<String>,
    /// "patient" or "staff".
    pub booked_by_kind: String,
    pub booked_by_id: Option<uuid::Uuid>,
    pub idempotency_key: Option<String>,
    /// Rises with every amendment (the calendar invitation's SEQUENCE).
    pub sequence: i32,
    pub created_at: time::OffsetDateTime,
    /// Why a member of staff booked it over the rules, when they did.
    pub override_reason: Option<String>,
    /// The member of staff who overrode the rules.
    pub overridden_by: Option<uuid::Uuid>,
}

/// One booking, as the store carries it out in a single transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingRequest {
    pub appointment_id: uuid::Uuid,
    pub slot_id: uuid::Uuid,
    pub patient_id: uuid::Uuid,
    pub note: Option<String>,
    pub booked_by_kind: String,
    pub booked_by_id: Option<uuid::Uuid>,
    pub idempotency_key: Option<String>,
    pub at: time::OffsetDateTime,
    /// The patient's limit for the service, counted in the booking
    /// transaction; `None` when the service has no limit or staff overrode it.
    pub limit: Option<PatientLimit>,
    /// Staff booked over the rules: recorded with the appointment and in
    /// the audit trail in the same transaction.
    pub overridden: Option<BookingOverride>,
}

/// What the booking rules need to know of a patient, read in one statement:
/// who they are (their practice), their active coded conditions, and how
/// many live appointments of the service they have from now on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientBookingFacts {
    pub patient: crate::model::Patient,
    /// SNOMED CT codes of their conditions whose status is active.
    pub active_condition_codes: Vec<String>,
    /// Their booked or arrived appointments of the service starting after
    /// the time asked about.
    pub live_of_service: u32,
}

/// What the booking transaction has read, for the service to decide on
/// before anything is written: the slot as it is, the patient's facts (the
/// patient's row locked where writers are not serialised), and whether the
/// request's idempotency key was used before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingSeen {
    pub slot: Slot,
    pub facts: PatientBookingFacts,
    /// The key was used before: for this very request (same patient, same
    /// slot), or (`false`) for another one.
    pub key_used: Option<bool>,
}

/// The service's decision on what the booking transaction has seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BookingPlan {
    /// A retry: answer with the appointment first booked with the key (or
    /// `Conflict::IdempotencyKeyReused` when the key was for another
    /// request).
    ReturnFirst,
    /// Book, counting `limit` and recording `overridden` in the same
    /// transaction.
    Book { limit: Option<PatientLimit>, overridden: Option<BookingOverride> },
}

/// A booking made (or the one a retry repeats), with its slot as booked,
/// so that the answer needs to read nothing more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booked {
    pub appointment: Appointment,
    pub slot: Slot,
}

/// The service's check, run inside the booking transaction between its
/// read and its write: `Err` rolls the transaction back and is handed back
/// as it is.
pub type BookingCheck<'a> = dyn Fn(
        BookingSeen,
    )
        -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<BookingPlan, service::BookingError>> + Send + 'a>>
    + Send
    + Sync
    + 'a;

/// At most `max` live appointments of `service` starting after `after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientLimit {
    pub service: ServiceKind,
    pub max: u32,
    pub after: time::OffsetDateTime,
}

/// A booking over the rules by a member of staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingOverride {
    /// What the member of staff wrote, trimmed, at most 500 characters.
    pub reason: String,
    pub by: uuid::Uuid,
    /// The codes of the rules overridden ("booking_limit,eligibility"):
    /// the audit line's reason, never the free text.
    pub rules: String,
}
