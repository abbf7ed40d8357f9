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
//!
//! One file per page: the day list ([`day_list`]), finding a patient
//! ([`find`]), booking, moving and cancelling for them ([`desk`]), and the
//! waiting list ([`waitlist`]).

use serde::{Deserialize, Serialize};

pub use super::form::Problem as FieldError;

mod day_list;
mod desk;
mod find;
mod waitlist;

pub use day_list::*;
pub use desk::*;
pub use find::*;
pub use waitlist::*;

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

/// A form's problem, kept in the server-side session for the page shown
/// next. With JavaScript off the browser is sent back to the form's page,
/// which shows it; with JavaScript on the page reloads its data and does the
/// same. Never in the address: it may hold what was typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flash {
    pub error: Option<FieldError>,
    pub values: FindValues,
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
    /// Why staff booked it over the rules, when they did.
    pub override_reason: Option<String>,
}

/// What every desk page shares on the server: who it is for, the problem
/// kept for the next page, the patients the last search found, and how a
/// patient, an appointment and a failure are shown.
#[cfg(feature = "ssr")]
pub(crate) mod shared {
    use carebook_core::access::Actor;
    use carebook_core::booking::desk::DeskPatient;
    use carebook_core::booking::service::BookingError;
    use carebook_core::booking::view::AppointmentView;
    use leptos::prelude::ServerFnError;
    use tower_sessions::Session;
    use uuid::Uuid;

    use super::{DeskAppointment, FindValues, Flash, FoundPatient};
    use crate::api::flash::{self, Area, Kept};
    use crate::api::form::{day_label, long_date, problem};

    /// The ids of the patients the last name search found.
    const FOUND: &str = "desk_found";

    /// The logged-in member of staff.
    pub async fn staff() -> Result<Actor, ServerFnError> {
        crate::api::guard::staff("practice and hub staff").await
    }

    /// Keep a form's problem (and what was typed into the find forms) for
    /// the page shown next, and send a plain form post back to its page.
    pub async fn keep(field: &str, message: impl Into<String>, values: FindValues) -> Result<(), ServerFnError> {
        flash::keep(Area::Desk, Kept { form: String::new(), problems: vec![problem(field, message)], typed: values })
            .await
    }

    /// The problem kept for this page, if any; taking it clears it.
    pub async fn take() -> Result<Flash, ServerFnError> {
        Ok(flash::take::<FindValues>(Area::Desk)
            .await?
            .map(|k| Flash { error: k.problems.into_iter().next(), values: k.typed })
            .unwrap_or_default())
    }

    async fn session() -> Result<Session, ServerFnError> {
        leptos_axum::extract::<Session>().await.map_err(crate::api::unavailable)
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

    /// The patient, if this member of staff may book for them (the core
    /// asks the access policy again on every call); `None` otherwise.
    pub async fn patient(actor: &Actor, patient_id: Uuid) -> Result<Option<DeskPatient>, ServerFnError> {
        let services = crate::api::services()?;
        services.booking.desk_patient(actor, patient_id).await.map_err(crate::api::unavailable)
    }

    pub fn shown(p: &DeskPatient) -> FoundPatient {
        let digits = p.patient.nhs_number.as_str();
        FoundPatient {
            patient_id: p.patient.patient_id.to_string(),
            name: format!("{} {}", p.patient.given_name, p.patient.family_name),
            date_of_birth: long_date(p.patient.date_of_birth),
            nhs_number: format!("*** *** {}", &digits[digits.len().saturating_sub(4)..]),
            practice: p.practice.name.clone(),
        }
    }

    /// The appointment with its time, at the desk.
    pub fn appointment(a: &AppointmentView) -> DeskAppointment {
        DeskAppointment {
            appointment_id: a.appointment.appointment_id.to_string(),
            slot: crate::api::booking::server::item(&a.slot),
            day: a.slot.day.to_string(),
            day_label: day_label(a.slot.day),
            override_reason: a.appointment.override_reason.clone(),
        }
    }

    /// A booking failure in words for the desk; a failure of the service
    /// itself stays opaque (and is logged).
    pub fn problem_of(e: BookingError) -> Result<String, ServerFnError> {
        match (e.code(), e.message()) {
            // The desk's own words: it looks at someone else's appointments.
            ("appointment_changed", _) => {
                Ok("This appointment has changed since the page was opened. Look at the patient's appointments again."
                    .into())
            }
            (_, Some(m)) => Ok(m),
            (_, None) => Err(crate::api::unavailable(e)),
        }
    }

    /// [`problem_of`] as the error of a page's data.
    pub fn refusal(e: BookingError) -> ServerFnError {
        problem_of(e).map(ServerFnError::new).unwrap_or_else(|e| e)
    }
}
