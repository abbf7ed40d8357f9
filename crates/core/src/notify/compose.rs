//! What a message says. Only what the person needs: the kind of
//! appointment, when and where, and how to change it. No NHS number, no
//! clinical detail, and no name in the subject line.

use time::OffsetDateTime;
use uuid::Uuid;

use super::ics::{Invitation, Method};
use super::outbox::{Notification, NotificationKind};
use super::preferences::{channels_for, ContactPreference, DeliveryChannel};
use super::sms;
use super::worker::DeliveryError;
use crate::booking::{Channel, Slot};
use crate::domain::{EmailAddress, PhoneNumber};
use crate::london;
use crate::model::{Location, Organisation, Patient};
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

/// A text message, ready for the gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingSms {
    pub to: PhoneNumber,
    /// Plain GSM 7-bit text, at most [`sms::MAX_SEGMENTS`] segments.
    pub text: String,
    /// The outbox row's id: the gateway's reference, so a resend after a
    /// crash is recognisable there too.
    pub reference: String,
}

/// What a message is about, read once from the store for every channel.
#[derive(Debug, Clone)]
pub struct MessageFacts {
    pub notification: Notification,
    pub patient: Patient,
    /// The patient's choice for this kind's group, if they made one.
    pub preference: Option<ContactPreference>,
    pub about: About,
}

#[derive(Debug, Clone)]
pub enum About {
    Appointment {
        appointment_id: Uuid,
        sequence: i64,
        /// A confirmation, change or reminder the appointment has moved on
        /// from: it was cancelled or changed again since.
        superseded: bool,
        /// The slot this message's event was about, from its payload (the
        /// appointment may have moved on since).
        slot: Slot,
        organisation: Organisation,
        location: Location,
        /// For a move: where and when it was before.
        previous: Option<(Slot, Organisation)>,
    },
    /// A freed slot held for someone on the waitlist.
    Offer { slot: Slot, organisation: Organisation, location: Location, expires_at: Option<OffsetDateTime> },
    /// Prescription and readings news: only that there is some, and from
    /// which practice.
    News { practice: Organisation },
}

fn field_uuid(payload: &serde_json::Value, name: &str) -> Option<Uuid> {
    payload[name].as_str().and_then(|s| Uuid::parse_str(s).ok())
}

/// Read what an outbox row's message needs.
pub async fn load(store: &dyn Store, n: &Notification) -> Result<MessageFacts, DeliveryError> {
    use super::preferences::MessageGroup;
    let patient = store.patient_by_id(n.patient_id).await.map_err(store_failure)?;
    let group = MessageGroup::of(n.kind);
    let preference =
        store.contact_preferences(n.patient_id).await.map_err(store_failure)?.into_iter().find(|p| p.group == group);
    let payload: serde_json::Value =
        serde_json::from_str(&n.payload).map_err(|_| DeliveryError::Permanent("unreadable payload".into()))?;
    let about = match n.kind {
        NotificationKind::AppointmentBooked
        | NotificationKind::AppointmentAmended
        | NotificationKind::AppointmentCancelledByPatient
        | NotificationKind::AppointmentCancelledByPractice
        | NotificationKind::AppointmentReminder => {
            let appointment_id = field_uuid(&payload, "appointment_id")
                .ok_or_else(|| DeliveryError::Permanent("payload without an appointment".into()))?;
            let sequence = payload["sequence"].as_i64().unwrap_or(0);
            let appointment = store.appointment(appointment_id).await.map_err(store_failure)?;
            let superseded = matches!(
                n.kind,
                NotificationKind::AppointmentBooked
                    | NotificationKind::AppointmentAmended
                    | NotificationKind::AppointmentReminder
            ) && (!appointment.status.is_live() || i64::from(appointment.sequence) > sequence);
            // Rows written before payloads named their slot fall back to the
            // appointment's own.
            let slot_id = field_uuid(&payload, "slot_id").unwrap_or(appointment.slot_id);
            let slot = store.slot(slot_id).await.map_err(store_failure)?;
            let organisation = store.organisation_by_id(slot.organisation_id).await.map_err(store_failure)?;
            let location = store.location(slot.location_id).await.map_err(store_failure)?;
            let previous = match field_uuid(&payload, "previous_slot_id") {
                Some(id) if n.kind == NotificationKind::AppointmentAmended => {
                    let before = store.slot(id).await.map_err(store_failure)?;
                    let place = store.organisation_by_id(before.organisation_id).await.map_err(store_failure)?;
                    Some((before, place))
                }
                _ => None,
            };
            About::Appointment { appointment_id, sequence, superseded, slot, organisation, location, previous }
        }
        NotificationKind::WaitlistOffer => {
            let slot_id = field_uuid(&payload, "slot_id")
                .ok_or_else(|| DeliveryError::Permanent("payload without a slot".into()))?;
            let expires_at = match field_uuid(&payload, "waitlist_entry_id") {
                Some(entry) => store.waitlist_entry(entry).await.map_err(store_failure)?.offer_expires_at,
                None => None,
            };
            let slot = store.slot(slot_id).await.map_err(store_failure)?;
            let organisation = store.organisation_by_id(slot.organisation_id).await.map_err(store_failure)?;
            let location = store.location(slot.location_id).await.map_err(store_failure)?;
            About::Offer { slot, organisation, location, expires_at }
        }
        NotificationKind::PrescriptionStatus | NotificationKind::ReadingAlertAcknowledged => {
            let practice = store.organisation_by_id(patient.registered_practice_id).await.map_err(store_failure)?;
            About::News { practice }
        }
    };
    Ok(MessageFacts { notification: n.clone(), patient, preference, about })
}

