//! Booking for a patient at the desk: their upcoming appointments, the
//! times for a service, and why a chosen time can or cannot be booked for
//! them, rule by rule; booking (overriding a rule with a recorded reason),
//! moving and cancelling. Every call asks the access policy again for the
//! patient.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::shared as desk;
use super::{DeskAppointment, Flash, FoundPatient};
#[cfg(feature = "ssr")]
use super::{FieldError, FindValues};
use crate::api::booking::{DayTimes, TimeItem};

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
    pub times: Vec<DayTimes>,
    pub chosen: Option<TimeItem>,
    pub checks: Vec<RuleCheck>,
    pub allowed: bool,
    pub flash: Flash,
    pub csrf_token: String,
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
    use crate::api::form::uuid;
    let actor = desk::staff().await?;
    let services = crate::api::services()?;
    let given = |s: Option<String>| s.filter(|s| !s.trim().is_empty());
    let (service, slot_id) = (given(service), given(slot_id));
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
        csrf_token: crate::api::csrf::token().await?,
    };
    if patient.trim().is_empty() {
        return Ok(out);
    }
    let found = match uuid(&patient) {
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
    out.patient = Some(desk::shown(&patient));
    let patient_id = patient.patient.patient_id;

    let now = services.clock.now();
    let all = services.booking.appointment_views(&actor, patient_id).await.map_err(desk::refusal)?;
    let asked = server::Asked {
        moving: given(moving),
        cancel: given(cancel),
        moved: given(moved),
        cancelled: given(cancelled),
    };
    server::appointments(&mut out, &all, now, &asked);
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
        let slots = services
            .booking
            .availability(&actor, patient_id, kind, now, now + time::Duration::days(14))
            .await
            .map_err(desk::refusal)?;
        let views = services.booking.slot_views(&slots).await.map_err(desk::refusal)?;
        out.times = crate::api::booking::server::by_day(&views);
    }
    if let Some(slot_id) = slot_id.as_deref().and_then(uuid) {
        let explanation = services.booking.explain(&actor, patient_id, slot_id).await.map_err(desk::refusal)?;
        server::checks(&mut out, &explanation);
        if let Ok(v) = services.booking.slot_view(slot_id).await {
            out.chosen = Some(crate::api::booking::server::item(&v));
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
    crate::api::csrf::check(&csrf_token).await?;
    let actor = desk::staff().await?;
    let services = crate::api::services()?;
    let none = FindValues::default;
    let (Some(patient_id), Some(slot_id)) = (crate::api::form::uuid(&patient_id), crate::api::form::uuid(&slot_id))
    else {
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
        Err(e) => return desk::keep("override-reason", desk::problem_of(e)?, none()).await,
    };
    let slot = services.booking.slot_view(appointment.slot_id).await.map_err(crate::api::unavailable)?;
    leptos_axum::redirect(&format!("/staff/day?day={}", slot.day));
    Ok(())
}

/// Move the patient's appointment to another time: one transaction takes
/// the new time and frees the old one. Staff may move at any time.
#[server(prefix = "/_server", endpoint = "staff/booking/move")]
pub async fn staff_move(csrf_token: String, appointment_id: String, slot_id: String) -> Result<(), ServerFnError> {
    crate::api::csrf::check(&csrf_token).await?;
    let actor = desk::staff().await?;
    let services = crate::api::services()?;
    let (Some(appointment_id), Some(slot_id)) =
        (crate::api::form::uuid(&appointment_id), crate::api::form::uuid(&slot_id))
    else {
        return desk::keep("times", "Choose a new time.", FindValues::default()).await;
    };
    match services.booking.amend(&actor, appointment_id, slot_id).await {
        Ok(a) => {
            leptos_axum::redirect(&format!("/staff/book?patient={}&moved={}", a.patient_id, a.appointment_id));
            Ok(())
        }
        Err(e) => desk::keep("times", desk::problem_of(e)?, FindValues::default()).await,
    }
}

/// Cancel the patient's appointment with a reason (staff may cancel at any
/// time); the time is freed.
#[server(prefix = "/_server", endpoint = "staff/booking/cancel")]
pub async fn staff_cancel(csrf_token: String, appointment_id: String, reason: String) -> Result<(), ServerFnError> {
    crate::api::csrf::check(&csrf_token).await?;
    let actor = desk::staff().await?;
    let services = crate::api::services()?;
    let reason = reason.trim();
    if reason.is_empty() {
        return desk::keep("reason", "Enter why the appointment is being cancelled", FindValues::default()).await;
    }
    if reason.chars().count() > 500 {
        return desk::keep("reason", "The reason must be 500 characters or fewer", FindValues::default()).await;
    }
    let Some(appointment_id) = crate::api::form::uuid(&appointment_id) else {
        return desk::keep("reason", "We could not find that appointment.", FindValues::default()).await;
    };
    match services.booking.cancel(&actor, appointment_id, reason).await {
        Ok(a) => {
            leptos_axum::redirect(&format!("/staff/book?patient={}&cancelled={}", a.patient_id, a.appointment_id));
            Ok(())
        }
        Err(e) => desk::keep("reason", desk::problem_of(e)?, FindValues::default()).await,
    }
}

/// How the desk page is put together from the core's answers.
#[cfg(feature = "ssr")]
mod server {
    use carebook_core::booking::rules::{Check, Explanation, Outcome as RuleOutcome, Rule};
    use carebook_core::booking::view::AppointmentView;
    use time::OffsetDateTime;

    use super::{desk, BookingDesk, FieldError, Outcome, RuleCheck};
    use crate::api::form::uuid;

    /// The appointments the page's address names, as given.
    pub struct Asked {
        pub moving: Option<String>,
        pub cancel: Option<String>,
        pub moved: Option<String>,
        pub cancelled: Option<String>,
    }

    /// The upcoming appointments (live, not started, soonest first), the one
    /// being moved or cancelled, and the one just moved or cancelled.
    pub fn appointments(out: &mut BookingDesk, all: &[AppointmentView], now: OffsetDateTime, asked: &Asked) {
        let wanted = |id: &Option<String>| id.as_deref().and_then(uuid);
        let mut upcoming = Vec::new();
        for a in all {
            let shown = desk::appointment(a);
            let starts_at = a.slot.slot.starts_at;
            let id = Some(a.appointment.appointment_id);
            if a.appointment.status.is_live() && starts_at > now {
                if wanted(&asked.moving) == id {
                    out.moving = Some(shown.clone());
                }
                if wanted(&asked.cancel) == id {
                    out.cancelling = Some(shown.clone());
                }
                upcoming.push((starts_at, shown.clone()));
            }
            if wanted(&asked.moved) == id {
                out.outcome = Some((Outcome::Moved, shown.clone()));
            } else if wanted(&asked.cancelled) == id {
                out.outcome = Some((Outcome::Cancelled, shown));
            }
        }
        upcoming.sort_by_key(|x| x.0);
        out.upcoming = upcoming.into_iter().map(|x| x.1).collect();
        if (asked.moving.is_some() && out.moving.is_none()) || (asked.cancel.is_some() && out.cancelling.is_none()) {
            out.flash.error.get_or_insert(FieldError {
                field: "upcoming".into(),
                message: "That appointment cannot be changed: it may have been moved, cancelled or already started. \
                          Choose one of the upcoming appointments."
                    .into(),
            });
        }
    }

    /// Whether the chosen time can be booked for the patient, rule by rule.
    pub fn checks(out: &mut BookingDesk, explanation: &Explanation) {
        // A move takes the place of the appointment it moves, so that one
        // does not count against the patient's limit (amend decides the
        // same way, and has the last word).
        let moving = out.moving.is_some();
        let moving_counts = |c: &Check| !(moving && c.rule == Rule::BookingLimit && c.outcome == RuleOutcome::Failed);
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
    }

    fn rule_label(rule: Rule) -> &'static str {
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
}
