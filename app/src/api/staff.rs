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

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoundPatient {
    pub patient_id: String,
    pub name: String,
    pub date_of_birth: String,
    pub practice: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleCheck {
    pub rule: String,
    pub outcome: String,
    pub explanation: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingDesk {
    pub patient: Option<FoundPatient>,
    pub times: Vec<super::booking::DayTimes>,
    pub chosen: Option<super::booking::TimeItem>,
    pub checks: Vec<RuleCheck>,
    pub allowed: bool,
    pub csrf_token: String,
}

/// Find a patient by NHS number (only one the receptionist may book for),
/// then the times for a service, then why a chosen time can or cannot be
/// booked for them, rule by rule.
#[server(prefix = "/_server", endpoint = "staff/booking")]
pub async fn staff_booking(
    nhs_number: String,
    service: Option<String>,
    slot_id: Option<String>,
) -> Result<BookingDesk, ServerFnError> {
    use carebook_core::access::Actor;
    let login = super::auth::require_login().await?;
    if !matches!(login.actor, Actor::Staff(_)) {
        return Err(ServerFnError::new("This page is for practice and hub staff."));
    }
    let services = super::services()?;
    let mut out = BookingDesk {
        patient: None,
        times: Vec::new(),
        chosen: None,
        checks: Vec::new(),
        allowed: false,
        csrf_token: super::csrf::token().await?,
    };
    if nhs_number.trim().is_empty() {
        return Ok(out);
    }
    let number = carebook_core::NhsNumber::parse(&nhs_number).map_err(|e| ServerFnError::new(e.to_string()))?;
    let not_here =
        || ServerFnError::new("No patient you can book for has that NHS number. Check the number with the patient.");
    let patient = services.store.patient_by_nhs_number(&number).await.map_err(|_| not_here())?;
    let subject = carebook_core::access::Subject::load(services.store.as_ref(), patient.patient_id)
        .await
        .map_err(super::unavailable)?;
    let today = carebook_core::london::to_local(services.clock.now()).date();
    if carebook_core::access::may_access(&login.actor, &subject, carebook_core::access::Service::Appointments, today)
        .is_err()
    {
        return Err(not_here());
    }
    let practice =
        services.store.organisation_by_id(patient.registered_practice_id).await.map_err(super::unavailable)?;
    out.patient = Some(FoundPatient {
        patient_id: patient.patient_id.to_string(),
        name: format!("{} {}", patient.given_name, patient.family_name),
        date_of_birth: patient.date_of_birth.to_string(),
        practice: practice.name,
    });
    if let Some(kind) = service.as_deref().and_then(carebook_core::booking::ServiceKind::parse) {
        let now = services.clock.now();
        let slots = services
            .booking
            .availability(&login.actor, patient.patient_id, kind, now, now + time::Duration::days(14))
            .await
            .map_err(|e| ServerFnError::new(e.to_string()))?;
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
    if let Some(slot_id) = slot_id.as_deref().and_then(|s| uuid::Uuid::parse_str(s).ok()) {
        let explanation = services
            .booking
            .explain(&login.actor, patient.patient_id, slot_id)
            .await
            .map_err(|e| ServerFnError::new(e.to_string()))?;
        out.allowed = explanation.allowed();
        out.checks = explanation
            .checks
            .iter()
            .map(|c| RuleCheck {
                rule: rule_label(c.rule).to_string(),
                outcome: match c.outcome {
                    carebook_core::booking::rules::Outcome::Passed => "Met",
                    carebook_core::booking::rules::Outcome::Failed => "Not met",
                    carebook_core::booking::rules::Outcome::Overridden => "Overridden",
                }
                .to_string(),
                explanation: c.explanation.clone(),
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
    let login = super::auth::require_login().await?;
    let services = super::services()?;
    let patient_id =
        uuid::Uuid::parse_str(&patient_id).map_err(|_| ServerFnError::new("We could not find that patient."))?;
    let slot_id = uuid::Uuid::parse_str(&slot_id).map_err(|_| ServerFnError::new("We could not find that time."))?;
    let override_reason = override_reason.map(|r| r.trim().to_string()).filter(|r| !r.is_empty());
    if override_reason.as_deref().is_some_and(|r| r.chars().count() > 200) {
        return Err(ServerFnError::new("The reason must be 200 characters or fewer."));
    }
    let ask = carebook_core::booking::service::BookingAsk {
        patient_id,
        slot_id,
        note: None,
        idempotency_key: Some(form_key).filter(|k| !k.is_empty() && k.len() <= 100),
        override_reason,
    };
    let appointment = services.booking.book(&login.actor, &ask).await.map_err(super::booking::server::message)?;
    let slot = services.store.slot(appointment.slot_id).await.map_err(super::unavailable)?;
    let day = carebook_core::london::to_local(slot.starts_at).date();
    leptos_axum::redirect(&format!("/staff/day?day={day}"));
    Ok(())
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