impl MessageFacts {
    /// When the appointment (or the offered slot) starts.
    pub fn starts_at(&self) -> Option<OffsetDateTime> {
        match &self.about {
            About::Appointment { slot, .. } | About::Offer { slot, .. } => Some(slot.starts_at),
            About::News { .. } => None,
        }
    }

    /// When the message stops being worth sending: a reminder once its
    /// appointment has begun, an offer once it has lapsed.
    pub fn deadline(&self) -> Option<OffsetDateTime> {
        match (&self.about, self.notification.kind) {
            (About::Appointment { slot, .. }, NotificationKind::AppointmentReminder) => Some(slot.starts_at),
            (About::Offer { expires_at, .. }, _) => *expires_at,
            _ => None,
        }
    }

    /// The appointment has moved on since this message was written (see
    /// [`About::Appointment`]): a late text would only confuse.
    pub fn superseded(&self) -> bool {
        matches!(self.about, About::Appointment { superseded: true, .. })
    }

    pub fn has_email(&self) -> bool {
        self.patient.email.is_some()
    }

    pub fn has_mobile(&self) -> bool {
        self.patient.phone.as_ref().is_some_and(|p| p.is_mobile())
    }

    /// The channels the patient's choices and details allow, when
    /// `email_possible` / `sms_possible` say which this deployment can use.
    pub fn channels(&self, email_possible: bool, sms_possible: bool) -> Vec<DeliveryChannel> {
        channels_for(
            self.notification.kind,
            self.preference,
            self.has_email() && email_possible,
            self.has_mobile() && sms_possible,
        )
    }
}

/// "Main surgery, 12 Acorn Way, St Albans, AL1 3ZZ".
fn full_place(location: &Location) -> String {
    let a = &location.address;
    match &a.line2 {
        Some(line2) => format!("{}, {}, {}, {}, {}", location.name, a.line1, line2, a.town, a.postcode),
        None => format!("{}, {}, {}, {}", location.name, a.line1, a.town, a.postcode),
    }
}

