//! The receptionist's desk: the day list (every slot of a day at the
//! organisations where they run appointments, by clinician, with who is
//! booked; arrived, did not attend, completed, block, unblock), finding a
//! patient, booking, moving and cancelling for them, and the waiting list.
//!
//! No patient's name, NHS number or date of birth ever goes in an address
//! (or therefore in a log line): finding a patient is a POST, the pages after
//! it carry only the patient's opaque id, and a name search with several
//! matches keeps their ids in the server-side session. Every server
//! function checks again that the caller may book for the patient.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    pub slot_id: String,
    pub time: String,
    pub service: String,
    pub location: String,
    /// Free, Held, Booked, Blocked: reason.
    pub status: String,
    pub patient: Option<String>,
    pub appointment_id: Option<String>,
    /// The appointment is booked and may be marked arrived / did not attend.
    pub can_mark: bool,
    /// The appointment is booked or the patient has arrived: it may be
    /// marked completed.
    pub can_complete: bool,
    pub can_block: bool,
    pub can_unblock: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClinicianDay {
    pub clinician: String,
    pub rows: Vec<Row>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganisationDay {
    pub name: String,
    pub clinicians: Vec<ClinicianDay>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayView {
    pub day: String,
    pub day_label: String,
    pub previous: String,
    pub next: String,
    pub organisations: Vec<OrganisationDay>,
    pub csrf_token: String,
}

#[cfg(feature = "ssr")]
fn parse_day(s: &str) -> Option<time::Date> {
    time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()
}

#[server(prefix = "/_server", endpoint = "staff/day")]
pub async fn day_list(day: Option<String>) -> Result<DayView, ServerFnError> {
    use carebook_core::access::{self, Actor, StaffWork};
    use carebook_core::booking::SlotStatus;
    let login = super::auth::require_login().await?;
    let Actor::Staff(staff) = &login.actor else {
        return Err(ServerFnError::new("This page is for practice and hub staff."));
    };
    let services = super::services()?;
    let today = carebook_core::london::to_local(services.clock.now()).date();
    let day = day.as_deref().and_then(parse_day).unwrap_or(today);
    let mut organisations = Vec::new();
    let mut seen = Vec::new();
    for role in &staff.roles {
        if seen.contains(&role.organisation_id)
            || access::may_do(&login.actor, role.organisation_id, StaffWork::RunAppointments).is_err()
        {
            continue;
        }
        seen.push(role.organisation_id);
        let org = services.store.organisation_by_id(role.organisation_id).await.map_err(super::unavailable)?;
        let list = services
            .booking
            .day_list(&login.actor, role.organisation_id, day)
            .await
            .map_err(|e| ServerFnError::new(e.to_string()))?;
        let mut clinicians: Vec<(uuid::Uuid, ClinicianDay)> = Vec::new();
        for (slot, appointment) in list {
            let patient = match &appointment {
                Some(a) => services
                    .store
                    .patient_by_id(a.patient_id)
                    .await
                    .ok()
                    .map(|p| format!("{} {}", p.given_name, p.family_name)),
                None => None,
            };
            let status = match (&appointment, slot.status) {
                (Some(a), _) => match a.status {
                    carebook_core::booking::AppointmentStatus::Arrived => "Arrived".to_string(),
                    carebook_core::booking::AppointmentStatus::DidNotAttend => "Did not attend".to_string(),
                    carebook_core::booking::AppointmentStatus::Completed => "Completed".to_string(),
                    _ => "Booked".to_string(),
                },
                (None, SlotStatus::Blocked) => format!("Blocked: {}", slot.blocked_reason.clone().unwrap_or_default()),
                (None, s) if !slot.is_free_at(services.clock.now()) => s.as_str().to_string(),
                _ => "Free".to_string(),
            };
            let row = Row {
                slot_id: slot.slot_id.to_string(),
                time: carebook_core::notify::compose::clock_time(slot.starts_at),
                service: slot.service.label().to_string(),
                location: services.store.location(slot.location_id).await.map(|l| l.name).unwrap_or_default(),
                can_mark: appointment
                    .as_ref()
                    .is_some_and(|a| a.status == carebook_core::booking::AppointmentStatus::Booked),
                can_complete: appointment.as_ref().is_some_and(|a| {
                    matches!(
                        a.status,
                        carebook_core::booking::AppointmentStatus::Booked
                            | carebook_core::booking::AppointmentStatus::Arrived
                    )
                }),
                can_block: appointment.is_none() && slot.is_free_at(services.clock.now()),
                can_unblock: appointment.is_none() && slot.status == SlotStatus::Blocked,
                appointment_id: appointment.as_ref().map(|a| a.appointment_id.to_string()),
                status,
                patient,
            };
            match clinicians.iter_mut().find(|(id, _)| *id == slot.clinician_id) {
                Some((_, c)) => c.rows.push(row),
                None => {
                    let name = services
                        .store
                        .staff_member(slot.clinician_id)
                        .await
                        .map(|m| format!("{} {}", m.given_name, m.family_name))
                        .unwrap_or_else(|_| "Clinician".to_string());
                    clinicians.push((slot.clinician_id, ClinicianDay { clinician: name, rows: vec![row] }));
                }
            }
        }
        organisations
            .push(OrganisationDay { name: org.name, clinicians: clinicians.into_iter().map(|c| c.1).collect() });
    }
    Ok(DayView {
        day: day.to_string(),
        day_label: format!("{} {} {} {}", day.weekday(), day.day(), day.month(), day.year()),
        previous: day.previous_day().unwrap_or(day).to_string(),
        next: day.next_day().unwrap_or(day).to_string(),
        organisations,
        csrf_token: super::csrf::token().await?,
    })
}

/// Arrived, did not attend or completed, from the day list.
#[server(prefix = "/_server", endpoint = "staff/attendance")]
pub async fn mark_attendance(
    csrf_token: String,
    appointment_id: String,
    outcome: String,
    day: String,
) -> Result<(), ServerFnError> {
    use carebook_core::booking::AppointmentStatus;
    super::csrf::check(&csrf_token).await?;
    let login = super::auth::require_login().await?;
    let status = match outcome.as_str() {
        "arrived" => AppointmentStatus::Arrived,
        "did_not_attend" => AppointmentStatus::DidNotAttend,
        "completed" => AppointmentStatus::Completed,
        _ => return Err(ServerFnError::new("Choose arrived, did not attend or completed.")),
    };
    let id = uuid::Uuid::parse_str(&appointment_id)
        .map_err(|_| ServerFnError::new("We could not find that appointment."))?;
    let services = super::services()?;
    services.booking.record_attendance(&login.actor, id, status).await.map_err(|e| match e {
        carebook_core::booking::service::BookingError::Changed => {
            ServerFnError::new("This appointment has changed. Look at the day list again.")
        }
        _ => ServerFnError::new("We could not find that appointment."),
    })?;
    leptos_axum::redirect(&format!(
        "/staff/day?day={}",
        day.chars().filter(|c| c.is_ascii_digit() || *c == '-').collect::<String>()
    ));
    Ok(())
}

/// Block a free slot with a reason, or unblock it (an empty reason).
#[server(prefix = "/_server", endpoint = "staff/block")]
pub async fn block_slot(
    csrf_token: String,
    slot_id: String,
    reason: Option<String>,
    unblock: Option<String>,
    day: String,
) -> Result<(), ServerFnError> {
    super::csrf::check(&csrf_token).await?;
    let login = super::auth::require_login().await?;
    let id = uuid::Uuid::parse_str(&slot_id).map_err(|_| ServerFnError::new("We could not find that time."))?;
    let reason = reason.map(|r| r.trim().to_string()).filter(|r| !r.is_empty());
    if unblock.is_none() && reason.is_none() {
        return Err(ServerFnError::new("Give a reason for blocking the time, for example \"GP on leave\"."));
    }
    if reason.as_deref().is_some_and(|r| r.chars().count() > 200) {
        return Err(ServerFnError::new("The reason must be 200 characters or fewer."));
    }
    let services = super::services()?;
    let chosen = if unblock.is_some() { None } else { reason.as_deref() };
    services.booking.set_blocked(&login.actor, id, chosen).await.map_err(|e| match e {
        carebook_core::booking::service::BookingError::Changed => {
            ServerFnError::new("This time has been booked or changed. Look at the day list again.")
        }
        _ => ServerFnError::new("We could not find that time."),
    })?;
    leptos_axum::redirect(&format!(
        "/staff/day?day={}",
        day.chars().filter(|c| c.is_ascii_digit() || *c == '-').collect::<String>()
    ));
    Ok(())
}

/// A patient the desk may book for, as its pages show them. Only the last
/// four digits of the NHS number, enough to tell two people apart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoundPatient {
    pub patient_id: String,
    pub name: String,
    /// "14 June 1985".
    pub date_of_birth: String,
    /// "*** *** 0018".
    pub nhs_number: String,
    pub practice: String,
}

/// What was typed into the find forms, shown again with a problem.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindValues {
    pub nhs_number: String,
    pub family_name: String,
    pub given_name: String,
    pub dob_day: String,
    pub dob_month: String,
    pub dob_year: String,
}

