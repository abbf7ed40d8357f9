//! The rota template form, both ways: a saved template as the form's
//! values, and what was typed as a template or every problem with it, each
//! on its field (a session's problem on its row), in the order of the form.
//! Also the sessions in words, as the list of rotas shows them.

use carebook_core::booking::desk::RotaListing;
use carebook_core::booking::rota::{RotaError, RotaException, RotaTemplate, WeeklySession};
use carebook_core::booking::service::BookingError;
use carebook_core::booking::{BookableBy, Channel, ServiceKind};
use leptos::prelude::ServerFnError;
use time::{Date, Time, Weekday};
use uuid::Uuid;

use super::{Problem, RotaFields, RotaRow, SessionFields, WEEKDAYS};
use crate::api::form::{clock, date as parse_date, long_date, problem, time_of_day as parse_time, uuid};

fn weekday(value: &str) -> Option<Weekday> {
    use Weekday::*;
    let days = [Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday];
    WEEKDAYS.iter().position(|(v, _)| *v == value).map(|i| days[i])
}

fn weekday_value(w: Weekday) -> &'static str {
    WEEKDAYS[usize::from(w.number_days_from_monday())].0
}

fn weekday_name(w: Weekday) -> &'static str {
    WEEKDAYS[usize::from(w.number_days_from_monday())].1
}

fn ordinal(n: usize) -> &'static str {
    match n {
        1 => "first",
        2 => "second",
        3 => "third",
        4 => "fourth",
        _ => "next",
    }
}

/// The form's rows: each weekday's sessions in order of start, and at
/// least two rows a day (blank ones to add a session).
pub fn session_rows(sessions: &[WeeklySession]) -> Vec<SessionFields> {
    let mut rows = Vec::new();
    for (value, _) in WEEKDAYS {
        let mut mine: Vec<&WeeklySession> = sessions.iter().filter(|s| weekday_value(s.weekday) == value).collect();
        mine.sort_by_key(|s| s.starts);
        for s in &mine {
            rows.push(SessionFields {
                day: value.to_string(),
                starts: clock(s.starts),
                ends: clock(s.ends),
                minutes: s.slot_minutes.to_string(),
            });
        }
        for _ in mine.len()..2 {
            rows.push(SessionFields { day: value.to_string(), ..Default::default() });
        }
    }
    rows
}

/// The form's values for a saved template.
pub fn fields_of(t: &RotaTemplate) -> RotaFields {
    let mut exceptions = t.exceptions.clone();
    exceptions.sort_by_key(|e| e.date);
    RotaFields {
        rota_template_id: t.rota_template_id.to_string(),
        organisation_id: t.organisation_id.to_string(),
        location_id: t.location_id.to_string(),
        clinician_id: t.clinician_id.to_string(),
        service: t.service.as_str().to_string(),
        channel: t.channel.as_str().to_string(),
        bookable_by: t.bookable_by.as_str().to_string(),
        effective_from: t.effective_from.to_string(),
        effective_until: t.effective_until.map(|d| d.to_string()).unwrap_or_default(),
        days_off: exceptions.iter().map(|e| format!("{} {}", e.date, e.reason)).collect::<Vec<_>>().join("\n"),
        sessions: session_rows(&t.sessions),
    }
}

/// A rota as the list shows it.
pub fn row(listing: &RotaListing) -> RotaRow {
    let t = &listing.template;
    let mut sessions = t.sessions.clone();
    sessions.sort_by_key(|s| (s.weekday.number_days_from_monday(), s.starts));
    let mut exceptions = t.exceptions.clone();
    exceptions.sort_by_key(|e| e.date);
    RotaRow {
        rota_template_id: t.rota_template_id.to_string(),
        service: t.service.label().to_string(),
        clinician: listing.clinician.as_ref().map_or_else(|| "Unknown clinician".to_string(), |c| c.name.clone()),
        location: listing.location.as_ref().map(|l| l.name.clone()).unwrap_or_default(),
        channel: t.channel.label().to_string(),
        bookable_by: t.bookable_by.label().to_string(),
        sessions: weekly(&sessions),
        effective: match t.effective_until {
            Some(until) => format!("{} to {}", long_date(t.effective_from), long_date(until)),
            None => format!("From {}", long_date(t.effective_from)),
        },
        days_off: exceptions.iter().map(|e| format!("{}: {}", long_date(e.date), e.reason)).collect(),
    }
}