fn email_document(opening: &str, rows: &[(&str, String)], closing: &[&str]) -> (String, String) {
    let mut text = format!("{opening}\n\n");
    for (k, v) in rows {
        text.push_str(&format!("{k}: {v}\n"));
    }
    if !rows.is_empty() {
        text.push('\n');
    }
    for line in closing {
        text.push_str(line);
        text.push('\n');
    }
    let mut html = format!(
        "<!DOCTYPE html><html lang=\"en-GB\"><body style=\"font-family: Arial, sans-serif; color: #212b32\"><p>{}</p>",
        escape_html(opening)
    );
    if !rows.is_empty() {
        html.push_str("<table role=\"presentation\">");
        for (k, v) in rows {
            html.push_str(&format!("<tr><th align=\"left\">{}</th><td>{}</td></tr>", escape_html(k), escape_html(v)));
        }
        html.push_str("</table>");
    }
    for line in closing {
        html.push_str(&format!("<p>{}</p>", escape_html(line)));
    }
    html.push_str("</body></html>");
    (text, html)
}

const CHANGE_OR_CANCEL: &str = "To change or cancel, use carebook or call the practice.";
const HELP_NOW: &str = "If you need medical help now, call 111. In an emergency, call 999.";

/// The e-mail for a message. The subject never names the patient or any
/// clinical detail; the body has only the appointment's time, place and
/// type.
pub fn email(facts: &MessageFacts) -> Result<OutgoingEmail, DeliveryError> {
    let n = &facts.notification;
    let to =
        facts.patient.email.clone().ok_or_else(|| DeliveryError::Permanent("no e-mail address on record".into()))?;
    let message_id = format!("<{}@carebook>", n.notification_id);
    match &facts.about {
        About::Appointment { appointment_id, sequence, slot, organisation, location, previous, .. } => {
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
                _ => ("Reminder: your appointment", "This is a reminder of your appointment.", Method::Request),
            };
            let what = slot.service.label();
            let how = slot.channel.label();
            let place = full_place(location);
            let mut rows = Vec::with_capacity(4);
            // A move says what it moved from: the message is true of its own
            // event even when the worker sends it after later changes.
            if let Some((before, was_at)) = previous {
                rows.push(("Was", format!("{}, {}", when(before.starts_at), was_at.name)));
            }
            rows.push(("What", format!("{what} ({how})")));
            rows.push(("When", when(slot.starts_at)));
            rows.push(("Where", format!("{}, {place}", organisation.name)));
            let (text, html) = email_document(opening, &rows, &[CHANGE_OR_CANCEL, HELP_NOW]);
            let invitation = Invitation {
                uid: format!("{appointment_id}@carebook"),
                sequence: u32::try_from(*sequence).unwrap_or(0),
                method,
                summary: format!("{what}, {}", organisation.name),
                location: format!("{}, {place}", organisation.name),
                description: CHANGE_OR_CANCEL.into(),
                starts_at: slot.starts_at,
                ends_at: slot.ends_at,
                stamped_at: n.created_at,
                organiser_email: organisation
                    .email
                    .as_ref()
                    .map(|e| e.as_str().to_string())
                    .unwrap_or_else(|| "appointments@carebook.example.org".into()),
            };
            Ok(OutgoingEmail {
                to,
                reply_to: organisation.email.clone(),
                subject: subject.to_string(),
                text,
                html,
                invitation: Some((method, invitation.to_ics())),
                message_id,
            })
        }
        About::Offer { slot, organisation, location, expires_at } => {
            let mut rows = vec![
                ("What", format!("{} ({})", slot.service.label(), slot.channel.label())),
                ("When", when(slot.starts_at)),
                ("Where", format!("{}, {}", organisation.name, full_place(location))),
            ];
            if let Some(t) = expires_at {
                rows.push(("Held for you until", clock_time(*t)));
            }
            let (text, html) = email_document(
                "An earlier appointment has come free and is held for you.",
                &rows,
                &["To take it, use carebook or call the practice. If you do not, it goes to the next person waiting."],
            );
            Ok(OutgoingEmail {
                to,
                reply_to: organisation.email.clone(),
                subject: "An earlier appointment is available".into(),
                text,
                html,
                invitation: None,
                message_id,
            })
        }
        About::News { practice } => {
            let (subject, opening) = if n.kind == NotificationKind::PrescriptionStatus {
                ("News about your prescription request", "There is news about your repeat prescription request.")
            } else {
                ("Your practice has replied", "Your practice has looked at a reading you sent.")
            };
            let (text, html) = email_document(
                opening,
                &[("From", practice.name.clone())],
                &["Log in to carebook to see it.", HELP_NOW],
            );
            Ok(OutgoingEmail {
                to,
                reply_to: practice.email.clone(),
                subject: subject.into(),
                text,
                html,
                invitation: None,
                message_id,
            })
        }
    }
}

