//! The receptionist's day list: every slot of a day at the organisations
//! where they run appointments, by clinician, with who is booked, and the
//! actions of the desk (arrived, did not attend, block, unblock).

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

/// Arrived or did not attend, from the day list.
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
        _ => return Err(ServerFnError::new("Choose arrived or did not attend.")),
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
