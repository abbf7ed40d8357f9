//! The staff of every practice and hub, with the staff personas at the
//! first of each. The same for every seed.

use uuid::Uuid;

use crate::model::{ClinicalRole, Organisation, OrganisationKind, Population, StaffAssignment, StaffMember, StaffRole};

use super::contact::email;
use super::directory::practices;
use super::names::{FAMILY, STAFF_GIVEN};
use super::rng::Rng;

pub(super) fn staff(rng: &mut Rng, p: &mut Population) {
    let mut n = 0;
    let mut add = |rng: &mut Rng,
                   p: &mut Population,
                   uid: Option<&str>,
                   name: Option<(&str, &str)>,
                   clinical: Option<ClinicalRole>,
                   roles: &[(Uuid, StaffRole)]| {
        n += 1;
        let (given, family) = name.unwrap_or_else(|| (*rng.pick(&STAFF_GIVEN), *rng.pick(&FAMILY)));
        let staff_uid = uid.map(str::to_string).unwrap_or_else(|| format!("staff-{n:04}"));
        let id = rng.uuid();
        p.staff.push(StaffMember {
            staff_member_id: id,
            email: email(&format!("{given}.{family}.{n}"), "example.org"),
            staff_uid,
            given_name: given.to_string(),
            family_name: family.to_string(),
            clinical_role: clinical,
        });
        for (org, role) in roles {
            p.staff_assignments.push(StaffAssignment { staff_member_id: id, organisation_id: *org, role: *role });
        }
    };
    use ClinicalRole as C;
    use StaffRole as R;
    for (i, practice) in practices(p).iter().enumerate() {
        let org = practice.organisation_id;
        if i == 0 {
            add(rng, p, Some("demo-receptionist"), Some(("Dawn", "Pearce")), None, &[(org, R::Receptionist)]);
            add(rng, p, Some("demo-clinician"), Some(("Farid", "Haddad")), Some(C::Gp), &[(org, R::Clinician)]);
            add(rng, p, Some("demo-practice-admin"), Some(("Helen", "Marsh")), None, &[(org, R::PracticeAdmin)]);
        } else {
            add(rng, p, None, None, None, &[(org, R::Receptionist)]);
            add(rng, p, None, None, Some(C::Gp), &[(org, R::Clinician)]);
            add(rng, p, None, None, None, &[(org, R::PracticeAdmin)]);
        }
        add(rng, p, None, None, None, &[(org, R::Receptionist)]);
        add(rng, p, None, None, Some(C::Gp), &[(org, R::Clinician)]);
        add(rng, p, None, None, Some(C::Nurse), &[(org, R::Clinician)]);
        if i % 2 == 0 {
            add(rng, p, None, None, Some(C::Nurse), &[(org, R::Clinician)]);
        }
        add(rng, p, None, None, Some(C::HealthcareAssistant), &[(org, R::Clinician)]);
        if i % 3 == 0 {
            add(rng, p, None, None, Some(C::Pharmacist), &[(org, R::Clinician)]);
        }
        if i % 3 == 1 {
            add(rng, p, None, None, Some(C::Phlebotomist), &[(org, R::Clinician)]);
        }
    }
    let hubs: Vec<Organisation> = p.organisations.iter().filter(|o| o.kind == OrganisationKind::Hub).cloned().collect();
    for (i, hub) in hubs.iter().enumerate() {
        let org = hub.organisation_id;
        if i == 0 {
            add(rng, p, Some("demo-federation-admin"), Some(("Kwame", "Asante")), None, &[(org, R::FederationAdmin)]);
        } else {
            add(rng, p, None, None, None, &[(org, R::FederationAdmin)]);
        }
        add(rng, p, None, None, Some(C::Gp), &[(org, R::Clinician)]);
        add(rng, p, None, None, Some(C::Gp), &[(org, R::Clinician)]);
        add(rng, p, None, None, Some(C::Nurse), &[(org, R::Clinician)]);
        add(rng, p, None, None, None, &[(org, R::Receptionist)]);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::demo::{generate, staff_personas, DEFAULT_SEED};

    #[test]
    fn staff_personas_have_their_roles_at_the_first_practice_and_hub() {
        let p = generate(DEFAULT_SEED);
        let first = practices(&p)[0].organisation_id;
        let hub = p
            .organisations
            .iter()
            .find(|o| o.kind == OrganisationKind::Hub && o.federation_id == Some(p.federations[0].federation_id))
            .unwrap()
            .organisation_id;
        let expected = [
            ("receptionist", StaffRole::Receptionist, first),
            ("clinician", StaffRole::Clinician, first),
            ("practice-admin", StaffRole::PracticeAdmin, first),
            ("federation-admin", StaffRole::FederationAdmin, hub),
        ];
        for (key, role, org) in expected {
            let persona = staff_personas().into_iter().find(|s| s.key == key).unwrap();
            let member = p.staff.iter().find(|m| m.staff_uid == persona.staff_uid).unwrap();
            assert!(
                p.staff_assignments
                    .iter()
                    .any(|a| a.staff_member_id == member.staff_member_id && a.organisation_id == org && a.role == role),
                "{key}"
            );
        }
        let clinician = staff_personas().into_iter().find(|s| s.key == "clinician").unwrap();
        assert_eq!(
            p.staff.iter().find(|m| m.staff_uid == clinician.staff_uid).unwrap().clinical_role,
            Some(ClinicalRole::Gp)
        );
    }

    #[test]
    fn staff_assignments_point_at_real_staff_and_organisations_and_uids_are_unique() {
        let p = generate(DEFAULT_SEED);
        for a in &p.staff_assignments {
            assert!(p.staff.iter().any(|s| s.staff_member_id == a.staff_member_id));
            assert!(p.organisations.iter().any(|o| o.organisation_id == a.organisation_id));
        }
        let uids: HashSet<_> = p.staff.iter().map(|s| &s.staff_uid).collect();
        assert_eq!(uids.len(), p.staff.len());
        let roles: HashSet<_> = p.staff.iter().filter_map(|s| s.clinical_role).collect();
        assert_eq!(roles.len(), ClinicalRole::ALL.len(), "every clinical role is represented");
    }
}