/// A problem with a form: the id of the field to fix, and what to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// A form's problem, kept in the server-side session for the page shown
/// next. With JavaScript off the browser is sent back to the form's page,
/// which shows it; with JavaScript on the page reloads its data and does the
/// same. Never in the address: it may hold what was typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flash {
    pub error: Option<FieldError>,
    pub values: FindValues,
}

/// The desk's search page: the patients the last name and date of birth
/// search found (kept in the session), and the forms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindView {
    pub patients: Vec<FoundPatient>,
    pub flash: Flash,
    pub csrf_token: String,
}

/// One of the patient's appointments, at the desk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeskAppointment {
    pub appointment_id: String,
    pub slot: super::booking::TimeItem,
    /// Its London date, "2027-01-04": the day list to look at.
    pub day: String,
    /// "Monday 4 January 2027".
    pub day_label: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleCheck {
    pub rule: String,
    pub outcome: String,
    pub explanation: String,
}

/// What the desk has just done for the patient.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    Moved,
    Cancelled,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingDesk {
    pub patient: Option<FoundPatient>,
    /// Live appointments that have not started, soonest first.
    pub upcoming: Vec<DeskAppointment>,
    /// The appointment being moved (`moving=`), or cancelled (`cancel=`).
    pub moving: Option<DeskAppointment>,
    pub cancelling: Option<DeskAppointment>,
    /// After a move (`moved=`, the new appointment) or a cancellation
    /// (`cancelled=`).
    pub outcome: Option<(Outcome, DeskAppointment)>,
    /// The service whose times are listed.
    pub service: Option<String>,
    pub times: Vec<super::booking::DayTimes>,
    pub chosen: Option<super::booking::TimeItem>,
    pub checks: Vec<RuleCheck>,
    pub allowed: bool,
    pub flash: Flash,
    pub csrf_token: String,
}

