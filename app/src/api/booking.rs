//! The patient's appointments: list, book (service, then a time, then
//! confirm), move and cancel. Each server function reads the logged-in
//! patient from the session and goes through the core's BookingService,
//! which asks the access policy and the booking rules.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeItem {
    pub slot_id: String,
    /// "9:30am", London time.
    pub time: String,
    /// "Monday 4 January 2027, 9:30am".
    pub when: String,
    pub place: String,
    pub location: String,
    pub channel: String,
    pub service: String,
    pub service_code: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayTimes {
    pub day: String,
    pub times: Vec<TimeItem>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentItem {
    pub appointment_id: String,
    pub status: String,
    pub live: bool,
    pub upcoming: bool,
    pub note: Option<String>,
    pub slot: TimeItem,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appointments {
    pub upcoming: Vec<AppointmentItem>,
    pub past: Vec<AppointmentItem>,
    pub csrf_token: String,
}

/// What can be booked online, as (code, label): the core's services.
pub fn services() -> Vec<(&'static str, &'static str)> {
    carebook_core::booking::ServiceKind::ALL.into_iter().map(|k| (k.as_str(), k.label())).collect()
}

#[cfg(feature = "ssr")]
pub(crate) mod server {
    use carebook_core::access::Actor;
    use carebook_core::booking::service::BookingError;
    use carebook_core::booking::view::SlotView;
    use leptos::prelude::ServerFnError;
    use uuid::Uuid;

    use super::{DayTimes, TimeItem};
    use crate::api::guard::{self, PartlyVerified};

    /// The logged-in, fully verified patient.
    pub async fn patient() -> Result<(Actor, Uuid), ServerFnError> {
        let (actor, me) = guard::patient(
            "This page is for patients.",
            PartlyVerified::SendHome("Prove who you are with NHS login to book appointments."),
        )
        .await?;
        Ok((actor, me.patient_id))
    }

    /// One time, as the booking pages and the desk show it.
    pub fn item(v: &SlotView) -> TimeItem {
        TimeItem {
            slot_id: v.slot.slot_id.to_string(),
            time: v.time.clone(),
            when: v.when.clone(),
            place: v.organisation.name.clone(),
            location: v.location.name.clone(),
            channel: v.slot.channel.label().to_string(),
            service: v.slot.service.label().to_string(),
            service_code: v.slot.service.as_str().to_string(),
        }
    }

    /// Times grouped by London day, in the order given.
    pub fn by_day(views: &[SlotView]) -> Vec<DayTimes> {
        let mut days: Vec<DayTimes> = Vec::new();
        for v in views {
            let label = v.day_heading();
            match days.last_mut() {
                Some(d) if d.day == label => d.times.push(item(v)),
                _ => days.push(DayTimes { day: label, times: vec![item(v)] }),
            }
        }
        days
    }

    /// A booking failure in words for the patient; a failure of the service
    /// itself stays opaque (and is logged).
    pub fn message(e: BookingError) -> ServerFnError {
        match e.message() {
            Some(m) => ServerFnError::new(m),
            None => crate::api::unavailable(e),
        }
    }

    pub fn uuid(s: &str) -> Result<Uuid, ServerFnError> {
        crate::api::form::uuid(s).ok_or_else(|| ServerFnError::new("We could not find that appointment or time."))
    }
}

/// Upcoming and past appointments of the logged-in patient.
#[server(prefix = "/_server", endpoint = "appointments/mine")]
pub async fn my_appointments() -> Result<Appointments, ServerFnError> {
    let (actor, patient_id) = server::patient().await?;
    let services = super::services()?;
    let now = services.clock.now();
    let list = services.booking.appointment_views(&actor, patient_id).await.map_err(server::message)?;
    let mut upcoming = Vec::new();
    let mut past = Vec::new();
    for a in list {
        if a.appointment.status == carebook_core::booking::AppointmentStatus::Moved {
            continue;
        }
        let starts_at = a.slot.slot.starts_at;
        let item = AppointmentItem {
            appointment_id: a.appointment.appointment_id.to_string(),
            status: status_label(a.appointment.status).to_string(),
            live: a.appointment.status.is_live(),
            upcoming: starts_at > now,
            note: a.appointment.note.clone(),
            slot: server::item(&a.slot),
        };
        if item.upcoming && item.live {
            upcoming.push((starts_at, item));
        } else {
            past.push((starts_at, item));
        }
    }
    upcoming.sort_by_key(|x| x.0);
    past.sort_by_key(|x| std::cmp::Reverse(x.0));
    Ok(Appointments {
        upcoming: upcoming.into_iter().map(|x| x.1).collect(),
        past: past.into_iter().map(|x| x.1).collect(),
        csrf_token: super::csrf::token().await?,
    })
}

#[cfg(feature = "ssr")]
fn status_label(s: carebook_core::booking::AppointmentStatus) -> &'static str {
    use carebook_core::booking::AppointmentStatus as S;
    match s {
        S::Booked => "Booked",
        S::Arrived => "Arrived",
        S::Completed => "Completed",
        S::DidNotAttend => "Missed",
        S::CancelledByPatient => "Cancelled by you",
        S::CancelledByPractice => "Cancelled by the practice",
        S::Moved => "Moved",
    }
}

/// Free times for a service over the next two weeks, by London day.
#[server(prefix = "/_server", endpoint = "appointments/times")]
pub async fn available_times(service: String) -> Result<Vec<DayTimes>, ServerFnError> {
    let (actor, patient_id) = server::patient().await?;
    let Some(kind) = carebook_core::booking::ServiceKind::parse(&service) else {
        return Err(ServerFnError::new("Choose the kind of appointment you need."));
    };
    let services = super::services()?;
    let now = services.clock.now();
    let slots = services
        .booking
        .availability(&actor, patient_id, kind, now, now + time::Duration::days(14))
        .await
        .map_err(server::message)?;
    let views = services.booking.slot_views(&slots).await.map_err(server::message)?;
    Ok(server::by_day(&views))
}

/// One time, for the confirmation step; only a time this patient may book.
#[server(prefix = "/_server", endpoint = "appointments/time")]
pub async fn time_to_confirm(slot_id: String) -> Result<(TimeItem, String), ServerFnError> {
    let (actor, patient_id) = server::patient().await?;
    let services = super::services()?;
    let slot_id = server::uuid(&slot_id)?;
    let explanation = services.booking.explain(&actor, patient_id, slot_id).await.map_err(server::message)?;
    if !explanation.allowed() {
        return Err(server::message(carebook_core::booking::service::BookingError::RulesNotMet(explanation)));
    }
    let slot =
        services.booking.slot_view(slot_id).await.map_err(|_| ServerFnError::new("We could not find that time."))?;
    Ok((server::item(&slot), super::csrf::token().await?))
}

/// Book the time (or move an appointment to it). A repeated submission with
/// the same form key books once.
#[server(prefix = "/_server", endpoint = "appointments/book")]
pub async fn book_time(
    csrf_token: String,
    slot_id: String,
    note: Option<String>,
    form_key: String,
    moving: Option<String>,
) -> Result<(), ServerFnError> {
    super::csrf::check(&csrf_token).await?;
    let (actor, patient_id) = server::patient().await?;
    let services = super::services()?;
    let slot_id = server::uuid(&slot_id)?;
    let note = note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    if note.as_deref().is_some_and(|n| n.chars().count() > 500) {
        return Err(ServerFnError::new("Your note must be 500 characters or fewer."));
    }
    let appointment = match moving.filter(|m| !m.is_empty()) {
        Some(m) => services.booking.amend(&actor, server::uuid(&m)?, slot_id).await.map_err(server::message)?,
        None => {
            let ask = carebook_core::booking::service::BookingAsk {
                patient_id,
                slot_id,
                note,
                idempotency_key: Some(form_key).filter(|k| !k.is_empty() && k.len() <= 100),
                override_reason: None,
            };
            services.booking.book(&actor, &ask).await.map_err(server::message)?
        }
    };
    leptos_axum::redirect(&format!("/appointments/confirmed/{}", appointment.appointment_id));
    Ok(())
}

/// Cancel an appointment, with a reason.
#[server(prefix = "/_server", endpoint = "appointments/cancel")]
pub async fn cancel_appointment(
    csrf_token: String,
    appointment_id: String,
    reason: String,
) -> Result<(), ServerFnError> {
    super::csrf::check(&csrf_token).await?;
    let (actor, _) = server::patient().await?;
    if reason.trim().is_empty() {
        return Err(ServerFnError::new("Tell us why you are cancelling."));
    }
    if reason.chars().count() > 500 {
        return Err(ServerFnError::new("The reason must be 500 characters or fewer."));
    }
    let services = super::services()?;
    services.booking.cancel(&actor, server::uuid(&appointment_id)?, &reason).await.map_err(server::message)?;
    leptos_axum::redirect("/appointments?cancelled=1");
    Ok(())
}

/// One of the patient's appointments.
#[server(prefix = "/_server", endpoint = "appointments/one")]
pub async fn appointment(appointment_id: String) -> Result<AppointmentItem, ServerFnError> {
    let mine = my_appointments().await?;
    mine.upcoming
        .into_iter()
        .chain(mine.past)
        .find(|a| a.appointment_id == appointment_id)
        .ok_or_else(|| ServerFnError::new("We could not find that appointment."))
}

/// This session's form token, for forms on pages whose data has none.
#[server(prefix = "/_server", endpoint = "appointments/form-token")]
pub async fn form_token() -> Result<String, ServerFnError> {
    server::patient().await?;
    super::csrf::token().await
}

/// Ask for an earlier time of a service between two dates.
#[server(prefix = "/_server", endpoint = "appointments/waitlist")]
pub async fn join_waitlist(csrf_token: String, service: String, from: String, to: String) -> Result<(), ServerFnError> {
    super::csrf::check(&csrf_token).await?;
    let (actor, patient_id) = server::patient().await?;
    let Some(kind) = carebook_core::booking::ServiceKind::parse(&service) else {
        return Err(ServerFnError::new("Choose the kind of appointment you need."));
    };
    let (Some(from), Some(to)) = (super::form::date(&from), super::form::date(&to)) else {
        return Err(ServerFnError::new("Enter both dates, for example 2027-01-04."));
    };
    let services = super::services()?;
    services.booking.join_waitlist(&actor, patient_id, kind, from, to).await.map_err(server::message)?;
    leptos_axum::redirect("/appointments?waitlist=1");
    Ok(())
}
