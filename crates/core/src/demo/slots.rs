//! The demonstration's clinics and a week of slots from them.

use time::{Date, Duration};
use uuid::Uuid;

use crate::model::{ClinicalRole, OrganisationKind, Population, StaffMember};

/// The demonstration's clinics: a weekday GP morning and a nurse afternoon
/// at every practice (with diabetes and COPD review clinics on Tuesday and
/// Thursday mornings), and evening and Saturday GP clinics at every hub,
/// open to the whole federation. Stable ids, so regenerating adds nothing.
pub fn rota_templates(population: &Population, effective_from: Date) -> Vec<crate::booking::rota::RotaTemplate> {
    use crate::booking::rota::{RotaTemplate, WeeklySession};
    use crate::booking::{BookableBy, Channel, ServiceKind};
    use time::macros::time;
    use time::Weekday::*;

    let weekdays = [Monday, Tuesday, Wednesday, Thursday, Friday];
    let mut templates = Vec::new();
    for org in population
        .organisations
        .iter()
        .filter(|o| matches!(o.kind, OrganisationKind::GpPractice | OrganisationKind::Hub))
    {
        let Some(location) = population.locations.iter().find(|l| l.organisation_id == org.organisation_id) else {
            continue;
        };
        let clinician = |role: ClinicalRole| {
            population.staff.iter().find(|s| {
                s.clinical_role == Some(role)
                    && population
                        .staff_assignments
                        .iter()
                        .any(|a| a.staff_member_id == s.staff_member_id && a.organisation_id == org.organisation_id)
            })
        };
        let (hi, lo) = org.organisation_id.as_u64_pair();
        let mut add = |n: u64, who: Option<&StaffMember>, service, channel, by, sessions: Vec<WeeklySession>| {
            if let Some(who) = who {
                templates.push(RotaTemplate {
                    rota_template_id: Uuid::from_u64_pair(hi ^ (0xD0_0000 + n), lo),
                    organisation_id: org.organisation_id,
                    location_id: location.location_id,
                    clinician_id: who.staff_member_id,
                    service,
                    channel,
                    bookable_by: by,
                    sessions,
                    effective_from,
                    effective_until: None,
                    exceptions: vec![],
                });
            }
        };
        let every = |days: &[time::Weekday], starts, ends, slot_minutes| {
            days.iter().map(|d| WeeklySession { weekday: *d, starts, ends, slot_minutes }).collect::<Vec<_>>()
        };
        if org.kind == OrganisationKind::Hub {
            let mut sessions = every(&weekdays, time!(18:30), time!(21:00), 15);
            sessions.extend(every(&[Saturday], time!(09:00), time!(13:00), 15));
            add(
                1,
                clinician(ClinicalRole::Gp),
                ServiceKind::GpAppointment,
                Channel::FaceToFace,
                BookableBy::Federation,
                sessions,
            );
        } else {
            let gp = clinician(ClinicalRole::Gp);
            let nurse = clinician(ClinicalRole::Nurse);
            add(
                1,
                gp,
                ServiceKind::GpAppointment,
                Channel::FaceToFace,
                BookableBy::OwnPractice,
                every(&weekdays, time!(08:30), time!(12:00), 10),
            );
            add(
                2,
                gp,
                ServiceKind::GpAppointment,
                Channel::Telephone,
                BookableBy::OwnPractice,
                every(&weekdays, time!(14:00), time!(15:30), 10),
            );
            add(
                3,
                nurse,
                ServiceKind::Nurse,
                Channel::FaceToFace,
                BookableBy::OwnPractice,
                every(&weekdays, time!(14:00), time!(17:00), 15),
            );
            add(
                4,
                nurse,
                ServiceKind::DiabetesReview,
                Channel::FaceToFace,
                BookableBy::OwnPractice,
                every(&[Tuesday], time!(09:00), time!(11:00), 30),
            );
            add(
                5,
                nurse,
                ServiceKind::CopdReview,
                Channel::FaceToFace,
                BookableBy::OwnPractice,
                every(&[Thursday], time!(09:00), time!(11:00), 30),
            );
        }
    }
    templates
}

/// Save the demonstration's rotas and make a week of slots from `today`.
pub async fn seed_week_of_slots(
    store: &dyn crate::store::Store,
    population: &Population,
    today: Date,
) -> crate::store::StoreResult<u64> {
    let mut added = 0;
    for template in rota_templates(population, today) {
        store.save_rota_template(&template).await?;
        let planned = template
            .expand(today, today + Duration::days(7))
            .map_err(|e| crate::store::StoreError::Other(Box::new(e)))?;
        added += store.add_planned_slots(&planned).await?;
    }
    Ok(added)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::demo::{generate, DEFAULT_SEED, REFERENCE_DATE};

    #[test]
    fn every_practice_and_hub_has_clinics_that_expand_to_slots() {
        let p = generate(DEFAULT_SEED);
        let templates = rota_templates(&p, REFERENCE_DATE);
        for org in
            p.organisations.iter().filter(|o| matches!(o.kind, OrganisationKind::GpPractice | OrganisationKind::Hub))
        {
            let mine: Vec<_> = templates.iter().filter(|t| t.organisation_id == org.organisation_id).collect();
            assert!(!mine.is_empty(), "{}", org.name);
            let slots: usize =
                mine.iter().map(|t| t.expand(REFERENCE_DATE, REFERENCE_DATE + Duration::days(7)).unwrap().len()).sum();
            assert!(slots > 20, "{} has {slots}", org.name);
        }
        let ids: HashSet<_> = templates.iter().map(|t| t.rota_template_id).collect();
        assert_eq!(ids.len(), templates.len());
        assert_eq!(rota_templates(&p, REFERENCE_DATE), templates, "stable");
    }
}