/// "8:30am": a time of day in London.
pub fn clock_time(t: OffsetDateTime) -> String {
    let w = when(t);
    w.rsplit(" at ").next().unwrap_or(&w).to_string()
}

/// What a text message needs to say, as plain strings: the composer's
/// input, so its length can be checked for every name without a store.
#[derive(Debug, Clone, Copy)]
pub struct SmsParts<'a> {
    pub organisation: &'a str,
    /// The location's name and postcode, for appointments in person.
    pub place: &'a str,
    /// As [`when`] writes it.
    pub when: &'a str,
    pub channel: Channel,
    /// An offer's expiry, as [`clock_time`] writes it.
    pub until: &'a str,
}

/// The text of a message. Kept short (one or two segments for every
/// practice and place in the directory), plain GSM characters only, and
/// without the kind of appointment: a text shows on a locked screen.
pub fn sms_text(kind: NotificationKind, p: SmsParts<'_>) -> String {
    let how = match p.channel {
        Channel::FaceToFace => format!("Come to {}.", p.place),
        Channel::Telephone => "The practice will phone you.".to_string(),
        Channel::Video => "You will be sent a link for the video call.".to_string(),
    };
    let (org, when) = (p.organisation, p.when);
    let text = match kind {
        NotificationKind::AppointmentBooked => {
            format!("carebook: your appointment at {org} is booked for {when}. {how} {CHANGE_OR_CANCEL}")
        }
        NotificationKind::AppointmentAmended => {
            format!("carebook: your appointment at {org} has moved to {when}. {how} {CHANGE_OR_CANCEL}")
        }
        NotificationKind::AppointmentCancelledByPatient => format!(
            "carebook: your appointment at {org} on {when} is cancelled, as you asked. To book another, use carebook or call the practice."
        ),
        NotificationKind::AppointmentCancelledByPractice => format!(
            "carebook: sorry, {org} has had to cancel your appointment on {when}. Please book another time using carebook or call the practice."
        ),
        NotificationKind::AppointmentReminder => format!(
            "carebook reminder: your appointment at {org} is on {when}. {how} If you cannot come, cancel using carebook or call the practice."
        ),
        NotificationKind::WaitlistOffer => format!(
            "carebook: an earlier appointment is free at {org} on {when}. It is held for you until {}. To take it, use carebook or call the practice.",
            p.until
        ),
        NotificationKind::PrescriptionStatus => {
            format!("carebook: there is news about your repeat prescription request at {org}. Log in to carebook to see it.")
        }
        NotificationKind::ReadingAlertAcknowledged => {
            format!("carebook: {org} has looked at a reading you sent. Log in to carebook to see what they said.")
        }
    };
    sms::gsm_safe(&text)
}

/// The text message for a message.
pub fn sms(facts: &MessageFacts) -> Result<OutgoingSms, DeliveryError> {
    let n = &facts.notification;
    let to = facts
        .patient
        .phone
        .clone()
        .filter(|p| p.is_mobile())
        .ok_or_else(|| DeliveryError::Permanent("no mobile number on record".into()))?;
    let text = match &facts.about {
        About::Appointment { slot, organisation, location, .. } | About::Offer { slot, organisation, location, .. } => {
            let place = format!("{}, {}", location.name, location.address.postcode);
            let until = match &facts.about {
                About::Offer { expires_at: Some(t), .. } => clock_time(*t),
                _ => String::new(),
            };
            sms_text(
                n.kind,
                SmsParts {
                    organisation: &organisation.name,
                    place: &place,
                    when: &when(slot.starts_at),
                    channel: slot.channel,
                    until: &until,
                },
            )
        }
        About::News { practice } => sms_text(
            n.kind,
            SmsParts { organisation: &practice.name, place: "", when: "", channel: Channel::FaceToFace, until: "" },
        ),
    };
    let (_, count) = sms::segments(&text);
    if count > sms::MAX_SEGMENTS {
        return Err(DeliveryError::Permanent(format!("text message of {count} segments")));
    }
    Ok(OutgoingSms { to, text, reference: n.notification_id.to_string() })
}

