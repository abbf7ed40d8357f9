//! Rota templates, slot generation and booking rules for practice and hub
//! staff.
//!
//! Receptionists and administrators build an organisation's weekly rota
//! templates and make slots from them; every member of staff who runs
//! appointments sees the booking rules, and practice and federation
//! administrators change them. Every server function asks the core's
//! BookingService, which asks the access policy for the organisation the
//! call is about; the pages only decide what to show.
//!
//! Forms are plain POSTs first. A form's problems (and what was typed) are
//! kept in the server-side session for the page shown next, never in an
//! address; with JavaScript off the browser goes back to the form's page,
//! with it on the page reloads its data. A success sends the browser to a
//! page that says what happened; only counts and dates go in that address.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A problem with a form: the id of the field to fix, and what to do.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub field: String,
    pub message: String,
}

/// One choice of a select: (value, label).
pub type Choice = (String, String);

/// One rota template as the list shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotaRow {
    pub rota_template_id: String,
    pub service: String,
    pub clinician: String,
    pub location: String,
    pub channel: String,
    pub bookable_by: String,
    /// "Mon 08:30–12:00, 10 min", Monday first.
    pub sessions: Vec<String>,
    /// "From 4 January 2027" or "4 January 2027 to 31 March 2027".
    pub effective: String,
    /// "25 December 2027: Christmas Day".
    pub days_off: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganisationRotas {
    pub organisation_id: String,
    pub name: String,
    pub rotas: Vec<RotaRow>,
}

/// The rota templates at every organisation where the user manages rotas.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotaOverview {
    pub organisations: Vec<OrganisationRotas>,
}

/// One row of the weekly sessions table, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionFields {
    /// "monday" … "sunday".
    #[serde(default)]
    pub day: String,
    /// "08:30", London time.
    #[serde(default)]
    pub starts: String,
    #[serde(default)]
    pub ends: String,
    /// Appointment length in minutes.
    #[serde(default)]
    pub minutes: String,
}

/// A rota form's values, as typed (or as saved).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotaFields {
    /// Empty for a new rota.
    pub rota_template_id: String,
    pub organisation_id: String,
    pub location_id: String,
    pub clinician_id: String,
    pub service: String,
    pub channel: String,
    pub bookable_by: String,
    /// "2027-01-04".
    pub effective_from: String,
    pub effective_until: String,
    /// One a line: "2027-12-25 Christmas Day".
    pub days_off: String,
    /// At least two rows a weekday, Monday first.
    pub sessions: Vec<SessionFields>,
}

/// Everything the rota page needs: the form (with any problem kept for
/// it), and for a saved rota the "Generate slots" form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotaEditor {
    pub organisation: String,
    pub is_new: bool,
    /// "Blood test with Farid Haddad", for a saved rota.
    pub title: String,
    pub fields: RotaFields,
    pub problems: Vec<Problem>,
    pub locations: Vec<Choice>,
    pub clinicians: Vec<Choice>,
    pub generate_from: String,
    pub generate_to: String,
    pub generate_problems: Vec<Problem>,
    pub csrf_token: String,
}

