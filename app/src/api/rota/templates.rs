//! The rota templates of the organisations where the user manages rotas:
//! the list, and the form of one (new or saved) with the "Generate slots"
//! form beside a saved one.

use leptos::prelude::*;

use super::{RotaEditor, RotaOverview, SessionFields};
#[cfg(feature = "ssr")]
use super::{server, template_values, Choice, OrganisationRotas, RotaFields};

/// The rota templates at each organisation where the user manages rotas.
#[server(prefix = "/_server", endpoint = "staff/rotas")]
pub async fn staff_rotas() -> Result<RotaOverview, ServerFnError> {
    use carebook_core::access::StaffWork;
    let actor = crate::api::guard::staff(server::ROTA_STAFF).await?;
    let services = crate::api::services()?;
    let orgs = carebook_core::booking::desk::organisations_where(&actor, StaffWork::ManageRotas);
    if orgs.is_empty() {
        return Err(ServerFnError::new(
            "This page is for receptionists and practice and hub administrators who manage rotas. \
             You do not manage rotas at any practice or hub.",
        ));
    }
    let mut organisations = Vec::new();
    for org in orgs {
        let organisation = services.directory.organisation(org).await.map_err(crate::api::unavailable)?;
        let mut listings = services.booking.rota_listings(&actor, org).await.map_err(crate::api::unavailable)?;
        listings.sort_by_key(|l| (l.template.service.as_str(), l.template.effective_from, l.template.rota_template_id));
        let rotas = listings.iter().map(template_values::row).collect();
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
    let actor = crate::api::guard::staff(server::ROTA_STAFF).await?;
    let services = crate::api::services()?;
    let today = carebook_core::london::to_local(services.clock.now()).date();
    let id = id.filter(|i| !i.trim().is_empty() && i != "new");
    let (organisation_id, saved) = match id {
        Some(id) => {
            let not_found = || {
                ServerFnError::new(
                    "We could not find that rota. It may belong to a practice or hub where you do not manage rotas.",
                )
            };
            let id = crate::api::form::uuid(&id).ok_or_else(not_found)?;
            let template = services.booking.rota_template(&actor, id).await.map_err(|e| match e {
                carebook_core::booking::service::BookingError::Store(e) => crate::api::unavailable(e),
                _ => not_found(),
            })?;
            (template.organisation_id, Some(template))
        }
        None => {
            let mine = carebook_core::booking::desk::organisations_where(&actor, StaffWork::ManageRotas);
            let org = match org.as_deref().and_then(crate::api::form::uuid) {
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
    let organisation = services.directory.organisation(organisation_id).await.map_err(crate::api::unavailable)?;
    let choices = services.booking.rota_choices(&actor, organisation_id).await.map_err(crate::api::unavailable)?;
    let locations: Vec<Choice> =
        choices.locations.iter().map(|l| (l.location_id.to_string(), l.name.clone())).collect();
    let clinicians: Vec<_> = choices.clinicians.iter().map(carebook_core::booking::view::ClinicianView::of).collect();

    let (form, mut fields, title) = match &saved {
        Some(t) => {
            let clinician = clinicians
                .iter()
                .find(|c| c.staff_member_id == t.clinician_id)
                .map_or_else(|| "a clinician".to_string(), |c| c.name.clone());
            (
                format!("rota:{}", t.rota_template_id),
                template_values::fields_of(t),
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
                sessions: template_values::session_rows(&[]),
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
            if let server::Typed::Rota(mut typed) = k.typed {
                // What was typed, but never another rota's id or organisation.
                typed.rota_template_id = fields.rota_template_id.clone();
                typed.organisation_id = fields.organisation_id.clone();
                fields = typed;
            }
        } else {
            generate_problems = k.problems;
            if let server::Typed::Generate(from, to) = k.typed {
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
        clinicians: clinicians.iter().map(|c| (c.staff_member_id.to_string(), c.with_role())).collect(),
        generate_from,
        generate_to,
        generate_problems,
        csrf_token: crate::api::csrf::token().await?,
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
    use crate::api::form::clean;
    use carebook_core::model::AuditOutcome;
    crate::api::csrf::check(&csrf_token).await?;
    let actor = crate::api::guard::staff(server::ROTA_STAFF).await?;
    let services = crate::api::services()?;
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
    let (id, organisation_id, form) = match crate::api::form::uuid(&fields.rota_template_id) {
        Some(id) => match services.booking.rota_template(&actor, id).await {
            Ok(t) => (id, t.organisation_id, format!("rota:{id}")),
            Err(carebook_core::booking::service::BookingError::Store(e)) => return Err(crate::api::unavailable(e)),
            Err(_) => return Err(refused()),
        },
        None => match crate::api::form::uuid(&fields.organisation_id) {
            Some(org) => (uuid::Uuid::new_v4(), org, format!("rota:new:{org}")),
            None => return Err(refused()),
        },
    };
    let template = match template_values::template_from(&fields, id, organisation_id) {
        Ok(t) => t,
        Err(problems) => return server::keep(form, problems, server::Typed::Rota(fields)).await,
    };
    if let Err(e) = services.booking.save_rota(&actor, &template).await {
        let refusal = matches!(e, carebook_core::booking::service::BookingError::NotAllowed(_));
        let p = template_values::rota_problem(e)?;
        if refusal {
            server::audit(&actor, "rota_save", ("rota_template", id), AuditOutcome::Refused, Some("not_permitted"))
                .await;
        }
        return server::keep(form, vec![p], server::Typed::Rota(fields)).await;
    }
    server::audit(&actor, "rota_save", ("rota_template", id), AuditOutcome::Success, None).await;
    leptos_axum::redirect(&format!("/staff/rotas/{id}?saved=1"));
    Ok(())
}
