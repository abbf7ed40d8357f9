//! The registered patients: the personas, then a seeded population with
//! households, parents acting for their children and carers for the very old.

use time::{Date, Duration};
use uuid::Uuid;

use crate::domain::NhsNumber;
use crate::model::{
    snomed, Address, ClinicalStatus, Condition, Organisation, OrganisationKind, Patient, Population, ProxyAccess,
    ProxyRelationshipKind, ProxyScope, Sex,
};

use super::conditions::{concept, conditions, onset};
use super::contact::{address, email, mobile};
use super::directory::{practices, PRACTICES};
use super::names::{FAMILY, GIVEN_FEMALE, GIVEN_MALE};
use super::personas::PERSONAS;
use super::rng::{pick_weighted, Rng};
use super::REFERENCE_DATE;

/// Age bands (lowest, highest, weight in percent), roughly the shape of the
/// footprint's registered list.
const AGE_BANDS: [(i32, i32, u64); 6] =
    [(0, 15, 18), (16, 29, 17), (30, 44, 20), (45, 64, 26), (65, 79, 13), (80, 99, 6)];

fn age(rng: &mut Rng) -> i32 {
    let mut roll = rng.below(100);
    for (lo, hi, w) in AGE_BANDS {
        if roll < w {
            return lo + rng.below((hi - lo + 1) as u64) as i32;
        }
        roll -= w;
    }
    40
}

fn birth_date(rng: &mut Rng, age: i32) -> Date {
    // Born `age` years and up to a year before the reference date.
    let anchor = REFERENCE_DATE.replace_year(REFERENCE_DATE.year() - age).unwrap_or(REFERENCE_DATE);
    anchor - Duration::days(rng.below(364) as i64 + 1)
}

pub(super) fn age_on_reference(dob: Date) -> i32 {
    let mut a = REFERENCE_DATE.year() - dob.year();
    if (REFERENCE_DATE.month() as u8, REFERENCE_DATE.day()) < (dob.month() as u8, dob.day()) {
        a -= 1;
    }
    a
}

struct Household {
    practice: usize,
    family: String,
    address: Address,
    pharmacy: Uuid,
}