/// The desk's session state and the access check every desk call repeats.
#[cfg(feature = "ssr")]
pub(crate) mod desk {
    use carebook_core::access::{self, Actor};
    use carebook_core::booking::service::BookingError;
    use carebook_core::booking::Appointment;
    use carebook_core::model::Patient;
    use leptos::prelude::ServerFnError;
    use tower_sessions::Session;
    use uuid::Uuid;

    use super::{DeskAppointment, FieldError, FindValues, Flash, FoundPatient};

    /// The ids of the patients the last name search found.
    const FOUND: &str = "desk_found";
    /// A form's problem, for the next page (once).
    const FLASH: &str = "desk_flash";

    async fn session() -> Result<Session, ServerFnError> {
        leptos_axum::extract::<Session>().await.map_err(crate::api::unavailable)
    }

    /// The logged-in member of staff.
    pub async fn staff() -> Result<Actor, ServerFnError> {
        let login = crate::api::auth::require_login().await?;
        match login.actor {
            Actor::Staff(_) => Ok(login.actor),
            _ => Err(ServerFnError::new("This page is for practice and hub staff.")),
        }
    }

    /// Keep a form's problem for the page shown next. The form's server
    /// function then returns `Ok`: with JavaScript off leptos_axum sends the
    /// browser back to the form's page (its Referer).
    pub async fn keep(field: &str, message: impl Into<String>, values: FindValues) -> Result<(), ServerFnError> {
        let flash = Flash { error: Some(FieldError { field: field.to_string(), message: message.into() }), values };
        session().await?.insert(FLASH, flash).await.map_err(crate::api::unavailable)?;
        back_to_the_form();
        Ok(())
    }

    /// A plain form post (JavaScript off) goes back to the form's page.
    /// server_fn would send it to the Referer too, but rewritten with an
    /// empty query ("/staff/book?"); this keeps the address as it was. Only
    /// a desk page: the Referer is the browser's word (the same-origin
    /// check has already run).
    fn back_to_the_form() {
        use axum::http::{header, request::Parts, Uri};
        let Some(parts) = leptos::prelude::use_context::<Parts>() else { return };
        let plain =
            parts.headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"));
        let page = parts
            .headers
            .get(header::REFERER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<Uri>().ok())
            .and_then(|u| u.path_and_query().map(|p| p.as_str().trim_end_matches('?').to_string()));
        if let (true, Some(page)) = (plain, page) {
            if page.starts_with("/staff/") {
                leptos_axum::redirect(&page);
            }
        }
    }

