//! Calendar invitations, RFC 5545 (iCalendar) with RFC 5546 (iTIP)
//! methods: METHOD:REQUEST when an appointment is booked or moved,
//! METHOD:CANCEL when it is cancelled. The UID is stable for an appointment
//! and SEQUENCE rises with every amendment, so calendar programs update the
//! one event instead of adding another. Times are written in
//! Europe/London with the zone's definition included, so they show right
//! either side of the clock changes.

use time::OffsetDateTime;

use crate::london;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Request,
    Cancel,
}

/// One appointment as a calendar event. Only what the person needs: time,
/// place and kind of appointment; never clinical detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    /// Stable for the appointment, e.g. "<appointment id>@carebook".
    pub uid: String,
    pub sequence: u32,
    pub method: Method,
    pub summary: String,
    pub location: String,
    pub description: String,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    /// When the invitation was made (DTSTAMP).
    pub stamped_at: OffsetDateTime,
    /// The practice's address, shown as the organiser.
    pub organiser_email: String,
}

/// TEXT escaping (RFC 5545 section 3.3.11).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Content lines longer than 75 octets are folded: CRLF then a space
/// (RFC 5545 section 3.1), never inside a UTF-8 character.
fn fold(line: &str, out: &mut String) {
    let mut used = 0;
    for c in line.chars() {
        let width = c.len_utf8();
        if used + width > 75 {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += width;
    }
    out.push_str("\r\n");
}

/// `NAME;TZID=Europe/London:local` where the local time names the instant
/// unambiguously. During the hour repeated in October a calendar reads a
/// local time as its first occurrence (RFC 5545 section 3.3.5), so the
/// second occurrence is written in UTC instead.
fn date_time_line(name: &str, t: OffsetDateTime) -> String {
    let l = london::to_local(t);
    let names_it = match london::from_local(l.date(), l.time()) {
        london::LocalTime::Unique(x) => x == t,
        london::LocalTime::Ambiguous { earlier, .. } => earlier == t,
        london::LocalTime::Skipped { .. } => false,
    };
    if names_it {
        format!(
            "{name};TZID=Europe/London:{:04}{:02}{:02}T{:02}{:02}{:02}",
            l.year(),
            l.month() as u8,
            l.day(),
            l.hour(),
            l.minute(),
            l.second()
        )
    } else {
        format!("{name}:{}", utc_stamp(t))
    }
}

fn utc_stamp(t: OffsetDateTime) -> String {
    let u = t.to_offset(time::UtcOffset::UTC);
    format!("{:04}{:02}{:02}T{:02}{:02}{:02}Z", u.year(), u.month() as u8, u.day(), u.hour(), u.minute(), u.second())
}

/// Europe/London as a VTIMEZONE: the same rule as `london` (last Sunday of
/// March and of October, at 01:00 UTC).
const VTIMEZONE: [&str; 16] = [
    "BEGIN:VTIMEZONE",
    "TZID:Europe/London",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0000",
    "TZOFFSETTO:+0100",
    "TZNAME:BST",
    "DTSTART:19700329T010000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0000",
    "TZNAME:GMT",
    "DTSTART:19701025T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
];

impl Invitation {
    pub fn to_ics(&self) -> String {
        let method = match self.method {
            Method::Request => "REQUEST",
            Method::Cancel => "CANCEL",
        };
        let mut lines: Vec<String> = vec![
            "BEGIN:VCALENDAR".into(),
            "VERSION:2.0".into(),
            "PRODID:-//carebook//appointments//EN".into(),
            "CALSCALE:GREGORIAN".into(),
            format!("METHOD:{method}"),
        ];
        lines.extend(VTIMEZONE.iter().map(|l| l.to_string()));
        lines.push("END:VTIMEZONE".into());
        lines.extend([
            "BEGIN:VEVENT".into(),
            format!("UID:{}", self.uid),
            format!("SEQUENCE:{}", self.sequence),
            format!("DTSTAMP:{}", utc_stamp(self.stamped_at)),
            date_time_line("DTSTART", self.starts_at),
            date_time_line("DTEND", self.ends_at),
            format!("SUMMARY:{}", escape(&self.summary)),
            format!("LOCATION:{}", escape(&self.location)),
            format!("DESCRIPTION:{}", escape(&self.description)),
            format!("ORGANIZER:mailto:{}", self.organiser_email),
            format!("STATUS:{}", if self.method == Method::Cancel { "CANCELLED" } else { "CONFIRMED" }),
            "TRANSP:OPAQUE".into(),
            "END:VEVENT".into(),
            "END:VCALENDAR".into(),
        ]);
        let mut out = String::new();
        for line in lines {
            fold(&line, &mut out);
        }
        out
    }
}

/// Reads back the calendar's METHOD and its event's properties, unfolded
/// and unescaped, in order: `("DTSTART;TZID=Europe/London", "20270104T083000")`.
/// For showing an invitation (the demonstration's outbox viewer); not a
/// general iCalendar parser.
pub fn event_properties(ics: &str) -> Vec<(String, String)> {
    let unfolded = ics.replace("\r\n ", "").replace("\r\n\t", "");
    let mut out = Vec::new();
    let mut in_event = false;
    for line in unfolded.split("\r\n").flat_map(|l| l.split('\n')) {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        match (name, value) {
            ("BEGIN", "VEVENT") => in_event = true,
            ("END", "VEVENT") => in_event = false,
            ("METHOD", _) => out.push((name.to_string(), value.to_string())),
            _ if in_event => out.push((name.to_string(), unescape(value))),
            _ => {}
        }
    }
    out
}

fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') | Some('N') => out.push('\n'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn an_invitation_reads_back_with_its_fields_unfolded_and_unescaped() {
        let mut i = invitation(Method::Cancel, 3);
        i.location = "Suite 2; Health Centre, Market Square, Bishop's Stortford, a long address that must fold".into();
        let props = event_properties(&i.to_ics());
        let get = |name: &str| props.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
        assert_eq!(get("METHOD").as_deref(), Some("CANCEL"));
        assert_eq!(get("SEQUENCE").as_deref(), Some("3"));
        assert_eq!(get("UID").as_deref(), Some("3f2b1c1e-0000-4000-8000-000000000001@carebook"));
        assert_eq!(get("DTSTART;TZID=Europe/London").as_deref(), Some("20270329T093000"));
        assert_eq!(get("LOCATION"), Some(i.location.clone()));
        assert_eq!(get("SUMMARY").as_deref(), Some("GP appointment, Kingfisher Lane Surgery"));
        assert_eq!(props.iter().filter(|(n, _)| n.starts_with("DTSTART")).count(), 1, "not the time zone's");
    }

    fn invitation(method: Method, sequence: u32) -> Invitation {
        Invitation {
            uid: "3f2b1c1e-0000-4000-8000-000000000001@carebook".into(),
            sequence,
            method,
            summary: "GP appointment, Kingfisher Lane Surgery".into(),
            location: "Main surgery, 12 Acorn Way, St Albans, AL1 3ZZ".into(),
            description: "Arrive 5 minutes early. To change or cancel, use carebook or call the practice.".into(),
            starts_at: datetime!(2027-03-29 08:30 UTC),
            ends_at: datetime!(2027-03-29 08:40 UTC),
            stamped_at: datetime!(2027-03-20 12:00 UTC),
            organiser_email: "kingfisher.lane.surgery@example.org".into(),
        }
    }

    fn unfolded(ics: &str) -> Vec<String> {
        ics.replace("\r\n ", "").split("\r\n").filter(|l| !l.is_empty()).map(str::to_string).collect()
    }

    #[test]
    fn a_booking_is_a_request_with_london_times_after_the_clock_change() {
        let ics = invitation(Method::Request, 0).to_ics();
        let lines = unfolded(&ics);
        assert!(lines.contains(&"METHOD:REQUEST".to_string()));
        assert!(lines.contains(&"SEQUENCE:0".to_string()));
        // 08:30 UTC on 29 March 2027 is 09:30 BST.
        assert!(lines.contains(&"DTSTART;TZID=Europe/London:20270329T093000".to_string()), "{lines:?}");
        assert!(lines.contains(&"DTEND;TZID=Europe/London:20270329T094000".to_string()));
        assert!(lines.contains(&"DTSTAMP:20270320T120000Z".to_string()));
        assert!(lines.contains(&"STATUS:CONFIRMED".to_string()));
        assert!(lines.contains(&"TZID:Europe/London".to_string()));
    }

    #[test]
    fn the_second_half_past_one_of_the_october_change_is_written_in_utc() {
        let mut first = invitation(Method::Request, 0);
        first.starts_at = datetime!(2027-10-31 00:30 UTC);
        first.ends_at = datetime!(2027-10-31 00:40 UTC);
        let lines = unfolded(&first.to_ics());
        assert!(lines.contains(&"DTSTART;TZID=Europe/London:20271031T013000".to_string()), "{lines:?}");
        let mut second = invitation(Method::Request, 0);
        second.starts_at = datetime!(2027-10-31 01:30 UTC);
        second.ends_at = datetime!(2027-10-31 01:40 UTC);
        let lines = unfolded(&second.to_ics());
        assert!(lines.contains(&"DTSTART:20271031T013000Z".to_string()), "{lines:?}");
        assert!(lines.contains(&"DTEND:20271031T014000Z".to_string()), "{lines:?}");
    }

    #[test]
    fn a_cancellation_keeps_the_uid_and_raises_the_sequence() {
        let booked = unfolded(&invitation(Method::Request, 0).to_ics());
        let cancelled = unfolded(&invitation(Method::Cancel, 2).to_ics());
        let uid = |l: &Vec<String>| l.iter().find(|x| x.starts_with("UID:")).cloned();
        assert_eq!(uid(&booked), uid(&cancelled));
        assert!(cancelled.contains(&"METHOD:CANCEL".to_string()));
        assert!(cancelled.contains(&"STATUS:CANCELLED".to_string()));
        assert!(cancelled.contains(&"SEQUENCE:2".to_string()));
    }

    #[test]
    fn text_is_escaped_and_long_lines_are_folded_at_75_octets() {
        let mut i = invitation(Method::Request, 1);
        i.location = "Suite 2; Health Centre, Market Square, Bishop’s Stortford — a long address that must fold".into();
        let ics = i.to_ics();
        for line in ics.split("\r\n") {
            assert!(line.len() <= 75, "{line:?} is {} octets", line.len());
        }
        let lines = unfolded(&ics);
        let location = lines.iter().find(|l| l.starts_with("LOCATION:")).unwrap();
        assert!(location.contains("Suite 2\\; Health Centre\\, Market Square"), "{location}");
        assert!(location.contains("Bishop’s Stortford"), "multi-byte characters survive folding");
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
        assert!(!ics.replace("\r\n", "").contains('\n'), "every line ends CRLF");
    }
}
