//! Finding a patient the receptionist may book for: by NHS number, or by
//! last name and date of birth. A POST, so that nothing typed reaches an
//! address or a log; several matches are kept (as opaque ids) in the
//! server-side session and listed on /staff/find.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::shared as desk;
#[cfg(feature = "ssr")]
use super::FindValues;
use super::{Flash, FoundPatient};

/// The desk's search page: the patients the last name and date of birth
/// search found (kept in the session), and the forms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindView {
    pub patients: Vec<FoundPatient>,
    pub flash: Flash,
    pub csrf_token: String,
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
    crate::api::csrf::check(&csrf_token).await?;
    let actor = desk::staff().await?;
    let services = crate::api::services()?;
    let by_number = nhs_number.is_some();
    let clean = |s: Option<String>| crate::api::form::clean(s, 100);
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
        let patient =
            services.booking.desk_patient_by_nhs_number(&actor, &number).await.map_err(crate::api::unavailable)?;
        match patient {
            Some(p) => vec![p.patient.patient_id],
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
            Ok(found) => found.iter().map(|p| p.patient_id).collect(),
            Err(BookingError::Invalid(m)) => return desk::keep("family-name", m, values).await,
            Err(BookingError::NotAllowed(_)) => {
                return desk::keep("family-name", "You do not book appointments at any practice or hub.", values).await
            }
            Err(e) => return Err(crate::api::unavailable(e)),
        }
    };
    if let [one] = found.as_slice() {
        desk::remember_found(Vec::new()).await?;
        leptos_axum::redirect(&format!("/staff/book?patient={one}"));
    } else {
        desk::remember_found(found).await?;
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
            patients.push(desk::shown(&p));
        }
    }
    Ok(FindView { patients, flash: desk::take().await?, csrf_token: crate::api::csrf::token().await? })
}