    /// The problem kept for this page, if any; taking it clears it.
    pub async fn take() -> Result<Flash, ServerFnError> {
        Ok(session().await?.remove::<Flash>(FLASH).await.map_err(crate::api::unavailable)?.unwrap_or_default())
    }

    pub async fn remember_found(ids: Vec<Uuid>) -> Result<(), ServerFnError> {
        let session = session().await?;
        if ids.is_empty() {
            session.remove_value(FOUND).await.map(|_| ()).map_err(crate::api::unavailable)
        } else {
            session.insert(FOUND, ids).await.map_err(crate::api::unavailable)
        }
    }

    pub async fn found() -> Result<Vec<Uuid>, ServerFnError> {
        Ok(session().await?.get::<Vec<Uuid>>(FOUND).await.map_err(crate::api::unavailable)?.unwrap_or_default())
    }

    /// The patient, if this member of staff may book for them (the access
    /// policy, asked again on every call); `None` otherwise, whether or not
    /// the patient exists, so that the answer tells nothing more.
    pub async fn patient(actor: &Actor, patient_id: Uuid) -> Result<Option<Patient>, ServerFnError> {
        use carebook_core::store::StoreError;
        let services = crate::api::services()?;
        let patient = match services.store.patient_by_id(patient_id).await {
            Ok(p) => p,
            Err(StoreError::NotFound) => return Ok(None),
            Err(e) => return Err(crate::api::unavailable(e)),
        };
        let subject =
            access::Subject::load(services.store.as_ref(), patient_id).await.map_err(crate::api::unavailable)?;
        let today = carebook_core::london::to_local(services.clock.now()).date();
        Ok(access::may_access(actor, &subject, access::Service::Appointments, today).is_ok().then_some(patient))
    }

    pub async fn shown(p: &Patient) -> Result<FoundPatient, ServerFnError> {
        let services = crate::api::services()?;
        let practice =
            services.store.organisation_by_id(p.registered_practice_id).await.map_err(crate::api::unavailable)?;
        let digits = p.nhs_number.as_str();
        Ok(FoundPatient {
            patient_id: p.patient_id.to_string(),
            name: format!("{} {}", p.given_name, p.family_name),
            date_of_birth: long_date(p.date_of_birth),
            nhs_number: format!("*** *** {}", &digits[digits.len().saturating_sub(4)..]),
            practice: practice.name,
        })
    }

    /// "14 June 1985".
    pub fn long_date(d: time::Date) -> String {
        format!("{} {} {}", d.day(), d.month(), d.year())
    }

    /// The appointment with its time, and when it starts.
    pub async fn appointment(a: &Appointment) -> Option<(time::OffsetDateTime, DeskAppointment)> {
        let services = crate::api::services().ok()?;
        let slot = services.store.slot(a.slot_id).await.ok()?;
        let day = carebook_core::london::to_local(slot.starts_at).date();
        let shown = DeskAppointment {
            appointment_id: a.appointment_id.to_string(),
            slot: crate::api::booking::server::item(&slot).await,
            day: day.to_string(),
            day_label: format!("{} {}", day.weekday(), long_date(day)),
        };
        Some((slot.starts_at, shown))
    }

    /// A booking failure in words for the desk; a failure of the service
    /// itself stays opaque (and is logged).
    pub fn problem(e: BookingError) -> Result<String, ServerFnError> {
        Ok(match e {
            BookingError::JustTaken { .. } => "Someone else has just booked that time. Choose another time.".into(),
            BookingError::RulesNotMet(x) => x.failed().map(|c| c.explanation.clone()).collect::<Vec<_>>().join(" "),
            BookingError::TooLate(m) | BookingError::Invalid(m) => m,
            BookingError::Changed => {
                "This appointment has changed since the page was opened. Look at the patient's appointments again."
                    .into()
            }
            BookingError::NotAllowed(_) | BookingError::NotFound => {
                "We could not find that appointment or time.".into()
            }
            BookingError::Store(e) => return Err(crate::api::unavailable(e)),
        })
    }

    pub fn uuid(s: &str) -> Option<Uuid> {
        Uuid::parse_str(s.trim()).ok()
    }
}

/// The NHS number's problems, in words for the desk rather than the patient.
#[cfg(feature = "ssr")]
fn nhs_number_problem(e: &carebook_core::domain::NhsNumberError) -> &'static str {
    use carebook_core::domain::NhsNumberError as E;
    match e {
        E::Empty => "Enter the patient's NHS number",
        E::NotDigits => "NHS number must only include numbers and spaces",
        E::WrongLength => "NHS number must be 10 digits",
        E::BadCheckDigit => "Enter a valid NHS number. Check it with the patient or on a letter from their GP",
    }
}

