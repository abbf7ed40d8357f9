//! The demonstration's outbox viewer: what `carebook demo` would have sent,
//! composed exactly as the real e-mail and text messages are. Only served
//! in the demonstration; synthetic people only, and never an NHS number
//! (the messages carry none).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationField {
    pub name: String,
    pub value: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxMessageView {
    /// "E-mail" or "Text message".
    pub channel: String,
    /// What the message is about, e.g. "Appointment booked".
    pub about: String,
    pub recipient: String,
    pub subject: Option<String>,
    /// The text, line by line.
    pub lines: Vec<String>,
    /// "Monday 4 January 2027 at 8:30am".
    pub sent: String,
    /// For text messages: "1 segment" or "2 segments".
    pub segments: Option<String>,
    /// The invitation's METHOD, UID, SEQUENCE, DTSTART, DTEND, LOCATION,
    /// SUMMARY and STATUS, as written.
    pub invitation: Vec<InvitationField>,
}

/// `None` when carebook is not running as a demonstration.
#[server(prefix = "/_server", endpoint = "demonstration/outbox")]
pub async fn demonstration_outbox() -> Result<Option<Vec<OutboxMessageView>>, ServerFnError> {
    if !use_context::<crate::SiteSettings>().is_some_and(|s| s.demo) {
        return Ok(None);
    }
    let services = super::services()?;
    let messages = services.demonstration.messages(100).await.map_err(super::unavailable)?;
    Ok(Some(messages.into_iter().map(view_of).collect()))
}

#[cfg(feature = "ssr")]
fn view_of(m: carebook_core::notify::demonstration::SentMessage) -> OutboxMessageView {
    use carebook_core::notify::compose::when;
    use carebook_core::notify::ics::event_properties;
    use carebook_core::notify::outbox::NotificationKind as K;
    use carebook_core::notify::preferences::DeliveryChannel;
    use carebook_core::notify::sms::segments;

    let about = match m.kind {
        K::AppointmentBooked => "Appointment booked",
        K::AppointmentAmended => "Appointment moved",
        K::AppointmentCancelledByPatient => "Appointment cancelled by the patient",
        K::AppointmentCancelledByPractice => "Appointment cancelled by the practice",
        K::AppointmentReminder => "Appointment reminder",
        K::WaitlistOffer => "Earlier appointment offered",
        K::PrescriptionStatus => "Prescription news",
        K::ReadingAlertAcknowledged => "Reading looked at",
    };
    let shown = ["METHOD", "UID", "SEQUENCE", "DTSTART", "DTEND", "LOCATION", "SUMMARY", "STATUS"];
    let invitation = m
        .invitation
        .as_deref()
        .map(|ics| {
            let props = event_properties(ics);
            shown
                .iter()
                .filter_map(|want| {
                    props.iter().find(|(n, _)| n.split(';').next() == Some(*want)).map(|(n, v)| {
                        let value = match n.split_once(";TZID=") {
                            Some((_, zone)) => format!("{v} ({zone})"),
                            None if v.ends_with('Z') => format!("{v} (UTC)"),
                            None => v.clone(),
                        };
                        InvitationField { name: want.to_string(), value }
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let segments = (m.channel == DeliveryChannel::Sms).then(|| match segments(&m.body).1 {
        1 => "1 segment".to_string(),
        n => format!("{n} segments"),
    });
    OutboxMessageView {
        channel: match m.channel {
            DeliveryChannel::Email => "E-mail".into(),
            DeliveryChannel::Sms => "Text message".into(),
        },
        about: about.into(),
        recipient: m.recipient,
        subject: m.subject,
        lines: m.body.lines().map(str::to_string).collect(),
        sent: when(m.sent_at),
        segments,
        invitation,
    }
}