/// The sessions in words, days with the same hours together: "Mon–Fri
/// 08:30–12:00, 10 min", "Tue, Thu 09:00–11:00, 30 min".
pub fn weekly(sessions: &[WeeklySession]) -> Vec<String> {
    let mut groups: Vec<((Time, Time, u16), Vec<u8>)> = Vec::new();
    let mut sorted = sessions.to_vec();
    sorted.sort_by_key(|s| (s.weekday.number_days_from_monday(), s.starts));
    for s in &sorted {
        let key = (s.starts, s.ends, s.slot_minutes);
        let day = s.weekday.number_days_from_monday();
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, days)) => days.push(day),
            None => groups.push((key, vec![day])),
        }
    }
    groups.sort_by_key(|((starts, _, _), days)| (days[0], *starts));
    let short = |d: u8| &WEEKDAYS[usize::from(d)].1[..3];
    groups
        .into_iter()
        .map(|((starts, ends, minutes), mut days)| {
            days.dedup();
            // Runs of consecutive days: three or more as a range.
            let mut runs: Vec<Vec<u8>> = Vec::new();
            for d in days {
                match runs.last_mut() {
                    Some(run) if run.last() == Some(&(d.wrapping_sub(1))) => run.push(d),
                    _ => runs.push(vec![d]),
                }
            }
            let days = runs
                .iter()
                .map(|run| match run.as_slice() {
                    [first, .., last] if run.len() >= 3 => format!("{}–{}", short(*first), short(*last)),
                    _ => run.iter().map(|d| short(*d)).collect::<Vec<_>>().join(", "),
                })
                .collect::<Vec<_>>()
                .join(", ");
            format!("{days} {}–{}, {minutes} min", clock(starts), clock(ends))
        })
        .collect()
}

/// The form's values as a template, or every problem with them, each
/// on its field (in the order of the form). `id` and
/// `organisation_id` are the server's, never the form's.
pub fn template_from(fields: &RotaFields, id: Uuid, organisation_id: Uuid) -> Result<RotaTemplate, Vec<Problem>> {
    let mut problems = Vec::new();
    let location_id = uuid(&fields.location_id);
    if location_id.is_none() {
        problems.push(problem("location", "Choose where the clinics are held"));
    }
    let clinician_id = uuid(&fields.clinician_id);
    if clinician_id.is_none() {
        problems.push(problem("clinician", "Choose the clinician who holds the clinics"));
    }
    let service = ServiceKind::parse(fields.service.trim());
    if service.is_none() {
        problems.push(problem("service", "Choose the kind of appointment"));
    }
    let channel = Channel::parse(fields.channel.trim());
    if channel.is_none() {
        problems.push(problem("channel", "Choose how the appointments happen"));
    }
    let bookable_by = BookableBy::parse(fields.bookable_by.trim());
    if bookable_by.is_none() {
        problems.push(problem("bookable-by", "Choose who can book these appointments online"));
    }
    let effective_from = match fields.effective_from.trim() {
        "" => {
            problems.push(problem("effective-from", "Enter the date the rota starts, for example 2027-01-04"));
            None
        }
        s => {
            let d = parse_date(s);
            if d.is_none() {
                problems.push(problem(
                    "effective-from",
                    "The date the rota starts must be a real date, for example 2027-01-04",
                ));
            }
            d
        }
    };
    let effective_until = match fields.effective_until.trim() {
        "" => None,
        s => {
            let d = parse_date(s);
            if d.is_none() {
                problems.push(problem(
                    "effective-until",
                    "The date the rota ends must be a real date, for example 2027-03-31, or left empty",
                ));
            }
            d
        }
    };
    if let (Some(from), Some(until)) = (effective_from, effective_until) {
        if until < from {
            problems.push(problem("effective-until", RotaError::EndsBeforeItStarts.to_string()));
        }
    }

    let sessions = sessions_from(&fields.sessions, &mut problems);
    let exceptions = days_off_from(&fields.days_off, &mut problems);

    match (location_id, clinician_id, service, channel, bookable_by, effective_from) {
        (Some(location_id), Some(clinician_id), Some(service), Some(channel), Some(bookable_by), Some(from))
            if problems.is_empty() =>
        {
            Ok(RotaTemplate {
                rota_template_id: id,
                organisation_id,
                location_id,
                clinician_id,
                service,
                channel,
                bookable_by,
                sessions,
                effective_from: from,
                effective_until,
                exceptions,
            })
        }
        _ => Err(problems),
    }
}