/// Find a patient the receptionist may book for, by NHS number (the form
/// with that field) or by last name and date of birth with, optionally, the
/// start of the first name (the other form). A POST, so nothing typed reaches an address or a log. One
/// match opens their booking page; several are kept in the session and
/// listed on /staff/find; none is a problem on the form.
#[server(prefix = "/_server", endpoint = "staff/find")]
pub async fn find_patient(
    csrf_token: String,
    nhs_number: Option<String>,
    family_name: Option<String>,
    given_name: Option<String>,
    dob_day: Option<String>,
    dob_month: Option<String>,
    dob_year: Option<String>,
) -> Result<(), ServerFnError> {
    use carebook_core::booking::service::BookingError;
    use carebook_core::domain::DateOfBirthError;
    use carebook_core::store::StoreError;
    super::csrf::check(&csrf_token).await?;
    let actor = desk::staff().await?;
    let services = super::services()?;
    let by_number = nhs_number.is_some();
    let clean = |s: Option<String>| s.map(|s| s.trim().chars().take(100).collect::<String>()).unwrap_or_default();
    let values = FindValues {
        nhs_number: clean(nhs_number),
        family_name: clean(family_name),
        given_name: clean(given_name),
        dob_day: clean(dob_day),
        dob_month: clean(dob_month),
        dob_year: clean(dob_year),
    };
    let found = if by_number {
        let values = FindValues { nhs_number: values.nhs_number, ..FindValues::default() };
        let number = match carebook_core::NhsNumber::parse(&values.nhs_number) {
            Ok(n) => n,
            Err(e) => return desk::keep("nhs-number", nhs_number_problem(&e), values).await,
        };
        let patient = match services.store.patient_by_nhs_number(&number).await {
            Ok(p) => desk::patient(&actor, p.patient_id).await?,
            Err(StoreError::NotFound) => None,
            Err(e) => return Err(super::unavailable(e)),
        };
        match patient {
            Some(p) => vec![p],
            None => {
                return desk::keep(
                    "nhs-number",
                    "No patient you can book for has that NHS number. Check the number with the patient.",
                    values,
                )
                .await
            }
        }
    } else {
        let values = FindValues { nhs_number: String::new(), ..values };
        if values.family_name.is_empty() {
            return desk::keep("family-name", "Enter the patient's last name", values).await;
        }
        let today = carebook_core::london::to_local(services.clock.now()).date();
        let dob =
            match carebook_core::DateOfBirth::from_parts(&values.dob_day, &values.dob_month, &values.dob_year, today) {
                Ok(d) => d.date(),
                Err(e) => {
                    let field = match e {
                        DateOfBirthError::MissingMonth => "dob-month",
                        DateOfBirthError::MissingYear
                        | DateOfBirthError::YearNotFourDigits
                        | DateOfBirthError::TooEarly => "dob-year",
                        _ => "dob-day",
                    };
                    let message = match e {
                        DateOfBirthError::Empty => "Enter the patient's date of birth".to_string(),
                        other => other.to_string(),
                    };
                    return desk::keep(field, message, values).await;
                }
            };
        let given = Some(values.given_name.as_str()).filter(|g| !g.is_empty());
        match services.booking.find_patients(&actor, &values.family_name, given, dob).await {
            Ok(found) if found.is_empty() => {
                return desk::keep(
                    "family-name",
                    "No patient you can book for matches that name and date of birth. \
                     Check the spelling and date of birth with the patient.",
                    values,
                )
                .await
            }
            Ok(found) => found,
            Err(BookingError::Invalid(m)) => return desk::keep("family-name", m, values).await,
            Err(BookingError::NotAllowed(_)) => {
                return desk::keep("family-name", "You do not book appointments at any practice or hub.", values).await
            }
            Err(e) => return Err(super::unavailable(e)),
        }
    };
    if let [one] = found.as_slice() {
        desk::remember_found(Vec::new()).await?;
        leptos_axum::redirect(&format!("/staff/book?patient={}", one.patient_id));
    } else {
        desk::remember_found(found.iter().map(|p| p.patient_id).collect()).await?;
        leptos_axum::redirect("/staff/find");
    }
    Ok(())
}

