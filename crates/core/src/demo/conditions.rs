//! Coded problems: type 2 diabetes and COPD counted out to a fixed
//! prevalence, hypertension and asthma sprinkled in by chance.

use time::{Date, Duration};

use crate::model::{snomed, ClinicalStatus, Condition, Population, SnomedConcept};

use super::patients::age_on_reference;
use super::personas::PERSONAS;
use super::rng::{pick_weighted, Rng};
use super::REFERENCE_DATE;

pub(super) fn concept(code: &str) -> SnomedConcept {
    let display = match code {
        snomed::TYPE_2_DIABETES => "Type 2 diabetes mellitus",
        snomed::COPD => "Chronic obstructive lung disease",
        snomed::HYPERTENSION => "Essential hypertension",
        snomed::ASTHMA => "Asthma",
        _ => "Clinical finding",
    };
    SnomedConcept { code: code.to_string(), display: display.to_string() }
}

/// How much more likely than a young adult someone of this age is to have
/// type 2 diabetes (0: never). Roughly the shape of the age-specific
/// prevalence in England.
fn diabetes_weight(age: i32) -> u64 {
    match age {
        ..=17 => 0,
        18..=29 => 1,
        30..=44 => 3,
        45..=64 => 9,
        65..=79 => 16,
        _ => 14,
    }
}

/// The same for COPD, which is not diagnosed before 40 here.
fn copd_weight(age: i32) -> u64 {
    match age {
        ..=39 => 0,
        40..=54 => 2,
        55..=64 => 5,
        65..=79 => 12,
        _ => 14,
    }
}

/// Likelihood of the conditions that are sprinkled in rather than counted:
/// (hypertension, asthma).
fn chances(age: i32, diabetic: bool) -> (f64, f64) {
    let hypertension: f64 = match age {
        ..=29 => 0.0,
        30..=44 => 0.05,
        _ => 0.25,
    };
    let hypertension = if diabetic { hypertension.max(0.4) } else { hypertension };
    (hypertension, 0.08)
}

/// `percent` of `n`, rounded.
fn share(n: usize, percent: usize) -> usize {
    (n * percent + 50) / 100
}

pub(super) fn onset(rng: &mut Rng, dob: Date, min_age: i32) -> Date {
    let earliest = dob + Duration::days(365 * i64::from(min_age));
    let span = (REFERENCE_DATE - earliest).whole_days().max(1);
    earliest + Duration::days(rng.below(span as u64) as i64)
}