/// The weekly sessions typed in the table's rows (a blank row is no
/// session), each problem on its row's field.
fn sessions_from(rows: &[SessionFields], problems: &mut Vec<Problem>) -> Vec<WeeklySession> {
    let mut sessions = Vec::new();
    let mut nth = std::collections::HashMap::<String, usize>::new();
    for row in rows {
        let Some(day) = weekday(&row.day) else { continue };
        let n = {
            let c = nth.entry(row.day.clone()).or_default();
            *c += 1;
            *c
        };
        let id = |part: &str| format!("{}-{n}-{part}", row.day);
        let (starts, ends, minutes) = (row.starts.trim(), row.ends.trim(), row.minutes.trim());
        if starts.is_empty() && ends.is_empty() && minutes.is_empty() {
            continue;
        }
        let which = format!("{}'s {} session", weekday_name(day), ordinal(n));
        let starts_at = match starts {
            "" => {
                problems.push(problem(id("starts"), format!("Enter when {which} starts, for example 08:30")));
                None
            }
            s => parse_time(s).or_else(|| {
                problems.push(problem(
                    id("starts"),
                    format!("Enter when {which} starts on the 24-hour clock, for example 08:30"),
                ));
                None
            }),
        };
        let ends_at = match ends {
            "" => {
                problems.push(problem(id("ends"), format!("Enter when {which} ends, for example 12:00")));
                None
            }
            s => parse_time(s).or_else(|| {
                problems.push(problem(
                    id("ends"),
                    format!("Enter when {which} ends on the 24-hour clock, for example 12:00"),
                ));
                None
            }),
        };
        let slot_minutes = match minutes {
            "" => {
                problems.push(problem(
                    id("minutes"),
                    format!("Enter how many minutes each appointment in {which} lasts, for example 10"),
                ));
                None
            }
            s => s.parse::<u16>().ok().or_else(|| {
                problems.push(problem(
                    id("minutes"),
                    format!("The appointment length for {which} must be a whole number of minutes, like 10"),
                ));
                None
            }),
        };
        if let (Some(starts), Some(ends), Some(slot_minutes)) = (starts_at, ends_at, slot_minutes) {
            let session = WeeklySession { weekday: day, starts, ends, slot_minutes };
            // The core's checks, one session at a time, so that each
            // problem lands on its row.
            let alone = RotaTemplate {
                rota_template_id: Uuid::nil(),
                organisation_id: Uuid::nil(),
                location_id: Uuid::nil(),
                clinician_id: Uuid::nil(),
                service: ServiceKind::GpAppointment,
                channel: Channel::FaceToFace,
                bookable_by: BookableBy::OwnPractice,
                sessions: vec![session.clone()],
                effective_from: Date::MIN,
                effective_until: None,
                exceptions: vec![],
            };
            match alone.validate() {
                Ok(()) => sessions.push(session),
                Err(e) => {
                    let field = match e {
                        RotaError::SlotLength => id("minutes"),
                        _ => id("ends"),
                    };
                    problems.push(problem(field, format!("{which}: {e}")));
                }
            }
        }
    }
    let mut seen = Vec::new();
    for s in &sessions {
        if seen.contains(&(s.weekday, s.starts)) {
            problems.push(problem(
                "sessions",
                format!(
                    "Two sessions on {} start at {}. Give each session its own start time",
                    weekday_name(s.weekday),
                    clock(s.starts)
                ),
            ));
        }
        seen.push((s.weekday, s.starts));
    }
    if sessions.is_empty()
        && !problems
            .iter()
            .any(|p| p.field.ends_with("-starts") || p.field.ends_with("-ends") || p.field.ends_with("-minutes"))
    {
        problems.push(problem(
            "sessions",
            "Add at least one session to the rota: a start, an end and an appointment length",
        ));
    }
    sessions
}

