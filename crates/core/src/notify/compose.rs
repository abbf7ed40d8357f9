//! What a message says. Only what the person needs: the kind of
//! appointment, when and where, and how to change it. No NHS number, no
//! clinical detail, and no name in the subject line.

use time::OffsetDateTime;
use uuid::Uuid;

use super::ics::{Invitation, Method};
use super::outbox::{Notification, NotificationKind};
use super::worker::DeliveryError;
use crate::domain::EmailAddress;
use crate::london;
use crate::store::{Store, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingEmail {
    pub to: EmailAddress,
    /// The practice's address, shown as the sender's reply-to.
    pub reply_to: Option<EmailAddress>,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// An RFC 5545 invitation for appointment messages.
    pub invitation: Option<(Method, String)>,
    /// One per outbox row, so a resend after a crash is recognisable.
    pub message_id: String,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// "Monday 4 January 2027 at 8:30am", in London time, as the NHS writes it.
pub fn when(t: OffsetDateTime) -> String {
    let l = london::to_local(t);
    let (h, m) = (l.hour(), l.minute());
    let (h12, ampm) = match h {
        0 => (12, "am"),
        1..=11 => (h, "am"),
        12 => (12, "pm"),
        _ => (h - 12, "pm"),
    };
    let time = if m == 0 { format!("{h12}{ampm}") } else { format!("{h12}:{m:02}{ampm}") };
    format!("{} {} {} {} at {}", l.weekday(), l.day(), MONTHS[l.month() as usize - 1], l.year(), time)
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn store_failure(e: StoreError) -> DeliveryError {
    match e {
        StoreError::NotFound => DeliveryError::Permanent("what the message is about no longer exists".into()),
        other => DeliveryError::Temporary(format!("store: {other}")),
    }
}

/// The e-mail for an outbox row, or `None` when the patient does not want
/// this kind of message by e-mail (see `preferences`). Messages other than
/// appointment ones come with the later features.
pub async fn compose_email(store: &dyn Store, n: &Notification) -> Result<Option<OutgoingEmail>, DeliveryError> {
    use super::preferences::{channels_for, DeliveryChannel, MessageGroup};
    let patient = store.patient_by_id(n.patient_id).await.map_err(store_failure)?;
    let group = MessageGroup::of(n.kind);
    let chosen =
        store.contact_preferences(n.patient_id).await.map_err(store_failure)?.into_iter().find(|p| p.group == group);
    let has_mobile = patient.phone.as_ref().is_some_and(|p| p.is_mobile());
    if !channels_for(n.kind, chosen, patient.email.is_some(), has_mobile).contains(&DeliveryChannel::Email) {
        return Ok(None);
    }
    let to = patient.email.clone().ok_or_else(|| DeliveryError::Permanent("no e-mail address on record".into()))?;
    let payload: serde_json::Value =
        serde_json::from_str(&n.payload).map_err(|_| DeliveryError::Permanent("unreadable payload".into()))?;
    let appointment_id = payload["appointment_id"]
        .as_str()
        .and_then(|s| Uuid::parse_str(s).ok())
        .ok_or_else(|| DeliveryError::Permanent(format!("no e-mail for {} messages yet", n.kind.as_str())))?;
    let sequence = payload["sequence"].as_i64().unwrap_or(0);
    let appointment = store.appointment(appointment_id).await.map_err(store_failure)?;
    let slot = store.slot(appointment.slot_id).await.map_err(store_failure)?;
    let organisation = store.organisation_by_id(slot.organisation_id).await.map_err(store_failure)?;
    let location = store.location(slot.location_id).await.map_err(store_failure)?;

    let (subject, opening, method) = match n.kind {
        NotificationKind::AppointmentBooked => {
            ("Your appointment is booked", "Your appointment is booked.", Method::Request)
        }
        NotificationKind::AppointmentAmended => {
            ("Your appointment has changed", "Your appointment has moved to a new time.", Method::Request)
        }
        NotificationKind::AppointmentCancelledByPatient => {
            ("Your appointment is cancelled", "You cancelled your appointment.", Method::Cancel)
        }
        NotificationKind::AppointmentCancelledByPractice => (
            "Your appointment is cancelled",
            "Your practice had to cancel your appointment. Please book another time.",
            Method::Cancel,
        ),
        NotificationKind::AppointmentReminder => {
            ("Reminder: your appointment", "This is a reminder of your appointment.", Method::Request)
        }
        other => return Err(DeliveryError::Permanent(format!("no e-mail for {} messages yet", other.as_str()))),
    };
    let what = slot.service.label();
    let time = when(slot.starts_at);
    let place = match &location.address.line2 {
        Some(line2) => format!(
            "{}, {}, {}, {}, {}",
            location.name, location.address.line1, line2, location.address.town, location.address.postcode
        ),
        None => format!(
            "{}, {}, {}, {}",
            location.name, location.address.line1, location.address.town, location.address.postcode
        ),
    };
    let how = slot.channel.label();
    let text = format!(
        "{opening}\n\nWhat: {what} ({how})\nWhen: {time}\nWhere: {organisation}, {place}\n\n\
         To change or cancel, use carebook or call the practice.\n\
         If you need medical help now, call 111. In an emergency, call 999.\n",
        organisation = organisation.name
    );
    let html = format!(
        "<!DOCTYPE html><html lang=\"en-GB\"><body style=\"font-family: Arial, sans-serif; color: #212b32\">\
         <p>{}</p><table role=\"presentation\">\
         <tr><th align=\"left\">What</th><td>{} ({})</td></tr>\
         <tr><th align=\"left\">When</th><td>{}</td></tr>\
         <tr><th align=\"left\">Where</th><td>{}, {}</td></tr></table>\
         <p>To change or cancel, use carebook or call the practice.</p>\
         <p>If you need medical help now, call 111. In an emergency, call 999.</p></body></html>",
        escape_html(opening),
        escape_html(what),
        escape_html(how),
        escape_html(&time),
        escape_html(&organisation.name),
        escape_html(&place)
    );
    let invitation = Invitation {
        uid: format!("{appointment_id}@carebook"),
        sequence: u32::try_from(sequence).unwrap_or(0),
        method,
        summary: format!("{what}, {}", organisation.name),
        location: format!("{}, {place}", organisation.name),
        description: "To change or cancel, use carebook or call the practice.".into(),
        starts_at: slot.starts_at,
        ends_at: slot.ends_at,
        stamped_at: n.created_at,
        organiser_email: organisation
            .email
            .as_ref()
            .map(|e| e.as_str().to_string())
            .unwrap_or_else(|| "appointments@carebook.example.org".into()),
    };
    Ok(Some(OutgoingEmail {
        to,
        reply_to: organisation.email.clone(),
        subject: subject.to_string(),
        text,
        html,
        invitation: Some((method, invitation.to_ics())),
        message_id: format!("<{}@carebook>", n.notification_id),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn times_read_as_the_nhs_writes_them_in_london_time() {
        assert_eq!(when(datetime!(2027-01-04 08:30 UTC)), "Monday 4 January 2027 at 8:30am");
        assert_eq!(when(datetime!(2027-07-05 11:00 UTC)), "Monday 5 July 2027 at 12pm");
        assert_eq!(when(datetime!(2027-07-05 23:05 UTC)), "Tuesday 6 July 2027 at 12:05am");
    }
}