/// One service's rules, in words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleRow {
    pub service_code: String,
    pub service: String,
    pub horizon: String,
    pub same_day_release: String,
    pub minimum_notice: String,
    pub change_cutoff: String,
    pub limit: String,
    pub who_for: String,
    /// "This practice", "This hub" or "carebook's default".
    pub set_by: String,
    pub set_here: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganisationRules {
    pub organisation_id: String,
    pub name: String,
    /// The user may change the rules here (practice and federation admins).
    pub may_set: bool,
    pub services: Vec<RuleRow>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RulesOverview {
    pub organisations: Vec<OrganisationRules>,
}

/// A rules form's values, as typed (or as in force).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleFields {
    pub horizon_days: String,
    /// "08:00", or empty for no hold-back.
    pub same_day_release: String,
    pub minimum_notice_minutes: String,
    pub change_cutoff_minutes: String,
    /// Empty for no limit.
    pub max_active_per_patient: String,
    /// SNOMED CT codes separated by spaces or commas; empty for everyone.
    pub condition_codes: String,
    pub condition_description: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleEditor {
    pub organisation_id: String,
    pub organisation: String,
    pub service_code: String,
    pub service: String,
    pub current: RuleRow,
    pub may_set: bool,
    pub fields: RuleFields,
    pub problems: Vec<Problem>,
    pub csrf_token: String,
}

/// The weekdays, Monday first, as (form value, name).
pub const WEEKDAYS: [(&str, &str); 7] = [
    ("monday", "Monday"),
    ("tuesday", "Tuesday"),
    ("wednesday", "Wednesday"),
    ("thursday", "Thursday"),
    ("friday", "Friday"),
    ("saturday", "Saturday"),
    ("sunday", "Sunday"),
];

/// Channels as (form value, label).
pub fn channels() -> Vec<(&'static str, &'static str)> {
    vec![("face_to_face", "In person"), ("telephone", "Phone call"), ("video", "Video call")]
}

/// Who may book online, as (form value, label).
pub fn bookable_by() -> Vec<(&'static str, &'static str)> {
    vec![
        ("own_practice", "Patients of this practice"),
        ("federation", "Patients of any practice in the federation"),
        ("staff_only", "Staff only"),
    ]
}

#[cfg(feature = "ssr")]
pub(crate) mod server {
    use carebook_core::access::{self, Actor, StaffWork};
    use carebook_core::booking::rota::{RotaError, RotaException, RotaTemplate, WeeklySession};
    use carebook_core::booking::rules::{BookingRules, ConditionRequirement};
    use carebook_core::booking::service::BookingError;
    use carebook_core::booking::{BookableBy, Channel, ServiceKind};
    use carebook_core::model::{AuditEvent, AuditOutcome, OrganisationKind};
    use leptos::prelude::ServerFnError;
    use serde::{Deserialize, Serialize};
    use time::{Date, Time, Weekday};
    use tower_sessions::Session;
    use uuid::Uuid;

    use super::{Problem, RotaFields, RotaRow, RuleFields, RuleRow, SessionFields, WEEKDAYS};

    /// A form's problems (and what was typed), for the page shown next.
    const KEPT: &str = "rota_flash";

    #[derive(Clone, Debug, Default, Serialize, Deserialize)]
    pub struct Kept {
        /// Which form: "rota:<id>", "rota:new:<org>", "generate:<id>",
        /// "rule:<org>:<service>".
        pub form: String,
        pub problems: Vec<Problem>,
        pub rota: Option<RotaFields>,
        pub rule: Option<RuleFields>,
        pub generate: Option<(String, String)>,
    }

    async fn session() -> Result<Session, ServerFnError> {
        leptos_axum::extract::<Session>().await.map_err(crate::api::unavailable)
    }

    /// The logged-in member of staff, or a page-level refusal in words.
    pub async fn staff(for_whom: &str) -> Result<Actor, ServerFnError> {
        let login = crate::api::auth::require_login().await?;
        match login.actor {
            Actor::Staff(_) => Ok(login.actor),
            _ => Err(ServerFnError::new(format!("This page is for {for_whom}."))),
        }
    }

    /// The organisations (each once, in the order of the user's roles)
    /// where they may do `work`.
    pub fn organisations(actor: &Actor, work: StaffWork) -> Vec<Uuid> {
        let Actor::Staff(staff) = actor else { return Vec::new() };
        let mut out = Vec::new();
        for role in &staff.roles {
            if !out.contains(&role.organisation_id) && access::may_do(actor, role.organisation_id, work).is_ok() {
                out.push(role.organisation_id);
            }
        }
        out
    }

    /// Keep a form's problems for the page shown next, and send a plain
    /// form post back to its page. The form's server function then returns
    /// `Ok`.
    pub async fn keep(kept: Kept) -> Result<(), ServerFnError> {
        session().await?.insert(KEPT, kept).await.map_err(crate::api::unavailable)?;
        back_to_the_form();
        Ok(())
    }

    /// The problems kept for one of `forms` (this page's), if any. Taking
    /// them clears them, whichever form they were for, so that they are
    /// shown once.
    pub async fn take(forms: &[&str]) -> Result<Option<Kept>, ServerFnError> {
        let kept = session().await?.remove::<Kept>(KEPT).await.map_err(crate::api::unavailable)?;
        Ok(kept.filter(|k| forms.contains(&k.form.as_str())))
    }

    /// A plain form post (JavaScript off) goes back to the form's page: its
    /// Referer, without the query that told of an earlier success (only a
    /// new rota's `org=` stays), so that the page shows the problem alone.
    /// server_fn would redirect there too, but with the query emptied
    /// ("/staff/rotas/new?"), which loses the organisation. Only these
    /// pages: the Referer is the browser's word (the same-origin check has
    /// already run).
    fn back_to_the_form() {
        use axum::http::{header, request::Parts, Uri};
        let Some(parts) = leptos::prelude::use_context::<Parts>() else { return };
        let plain =
            parts.headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"));
        let Some(uri) =
            parts.headers.get(header::REFERER).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<Uri>().ok())
        else {
            return;
        };
        let path = uri.path();
        if !plain || !(path.starts_with("/staff/rotas") || path.starts_with("/staff/rules")) {
            return;
        }
        let org = uri
            .query()
            .unwrap_or_default()
            .split('&')
            .find_map(|pair| pair.strip_prefix("org="))
            .and_then(|v| Uuid::parse_str(v).ok());
        match org {
            Some(org) if path == "/staff/rotas/new" => leptos_axum::redirect(&format!("{path}?org={org}")),
            _ => leptos_axum::redirect(path),
        }
    }

    /// Add a line to the audit trail. A failure to write it is logged and
    /// does not undo the change (as the server's own audit does).
    pub async fn audit(actor: &Actor, action: &str, target: (&str, Uuid), outcome: AuditOutcome, reason: Option<&str>) {
        let Ok(services) = crate::api::services() else { return };
        let actor_id = match actor {
            Actor::Staff(s) => Some(s.staff_member_id),
            _ => None,
        };
        let event = AuditEvent {
            occurred_at: services.clock.now(),
            actor_kind: "staff".to_string(),
            actor_id,
            action: action.to_string(),
            target_kind: Some(target.0.to_string()),
            target_id: Some(target.1),
            outcome,
            reason: reason.map(str::to_string),
        };
        if let Err(e) = services.store.append_audit(&event).await {
            tracing::error!(error = %e, action, "audit event not written");
        }
    }

    pub fn uuid(s: &str) -> Option<Uuid> {
        Uuid::parse_str(s.trim()).ok()
    }

    /// "2027-01-04" (ISO 8601 calendar date, as the forms ask for it).
    pub fn parse_date(s: &str) -> Option<Date> {
        Date::parse(s.trim(), time::macros::format_description!("[year]-[month]-[day]")).ok()
    }

    /// "08:30", "8:30", "8.30", "0830", or "9" for 09:00, on the 24-hour
    /// clock.
    pub fn parse_time(s: &str) -> Option<Time> {
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

    pub fn clock(t: Time) -> String {
        format!("{:02}:{:02}", t.hour(), t.minute())
    }

    /// "4 January 2027".
    pub fn long_date(d: Date) -> String {
        format!("{} {} {}", d.day(), d.month(), d.year())
    }

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

    pub fn bookable_label(b: BookableBy) -> &'static str {
        match b {
            BookableBy::OwnPractice => "Own practice's patients",
            BookableBy::Federation => "Patients across the federation",
            BookableBy::StaffOnly => "Staff only",
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
    pub async fn row(t: &RotaTemplate) -> Result<RotaRow, ServerFnError> {
        let services = crate::api::services()?;
        let clinician = services
            .store
            .staff_member(t.clinician_id)
            .await
            .map(|m| format!("{} {}", m.given_name, m.family_name))
            .unwrap_or_else(|_| "Unknown clinician".to_string());
        let location = services.store.location(t.location_id).await.map(|l| l.name).unwrap_or_default();
        let mut sessions = t.sessions.clone();
        sessions.sort_by_key(|s| (s.weekday.number_days_from_monday(), s.starts));
        let mut exceptions = t.exceptions.clone();
        exceptions.sort_by_key(|e| e.date);
        Ok(RotaRow {
            rota_template_id: t.rota_template_id.to_string(),
            service: t.service.label().to_string(),
            clinician,
            location,
            channel: t.channel.label().to_string(),
            bookable_by: bookable_label(t.bookable_by).to_string(),
            sessions: weekly(&sessions),
            effective: match t.effective_until {
                Some(until) => format!("{} to {}", long_date(t.effective_from), long_date(until)),
                None => format!("From {}", long_date(t.effective_from)),
            },
            days_off: exceptions.iter().map(|e| format!("{}: {}", long_date(e.date), e.reason)).collect(),
        })
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

    fn problem(field: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem { field: field.into(), message: message.into() }
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

    // ---- Booking rules ----

    /// "2 hours", "30 minutes", "1 day".
    fn duration(minutes: u32) -> String {
        let plural = |n: u32, one: &str| if n == 1 { format!("1 {one}") } else { format!("{n} {one}s") };
        if minutes > 0 && minutes.is_multiple_of(24 * 60) {
            plural(minutes / (24 * 60), "day")
        } else if minutes > 0 && minutes.is_multiple_of(60) {
            plural(minutes / 60, "hour")
        } else {
            plural(minutes, "minute")
        }
    }

    pub fn rule_row(service: ServiceKind, rules: &BookingRules, set_here: bool, kind: OrganisationKind) -> RuleRow {
        RuleRow {
            service_code: service.as_str().to_string(),
            service: service.label().to_string(),
            horizon: format!("{} days", rules.horizon_days),
            same_day_release: rules.same_day_release.map(clock).unwrap_or_else(|| "Any time".to_string()),
            minimum_notice: if rules.minimum_notice_minutes == 0 {
                "None".to_string()
            } else {
                duration(rules.minimum_notice_minutes)
            },
            change_cutoff: if rules.change_cutoff_minutes == 0 {
                "Until it starts".to_string()
            } else {
                format!("{} before", duration(rules.change_cutoff_minutes))
            },
            limit: match rules.max_active_per_patient {
                Some(1) => "1 future appointment".to_string(),
                Some(n) => format!("{n} future appointments"),
                None => "No limit".to_string(),
            },
            who_for: match &rules.requires_condition {
                Some(c) => {
                    let d = c.description.trim();
                    let mut chars = d.chars();
                    match chars.next() {
                        Some(first) => first.to_uppercase().chain(chars).collect(),
                        None => "Some patients".to_string(),
                    }
                }
                None => "Everyone registered".to_string(),
            },
            set_by: match (set_here, kind) {
                (true, OrganisationKind::Hub) => "This hub".to_string(),
                (true, _) => "This practice".to_string(),
                (false, _) => "carebook's default".to_string(),
            },
            set_here,
        }
    }

    pub fn rule_fields(rules: &BookingRules) -> RuleFields {
        RuleFields {
            horizon_days: rules.horizon_days.to_string(),
            same_day_release: rules.same_day_release.map(clock).unwrap_or_default(),
            minimum_notice_minutes: rules.minimum_notice_minutes.to_string(),
            change_cutoff_minutes: rules.change_cutoff_minutes.to_string(),
            max_active_per_patient: rules.max_active_per_patient.map(|n| n.to_string()).unwrap_or_default(),
            condition_codes: rules.requires_condition.as_ref().map(|c| c.snomed_codes.join(" ")).unwrap_or_default(),
            condition_description: rules.requires_condition.as_ref().map(|c| c.description.clone()).unwrap_or_default(),
        }
    }

    /// The form's values as rules, or every problem with them, each on its
    /// field. The core's own checks (BookingRules::validate) give the
    /// messages, one field at a time.
    pub fn rules_from(f: &RuleFields) -> Result<BookingRules, Vec<Problem>> {
        let mut problems = Vec::new();
        let base = BookingRules::default;
        let check = |field: &str, rules: BookingRules, problems: &mut Vec<Problem>| {
            if let Err(m) = rules.validate() {
                problems.push(problem(field, m));
            }
        };
        let whole = |s: &str| s.trim().parse::<u32>().ok();

        let horizon = match f.horizon_days.trim() {
            "" => {
                problems.push(problem("horizon-days", "Enter how many days ahead patients can book, for example 28"));
                None
            }
            s => match whole(s).and_then(|n| u16::try_from(n).ok()) {
                Some(n) => {
                    check("horizon-days", BookingRules { horizon_days: n, ..base() }, &mut problems);
                    Some(n)
                }
                None => {
                    problems.push(problem("horizon-days", "How far ahead must be a whole number of days, like 28"));
                    None
                }
            },
        };
        let release = match f.same_day_release.trim() {
            "" => Some(None),
            s => match parse_time(s) {
                Some(t) => Some(Some(t)),
                None => {
                    problems.push(problem(
                        "same-day-release",
                        "Enter the same-day release time on the 24-hour clock, like 08:00, or leave it empty",
                    ));
                    None
                }
            },
        };
        let minutes = |field: &str, value: &str, what: &str, problems: &mut Vec<Problem>| match value.trim() {
            "" => {
                problems.push(problem(field, format!("Enter the {what} in minutes, or 0 for none")));
                None
            }
            s => whole(s).or_else(|| {
                problems.push(problem(field, format!("The {what} must be a whole number of minutes, like 30")));
                None
            }),
        };
        let notice = minutes("minimum-notice", &f.minimum_notice_minutes, "minimum notice", &mut problems);
        if let Some(n) = notice {
            check("minimum-notice", BookingRules { minimum_notice_minutes: n, ..base() }, &mut problems);
        }
        let cutoff = minutes("change-cutoff", &f.change_cutoff_minutes, "cut-off for changes", &mut problems);
        if let Some(n) = cutoff {
            check("change-cutoff", BookingRules { change_cutoff_minutes: n, ..base() }, &mut problems);
        }
        let limit = match f.max_active_per_patient.trim() {
            "" => Some(None),
            s => match whole(s) {
                Some(n) => {
                    check("limit", BookingRules { max_active_per_patient: Some(n), ..base() }, &mut problems);
                    Some(Some(n))
                }
                None => {
                    problems.push(problem(
                        "limit",
                        "The limit must be a whole number of appointments, like 2, or left empty for no limit",
                    ));
                    None
                }
            },
        };
        let codes: Vec<String> = f
            .condition_codes
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect();
        let description = f.condition_description.trim().to_string();
        let condition = match (codes.is_empty(), description.is_empty()) {
            (true, true) => Some(None),
            (true, false) => {
                problems.push(problem(
                    "condition-codes",
                    "Enter the SNOMED CT codes of the condition, or clear who the service is for",
                ));
                None
            }
            (false, true) => {
                problems.push(problem(
                    "condition-description",
                    "Say who the service is for, for example \"for people with diabetes\"",
                ));
                None
            }
            (false, false) => {
                let c = ConditionRequirement { snomed_codes: codes, description };
                let before = problems.len();
                check("condition-codes", BookingRules { requires_condition: Some(c.clone()), ..base() }, &mut problems);
                if let Some(p) = problems.get_mut(before) {
                    if p.message.starts_with("Say who") {
                        p.field = "condition-description".into();
                    }
                }
                Some(Some(c))
            }
        };
        match (horizon, release, notice, cutoff, limit, condition) {
            (Some(h), Some(r), Some(n), Some(c), Some(l), Some(req)) if problems.is_empty() => {
                let rules = BookingRules {
                    horizon_days: h,
                    same_day_release: r,
                    minimum_notice_minutes: n,
                    change_cutoff_minutes: c,
                    max_active_per_patient: l,
                    requires_condition: req,
                };
                // The whole, as the core will check it again.
                rules.validate().map_err(|m| vec![problem("horizon-days", m)])?;
                Ok(rules)
            }
            _ => Err(problems),
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use time::macros::time;

        #[test]
        fn times_are_read_on_the_24_hour_clock_in_the_usual_spellings() {
            assert_eq!(parse_time("08:30"), Some(time!(08:30)));
            assert_eq!(parse_time("8:30"), Some(time!(08:30)));
            assert_eq!(parse_time("8.30"), Some(time!(08:30)));
            assert_eq!(parse_time("1730"), Some(time!(17:30)));
            assert_eq!(parse_time("9"), Some(time!(09:00)));
            assert_eq!(parse_time("14"), Some(time!(14:00)));
            assert_eq!(parse_time("24:00"), None);
            assert_eq!(parse_time("8:3"), None);
            assert_eq!(parse_time("half eight"), None);
        }

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
            f.sessions[1] = SessionFields {
                day: "monday".into(),
                starts: "12:00".into(),
                ends: "09:00".into(),
                minutes: "10".into(),
            };
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

        #[test]
        fn rules_forms_are_checked_field_by_field_with_the_cores_messages() {
            let good = rule_fields(&BookingRules::default());
            assert_eq!(rules_from(&good).unwrap(), BookingRules::default());
            let bad = RuleFields {
                horizon_days: "400".into(),
                same_day_release: "8am".into(),
                max_active_per_patient: "0".into(),
                condition_description: "for people with diabetes".into(),
                ..good
            };
            let problems = rules_from(&bad).unwrap_err();
            let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
            assert_eq!(fields, ["horizon-days", "same-day-release", "limit", "condition-codes"]);
            assert_eq!(problems[0].message, "How far ahead must be between 1 and 366 days");
        }
    }
}

/// The rota templates at each organisation where the user manages rotas.
#[server(prefix = "/_server", endpoint = "staff/rotas")]
pub async fn staff_rotas() -> Result<RotaOverview, ServerFnError> {
    use carebook_core::access::StaffWork;
    let actor = server::staff("receptionists and practice and hub administrators who manage rotas").await?;
    let services = super::services()?;
    let orgs = server::organisations(&actor, StaffWork::ManageRotas);
    if orgs.is_empty() {
        return Err(ServerFnError::new(
            "This page is for receptionists and practice and hub administrators who manage rotas. \
             You do not manage rotas at any practice or hub.",
        ));
    }
    let mut organisations = Vec::new();
    for org in orgs {
        let organisation = services.store.organisation_by_id(org).await.map_err(super::unavailable)?;
        let mut templates = services.booking.rota_templates(&actor, org).await.map_err(super::unavailable)?;
        templates.sort_by_key(|t| (t.service.as_str(), t.effective_from, t.rota_template_id));
        let mut rotas = Vec::with_capacity(templates.len());
        for t in &templates {
            rotas.push(server::row(t).await?);
        }
        organisations.push(OrganisationRotas { organisation_id: org.to_string(), name: organisation.name, rotas });
    }
    Ok(RotaOverview { organisations })
}

/// A rota's form: a saved one (`id`), or a new one at an organisation
/// (`org`; it may be left out by someone who manages rotas at one place
/// only). With any problem kept for either form of the page.
#[server(prefix = "/_server", endpoint = "staff/rotas/form")]
pub async fn rota_form(id: Option<String>, org: Option<String>) -> Result<RotaEditor, ServerFnError> {
    use carebook_core::access::{self, StaffWork};
    let actor = server::staff("receptionists and practice and hub administrators who manage rotas").await?;
    let services = super::services()?;
    let today = carebook_core::london::to_local(services.clock.now()).date();
    let id = id.filter(|i| !i.trim().is_empty() && i != "new");
    let (organisation_id, saved) = match id {
        Some(id) => {
            let not_found = || {
                ServerFnError::new(
                    "We could not find that rota. It may belong to a practice or hub where you do not manage rotas.",
                )
            };
            let id = server::uuid(&id).ok_or_else(not_found)?;
            let template = services.booking.rota_template(&actor, id).await.map_err(|e| match e {
                carebook_core::booking::service::BookingError::Store(e) => super::unavailable(e),
                _ => not_found(),
            })?;
            (template.organisation_id, Some(template))
        }
        None => {
            let mine = server::organisations(&actor, StaffWork::ManageRotas);
            let org = match org.as_deref().and_then(server::uuid) {
                Some(org) => org,
                None if mine.len() == 1 => mine[0],
                None => {
                    return Err(ServerFnError::new("Choose where the rota is for from the list of rota templates."))
                }
            };
            if access::may_do(&actor, org, StaffWork::ManageRotas).is_err() {
                return Err(ServerFnError::new(
                    "This page is for receptionists and practice and hub administrators who manage rotas here. \
                     You do not manage rotas at that practice or hub.",
                ));
            }
            (org, None)
        }
    };
    let organisation = services.store.organisation_by_id(organisation_id).await.map_err(super::unavailable)?;
    let choices = services.booking.rota_choices(&actor, organisation_id).await.map_err(super::unavailable)?;
    let locations: Vec<Choice> =
        choices.locations.iter().map(|l| (l.location_id.to_string(), l.name.clone())).collect();
    let clinicians: Vec<Choice> = choices
        .clinicians
        .iter()
        .map(|c| {
            let role = c.clinical_role.map(|r| format!(" ({})", r.label())).unwrap_or_default();
            (c.staff_member_id.to_string(), format!("{} {}{role}", c.given_name, c.family_name))
        })
        .collect();

    let (form, mut fields, title) = match &saved {
        Some(t) => {
            let clinician = clinicians
                .iter()
                .find(|(id, _)| *id == t.clinician_id.to_string())
                .map(|(_, name)| name.split(" (").next().unwrap_or_default().to_string())
                .unwrap_or_else(|| "a clinician".to_string());
            (
                format!("rota:{}", t.rota_template_id),
                server::fields_of(t),
                format!("{} with {clinician}", t.service.label()),
            )
        }
        None => (
            format!("rota:new:{organisation_id}"),
            RotaFields {
                organisation_id: organisation_id.to_string(),
                // One place to choose is chosen.
                location_id: if locations.len() == 1 { locations[0].0.clone() } else { String::new() },
                effective_from: today.to_string(),
                sessions: server::session_rows(&[]),
                ..Default::default()
            },
            String::new(),
        ),
    };

    // The generate form's dates: four weeks from today (or from the start
    // of the rota), within the rota's dates.
    let generate_from = saved.as_ref().map_or(today, |t| t.effective_from.max(today));
    let mut generate_to = generate_from + time::Duration::days(27);
    if let Some(until) = saved.as_ref().and_then(|t| t.effective_until) {
        if until >= generate_from {
            generate_to = generate_to.min(until);
        }
    }
    let mut problems = Vec::new();
    let mut generate_problems = Vec::new();
    let generate_form = saved.as_ref().map(|t| format!("generate:{}", t.rota_template_id));
    let forms: Vec<&str> = std::iter::once(form.as_str()).chain(generate_form.as_deref()).collect();
    let (mut generate_from, mut generate_to) = (generate_from.to_string(), generate_to.to_string());
    if let Some(k) = server::take(&forms).await? {
        if k.form == form {
            problems = k.problems;
            if let Some(mut typed) = k.rota {
                // What was typed, but never another rota's id or organisation.
                typed.rota_template_id = fields.rota_template_id.clone();
                typed.organisation_id = fields.organisation_id.clone();
                fields = typed;
            }
        } else {
            generate_problems = k.problems;
            if let Some((from, to)) = k.generate {
                (generate_from, generate_to) = (from, to);
            }
        }
    }
    Ok(RotaEditor {
        organisation: organisation.name,
        is_new: saved.is_none(),
        title,
        fields,
        problems,
        locations,
        clinicians,
        generate_from,
        generate_to,
        generate_problems,
        csrf_token: super::csrf::token().await?,
    })
}

/// Save a rota (new or changed). Nothing is stored when anything is wrong:
/// the problems, and what was typed, are kept for the form.
#[server(prefix = "/_server", endpoint = "staff/rotas/save")]
#[allow(clippy::too_many_arguments)]
pub async fn save_rota(
    csrf_token: String,
    rota_template_id: Option<String>,
    organisation_id: Option<String>,
    location_id: Option<String>,
    clinician_id: Option<String>,
    service: Option<String>,
    channel: Option<String>,
    bookable_by: Option<String>,
    effective_from: Option<String>,
    effective_until: Option<String>,
    days_off: Option<String>,
    #[server(default)] sessions: Vec<SessionFields>,
) -> Result<(), ServerFnError> {
    use carebook_core::model::AuditOutcome;
    super::csrf::check(&csrf_token).await?;
    let actor = server::staff("receptionists and practice and hub administrators who manage rotas").await?;
    let services = super::services()?;
    let clean =
        |s: Option<String>, n: usize| s.map(|s| s.trim().chars().take(n).collect::<String>()).unwrap_or_default();
    let fields = RotaFields {
        rota_template_id: clean(rota_template_id, 40),
        organisation_id: clean(organisation_id, 40),
        location_id: clean(location_id, 40),
        clinician_id: clean(clinician_id, 40),
        service: clean(service, 40),
        channel: clean(channel, 40),
        bookable_by: clean(bookable_by, 40),
        effective_from: clean(effective_from, 20),
        effective_until: clean(effective_until, 20),
        days_off: days_off.map(|d| d.chars().take(5000).collect()).unwrap_or_default(),
        sessions: sessions
            .into_iter()
            .take(70)
            .map(|s| SessionFields {
                day: s.day.chars().take(10).collect(),
                starts: s.starts.chars().take(10).collect(),
                ends: s.ends.chars().take(10).collect(),
                minutes: s.minutes.chars().take(10).collect(),
            })
            .collect(),
    };
    let refused = || ServerFnError::new("We could not find that rota, or you do not manage rotas there.");
    // A saved rota keeps its id and organisation, whatever the form says.
    let (id, organisation_id, form) = match server::uuid(&fields.rota_template_id) {
        Some(id) => match services.booking.rota_template(&actor, id).await {
            Ok(t) => (id, t.organisation_id, format!("rota:{id}")),
            Err(carebook_core::booking::service::BookingError::Store(e)) => return Err(super::unavailable(e)),
            Err(_) => return Err(refused()),
        },
        None => match server::uuid(&fields.organisation_id) {
            Some(org) => (uuid::Uuid::new_v4(), org, format!("rota:new:{org}")),
            None => return Err(refused()),
        },
    };
    let template = match server::template_from(&fields, id, organisation_id) {
        Ok(t) => t,
        Err(problems) => {
            return server::keep(server::Kept { form, problems, rota: Some(fields), ..Default::default() }).await
        }
    };
    if let Err(e) = services.booking.save_rota(&actor, &template).await {
        let refusal = matches!(e, carebook_core::booking::service::BookingError::NotAllowed(_));
        let p = server::rota_problem(e)?;
        if refusal {
            server::audit(&actor, "rota_save", ("rota_template", id), AuditOutcome::Refused, Some("not_permitted"))
                .await;
        }
        return server::keep(server::Kept { form, problems: vec![p], rota: Some(fields), ..Default::default() }).await;
    }
    server::audit(&actor, "rota_save", ("rota_template", id), AuditOutcome::Success, None).await;
    leptos_axum::redirect(&format!("/staff/rotas/{id}?saved=1"));
    Ok(())
}

/// Make a rota's slots for the London dates `from` to `to`. Running it
/// again adds only what is missing. The page after it says how many were
/// added and how many were already there (counts and dates only).
#[server(prefix = "/_server", endpoint = "staff/rotas/generate")]
pub async fn generate_rota_slots(
    csrf_token: String,
    rota_template_id: String,
    from: Option<String>,
    to: Option<String>,
) -> Result<(), ServerFnError> {
    use carebook_core::booking::service::BookingError;
    use carebook_core::model::AuditOutcome;
    super::csrf::check(&csrf_token).await?;
    let actor = server::staff("receptionists and practice and hub administrators who manage rotas").await?;
    let services = super::services()?;
    let clean = |s: Option<String>| s.map(|s| s.trim().chars().take(20).collect::<String>()).unwrap_or_default();
    let (from_text, to_text) = (clean(from), clean(to));
    let Some(id) = server::uuid(&rota_template_id) else {
        return Err(ServerFnError::new("We could not find that rota."));
    };
    let form = format!("generate:{id}");
    let keep = |problems: Vec<Problem>| {
        server::keep(server::Kept {
            form: form.clone(),
            problems,
            generate: Some((from_text.clone(), to_text.clone())),
            ..Default::default()
        })
    };
    let mut problems = Vec::new();
    let from = server::parse_date(&from_text);
    if from.is_none() {
        problems.push(Problem {
            field: "generate-from".into(),
            message: "Enter the first date to make slots for, for example 2027-01-04".into(),
        });
    }
    let to = server::parse_date(&to_text);
    if to.is_none() {
        problems.push(Problem {
            field: "generate-to".into(),
            message: "Enter the last date to make slots for, for example 2027-01-31".into(),
        });
    }
    let (Some(from), Some(to)) = (from, to) else {
        return keep(problems).await;
    };
    match services.booking.generate_slots(&actor, id, from, to).await {
        Ok(g) => {
            server::audit(&actor, "slots_generate", ("rota_template", id), AuditOutcome::Success, None).await;
            leptos_axum::redirect(&format!("/staff/rotas/{id}?added={}&planned={}&from={from}", g.added, g.planned));
            Ok(())
        }
        Err(BookingError::Invalid(m)) => {
            let field = if m.contains("today onwards") { "generate-from" } else { "generate-to" };
            keep(vec![Problem { field: field.into(), message: m }]).await
        }
        Err(BookingError::Store(e)) => Err(super::unavailable(e)),
        Err(_) => Err(ServerFnError::new("We could not find that rota.")),
    }
}

/// Every service's rules at each organisation where the user runs
/// appointments, and whether they may change them.
#[server(prefix = "/_server", endpoint = "staff/rotas/rules")]
pub async fn staff_rules() -> Result<RulesOverview, ServerFnError> {
    use carebook_core::access::{self, StaffWork};
    let actor = server::staff("practice and hub staff who run appointments").await?;
    let services = super::services()?;
    let orgs = server::organisations(&actor, StaffWork::RunAppointments);
    if orgs.is_empty() {
        return Err(ServerFnError::new(
            "This page is for practice and hub staff who run appointments: receptionists and administrators.",
        ));
    }
    let mut organisations = Vec::new();
    for org in orgs {
        let organisation = services.store.organisation_by_id(org).await.map_err(super::unavailable)?;
        let rules = services.booking.organisation_rules(&actor, org).await.map_err(super::unavailable)?;
        organisations.push(OrganisationRules {
            organisation_id: org.to_string(),
            name: organisation.name,
            may_set: access::may_do(&actor, org, StaffWork::SetBookingRules).is_ok(),
            services: rules
                .iter()
                .map(|r| server::rule_row(r.service, &r.rules, r.set_here, organisation.kind))
                .collect(),
        });
    }
    Ok(RulesOverview { organisations })
}

/// One service's rules at an organisation, with the form to change them
/// for those who may.
#[server(prefix = "/_server", endpoint = "staff/rotas/rules/form")]
pub async fn rule_form(org: String, service: String) -> Result<RuleEditor, ServerFnError> {
    use carebook_core::access::{self, StaffWork};
    use carebook_core::booking::ServiceKind;
    let actor = server::staff("practice and hub staff who run appointments").await?;
    let services = super::services()?;
    let not_found = || ServerFnError::new("We could not find those booking rules.");
    let organisation_id = server::uuid(&org).ok_or_else(not_found)?;
    let kind = ServiceKind::parse(service.trim()).ok_or_else(not_found)?;
    if access::may_do(&actor, organisation_id, StaffWork::RunAppointments).is_err() {
        return Err(ServerFnError::new(
            "This page is for staff who run appointments at this practice or hub: receptionists and administrators.",
        ));
    }
    let organisation = services.store.organisation_by_id(organisation_id).await.map_err(super::unavailable)?;
    let all = services.booking.organisation_rules(&actor, organisation_id).await.map_err(super::unavailable)?;
    let mine = all.into_iter().find(|r| r.service == kind).ok_or_else(not_found)?;
    let may_set = access::may_do(&actor, organisation_id, StaffWork::SetBookingRules).is_ok();
    let mut fields = server::rule_fields(&mine.rules);
    let mut problems = Vec::new();
    let form = format!("rule:{organisation_id}:{}", kind.as_str());
    if let Some(k) = server::take(&[&form]).await? {
        problems = k.problems;
        if let Some(typed) = k.rule {
            fields = typed;
        }
    }
    Ok(RuleEditor {
        organisation_id: organisation_id.to_string(),
        organisation: organisation.name,
        service_code: kind.as_str().to_string(),
        service: kind.label().to_string(),
        current: server::rule_row(kind, &mine.rules, mine.set_here, organisation.kind),
        may_set,
        fields,
        problems,
        csrf_token: super::csrf::token().await?,
    })
}

/// Set an organisation's rules for a service. Practice and federation
/// administrators only (the core refuses anyone else). Nothing is stored
/// when anything is wrong.
#[server(prefix = "/_server", endpoint = "staff/rotas/rules/save")]
#[allow(clippy::too_many_arguments)]
pub async fn save_rule(
    csrf_token: String,
    organisation_id: String,
    service: String,
    horizon_days: Option<String>,
    same_day_release: Option<String>,
    minimum_notice_minutes: Option<String>,
    change_cutoff_minutes: Option<String>,
    max_active_per_patient: Option<String>,
    condition_codes: Option<String>,
    condition_description: Option<String>,
) -> Result<(), ServerFnError> {
    use carebook_core::booking::service::BookingError;
    use carebook_core::booking::ServiceKind;
    use carebook_core::model::AuditOutcome;
    super::csrf::check(&csrf_token).await?;
    let actor = server::staff("practice and federation administrators").await?;
    let services = super::services()?;
    let (Some(org), Some(kind)) = (server::uuid(&organisation_id), ServiceKind::parse(service.trim())) else {
        return Err(ServerFnError::new("We could not find those booking rules."));
    };
    let clean =
        |s: Option<String>, n: usize| s.map(|s| s.trim().chars().take(n).collect::<String>()).unwrap_or_default();
    let fields = RuleFields {
        horizon_days: clean(horizon_days, 20),
        same_day_release: clean(same_day_release, 20),
        minimum_notice_minutes: clean(minimum_notice_minutes, 20),
        change_cutoff_minutes: clean(change_cutoff_minutes, 20),
        max_active_per_patient: clean(max_active_per_patient, 20),
        condition_codes: clean(condition_codes, 400),
        condition_description: clean(condition_description, 200),
    };
    let form = format!("rule:{org}:{}", kind.as_str());
    let keep = |problems: Vec<Problem>, fields: RuleFields| {
        server::keep(server::Kept { form: form.clone(), problems, rule: Some(fields), ..Default::default() })
    };
    let rules = match server::rules_from(&fields) {
        Ok(r) => r,
        Err(problems) => return keep(problems, fields).await,
    };
    match services.booking.set_rules(&actor, org, kind, Some(rules)).await {
        Ok(()) => {
            server::audit(
                &actor,
                "booking_rules_set",
                ("organisation", org),
                AuditOutcome::Success,
                Some(kind.as_str()),
            )
            .await;
            leptos_axum::redirect(&format!("/staff/rules?saved={}", kind.as_str()));
            Ok(())
        }
        Err(BookingError::NotAllowed(_)) => {
            server::audit(
                &actor,
                "booking_rules_set",
                ("organisation", org),
                AuditOutcome::Refused,
                Some("not_permitted"),
            )
            .await;
            Err(ServerFnError::new("Only practice and federation administrators can change booking rules."))
        }
        Err(BookingError::Invalid(m)) => keep(vec![Problem { field: "horizon-days".into(), message: m }], fields).await,
        Err(e) => Err(super::unavailable(e)),
    }
}

/// Go back to carebook's defaults for a service at an organisation.
#[server(prefix = "/_server", endpoint = "staff/rotas/rules/reset")]
pub async fn reset_rule(csrf_token: String, organisation_id: String, service: String) -> Result<(), ServerFnError> {
    use carebook_core::booking::service::BookingError;
    use carebook_core::booking::ServiceKind;
    use carebook_core::model::AuditOutcome;
    super::csrf::check(&csrf_token).await?;
    let actor = server::staff("practice and federation administrators").await?;
    let services = super::services()?;
    let (Some(org), Some(kind)) = (server::uuid(&organisation_id), ServiceKind::parse(service.trim())) else {
        return Err(ServerFnError::new("We could not find those booking rules."));
    };
    match services.booking.set_rules(&actor, org, kind, None).await {
        Ok(()) => {
            server::audit(
                &actor,
                "booking_rules_reset",
                ("organisation", org),
                AuditOutcome::Success,
                Some(kind.as_str()),
            )
            .await;
            leptos_axum::redirect(&format!("/staff/rules?reset={}", kind.as_str()));
            Ok(())
        }
        Err(BookingError::NotAllowed(_)) => {
            server::audit(
                &actor,
                "booking_rules_reset",
                ("organisation", org),
                AuditOutcome::Refused,
                Some("not_permitted"),
            )
            .await;
            Err(ServerFnError::new("Only practice and federation administrators can change booking rules."))
        }
        Err(e) => Err(super::unavailable(e)),
    }
}