/// The patients the last search found (each checked again), with the
/// search forms' token and any problem kept for them.
#[server(prefix = "/_server", endpoint = "staff/found")]
pub async fn desk_found() -> Result<FindView, ServerFnError> {
    let actor = desk::staff().await?;
    let mut patients = Vec::new();
    for id in desk::found().await? {
        if let Some(p) = desk::patient(&actor, id).await? {
            patients.push(desk::shown(&p).await?);
        }
    }
    Ok(FindView { patients, flash: desk::take().await?, csrf_token: super::csrf::token().await? })
}

/// Booking for a patient (`patient=`, their opaque id; access checked on
/// every call): their upcoming appointments, the times for a service, and
/// why a chosen time can or cannot be booked for them, rule by rule; or
/// moving (`moving=`) or cancelling (`cancel=`) one of their appointments;
/// or what was just done (`moved=`, `cancelled=`).
#[server(prefix = "/_server", endpoint = "staff/booking")]
pub async fn staff_booking(
    patient: String,
    service: Option<String>,
    slot_id: Option<String>,
    moving: Option<String>,
    cancel: Option<String>,
    moved: Option<String>,
    cancelled: Option<String>,
) -> Result<BookingDesk, ServerFnError> {
    let actor = desk::staff().await?;
    let services = super::services()?;
    let given = |s: Option<String>| s.filter(|s| !s.trim().is_empty());
    let (service, slot_id, moving, cancel, moved, cancelled) =
        (given(service), given(slot_id), given(moving), given(cancel), given(moved), given(cancelled));
    let mut out = BookingDesk {
        patient: None,
        upcoming: Vec::new(),
        moving: None,
        cancelling: None,
        outcome: None,
        service: None,
        times: Vec::new(),
        chosen: None,
        checks: Vec::new(),
        allowed: false,
        flash: desk::take().await?,
        csrf_token: super::csrf::token().await?,
    };
    if patient.trim().is_empty() {
        return Ok(out);
    }
    let found = match desk::uuid(&patient) {
        Some(id) => desk::patient(&actor, id).await?,
        None => None,
    };
    let Some(patient) = found else {
        out.flash.error = Some(FieldError {
            field: "nhs-number".into(),
            message: "We could not find that patient. Find them again by NHS number, or by name and date of birth."
                .into(),
        });
        return Ok(out);
    };
    out.patient = Some(desk::shown(&patient).await?);

    let now = services.clock.now();
    let all = services
        .booking
        .appointments(&actor, patient.patient_id)
        .await
        .map_err(|e| desk::problem(e).map(ServerFnError::new).unwrap_or_else(|e| e))?;
    let wanted = |id: &Option<String>| id.as_deref().and_then(desk::uuid);
    let mut upcoming = Vec::new();
    for a in &all {
        let Some((starts_at, shown)) = desk::appointment(a).await else { continue };
        let id = Some(a.appointment_id);
        if a.status.is_live() && starts_at > now {
            if wanted(&moving) == id {
                out.moving = Some(shown.clone());
            }
            if wanted(&cancel) == id {
                out.cancelling = Some(shown.clone());
            }
            upcoming.push((starts_at, shown.clone()));
        }
        if wanted(&moved) == id {
            out.outcome = Some((Outcome::Moved, shown.clone()));
        } else if wanted(&cancelled) == id {
            out.outcome = Some((Outcome::Cancelled, shown));
        }
    }
    upcoming.sort_by_key(|x| x.0);
    out.upcoming = upcoming.into_iter().map(|x| x.1).collect();
    if (moving.is_some() && out.moving.is_none()) || (cancel.is_some() && out.cancelling.is_none()) {
        out.flash.error.get_or_insert(FieldError {
            field: "upcoming".into(),
            message: "That appointment cannot be changed: it may have been moved, cancelled or already started. \
                      Choose one of the upcoming appointments."
                .into(),
        });
    }
    if out.cancelling.is_some() {
        return Ok(out);
    }

    // A move keeps the kind of appointment; a booking asks for one.
    let kind = match &out.moving {
        Some(m) => carebook_core::booking::ServiceKind::parse(&m.slot.service_code),
        None => service.as_deref().and_then(carebook_core::booking::ServiceKind::parse),
    };
    if let Some(kind) = kind {
        out.service = Some(kind.as_str().to_string());
        let slots = match services
            .booking
            .availability(&actor, patient.patient_id, kind, now, now + time::Duration::days(14))
            .await
        {
            Ok(s) => s,
            Err(e) => return Err(desk::problem(e).map(ServerFnError::new).unwrap_or_else(|e| e)),
        };
        for slot in &slots {
            let day = carebook_core::london::to_local(slot.starts_at).date();
            let label = format!("{} {} {}", day.weekday(), day.day(), day.month());
            let item = super::booking::server::item(slot).await;
            match out.times.last_mut() {
                Some(d) if d.day == label => d.times.push(item),
                _ => out.times.push(super::booking::DayTimes { day: label, times: vec![item] }),
            }
        }
    }
    if let Some(slot_id) = slot_id.as_deref().and_then(desk::uuid) {
        let explanation = match services.booking.explain(&actor, patient.patient_id, slot_id).await {
            Ok(x) => x,
            Err(e) => return Err(desk::problem(e).map(ServerFnError::new).unwrap_or_else(|e| e)),
        };
        use carebook_core::booking::rules::{Outcome as RuleOutcome, Rule};
        // A move takes the place of the appointment it moves, so that one
        // does not count against the patient's limit (amend decides the
        // same way, and has the last word).
        let moving_counts = |c: &carebook_core::booking::rules::Check| {
            !(out.moving.is_some() && c.rule == Rule::BookingLimit && c.outcome == RuleOutcome::Failed)
        };
        out.allowed = explanation.checks.iter().filter(|c| moving_counts(c)).all(|c| c.outcome != RuleOutcome::Failed);
        out.checks = explanation
            .checks
            .iter()
            .map(|c| RuleCheck {
                rule: rule_label(c.rule).to_string(),
                outcome: match c.outcome {
                    _ if !moving_counts(c) => "Met",
                    RuleOutcome::Passed => "Met",
                    RuleOutcome::Failed => "Not met",
                    RuleOutcome::Overridden => "Overridden",
                }
                .to_string(),
                explanation: if moving_counts(c) {
                    c.explanation.clone()
                } else {
                    "The appointment being moved does not count against the limit.".to_string()
                },
            })
            .collect();
        if let Ok(slot) = services.store.slot(slot_id).await {
            out.chosen = Some(super::booking::server::item(&slot).await);
        }
    }
    Ok(out)
}