/// The e-mail for an outbox row, or `None` when the patient does not want
/// this kind of message by e-mail (see `preferences`).
pub async fn compose_email(store: &dyn Store, n: &Notification) -> Result<Option<OutgoingEmail>, DeliveryError> {
    let facts = load(store, n).await?;
    if !facts.channels(true, true).contains(&DeliveryChannel::Email) {
        return Ok(None);
    }
    email(&facts).map(Some)
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
        assert_eq!(clock_time(datetime!(2027-07-05 23:05 UTC)), "12:05am");
    }

    /// Every kind of message, for every practice and hub in the directory
    /// with each of its places, each way of being seen, and the longest
    /// date and time there is: never more than two segments, always GSM.
    #[test]
    fn every_text_message_fits_two_segments_with_the_longest_names() {
        use crate::booking::Channel;
        use crate::model::OrganisationKind;
        let p = crate::demo::generate_with(crate::demo::DEFAULT_SEED, 10);
        let longest_when = (0..366)
            .map(|d| when(datetime!(2027-01-01 22:45 UTC) + time::Duration::days(d)))
            .max_by_key(|w| w.len())
            .unwrap();
        assert_eq!(longest_when.len(), "Wednesday 29 September 2027 at 11:45pm".len(), "{longest_when}");
        let mut checked = 0;
        let mut longest = String::new();
        for org in
            p.organisations.iter().filter(|o| matches!(o.kind, OrganisationKind::GpPractice | OrganisationKind::Hub))
        {
            for location in p.locations.iter().filter(|l| l.organisation_id == org.organisation_id) {
                let place = format!("{}, {}", location.name, location.address.postcode);
                for channel in Channel::ALL {
                    for kind in NotificationKind::ALL {
                        let text = sms_text(
                            kind,
                            SmsParts {
                                organisation: &org.name,
                                place: &place,
                                when: &longest_when,
                                channel,
                                until: "12:45pm",
                            },
                        );
                        let (encoding, n) = sms::segments(&text);
                        assert_eq!(encoding, sms::Encoding::Gsm7, "{text}");
                        assert!(n <= sms::MAX_SEGMENTS, "{n} segments: {text}");
                        assert!(!text.contains("{") && !text.contains("  "), "{text}");
                        if text.len() > longest.len() {
                            longest = text;
                        }
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 400, "{checked}");
        assert!(longest.contains("Northern Lights Evening and Weekend Hub"), "{longest}");
    }

    #[test]
    fn text_messages_say_when_and_where_but_not_what_kind_of_appointment() {
        let parts = SmsParts {
            organisation: "Kingfisher Lane Surgery",
            place: "Main surgery, AL1 3ZZ",
            when: "Monday 4 January 2027 at 8:30am",
            channel: crate::booking::Channel::FaceToFace,
            until: "",
        };
        let booked = sms_text(NotificationKind::AppointmentBooked, parts);
        assert_eq!(
            booked,
            "carebook: your appointment at Kingfisher Lane Surgery is booked for Monday 4 January 2027 at 8:30am. \
             Come to Main surgery, AL1 3ZZ. To change or cancel, use carebook or call the practice."
        );
        let phone = sms_text(
            NotificationKind::AppointmentReminder,
            SmsParts { channel: crate::booking::Channel::Telephone, ..parts },
        );
        assert!(phone.contains("The practice will phone you.") && !phone.contains("Come to"), "{phone}");
        let cancelled = sms_text(NotificationKind::AppointmentCancelledByPractice, parts);
        assert!(cancelled.contains("has had to cancel"), "{cancelled}");
    }
}
