//! The booking rules of the organisations where the user runs
//! appointments, in words, and the form that changes one service's rules
//! (practice and federation administrators only; the core refuses anyone
//! else).

use leptos::prelude::*;

use super::{RuleEditor, RulesOverview};
#[cfg(feature = "ssr")]
use super::{rule_values, server, OrganisationRules, Problem, RuleFields};

/// Every service's rules at each organisation where the user runs
/// appointments, and whether they may change them.
#[server(prefix = "/_server", endpoint = "staff/rotas/rules")]
pub async fn staff_rules() -> Result<RulesOverview, ServerFnError> {
    use carebook_core::access::{self, StaffWork};
    let actor = crate::api::guard::staff(server::RULES_STAFF).await?;
    let services = crate::api::services()?;
    let orgs = carebook_core::booking::desk::organisations_where(&actor, StaffWork::RunAppointments);
    if orgs.is_empty() {
        return Err(ServerFnError::new(
            "This page is for practice and hub staff who run appointments: receptionists and administrators.",
        ));
    }
    let mut organisations = Vec::new();
    for org in orgs {
        let organisation = services.directory.organisation(org).await.map_err(crate::api::unavailable)?;
        let rules = services.booking.organisation_rules(&actor, org).await.map_err(crate::api::unavailable)?;
        organisations.push(OrganisationRules {
            organisation_id: org.to_string(),
            name: organisation.name,
            may_set: access::may_do(&actor, org, StaffWork::SetBookingRules).is_ok(),
            services: rules
                .iter()
                .map(|r| rule_values::rule_row(r.service, &r.rules, r.set_here, organisation.kind))
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
    let actor = crate::api::guard::staff(server::RULES_STAFF).await?;
    let services = crate::api::services()?;
    let not_found = || ServerFnError::new("We could not find those booking rules.");
    let organisation_id = crate::api::form::uuid(&org).ok_or_else(not_found)?;
    let kind = ServiceKind::parse(service.trim()).ok_or_else(not_found)?;
    if access::may_do(&actor, organisation_id, StaffWork::RunAppointments).is_err() {
        return Err(ServerFnError::new(
            "This page is for staff who run appointments at this practice or hub: receptionists and administrators.",
        ));
    }
    let organisation = services.directory.organisation(organisation_id).await.map_err(crate::api::unavailable)?;
    let all = services.booking.organisation_rules(&actor, organisation_id).await.map_err(crate::api::unavailable)?;
    let mine = all.into_iter().find(|r| r.service == kind).ok_or_else(not_found)?;
    let may_set = access::may_do(&actor, organisation_id, StaffWork::SetBookingRules).is_ok();
    let mut fields = rule_values::rule_fields(&mine.rules);
    let mut problems = Vec::new();
    let form = format!("rule:{organisation_id}:{}", kind.as_str());
    if let Some(k) = server::take(&[&form]).await? {
        problems = k.problems;
        if let server::Typed::Rule(typed) = k.typed {
            fields = typed;
        }
    }
    Ok(RuleEditor {
        organisation_id: organisation_id.to_string(),
        organisation: organisation.name,
        service_code: kind.as_str().to_string(),
        service: kind.label().to_string(),
        current: rule_values::rule_row(kind, &mine.rules, mine.set_here, organisation.kind),
        may_set,
        fields,
        problems,
        csrf_token: crate::api::csrf::token().await?,
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
    use crate::api::form::clean;
    use carebook_core::booking::service::BookingError;
    use carebook_core::booking::ServiceKind;
    use carebook_core::model::AuditOutcome;
    crate::api::csrf::check(&csrf_token).await?;
    let actor = crate::api::guard::staff(server::ADMINISTRATORS).await?;
    let services = crate::api::services()?;
    let (Some(org), Some(kind)) = (crate::api::form::uuid(&organisation_id), ServiceKind::parse(service.trim())) else {
        return Err(ServerFnError::new("We could not find those booking rules."));
    };
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
    let keep =
        |problems: Vec<Problem>, fields: RuleFields| server::keep(form.clone(), problems, server::Typed::Rule(fields));
    let rules = match rule_values::rules_from(&fields) {
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
        Err(e) => Err(crate::api::unavailable(e)),
    }
}

/// Go back to carebook's defaults for a service at an organisation.
#[server(prefix = "/_server", endpoint = "staff/rotas/rules/reset")]
pub async fn reset_rule(csrf_token: String, organisation_id: String, service: String) -> Result<(), ServerFnError> {
    use carebook_core::booking::service::BookingError;
    use carebook_core::booking::ServiceKind;
    use carebook_core::model::AuditOutcome;
    crate::api::csrf::check(&csrf_token).await?;
    let actor = crate::api::guard::staff(server::ADMINISTRATORS).await?;
    let services = crate::api::services()?;
    let (Some(org), Some(kind)) = (crate::api::form::uuid(&organisation_id), ServiceKind::parse(service.trim())) else {
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
        Err(e) => Err(crate::api::unavailable(e)),
    }
}
