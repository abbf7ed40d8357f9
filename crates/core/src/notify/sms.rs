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

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

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