/// Book for the patient, overriding rules with a recorded reason if needed.
#[server(prefix = "/_server", endpoint = "staff/booking/book")]
pub async fn staff_book(
    csrf_token: String,
    patient_id: String,
    slot_id: String,
    override_reason: Option<String>,
    form_key: String,
) -> Result<(), ServerFnError> {
    super::csrf::check(&csrf_token).await?;
    let actor = desk::staff().await?;
    let services = super::services()?;
    let none = FindValues::default;
    let (Some(patient_id), Some(slot_id)) = (desk::uuid(&patient_id), desk::uuid(&slot_id)) else {
        return desk::keep("override-reason", "We could not find that patient or time.", none()).await;
    };
    let override_reason = override_reason.map(|r| r.trim().to_string()).filter(|r| !r.is_empty());
    if override_reason.as_deref().is_some_and(|r| r.chars().count() > 200) {
        return desk::keep("override-reason", "The reason must be 200 characters or fewer.", none()).await;
    }
    let ask = carebook_core::booking::service::BookingAsk {
        patient_id,
        slot_id,
        note: None,
        idempotency_key: Some(form_key).filter(|k| !k.is_empty() && k.len() <= 100),
        override_reason,
    };
    let appointment = match services.booking.book(&actor, &ask).await {
        Ok(a) => a,
        Err(e) => return desk::keep("override-reason", desk::problem(e)?, none()).await,
    };
    let slot = services.store.slot(appointment.slot_id).await.map_err(super::unavailable)?;
    let day = carebook_core::london::to_local(slot.starts_at).date();
    leptos_axum::redirect(&format!("/staff/day?day={day}"));
    Ok(())
}

/// Move the patient's appointment to another time: one transaction takes
/// the new time and frees the old one. Staff may move at any time.
#[server(prefix = "/_server", endpoint = "staff/booking/move")]
pub async fn staff_move(csrf_token: String, appointment_id: String, slot_id: String) -> Result<(), ServerFnError> {
    super::csrf::check(&csrf_token).await?;
    let actor = desk::staff().await?;
    let services = super::services()?;
    let (Some(appointment_id), Some(slot_id)) = (desk::uuid(&appointment_id), desk::uuid(&slot_id)) else {
        return desk::keep("times", "Choose a new time.", FindValues::default()).await;
    };
    match services.booking.amend(&actor, appointment_id, slot_id).await {
        Ok(a) => {
            leptos_axum::redirect(&format!("/staff/book?patient={}&moved={}", a.patient_id, a.appointment_id));
            Ok(())
        }
        Err(e) => desk::keep("times", desk::problem(e)?, FindValues::default()).await,
    }
}

