//! Patient and staff logins matched against what is on record.

use std::sync::Arc;

use carebook_core::demo;
use carebook_core::model::OrganisationKind;
use carebook_core::store::Store;

use crate::fixtures::population::{small_population, unused_nhs_number};

fn p9_claims(nhs_number: &str, birthdate: time::Date) -> carebook_core::identity::PatientClaims {
    carebook_core::identity::PatientClaims {
        subject: "provider-subject-1".into(),
        vot: "P9.Cp.Cd".into(),
        nhs_number: Some(nhs_number.into()),
        birthdate: Some(birthdate),
        ..Default::default()
    }
}

fn requested_vtr() -> Vec<String> {
    ["P9.Cp.Cd", "P9.Cp.Ck", "P9.Cm", "P5.Cp.Cd"].iter().map(|s| s.to_string()).collect()
}

scenarios! {
    login;

    pub async fn a_fully_verified_login_becomes_the_registered_patient_with_their_proxies(store: Arc<dyn Store>) {
        use carebook_core::access::{Actor, ProofingLevel};
        use carebook_core::identity::patient_login;
        let population = small_population();
        store.replace_population(&population).await.unwrap();
        let parent = demo::personas().into_iter().find(|p| p.key == "parent-proxy").unwrap();
        let child = demo::personas().into_iter().find(|p| p.key == "child").unwrap();
        let find = |n: &str| population.patients.iter().find(|p| p.nhs_number.as_str() == n).unwrap().clone();
        let (parent_record, child_record) = (find(parent.nhs_number), find(child.nhs_number));

        let actor =
            patient_login(store.as_ref(), &p9_claims(parent.nhs_number, parent_record.date_of_birth), &requested_vtr())
                .await
                .unwrap();

        match actor {
            Actor::Patient(p) => {
                assert_eq!(p.patient_id, parent_record.patient_id);
                assert_eq!(p.proofing, ProofingLevel::P9);
                assert!(p.proxy_for.iter().any(|x| x.subject_patient_id == child_record.patient_id));
            }
            other => panic!("{other:?}"),
        }
        // Spaces in the claimed number are fine.
        let spaced = format!("{} {} {}", &parent.nhs_number[..3], &parent.nhs_number[3..6], &parent.nhs_number[6..]);
        assert!(patient_login(store.as_ref(), &p9_claims(&spaced, parent_record.date_of_birth), &requested_vtr())
            .await
            .is_ok());
    }

    pub async fn a_login_that_does_not_match_a_registration_is_refused_for_a_reason(store: Arc<dyn Store>) {
        use carebook_core::access::{Actor, ProofingLevel};
        use carebook_core::identity::{patient_login, LoginRefusal};
        let population = small_population();
        store.replace_population(&population).await.unwrap();
        let someone = &population.patients[0];
        let dob = someone.date_of_birth;
        let vtr = requested_vtr();

        let mut wrong_vot = p9_claims(someone.nhs_number.as_str(), dob);
        wrong_vot.vot = "P9.Cm.Ck".into();
        assert_eq!(patient_login(store.as_ref(), &wrong_vot, &vtr).await, Err(LoginRefusal::UnrequestedVectorOfTrust));
        let mut no_number = p9_claims(someone.nhs_number.as_str(), dob);
        no_number.nhs_number = None;
        assert_eq!(patient_login(store.as_ref(), &no_number, &vtr).await, Err(LoginRefusal::MissingNhsNumber));
        let stranger = unused_nhs_number(&population);
        assert_eq!(
            patient_login(store.as_ref(), &p9_claims(stranger.as_str(), dob), &vtr).await,
            Err(LoginRefusal::UnknownNhsNumber)
        );
        assert_eq!(
            patient_login(store.as_ref(), &p9_claims(someone.nhs_number.as_str(), dob.next_day().unwrap()), &vtr).await,
            Err(LoginRefusal::BirthdateMismatch)
        );
        let mut no_dob = p9_claims(someone.nhs_number.as_str(), dob);
        no_dob.birthdate = None;
        assert_eq!(patient_login(store.as_ref(), &no_dob, &vtr).await, Err(LoginRefusal::BirthdateMismatch));
        // At P5 the claimed number is not used, even when it is someone's.
        let mut p5 = p9_claims(someone.nhs_number.as_str(), dob);
        p5.vot = "P5.Cp.Cd".into();
        assert_eq!(
            patient_login(store.as_ref(), &p5, &vtr).await,
            Ok(Actor::PartlyVerified { provider_subject: "provider-subject-1".into(), proofing: ProofingLevel::P5 })
        );
    }

    pub async fn staff_logins_keep_only_roles_both_claimed_and_on_record(store: Arc<dyn Store>) {
        use carebook_core::access::Actor;
        use carebook_core::identity::{staff_login, ClaimedRole, LoginRefusal};
        use carebook_core::model::StaffRole;
        let population = small_population();
        store.replace_population(&population).await.unwrap();
        let practice = population.organisations.iter().find(|o| o.kind == OrganisationKind::GpPractice).unwrap();
        let elsewhere = population.organisations.iter().filter(|o| o.kind == OrganisationKind::GpPractice).nth(1).unwrap();
        let claim = |role: &str, org: &str| ClaimedRole { role: role.into(), organisation_code: org.into() };

        let actor = staff_login(
            store.as_ref(),
            "demo-receptionist",
            &[
                claim("receptionist", practice.ods_code.as_str()),
                claim("practice_admin", practice.ods_code.as_str()),
                claim("receptionist", elsewhere.ods_code.as_str()),
                claim("astronaut", practice.ods_code.as_str()),
            ],
        )
        .await
        .unwrap();

        match actor {
            Actor::Staff(s) => {
                assert_eq!(s.roles.len(), 1, "{s:?}");
                assert_eq!(s.roles[0].role, StaffRole::Receptionist);
                assert_eq!(s.roles[0].organisation_id, practice.organisation_id);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            staff_login(store.as_ref(), "demo-receptionist", &[claim("clinician", practice.ods_code.as_str())]).await,
            Err(LoginRefusal::NoStaffRole)
        );
        assert_eq!(staff_login(store.as_ref(), "nobody", &[]).await, Err(LoginRefusal::UnknownStaff));
    }
}