pub(super) fn people(fixed: &mut Rng, rng: &mut Rng, p: &mut Population, patients: usize) {
    let practices = practices(p);
    let pharmacies: Vec<Organisation> =
        p.organisations.iter().filter(|o| o.kind == OrganisationKind::Pharmacy).cloned().collect();
    let pharmacy_for = |rng: &mut Rng, town: &str| -> Uuid {
        let local: Vec<&Organisation> = pharmacies.iter().filter(|o| o.address.town == town).collect();
        if local.is_empty() {
            rng.pick(&pharmacies).organisation_id
        } else {
            rng.pick(&local).organisation_id
        }
    };
    let list_sizes: Vec<u64> = PRACTICES.iter().map(|s| s.list_size).collect();
    let pick_list = |rng: &mut Rng| pick_weighted(rng, &mut list_sizes.clone(), 1)[0];
    let mut used: std::collections::HashSet<String> =
        PERSONAS.iter().map(|s| s.persona.nhs_number.to_string()).collect();

    // The personas: registered at the first practice, the same every time.
    let first = &practices[0];
    let persona_home = address(fixed, &first.address.town, first.address.postcode.outward());
    let persona_pharmacy = pharmacy_for(fixed, &first.address.town);
    let mut persona_ids = Vec::new();
    for spec in &PERSONAS {
        let id = fixed.uuid();
        persona_ids.push(id);
        let shared_home = spec.family == "Lindqvist";
        let home = if shared_home {
            persona_home.clone()
        } else {
            address(fixed, &first.address.town, first.address.postcode.outward())
        };
        let adult = age_on_reference(spec.date_of_birth) >= 16;
        p.patients.push(Patient {
            patient_id: id,
            nhs_number: NhsNumber::parse(spec.persona.nhs_number).expect("persona numbers are valid"),
            given_name: spec.given.to_string(),
            family_name: spec.family.to_string(),
            date_of_birth: spec.date_of_birth,
            sex: spec.sex,
            email: adult.then(|| email(&format!("{}.{}", spec.given, spec.family), "example.com")),
            phone: adult.then(|| mobile(fixed)),
            address: home,
            registered_practice_id: first.organisation_id,
            nominated_pharmacy_id: Some(persona_pharmacy),
        });
        for code in spec.conditions {
            let min_age = if *code == snomed::ASTHMA { 3 } else { 35 }.min(age_on_reference(spec.date_of_birth));
            p.conditions.push(Condition {
                condition_id: fixed.uuid(),
                patient_id: id,
                code: concept(code),
                clinical_status: ClinicalStatus::Active,
                onset_date: Some(onset(fixed, spec.date_of_birth, min_age)),
                recorded_by_organisation_id: first.organisation_id,
            });
        }
    }
    let (parent, child) = (persona_ids[5], persona_ids[6]);
    p.proxies.push(ProxyAccess {
        proxy_access_id: fixed.uuid(),
        proxy_patient_id: parent,
        subject_patient_id: child,
        relationship: ProxyRelationshipKind::ParentOrGuardian,
        scopes: vec![ProxyScope::Appointments, ProxyScope::Prescriptions, ProxyScope::Record],
        valid_from: PERSONAS[6].date_of_birth,
        valid_until: PERSONAS[6].date_of_birth.replace_year(PERSONAS[6].date_of_birth.year() + 16).ok(),
    });

    // Everyone else follows the seed. Adults first, so children can join a
    // household with a parent.
    let remaining = patients.saturating_sub(PERSONAS.len());
    let mut ages: Vec<i32> = (0..remaining).map(|_| age(rng)).collect();
    ages.sort_by_key(|a| std::cmp::Reverse(*a));
    let mut households: Vec<(Uuid, i32, Household)> = Vec::new();
    let mut elderly: Vec<(Uuid, usize)> = Vec::new();
    for age in ages {
        let nhs_number = loop {
            let candidate = NhsNumber::from_nine_digits(&format!("999{:06}", rng.below(1_000_000)));
            if let Some(n) = candidate {
                if used.insert(n.as_str().to_string()) {
                    break n;
                }
            }
        };
        let sex = if rng.chance(0.5) { Sex::Female } else { Sex::Male };
        let given = if sex == Sex::Female { rng.pick(&GIVEN_FEMALE) } else { rng.pick(&GIVEN_MALE) }.to_string();
        let id = rng.uuid();
        let dob = birth_date(rng, age);
        // A child joins a parent's household when there is one of the right
        // age at a practice; otherwise everyone gets their own home.
        let parent = (age < 16 && !households.is_empty() && rng.chance(0.85))
            .then(|| {
                let candidates: Vec<usize> = households
                    .iter()
                    .enumerate()
                    .filter(|(_, (_, a, _))| (*a - age) >= 18 && (*a - age) <= 45)
                    .map(|(i, _)| i)
                    .collect();
                (!candidates.is_empty()).then(|| candidates[rng.below(candidates.len() as u64) as usize])
            })
            .flatten();
        let (practice, family, home, pharmacy) = match parent {
            Some(i) => {
                let h = &households[i].2;
                (h.practice, h.family.clone(), h.address.clone(), h.pharmacy)
            }
            None => {
                // Shared out in proportion to the practices' list sizes.
                let practice = pick_list(rng);
                let o = &practices[practice];
                let family = rng.pick(&FAMILY).to_string();
                let home = address(rng, &o.address.town, o.address.postcode.outward());
                (practice, family, home, pharmacy_for(rng, &o.address.town))
            }
        };
        let adult = age >= 16;
        p.patients.push(Patient {
            patient_id: id,
            email: (adult && rng.chance(0.85))
                .then(|| email(&format!("{given}.{family}.{}", used.len()), "example.com")),
            phone: (adult && rng.chance(0.9)).then(|| mobile(rng)),
            nhs_number,
            given_name: given,
            family_name: family.clone(),
            date_of_birth: dob,
            sex,
            address: home.clone(),
            registered_practice_id: practices[practice].organisation_id,
            nominated_pharmacy_id: Some(pharmacy),
        });
        if let Some(i) = parent {
            let subject_dob = dob;
            p.proxies.push(ProxyAccess {
                proxy_access_id: rng.uuid(),
                proxy_patient_id: households[i].0,
                subject_patient_id: id,
                relationship: ProxyRelationshipKind::ParentOrGuardian,
                scopes: vec![ProxyScope::Appointments, ProxyScope::Prescriptions, ProxyScope::Record],
                valid_from: subject_dob,
                valid_until: subject_dob.replace_year(subject_dob.year() + 16).ok(),
            });
        } else if (20..=55).contains(&age) {
            households.push((id, age, Household { practice, family, address: home, pharmacy }));
        }
        if age >= 80 {
            elderly.push((id, practice));
        }
    }
    // Carers: some people over 80 have an adult at their practice acting
    // for them.
    let adults: Vec<(Uuid, usize)> = p
        .patients
        .iter()
        .filter(|x| (30..=70).contains(&age_on_reference(x.date_of_birth)))
        .filter_map(|x| {
            practices.iter().position(|o| o.organisation_id == x.registered_practice_id).map(|i| (x.patient_id, i))
        })
        .collect();
    for (subject, practice) in elderly {
        if !rng.chance(0.3) {
            continue;
        }
        let local: Vec<Uuid> = adults.iter().filter(|(_, pr)| *pr == practice).map(|(id, _)| *id).collect();
        if local.is_empty() {
            continue;
        }
        let carer = *rng.pick(&local);
        if p.proxies.iter().any(|x| x.proxy_patient_id == carer && x.subject_patient_id == subject) {
            continue;
        }
        p.proxies.push(ProxyAccess {
            proxy_access_id: rng.uuid(),
            proxy_patient_id: carer,
            subject_patient_id: subject,
            relationship: ProxyRelationshipKind::Carer,
            scopes: vec![ProxyScope::Appointments, ProxyScope::Prescriptions],
            valid_from: REFERENCE_DATE - Duration::days(200 + rng.below(600) as i64),
            valid_until: None,
        });
    }
    conditions(rng, p, PERSONAS.len());
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::demo::{generate, DEFAULT_SEED};

    #[test]
    fn every_patient_is_registered_at_a_practice_and_nominates_a_pharmacy() {
        let p = generate(DEFAULT_SEED);
        assert!(p.patients.len() >= 300);
        for pt in &p.patients {
            let practice = p.organisations.iter().find(|o| o.organisation_id == pt.registered_practice_id).unwrap();
            assert_eq!(practice.kind, OrganisationKind::GpPractice);
            let pharmacy =
                p.organisations.iter().find(|o| Some(o.organisation_id) == pt.nominated_pharmacy_id).unwrap();
            assert_eq!(pharmacy.kind, OrganisationKind::Pharmacy);
        }
        assert!(p.organisations.iter().filter(|o| o.kind == OrganisationKind::Pharmacy).count() >= 20);
    }

    #[test]
    fn nhs_numbers_are_unique_valid_and_in_the_test_range() {
        let p = generate(DEFAULT_SEED);
        let mut seen = HashSet::new();
        for pt in &p.patients {
            assert!(pt.nhs_number.is_test_range());
            assert_eq!(NhsNumber::parse(pt.nhs_number.as_str()).unwrap(), pt.nhs_number);
            assert!(seen.insert(pt.nhs_number.clone()));
        }
    }

    #[test]
    fn patients_are_shared_across_practices_without_any_one_taking_most() {
        let p = generate(DEFAULT_SEED);
        for o in practices(&p) {
            let list = p.patients.iter().filter(|x| x.registered_practice_id == o.organisation_id).count();
            assert!((5..=90).contains(&list), "{} has {list}", o.name);
        }
    }

    #[test]
    fn ages_are_realistic_and_conditions_begin_after_birth() {
        let p = generate(DEFAULT_SEED);
        let ages: Vec<i32> = p.patients.iter().map(|x| age_on_reference(x.date_of_birth)).collect();
        assert!(ages.iter().all(|a| (0..=100).contains(a)));
        assert!(ages.iter().filter(|a| **a < 16).count() > 50);
        assert!(ages.iter().filter(|a| **a >= 80).count() > 10);
        for c in &p.conditions {
            let pt = p.patients.iter().find(|x| x.patient_id == c.patient_id).unwrap();
            let onset = c.onset_date.unwrap();
            assert!(onset >= pt.date_of_birth && onset <= REFERENCE_DATE);
        }
        assert!(p.conditions.iter().filter(|c| c.code.code == snomed::COPD).all(|c| {
            age_on_reference(p.patients.iter().find(|x| x.patient_id == c.patient_id).unwrap().date_of_birth) >= 40
        }));
    }

    #[test]
    fn proxies_join_real_people_and_children_are_under_sixteen() {
        let p = generate(DEFAULT_SEED);
        assert!(p.proxies.len() >= 10);
        let mut pairs = HashSet::new();
        for x in &p.proxies {
            let proxy = p.patients.iter().find(|y| y.patient_id == x.proxy_patient_id).unwrap();
            let subject = p.patients.iter().find(|y| y.patient_id == x.subject_patient_id).unwrap();
            assert!(pairs.insert((x.proxy_patient_id, x.subject_patient_id)));
            assert_ne!(proxy.patient_id, subject.patient_id);
            if x.relationship == ProxyRelationshipKind::ParentOrGuardian {
                assert!(subject.age_on(REFERENCE_DATE) < 16);
                assert_eq!(proxy.family_name, subject.family_name);
                assert_eq!(proxy.address, subject.address);
            }
        }
        assert!(p.proxies.iter().any(|x| x.relationship == ProxyRelationshipKind::Carer));
    }
}