/// The days off, one a line: "2027-12-25 Christmas Day".
fn days_off_from(text: &str, problems: &mut Vec<Problem>) -> Vec<RotaException> {
    let mut exceptions = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let (date, reason) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let reason = reason.trim();
        match parse_date(date) {
            None => problems.push(problem(
                "days-off",
                format!("Line {} of the days off must start with a date, like 2027-12-25 Christmas Day", i + 1),
            )),
            Some(_) if reason.is_empty() => problems.push(problem(
                "days-off",
                format!(
                    "Give a reason after the date on line {} of the days off, like 2027-12-25 Christmas Day",
                    i + 1
                ),
            )),
            Some(_) if reason.chars().count() > 100 => problems.push(problem(
                "days-off",
                format!("The reason on line {} of the days off must be 100 characters or fewer", i + 1),
            )),
            Some(d) if exceptions.iter().any(|e: &RotaException| e.date == d) => problems.push(problem(
                "days-off",
                format!("{} is given twice in the days off. Give each day once", long_date(d)),
            )),
            Some(d) => exceptions.push(RotaException { date: d, reason: reason.to_string() }),
        }
    }
    exceptions
}

/// A refusal of save_rota in words, on the field it is about.
pub fn rota_problem(e: BookingError) -> Result<Problem, ServerFnError> {
    Ok(match e {
        BookingError::Invalid(m) => {
            let field = if m.contains("location") || m.contains("another organisation") {
                "location"
            } else if m.contains("clinician") {
                "clinician"
            } else if m.contains("day off") {
                "days-off"
            } else if m.contains("rota must end") {
                "effective-until"
            } else {
                "sessions"
            };
            problem(field, m)
        }
        BookingError::NotAllowed(_) | BookingError::NotFound => {
            problem("location", "You do not manage rotas at this practice or hub")
        }
        BookingError::Store(e) => return Err(crate::api::unavailable(e)),
        other => return Err(crate::api::unavailable(other)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::time;

    fn blank_rota() -> RotaFields {
        RotaFields { sessions: session_rows(&[]), ..Default::default() }
    }

    #[test]
    fn an_empty_rota_form_names_every_field_to_fill_in_form_order() {
        let problems = template_from(&blank_rota(), Uuid::nil(), Uuid::nil()).unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            ["location", "clinician", "service", "channel", "bookable-by", "effective-from", "sessions"]
        );
    }

    #[test]
    fn a_session_problem_lands_on_its_row_and_a_good_form_becomes_a_template() {
        let mut f = blank_rota();
        f.location_id = Uuid::from_u128(1).to_string();
        f.clinician_id = Uuid::from_u128(2).to_string();
        f.service = "phlebotomy".into();
        f.channel = "face_to_face".into();
        f.bookable_by = "staff_only".into();
        f.effective_from = "2027-01-04".into();
        f.days_off = "2027-12-25 Christmas Day\n\n".into();
        f.sessions[1] =
            SessionFields { day: "monday".into(), starts: "12:00".into(), ends: "09:00".into(), minutes: "10".into() };
        let problems = template_from(&f, Uuid::nil(), Uuid::nil()).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].field, "monday-2-ends");
        assert!(problems[0].message.contains("Monday's second session"), "{}", problems[0].message);

        f.sessions[1].ends = "12:30".into();
        let t = template_from(&f, Uuid::from_u128(9), Uuid::from_u128(3)).unwrap();
        assert_eq!(t.sessions.len(), 1);
        assert_eq!(t.exceptions.len(), 1);
        assert_eq!(fields_of(&t).sessions[0].starts, "12:00", "the session goes first on its day when shown again");
    }

    #[test]
    fn sessions_with_the_same_hours_are_shown_together() {
        let s = |weekday, starts, ends, slot_minutes| WeeklySession { weekday, starts, ends, slot_minutes };
        use Weekday::*;
        let mut week: Vec<WeeklySession> =
            [Monday, Tuesday, Wednesday, Thursday, Friday].map(|d| s(d, time!(08:30), time!(12:00), 10)).to_vec();
        week.push(s(Saturday, time!(09:00), time!(13:00), 15));
        week.push(s(Tuesday, time!(14:00), time!(15:00), 15));
        week.push(s(Thursday, time!(14:00), time!(15:00), 15));
        assert_eq!(
            weekly(&week),
            ["Mon–Fri 08:30–12:00, 10 min", "Tue, Thu 14:00–15:00, 15 min", "Sat 09:00–13:00, 15 min"]
        );
    }
}
