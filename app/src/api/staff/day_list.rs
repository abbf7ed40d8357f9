//! The day list: every slot of a day at the organisations where the user
//! runs appointments, by clinician, with who is booked; marking arrived,
//! did not attend and completed; blocking and unblocking a free time.

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
    /// Why staff booked it over the rules, when they did.
    pub override_reason: Option<String>,
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

#[server(prefix = "/_server", endpoint = "staff/day")]
pub async fn day_list(day: Option<String>) -> Result<DayView, ServerFnError> {
    use carebook_core::access::StaffWork;
    use carebook_core::booking::{AppointmentStatus, SlotStatus};
    let actor = crate::api::guard::staff("practice and hub staff").await?;
    let services = crate::api::services()?;
    let now = services.clock.now();
    let today = carebook_core::london::to_local(now).date();
    let day = day.as_deref().and_then(crate::api::form::date).unwrap_or(today);
    let mut organisations = Vec::new();
    for org in carebook_core::booking::desk::organisations_where(&actor, StaffWork::RunAppointments) {
        let sheet =
            services.booking.day_sheet(&actor, org, day).await.map_err(|e| ServerFnError::new(e.to_string()))?;
        let mut clinicians: Vec<(uuid::Uuid, ClinicianDay)> = Vec::new();
        for entry in sheet.entries {
            let (slot, appointment) = (&entry.slot.slot, &entry.appointment);
            let status = match (appointment, slot.status) {
                (Some(a), _) => match a.status {
                    AppointmentStatus::Arrived => "Arrived".to_string(),
                    AppointmentStatus::DidNotAttend => "Did not attend".to_string(),
                    AppointmentStatus::Completed => "Completed".to_string(),
                    _ => "Booked".to_string(),
                },
                (None, SlotStatus::Blocked) => format!("Blocked: {}", slot.blocked_reason.clone().unwrap_or_default()),
                (None, s) if !slot.is_free_at(now) => s.as_str().to_string(),
                _ => "Free".to_string(),
            };
            let row = Row {
                slot_id: slot.slot_id.to_string(),
                time: entry.slot.time.clone(),
                service: slot.service.label().to_string(),
                location: entry.slot.location.name.clone(),
                can_mark: appointment.as_ref().is_some_and(|a| a.status == AppointmentStatus::Booked),
                can_complete: appointment
                    .as_ref()
                    .is_some_and(|a| matches!(a.status, AppointmentStatus::Booked | AppointmentStatus::Arrived)),
                can_block: appointment.is_none() && slot.is_free_at(now),
                can_unblock: appointment.is_none() && slot.status == SlotStatus::Blocked,
                appointment_id: appointment.as_ref().map(|a| a.appointment_id.to_string()),
                override_reason: appointment.as_ref().and_then(|a| a.override_reason.clone()),
                status,
                patient: entry.patient.clone(),
            };
            match clinicians.iter_mut().find(|(id, _)| *id == slot.clinician_id) {
                Some((_, c)) => c.rows.push(row),
                None => {
                    let name = entry.clinician.as_ref().map_or_else(|| "Clinician".to_string(), |c| c.name.clone());
                    clinicians.push((slot.clinician_id, ClinicianDay { clinician: name, rows: vec![row] }));
                }
            }
        }
        organisations.push(OrganisationDay {
            name: sheet.organisation.name,
            clinicians: clinicians.into_iter().map(|c| c.1).collect(),
        });
    }
    Ok(DayView {
        day: day.to_string(),
        day_label: format!("{} {} {} {}", day.weekday(), day.day(), day.month(), day.year()),
        previous: day.previous_day().unwrap_or(day).to_string(),
        next: day.next_day().unwrap_or(day).to_string(),
        organisations,
        csrf_token: crate::api::csrf::token().await?,
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
    crate::api::csrf::check(&csrf_token).await?;
    let actor = crate::api::guard::login().await?;
    let status = match outcome.as_str() {
        "arrived" => AppointmentStatus::Arrived,
        "did_not_attend" => AppointmentStatus::DidNotAttend,
        "completed" => AppointmentStatus::Completed,
        _ => return Err(ServerFnError::new("Choose arrived, did not attend or completed.")),
    };
    let id = crate::api::form::uuid(&appointment_id)
        .ok_or_else(|| ServerFnError::new("We could not find that appointment."))?;
    let services = crate::api::services()?;
    services.booking.record_attendance(&actor, id, status).await.map_err(|e| match e {
        carebook_core::booking::service::BookingError::Changed => {
            ServerFnError::new("This appointment has changed. Look at the day list again.")
        }
        _ => ServerFnError::new("We could not find that appointment."),
    })?;
    leptos_axum::redirect(&format!("/staff/day?day={}", crate::api::form::day_in_address(&day)));
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
    crate::api::csrf::check(&csrf_token).await?;
    let actor = crate::api::guard::login().await?;
    let id = crate::api::form::uuid(&slot_id).ok_or_else(|| ServerFnError::new("We could not find that time."))?;
    let reason = reason.map(|r| r.trim().to_string()).filter(|r| !r.is_empty());
    if unblock.is_none() && reason.is_none() {
        return Err(ServerFnError::new("Give a reason for blocking the time, for example \"GP on leave\"."));
    }
    if reason.as_deref().is_some_and(|r| r.chars().count() > 200) {
        return Err(ServerFnError::new("The reason must be 200 characters or fewer."));
    }
    let services = crate::api::services()?;
    let chosen = if unblock.is_some() { None } else { reason.as_deref() };
    services.booking.set_blocked(&actor, id, chosen).await.map_err(|e| match e {
        carebook_core::booking::service::BookingError::Changed => {
            ServerFnError::new("This time has been booked or changed. Look at the day list again.")
        }
        _ => ServerFnError::new("We could not find that time."),
    })?;
    leptos_axum::redirect(&format!("/staff/day?day={}", crate::api::form::day_in_address(&day)));
    Ok(())
}
