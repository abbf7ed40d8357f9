//! Who else may see a patient's record, and the log of every staff view.
//!
//! A member of staff reads a record only as a clinician of an organisation
//! with a legitimate relationship to the patient: the patient is registered
//! at that practice, or has an appointment there within
//! [`APPOINTMENT_WINDOW_DAYS`] of today (London). Staff outside the
//! patient's own practice see only the privacy labels the patient shares
//! ([`SharingChoices`]). Emergency access outside those rules needs a
//! written reason, sees everything, and is flagged in the log the patient
//! reads. Withheld items are shown to clinicians, marked.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use super::PrivacyLabel;
use crate::model::StaffRole;

/// How far either side of today an appointment at an organisation makes a
/// legitimate relationship with its clinicians.
pub const APPOINTMENT_WINDOW_DAYS: i64 = 14;
/// The shortest written reason for emergency access.
pub const MIN_EMERGENCY_REASON: usize = 10;

/// Why this clinician may read this record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Relationship {
    /// The patient is registered at the clinician's practice.
    OwnPractice,
    /// The patient has an appointment at the clinician's organisation within
    /// the window around today.
    Appointment,
    /// Neither: emergency access with a written reason.
    Emergency,
}

/// The patient's choices: may staff outside their own practice see items
/// of each label? The defaults are in [`SharingChoices::DEFAULT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharingChoices {
    pub general: bool,
    pub mental_health: bool,
    pub sexual_health: bool,
    pub social_care: bool,
}

impl SharingChoices {
    /// Until the patient chooses: general health is shared with the
    /// clinicians caring for them elsewhere; mental health, sexual health
    /// and social care are not (README, "Who else may see it").
    pub const DEFAULT: SharingChoices =
        SharingChoices { general: true, mental_health: false, sexual_health: false, social_care: false };
    /// Everything: the patient themselves, their own practice, emergencies.
    pub const ALL: SharingChoices =
        SharingChoices { general: true, mental_health: true, sexual_health: true, social_care: true };

    pub fn shares(&self, label: PrivacyLabel) -> bool {
        match label {
            PrivacyLabel::General => self.general,
            PrivacyLabel::MentalHealth => self.mental_health,
            PrivacyLabel::SexualHealth => self.sexual_health,
            PrivacyLabel::SocialCare => self.social_care,
        }
    }

    pub fn set(&mut self, label: PrivacyLabel, shared: bool) {
        match label {
            PrivacyLabel::General => self.general = shared,
            PrivacyLabel::MentalHealth => self.mental_health = shared,
            PrivacyLabel::SexualHealth => self.sexual_health = shared,
            PrivacyLabel::SocialCare => self.social_care = shared,
        }
    }

    /// The choices stored for a patient over the defaults.
    pub fn from_stored(stored: &[(PrivacyLabel, bool)]) -> Self {
        let mut c = Self::DEFAULT;
        for (label, shared) in stored {
            c.set(*label, *shared);
        }
        c
    }

    /// The words of the choice on the patient's page.
    pub fn question(label: PrivacyLabel) -> &'static str {
        match label {
            PrivacyLabel::General => "Your general health record",
            PrivacyLabel::MentalHealth => "Your mental health care",
            PrivacyLabel::SexualHealth => "Your sexual health care",
            PrivacyLabel::SocialCare => "Your social care",
        }
    }
}

/// Decide the relationship: the clinician's organisation is the patient's
/// practice, or has an appointment with them in the window; else emergency
/// access with a reason; else none.
pub fn relationship(
    clinician_at: Uuid,
    registered_practice_id: Uuid,
    appointment_in_window: bool,
    emergency_reason: Option<&str>,
) -> Option<Relationship> {
    if clinician_at == registered_practice_id {
        Some(Relationship::OwnPractice)
    } else if appointment_in_window {
        Some(Relationship::Appointment)
    } else if emergency_reason.is_some_and(|r| r.trim().chars().count() >= MIN_EMERGENCY_REASON) {
        Some(Relationship::Emergency)
    } else {
        None
    }
}

/// What a clinician with this relationship may see, by label.
pub fn visible_labels(relationship: Relationship, choices: SharingChoices) -> SharingChoices {
    match relationship {
        Relationship::OwnPractice | Relationship::Emergency => SharingChoices::ALL,
        Relationship::Appointment => choices,
    }
}

/// One staff view of a record, for the patient's access log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessLogEntry {
    pub record_access_log_id: Uuid,
    pub patient_id: Uuid,
    pub staff_member_id: Uuid,
    pub role: StaffRole,
    pub organisation_id: Uuid,
    pub accessed_at: OffsetDateTime,
    /// Which section ("all", or a category's code).
    pub section: String,
    pub emergency: bool,
    pub reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRACTICE: Uuid = Uuid::from_u128(1);
    const HOSPITAL: Uuid = Uuid::from_u128(2);

    #[test]
    fn the_own_practice_and_an_appointment_in_the_window_are_legitimate_relationships() {
        assert_eq!(relationship(PRACTICE, PRACTICE, false, None), Some(Relationship::OwnPractice));
        assert_eq!(relationship(HOSPITAL, PRACTICE, true, None), Some(Relationship::Appointment));
        assert_eq!(relationship(HOSPITAL, PRACTICE, false, None), None);
    }

    #[test]
    fn emergency_access_needs_a_written_reason() {
        assert_eq!(relationship(HOSPITAL, PRACTICE, false, Some("   ")), None);
        assert_eq!(relationship(HOSPITAL, PRACTICE, false, Some("too short")), None);
        assert_eq!(
            relationship(HOSPITAL, PRACTICE, false, Some("Unconscious in A&E, no history available")),
            Some(Relationship::Emergency)
        );
    }

    #[test]
    fn staff_elsewhere_see_only_what_the_patient_shares_and_the_default_shares_general_health_only() {
        let seen = visible_labels(Relationship::Appointment, SharingChoices::DEFAULT);
        assert!(seen.shares(PrivacyLabel::General));
        for label in [PrivacyLabel::MentalHealth, PrivacyLabel::SexualHealth, PrivacyLabel::SocialCare] {
            assert!(!seen.shares(label));
        }
        assert_eq!(visible_labels(Relationship::OwnPractice, SharingChoices::DEFAULT), SharingChoices::ALL);
        assert_eq!(visible_labels(Relationship::Emergency, SharingChoices::DEFAULT), SharingChoices::ALL);
        let mut mine = SharingChoices::DEFAULT;
        mine.set(PrivacyLabel::General, false);
        assert!(!visible_labels(Relationship::Appointment, mine).shares(PrivacyLabel::General));
        assert_eq!(SharingChoices::from_stored(&[(PrivacyLabel::MentalHealth, true)]).mental_health, true);
    }
}
