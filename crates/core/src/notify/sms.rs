//! Text messages: how many segments a message costs, and the quiet hours
//! when nothing but urgent messages is sent.

use time::{Duration, OffsetDateTime, Time};

use crate::london;

/// The GSM 03.38 default alphabet (7-bit): messages using only these
/// characters fit 160 to a segment (153 when split).
const GSM7_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// The extension table: each costs two septets.
const GSM7_EXTENDED: &str = "^{}\\[~]|€\u{000C}";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Gsm7,
    /// Anything outside GSM 7-bit (curly quotes, emoji, many accents): 70
    /// characters to a segment (67 when split).
    Ucs2,
}

/// The encoding and the number of segments a message needs.
pub fn segments(text: &str) -> (Encoding, usize) {
    let mut septets: usize = 0;
    let mut gsm = true;
    for c in text.chars() {
        if GSM7_BASIC.contains(c) {
            septets += 1;
        } else if GSM7_EXTENDED.contains(c) {
            septets += 2;
        } else {
            gsm = false;
            break;
        }
    }
    if gsm {
        let n = if septets <= 160 { 1 } else { septets.div_ceil(153) };
        return (Encoding::Gsm7, n.max(1));
    }
    // UCS-2 counts UTF-16 code units.
    let units = text.encode_utf16().count();
    let n = if units <= 70 { 1 } else { units.div_ceil(67) };
    (Encoding::Ucs2, n.max(1))
}

/// No SMS between 21:00 and 08:00 London time unless urgent.
pub const QUIET_FROM: Time = time::macros::time!(21:00);
pub const QUIET_UNTIL: Time = time::macros::time!(08:00);

pub fn in_quiet_hours(now: OffsetDateTime) -> bool {
    let t = london::to_local(now).time();
    t >= QUIET_FROM || t < QUIET_UNTIL
}

/// When a non-urgent message due at `now` may be sent: now, or 08:00
/// London time at the end of the quiet hours.
pub fn earliest_send(now: OffsetDateTime) -> OffsetDateTime {
    if !in_quiet_hours(now) {
        return now;
    }
    let local = london::to_local(now);
    let day = if local.time() >= QUIET_FROM { local.date() + Duration::days(1) } else { local.date() };
    london::resolve(day, QUIET_UNTIL)
}

/// At most this many segments to a message: the composer keeps every kind
/// of message within it, whatever the practice and place are called.
pub const MAX_SEGMENTS: usize = 2;