/// Cancel the patient's appointment with a reason (staff may cancel at any
/// time); the time is freed.
#[server(prefix = "/_server", endpoint = "staff/booking/cancel")]
pub async fn staff_cancel(csrf_token: String, appointment_id: String, reason: String) -> Result<(), ServerFnError> {
    super::csrf::check(&csrf_token).await?;
    let actor = desk::staff().await?;
    let services = super::services()?;
    let reason = reason.trim();
    if reason.is_empty() {
        return desk::keep("reason", "Enter why the appointment is being cancelled", FindValues::default()).await;
    }
    if reason.chars().count() > 500 {
        return desk::keep("reason", "The reason must be 500 characters or fewer", FindValues::default()).await;
    }
    let Some(appointment_id) = desk::uuid(&appointment_id) else {
        return desk::keep("reason", "We could not find that appointment.", FindValues::default()).await;
    };
    match services.booking.cancel(&actor, appointment_id, reason).await {
        Ok(a) => {
            leptos_axum::redirect(&format!("/staff/book?patient={}&cancelled={}", a.patient_id, a.appointment_id));
            Ok(())
        }
        Err(e) => desk::keep("reason", desk::problem(e)?, FindValues::default()).await,
    }
}

/// One open entry of an organisation's waiting list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitlistRow {
    pub patient: String,
    pub service: String,
    /// "5 March 2027 to 9 March 2027", London dates.
    pub window: String,
    /// "Thursday 4 March 2027 at 10:15am".
    pub joined: String,
    /// "Waiting", or "Offered: held until 2:45pm".
    pub status: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganisationWaitlist {
    pub name: String,
    pub entries: Vec<WaitlistRow>,
}

/// The open waiting list (waiting or offered, oldest first: the order times
/// are offered in) at each organisation where the user runs appointments.
#[server(prefix = "/_server", endpoint = "staff/waitlist")]
pub async fn staff_waitlist() -> Result<Vec<OrganisationWaitlist>, ServerFnError> {
    use carebook_core::access::{self, Actor, StaffWork};
    use carebook_core::booking::waitlist::WaitlistStatus;
    let actor = desk::staff().await?;
    let Actor::Staff(staff) = &actor else {
        return Err(ServerFnError::new("This page is for practice and hub staff."));
    };
    let services = super::services()?;
    let mut out = Vec::new();
    let mut seen = Vec::new();
    for role in &staff.roles {
        if seen.contains(&role.organisation_id)
            || access::may_do(&actor, role.organisation_id, StaffWork::RunAppointments).is_err()
        {
            continue;
        }
        seen.push(role.organisation_id);
        let org = services.store.organisation_by_id(role.organisation_id).await.map_err(super::unavailable)?;
        let entries = services
            .booking
            .waitlist(&actor, role.organisation_id)
            .await
            .map_err(|e| desk::problem(e).map(ServerFnError::new).unwrap_or_else(|e| e))?;
        let mut rows = Vec::with_capacity(entries.len());
        for e in entries {
            let patient = services
                .store
                .patient_by_id(e.patient_id)
                .await
                .map(|p| format!("{} {}", p.given_name, p.family_name))
                .map_err(super::unavailable)?;
            // The window ends at the midnight after its last day.
            let first = carebook_core::london::to_local(e.window_starts_at).date();
            let last = carebook_core::london::to_local(e.window_ends_at - time::Duration::seconds(1)).date();
            let status = match (e.status, e.offer_expires_at) {
                (WaitlistStatus::Offered, Some(until)) => {
                    format!("Offered: held until {}", carebook_core::notify::compose::clock_time(until))
                }
                (WaitlistStatus::Offered, None) => "Offered".to_string(),
                _ => "Waiting".to_string(),
            };
            rows.push(WaitlistRow {
                patient,
                service: e.service.label().to_string(),
                window: format!("{} to {}", desk::long_date(first), desk::long_date(last)),
                joined: carebook_core::notify::compose::when(e.created_at),
                status,
            });
        }
        out.push(OrganisationWaitlist { name: org.name, entries: rows });
    }
    Ok(out)
}

#[cfg(feature = "ssr")]
fn rule_label(rule: carebook_core::booking::rules::Rule) -> &'static str {
    use carebook_core::booking::rules::Rule;
    match rule {
        Rule::WhoMayBook => "Who may book this time",
        Rule::SlotIsFree => "The time is free",
        Rule::MinimumNotice => "Minimum notice",
        Rule::Horizon => "How far ahead",
        Rule::SameDayRelease => "Same-day release",
        Rule::BookingLimit => "Appointments already booked",
        Rule::Eligibility => "Who the service is for",
    }
}
