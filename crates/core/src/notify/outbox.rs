//! The outbox's rows: what kind of message, for whom, about what, when.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

pub use super::preferences::DeliveryChannel;
use crate::london;

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
    /// Channels this message already went out on, when it goes out on more
    /// than one: a retry or a deferred text message never repeats them.
    pub channels_sent: Vec<DeliveryChannel>,
}

/// The outbox at a glance, for /metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxStats {
    /// Pending and due now: the queue.
    pub pending_due: u64,
    /// Pending but due later (reminders, retries waiting their turn).
    pub pending_later: u64,
    /// Claimed by a worker and not finished.
    pub in_flight: u64,
    pub sent: u64,
    pub parked: u64,
    pub withdrawn: u64,
    /// Failed delivery attempts, whatever became of the message since.
    pub failed_attempts: u64,
    /// The due time of the oldest message due and not sent (pending or in
    /// flight).
    pub oldest_due_at: Option<OffsetDateTime>,
}

impl OutboxStats {
    /// Messages due and not yet sent.
    pub fn queue_depth(&self) -> u64 {
        self.pending_due + self.in_flight
    }

    /// How long the oldest due message has waited; zero when none waits.
    pub fn oldest_pending_age(&self, now: OffsetDateTime) -> Duration {
        self.oldest_due_at.map(|t| (now - t).max(Duration::ZERO)).unwrap_or(Duration::ZERO)
    }
}

/// Channels as stored: "email,sms".
pub fn channels_to_text(channels: &[DeliveryChannel]) -> String {
    channels.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(",")
}

/// Reads what [`channels_to_text`] wrote; unknown names are ignored.
pub fn channels_from_text(text: &str) -> Vec<DeliveryChannel> {
    text.split(',').filter_map(DeliveryChannel::parse).collect()
}

/// Reminders before an appointment: a day and two hours ahead (the brief's
/// defaults; a reminder whose time has passed is not scheduled).
pub const REMINDER_OFFSETS: [Duration; 2] = [Duration::hours(24), Duration::hours(2)];

/// When the reminders for an appointment starting at `starts_at` fall due.
/// Whole days are counted on London's wall clock, so the day-ahead reminder
/// comes at the appointment's own time of day even when the clocks change
/// in between (23 or 25 hours ahead then); hours are elapsed time.
pub fn reminder_due_times(starts_at: OffsetDateTime) -> Vec<OffsetDateTime> {
    REMINDER_OFFSETS
        .iter()
        .map(|offset| {
            let days = offset.whole_days();
            let rest = *offset - Duration::days(days);
            let local = london::to_local(starts_at - rest);
            if days == 0 {
                local.to_offset(time::UtcOffset::UTC)
            } else {
                london::resolve(local.date() - Duration::days(days), local.time()).to_offset(time::UtcOffset::UTC)
            }
        })
        .collect()
}

/// The payload of an appointment message: the appointment, the invitation
/// sequence, and the slot the event was about (and, for a move, the slot
/// it moved from), so that a message sent later still tells the truth of
/// its own event rather than of the appointment as it is by then.
pub fn appointment_payload(
    appointment_id: Uuid,
    sequence: i32,
    slot_id: Uuid,
    previous_slot_id: Option<Uuid>,
) -> String {
    let previous = previous_slot_id.map(|p| format!(",\"previous_slot_id\":\"{p}\"")).unwrap_or_default();
    format!("{{\"appointment_id\":\"{appointment_id}\",\"sequence\":{sequence},\"slot_id\":\"{slot_id}\"{previous}}}")
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
        let p = appointment_payload(Uuid::from_u128(1), 2, Uuid::from_u128(3), Some(Uuid::from_u128(4)));
        let v: serde_json::Value = serde_json::from_str(&p).unwrap();
        assert_eq!(v["sequence"], 2);
        assert_eq!(v["slot_id"], "00000000-0000-0000-0000-000000000003");
        assert_eq!(v["previous_slot_id"], "00000000-0000-0000-0000-000000000004");
        let first: serde_json::Value =
            serde_json::from_str(&appointment_payload(Uuid::from_u128(1), 0, Uuid::from_u128(3), None)).unwrap();
        assert!(first.get("previous_slot_id").is_none());
        assert_eq!(v["appointment_id"], "00000000-0000-0000-0000-000000000001");
        let both = [DeliveryChannel::Email, DeliveryChannel::Sms];
        assert_eq!(channels_from_text(&channels_to_text(&both)), both.to_vec());
        assert!(channels_from_text("").is_empty());
    }

    #[test]
    fn the_day_ahead_reminder_keeps_the_wall_clock_time_across_the_clock_changes() {
        use time::macros::datetime;
        // Sunday 28 March 2027, 10:00 BST (the clocks went forward at 01:00
        // UTC): the day before at 10:00 GMT, 23 hours ahead.
        assert_eq!(
            reminder_due_times(datetime!(2027-03-28 09:00 UTC)),
            vec![datetime!(2027-03-27 10:00 UTC), datetime!(2027-03-28 07:00 UTC)]
        );
        // Sunday 31 October 2027, 10:00 GMT: the day before at 10:00 BST,
        // 25 hours ahead; two hours before is 08:00 GMT.
        assert_eq!(
            reminder_due_times(datetime!(2027-10-31 10:00 UTC)),
            vec![datetime!(2027-10-30 09:00 UTC), datetime!(2027-10-31 08:00 UTC)]
        );
        // An ordinary winter day: plain 24 and 2 hours.
        assert_eq!(
            reminder_due_times(datetime!(2027-01-04 08:30 UTC)),
            vec![datetime!(2027-01-03 08:30 UTC), datetime!(2027-01-04 06:30 UTC)]
        );
        // Two hours before 02:30 BST on the March change day is 23:30 GMT.
        assert_eq!(reminder_due_times(datetime!(2027-03-28 01:30 UTC))[1], datetime!(2027-03-27 23:30 UTC));
    }

    #[test]
    fn the_queue_is_what_is_due_and_unsent_and_its_age_never_negative() {
        use time::macros::datetime;
        let s = OutboxStats {
            pending_due: 3,
            in_flight: 2,
            pending_later: 7,
            oldest_due_at: Some(datetime!(2027-01-04 09:00 UTC)),
            ..Default::default()
        };
        assert_eq!(s.queue_depth(), 5);
        assert_eq!(s.oldest_pending_age(datetime!(2027-01-04 09:01:30 UTC)), Duration::seconds(90));
        assert_eq!(s.oldest_pending_age(datetime!(2027-01-04 08:00 UTC)), Duration::ZERO);
        assert_eq!(OutboxStats::default().oldest_pending_age(datetime!(2027-01-04 08:00 UTC)), Duration::ZERO);
    }
}