/// Replaces the typographic characters that would force a whole message
/// into UCS-2 (70 characters to a segment) with their plain equivalents.
pub fn gsm_safe(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{2018}' | '\u{2019}' | '\u{201B}' | '`' | '\u{00B4}' => '\'',
            '\u{201C}' | '\u{201D}' => '"',
            '\u{2013}' | '\u{2014}' | '\u{2212}' => '-',
            '\u{00A0}' | '\u{2009}' | '\u{202F}' => ' ',
            c => c,
        })
        .collect()
}

/// Whether a text message may break the quiet hours. Only a cancellation by
/// the practice, and only when waiting for the morning would leave too
/// little notice: the appointment is today, or starts within four hours of
/// the quiet hours ending (so that nobody sets off for a cancelled
/// appointment). Everything else waits until 08:00.
pub fn is_urgent(
    kind: super::outbox::NotificationKind,
    now: OffsetDateTime,
    appointment_starts_at: Option<OffsetDateTime>,
) -> bool {
    use super::outbox::NotificationKind as K;
    let Some(starts) = appointment_starts_at else {
        return false;
    };
    if kind != K::AppointmentCancelledByPractice || starts <= now {
        return false;
    }
    let same_day = london::to_local(starts).date() == london::to_local(now).date();
    same_day || starts < earliest_send(now) + Duration::hours(4)
}

/// When a text message goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsTiming {
    Now,
    /// Quiet hours: at this time (08:00 London).
    Defer(OffsetDateTime),
    /// By the end of the quiet hours it would say nothing useful: the
    /// appointment it reminds of has begun, or the offer it makes has lapsed.
    /// The other channels still carry it.
    TooLate,
}

/// The quiet-hours decision for one text message. `deadline` is when the
/// message stops being worth sending: a reminder's appointment start, a
/// waitlist offer's expiry; `None` for messages that never go stale.
pub fn timing(
    kind: super::outbox::NotificationKind,
    now: OffsetDateTime,
    appointment_starts_at: Option<OffsetDateTime>,
    deadline: Option<OffsetDateTime>,
) -> SmsTiming {
    if !in_quiet_hours(now) || is_urgent(kind, now, appointment_starts_at) {
        return SmsTiming::Now;
    }
    let at = earliest_send(now);
    match deadline {
        Some(d) if at >= d => SmsTiming::TooLate,
        _ => SmsTiming::Defer(at),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    use crate::notify::outbox::NotificationKind as K;

    #[test]
    fn only_a_practice_cancellation_with_little_notice_breaks_the_quiet_hours() {
        let night = datetime!(2027-01-11 22:30 UTC);
        // Tomorrow 08:30: waiting until 08:00 leaves half an hour.
        let early = Some(datetime!(2027-01-12 08:30 UTC));
        assert!(is_urgent(K::AppointmentCancelledByPractice, night, early));
        assert_eq!(timing(K::AppointmentCancelledByPractice, night, early, None), SmsTiming::Now);
        // Tomorrow afternoon: the morning is soon enough.
        let afternoon = Some(datetime!(2027-01-12 15:00 UTC));
        assert!(!is_urgent(K::AppointmentCancelledByPractice, night, afternoon));
        assert_eq!(
            timing(K::AppointmentCancelledByPractice, night, afternoon, None),
            SmsTiming::Defer(datetime!(2027-01-12 08:00 UTC))
        );
        // The same day, before dawn: urgent even with hours to go.
        let dawn = datetime!(2027-01-12 05:00 UTC);
        assert!(is_urgent(K::AppointmentCancelledByPractice, dawn, Some(datetime!(2027-01-12 16:00 UTC))));
        // A cancellation by the patient, or a booking, is never urgent.
        assert!(!is_urgent(K::AppointmentCancelledByPatient, night, early));
        assert!(!is_urgent(K::AppointmentBooked, night, early));
        assert_eq!(timing(K::AppointmentBooked, night, early, None), SmsTiming::Defer(datetime!(2027-01-12 08:00 UTC)));
        // Outside the quiet hours everything goes now.
        assert_eq!(timing(K::AppointmentBooked, datetime!(2027-01-12 12:00 UTC), early, None), SmsTiming::Now);
    }

    #[test]
    fn a_reminder_or_offer_that_would_arrive_too_late_is_not_texted() {
        let night = datetime!(2027-01-12 06:00 UTC);
        let starts = datetime!(2027-01-12 08:00 UTC);
        assert_eq!(timing(K::AppointmentReminder, night, Some(starts), Some(starts)), SmsTiming::TooLate);
        let later = datetime!(2027-01-12 08:30 UTC);
        assert_eq!(
            timing(K::AppointmentReminder, night, Some(later), Some(later)),
            SmsTiming::Defer(datetime!(2027-01-12 08:00 UTC))
        );
        assert_eq!(timing(K::WaitlistOffer, night, None, Some(datetime!(2027-01-12 06:30 UTC))), SmsTiming::TooLate);
    }

    #[test]
    fn typographic_punctuation_is_made_plain_so_a_message_stays_gsm() {
        let text = gsm_safe("St Mary’s — “Hub” clinic");
        assert_eq!(text, "St Mary's - \"Hub\" clinic");
        assert_eq!(segments(&text).0, Encoding::Gsm7);
    }

    #[test]
    fn plain_english_fits_160_characters_to_a_segment() {
        assert_eq!(segments(&"a".repeat(160)), (Encoding::Gsm7, 1));
        assert_eq!(segments(&"a".repeat(161)), (Encoding::Gsm7, 2));
        assert_eq!(segments(&"a".repeat(306)), (Encoding::Gsm7, 2));
        assert_eq!(segments(&"a".repeat(307)), (Encoding::Gsm7, 3));
        assert_eq!(
            segments("Your appointment is at 09:30 on Monday 29 March. Reply STOP? No: call the practice."),
            (Encoding::Gsm7, 1)
        );
    }

    #[test]
    fn extension_characters_cost_two_and_others_force_ucs2() {
        assert_eq!(segments(&"€".repeat(80)), (Encoding::Gsm7, 1));
        assert_eq!(segments(&"€".repeat(81)), (Encoding::Gsm7, 2));
        assert_eq!(segments("It’s booked"), (Encoding::Ucs2, 1), "a curly apostrophe");
        assert_eq!(segments(&"’".repeat(71)), (Encoding::Ucs2, 2));
    }

    #[test]
    fn quiet_hours_run_from_nine_at_night_to_eight_in_the_morning_london_time() {
        // Winter: London is UTC.
        assert!(!in_quiet_hours(datetime!(2027-01-11 20:59 UTC)));
        assert!(in_quiet_hours(datetime!(2027-01-11 21:00 UTC)));
        assert!(in_quiet_hours(datetime!(2027-01-12 07:59 UTC)));
        assert!(!in_quiet_hours(datetime!(2027-01-12 08:00 UTC)));
        // Summer: 21:00 BST is 20:00 UTC.
        assert!(in_quiet_hours(datetime!(2027-07-12 20:00 UTC)));
        assert!(!in_quiet_hours(datetime!(2027-07-12 19:59 UTC)));
    }

    #[test]
    fn a_message_due_in_quiet_hours_waits_for_eight_the_next_morning() {
        assert_eq!(earliest_send(datetime!(2027-01-11 22:30 UTC)), datetime!(2027-01-12 08:00 UTC));
        assert_eq!(earliest_send(datetime!(2027-01-12 06:00 UTC)), datetime!(2027-01-12 08:00 UTC));
        assert_eq!(earliest_send(datetime!(2027-01-12 12:00 UTC)), datetime!(2027-01-12 12:00 UTC));
        // Across the March change: 22:00 GMT Saturday waits for 08:00 BST Sunday.
        assert_eq!(earliest_send(datetime!(2027-03-27 22:00 UTC)), datetime!(2027-03-28 07:00 UTC));
    }
}
