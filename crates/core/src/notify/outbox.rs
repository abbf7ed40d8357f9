//! The outbox's rows: what kind of message, for whom, about what, when.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    AppointmentBooked,
    AppointmentAmended,
    AppointmentCancelledByPatient,
    AppointmentCancelledByPractice,
    AppointmentReminder,
    WaitlistOffer,
    PrescriptionStatus,
    ReadingAlertAcknowledged,
}

impl NotificationKind {
    pub const ALL: [NotificationKind; 8] = [
        NotificationKind::AppointmentBooked,
        NotificationKind::AppointmentAmended,
        NotificationKind::AppointmentCancelledByPatient,
        NotificationKind::AppointmentCancelledByPractice,
        NotificationKind::AppointmentReminder,
        NotificationKind::WaitlistOffer,
        NotificationKind::PrescriptionStatus,
        NotificationKind::ReadingAlertAcknowledged,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::AppointmentBooked => "appointment_booked",
            NotificationKind::AppointmentAmended => "appointment_amended",
            NotificationKind::AppointmentCancelledByPatient => "appointment_cancelled_by_patient",
            NotificationKind::AppointmentCancelledByPractice => "appointment_cancelled_by_practice",
            NotificationKind::AppointmentReminder => "appointment_reminder",
            NotificationKind::WaitlistOffer => "waitlist_offer",
            NotificationKind::PrescriptionStatus => "prescription_status",
            NotificationKind::ReadingAlertAcknowledged => "reading_alert_acknowledged",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationStatus {
    Pending,
    /// Claimed by a worker until its lease runs out.
    InFlight,
    Sent,
    /// Failed too often: waits for an admin to replay it.
    Parked,
    /// No longer wanted (a reminder for an appointment that moved or was
    /// cancelled).
    Withdrawn,
}

impl NotificationStatus {
    pub const ALL: [NotificationStatus; 5] = [
        NotificationStatus::Pending,
        NotificationStatus::InFlight,
        NotificationStatus::Sent,
        NotificationStatus::Parked,
        NotificationStatus::Withdrawn,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationStatus::Pending => "pending",
            NotificationStatus::InFlight => "in_flight",
            NotificationStatus::Sent => "sent",
            NotificationStatus::Parked => "parked",
            NotificationStatus::Withdrawn => "withdrawn",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub notification_id: Uuid,
    pub kind: NotificationKind,
    pub patient_id: Uuid,
    pub subject_id: Option<Uuid>,
    /// JSON: identifiers and the invitation sequence, never clinical values.
    pub payload: String,
    pub due_at: OffsetDateTime,
    pub status: NotificationStatus,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: OffsetDateTime,
    pub sent_at: Option<OffsetDateTime>,
}

/// Reminders before an appointment: a day and two hours ahead (the brief's
/// defaults; a reminder whose time has passed is not scheduled).
pub const REMINDER_OFFSETS: [Duration; 2] = [Duration::hours(24), Duration::hours(2)];

/// The payload of an appointment message.
pub fn appointment_payload(appointment_id: Uuid, sequence: i32) -> String {
    format!("{{\"appointment_id\":\"{appointment_id}\",\"sequence\":{sequence}}}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_statuses_round_trip_and_the_payload_is_json() {
        for k in NotificationKind::ALL {
            assert_eq!(NotificationKind::parse(k.as_str()), Some(k));
        }
        for s in NotificationStatus::ALL {
            assert_eq!(NotificationStatus::parse(s.as_str()), Some(s));
        }
        let p = appointment_payload(Uuid::from_u128(1), 2);
        let v: serde_json::Value = serde_json::from_str(&p).unwrap();
        assert_eq!(v["sequence"], 2);
        assert_eq!(v["appointment_id"], "00000000-0000-0000-0000-000000000001");
    }
}