/// Coded problems for everyone after the first `skip` patients (the
/// personas, whose conditions are fixed). Type 2 diabetes (about 8% of
/// everyone) and COPD (about 4%) are counted out, not rolled for, so that
/// any seed gives the prevalence the rules and dashboards are shown with;
/// a quarter of the people with COPD (and at least four in a population of
/// a hundred or more) also have diabetes. Older people are more likely to
/// be chosen. Hypertension and asthma are sprinkled in by chance.
pub(super) fn conditions(rng: &mut Rng, p: &mut Population, skip: usize) {
    let n = p.patients.len();
    let people = &p.patients[skip.min(n)..];
    let ages: Vec<i32> = people.iter().map(|x| age_on_reference(x.date_of_birth)).collect();
    let persona_count = |code: &str| PERSONAS.iter().filter(|s| s.conditions.contains(&code)).count();

    let copd_k = share(n, 4).saturating_sub(persona_count(snomed::COPD));
    let mut copd_weights: Vec<u64> = ages.iter().map(|a| copd_weight(*a)).collect();
    let copd = pick_weighted(rng, &mut copd_weights, copd_k);

    let both_k = (copd.len() / 4).max(if n >= 100 { 4 } else { 0 }).min(copd.len());
    let mut diabetes_weights: Vec<u64> = ages.iter().map(|a| diabetes_weight(*a)).collect();
    let mut copd_only: Vec<u64> = vec![0; people.len()];
    for i in &copd {
        copd_only[*i] = diabetes_weights[*i].max(1);
    }
    let mut diabetes = pick_weighted(rng, &mut copd_only, both_k);
    for i in &diabetes {
        diabetes_weights[*i] = 0;
    }
    let diabetes_k = share(n, 8).saturating_sub(persona_count(snomed::TYPE_2_DIABETES) + diabetes.len());
    diabetes.extend(pick_weighted(rng, &mut diabetes_weights, diabetes_k));

    let mut found = Vec::new();
    for (i, person) in people.iter().enumerate() {
        let age = ages[i];
        let has_diabetes = diabetes.contains(&i);
        let (hypertension, asthma) = chances(age, has_diabetes);
        let mut codes: Vec<(&str, i32)> = Vec::new();
        if has_diabetes {
            codes.push((snomed::TYPE_2_DIABETES, 18));
        }
        if copd.contains(&i) {
            codes.push((snomed::COPD, 40));
        }
        if rng.chance(hypertension) {
            codes.push((snomed::HYPERTENSION, 30));
        }
        if rng.chance(asthma) {
            codes.push((snomed::ASTHMA, 2));
        }
        for (code, min_age) in codes {
            let onset_date = onset(rng, person.date_of_birth, min_age.min(age));
            // Some childhood asthma has settled by adulthood.
            let resolved = code == snomed::ASTHMA && age >= 18 && rng.chance(0.25);
            found.push(Condition {
                condition_id: rng.uuid(),
                patient_id: person.patient_id,
                code: concept(code),
                clinical_status: if resolved { ClinicalStatus::Resolved } else { ClinicalStatus::Active },
                onset_date: Some(onset_date),
                recorded_by_organisation_id: person.registered_practice_id,
            });
        }
    }
    p.conditions.extend(found);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{generate, has, DEFAULT_SEED};

    #[test]
    fn about_eight_percent_have_diabetes_four_percent_copd_and_at_least_five_both_whatever_the_seed() {
        for seed in [DEFAULT_SEED, 1, 2, 3, 7, 42] {
            let p = generate(seed);
            let n = p.patients.len() as f64;
            let with = |code: &str| p.patients.iter().filter(|x| has(&p, x.patient_id, code)).count();
            let both = p
                .patients
                .iter()
                .filter(|x| has(&p, x.patient_id, snomed::TYPE_2_DIABETES) && has(&p, x.patient_id, snomed::COPD))
                .count();
            let (d, c) = (with(snomed::TYPE_2_DIABETES) as f64 / n, with(snomed::COPD) as f64 / n);
            assert!((0.06..=0.10).contains(&d), "seed {seed}: diabetes {d}");
            assert!((0.025..=0.06).contains(&c), "seed {seed}: copd {c}");
            assert!(both >= 5, "seed {seed}: both {both}");
            assert!(with(snomed::HYPERTENSION) > 0 && with(snomed::ASTHMA) > 0, "seed {seed}");
        }
    }

    #[test]
    fn diabetes_is_for_adults_and_conditions_are_mostly_active_and_recorded_by_the_practice() {
        let p = generate(DEFAULT_SEED);
        for c in &p.conditions {
            let pt = p.patients.iter().find(|x| x.patient_id == c.patient_id).unwrap();
            assert_eq!(c.recorded_by_organisation_id, pt.registered_practice_id);
            if c.code.code == snomed::TYPE_2_DIABETES {
                assert!(pt.age_on(REFERENCE_DATE) >= 18);
            }
            assert_eq!(c.code, concept(&c.code.code));
            assert_ne!(c.code.display, "Clinical finding");
        }
        let active = p.conditions.iter().filter(|c| c.clinical_status == ClinicalStatus::Active).count();
        assert!(active * 10 >= p.conditions.len() * 9, "{active} of {}", p.conditions.len());
    }
}
