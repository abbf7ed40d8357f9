//! Who hears what, how: each patient chooses channels per group of
//! messages. Cancellations by the practice always reach the patient on some
//! channel they have, whatever they chose, because missing one means a
//! wasted journey.

use serde::{Deserialize, Serialize};

use super::outbox::NotificationKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageGroup {
    Appointments,
    Reminders,
    Prescriptions,
    Readings,
}

impl MessageGroup {
    pub const ALL: [MessageGroup; 4] =
        [MessageGroup::Appointments, MessageGroup::Reminders, MessageGroup::Prescriptions, MessageGroup::Readings];
    pub fn as_str(self) -> &'static str {
        match self {
            MessageGroup::Appointments => "appointments",
            MessageGroup::Reminders => "reminders",
            MessageGroup::Prescriptions => "prescriptions",
            MessageGroup::Readings => "readings",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == s)
    }
    pub fn of(kind: NotificationKind) -> Self {
        match kind {
            NotificationKind::AppointmentReminder => MessageGroup::Reminders,
            NotificationKind::PrescriptionStatus => MessageGroup::Prescriptions,
            NotificationKind::ReadingAlertAcknowledged => MessageGroup::Readings,
            _ => MessageGroup::Appointments,
        }
    }
}

/// A patient's choice for one group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactPreference {
    pub group: MessageGroup,
    pub by_email: bool,
    pub by_sms: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DeliveryChannel {
    Email,
    Sms,
}

impl DeliveryChannel {
    pub const ALL: [DeliveryChannel; 2] = [DeliveryChannel::Email, DeliveryChannel::Sms];
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryChannel::Email => "email",
            DeliveryChannel::Sms => "sms",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// The channels a message goes out on.
pub fn channels_for(
    kind: NotificationKind,
    chosen: Option<ContactPreference>,
    has_email: bool,
    has_mobile: bool,
) -> Vec<DeliveryChannel> {
    let (email, sms) = match chosen {
        Some(p) => (p.by_email, p.by_sms),
        None => (true, true),
    };
    let mut out = Vec::new();
    if email && has_email {
        out.push(DeliveryChannel::Email);
    }
    if sms && has_mobile {
        out.push(DeliveryChannel::Sms);
    }
    if out.is_empty() && kind == NotificationKind::AppointmentCancelledByPractice {
        // They must hear of it: use whatever they have, e-mail first.
        if has_email {
            out.push(DeliveryChannel::Email);
        } else if has_mobile {
            out.push(DeliveryChannel::Sms);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use NotificationKind as K;

    fn pref(group: MessageGroup, by_email: bool, by_sms: bool) -> Option<ContactPreference> {
        Some(ContactPreference { group, by_email, by_sms })
    }

    #[test]
    fn with_no_choice_made_every_channel_they_have_is_used() {
        assert_eq!(
            channels_for(K::AppointmentBooked, None, true, true),
            vec![DeliveryChannel::Email, DeliveryChannel::Sms]
        );
        assert_eq!(channels_for(K::AppointmentBooked, None, false, true), vec![DeliveryChannel::Sms]);
        assert!(channels_for(K::AppointmentBooked, None, false, false).is_empty());
    }

    #[test]
    fn a_choice_is_honoured() {
        let email_only = pref(MessageGroup::Reminders, true, false);
        assert_eq!(channels_for(K::AppointmentReminder, email_only, true, true), vec![DeliveryChannel::Email]);
        let nothing = pref(MessageGroup::Reminders, false, false);
        assert!(channels_for(K::AppointmentReminder, nothing, true, true).is_empty());
    }

    #[test]
    fn a_cancellation_by_the_practice_always_gets_through_on_some_channel() {
        let nothing = pref(MessageGroup::Appointments, false, false);
        assert_eq!(channels_for(K::AppointmentCancelledByPractice, nothing, true, true), vec![DeliveryChannel::Email]);
        assert_eq!(channels_for(K::AppointmentCancelledByPractice, nothing, false, true), vec![DeliveryChannel::Sms]);
        assert!(channels_for(K::AppointmentCancelledByPatient, nothing, true, true).is_empty());
    }

    #[test]
    fn every_kind_belongs_to_a_group() {
        assert_eq!(MessageGroup::of(K::AppointmentReminder), MessageGroup::Reminders);
        assert_eq!(MessageGroup::of(K::WaitlistOffer), MessageGroup::Appointments);
        for g in MessageGroup::ALL {
            assert_eq!(MessageGroup::parse(g.as_str()), Some(g));
        }
    }
}
