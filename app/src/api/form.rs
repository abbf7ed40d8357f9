//! Form values, both ways: a problem with a field, reading what was typed
//! (ids, dates, times) and writing dates and times the way the forms and
//! lists show them. One definition each, for every page area.

use serde::{Deserialize, Serialize};

/// A problem with a form: the id of the field to fix, and what to do.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub field: String,
    pub message: String,
}

/// One choice of a select: (value, label).
pub type Choice = (String, String);

#[cfg(feature = "ssr")]
pub use values::*;

#[cfg(feature = "ssr")]
mod values {
    use time::{Date, Time};
    use uuid::Uuid;

    use super::Problem;

    pub fn problem(field: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem { field: field.into(), message: message.into() }
    }

    /// What was typed, trimmed and cut to at most `n` characters (empty
    /// when the field was not sent).
    pub fn clean(s: Option<String>, n: usize) -> String {
        s.map(|s| s.trim().chars().take(n).collect()).unwrap_or_default()
    }

    /// An opaque id from a form or an address.
    pub fn uuid(s: &str) -> Option<Uuid> {
        Uuid::parse_str(s.trim()).ok()
    }

    /// "2027-01-04" (ISO 8601 calendar date, as the forms ask for it).
    pub fn date(s: &str) -> Option<Date> {
        Date::parse(s.trim(), time::macros::format_description!("[year]-[month]-[day]")).ok()
    }

    /// "08:30", "8:30", "8.30", "0830", or "9" for 09:00, on the 24-hour
    /// clock.
    pub fn time_of_day(s: &str) -> Option<Time> {
        let s = s.trim().replace('.', ":");
        let (h, m) = match s.split_once(':') {
            Some((h, m)) => (h.to_string(), m.to_string()),
            None if (1..=2).contains(&s.len()) => (s.clone(), "00".to_string()),
            None if (3..=4).contains(&s.len()) => (s[..s.len() - 2].to_string(), s[s.len() - 2..].to_string()),
            None => return None,
        };
        if h.is_empty() || h.len() > 2 || m.len() != 2 || !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        Time::from_hms(h.parse().ok()?, m.parse().ok()?, 0).ok()
    }

    /// "08:30", as the rota forms write a time.
    pub fn clock(t: Time) -> String {
        format!("{:02}:{:02}", t.hour(), t.minute())
    }

    /// "4 January 2027".
    pub fn long_date(d: Date) -> String {
        carebook_core::booking::view::long_date(d)
    }

    /// "Monday 4 January 2027".
    pub fn day_label(d: Date) -> String {
        format!("{} {}", d.weekday(), long_date(d))
    }

    /// A day in an address, as the day list's link carries it: digits and
    /// dashes only.
    pub fn day_in_address(day: &str) -> String {
        day.chars().filter(|c| c.is_ascii_digit() || *c == '-').collect()
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use time::macros::time;

        #[test]
        fn times_are_read_on_the_24_hour_clock_in_the_usual_spellings() {
            assert_eq!(time_of_day("08:30"), Some(time!(08:30)));
            assert_eq!(time_of_day("8:30"), Some(time!(08:30)));
            assert_eq!(time_of_day("8.30"), Some(time!(08:30)));
            assert_eq!(time_of_day("1730"), Some(time!(17:30)));
            assert_eq!(time_of_day("9"), Some(time!(09:00)));
            assert_eq!(time_of_day("14"), Some(time!(14:00)));
            assert_eq!(time_of_day("24:00"), None);
            assert_eq!(time_of_day("8:3"), None);
            assert_eq!(time_of_day("half eight"), None);
        }

        #[test]
        fn form_values_are_trimmed_and_cut() {
            assert_eq!(clean(Some("  abcdef ".into()), 3), "abc");
            assert_eq!(clean(None, 3), "");
            assert_eq!(date(" 2027-01-04 "), Some(time::macros::date!(2027 - 01 - 04)));
            assert_eq!(day_label(time::macros::date!(2027 - 01 - 04)), "Monday 4 January 2027");
            assert_eq!(day_in_address("2027-01-04<x>"), "2027-01-04");
        }
    }
}
