//! The named patients and staff a demonstrator (or a test) can be: the same
//! for every seed.

use time::macros::date;
use time::Date;

use crate::model::{snomed, Sex};

/// A patient a demonstrator (or a test) can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Persona {
    pub key: &'static str,
    pub label: &'static str,
    pub description: &'static str,
    pub nhs_number: &'static str,
}

/// A member of staff a demonstrator (or a test) can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StaffPersona {
    pub key: &'static str,
    pub label: &'static str,
    pub description: &'static str,
    pub staff_uid: &'static str,
}

pub(super) struct PersonaSpec {
    pub(super) persona: Persona,
    pub(super) given: &'static str,
    pub(super) family: &'static str,
    pub(super) sex: Sex,
    pub(super) date_of_birth: Date,
    pub(super) conditions: &'static [&'static str],
}

pub(super) const PERSONAS: [PersonaSpec; 7] = [
    PersonaSpec {
        persona: Persona {
            key: "patient-p9",
            label: "Priya Hartley",
            description: "A patient whose identity is fully verified (P9): can use every GP service",
            nhs_number: "9990000018",
        },
        given: "Priya",
        family: "Hartley",
        sex: Sex::Female,
        date_of_birth: date!(1985 - 06 - 14),
        conditions: &[],
    },
    PersonaSpec {
        persona: Persona {
            key: "patient-p5",
            label: "Tom Fairweather",
            description: "A patient with partial identity checks (P5): sees what needs a full check",
            nhs_number: "9990000026",
        },
        given: "Tom",
        family: "Fairweather",
        sex: Sex::Male,
        date_of_birth: date!(1997 - 01 - 30),
        conditions: &[],
    },
    PersonaSpec {
        persona: Persona {
            key: "patient-diabetes",
            label: "Margaret Okafor",
            description: "Has type 2 diabetes and high blood pressure: sends glucose and blood pressure readings",
            nhs_number: "9990000034",
        },
        given: "Margaret",
        family: "Okafor",
        sex: Sex::Female,
        date_of_birth: date!(1963 - 09 - 02),
        conditions: &[snomed::TYPE_2_DIABETES, snomed::HYPERTENSION],
    },
    PersonaSpec {
        persona: Persona {
            key: "patient-copd",
            label: "Derek Bramley",
            description: "Has COPD: sends oxygen saturation, peak flow and CAT scores",
            nhs_number: "9990000042",
        },
        given: "Derek",
        family: "Bramley",
        sex: Sex::Male,
        date_of_birth: date!(1955 - 03 - 21),
        conditions: &[snomed::COPD],
    },
    PersonaSpec {
        persona: Persona {
            key: "patient-diabetes-copd",
            label: "Graham Whitlock",
            description: "Has both type 2 diabetes and COPD",
            nhs_number: "9990000050",
        },
        given: "Graham",
        family: "Whitlock",
        sex: Sex::Male,
        date_of_birth: date!(1958 - 11 - 11),
        conditions: &[snomed::TYPE_2_DIABETES, snomed::COPD],
    },
    PersonaSpec {
        persona: Persona {
            key: "parent-proxy",
            label: "Sophie Lindqvist",
            description: "A parent who manages her son's appointments and prescriptions",
            nhs_number: "9990000069",
        },
        given: "Sophie",
        family: "Lindqvist",
        sex: Sex::Female,
        date_of_birth: date!(1990 - 04 - 08),
        conditions: &[],
    },
    PersonaSpec {
        persona: Persona {
            key: "child",
            label: "Oliver Lindqvist",
            description: "A seven-year-old with asthma, looked after by his mother",
            nhs_number: "9990000077",
        },
        given: "Oliver",
        family: "Lindqvist",
        sex: Sex::Male,
        date_of_birth: date!(2019 - 05 - 19),
        conditions: &[snomed::ASTHMA],
    },
];

impl Persona {
    /// The identity proofing the demonstration's identity provider should
    /// report for this persona: P5 for "patient-p5", P9 for everyone else.
    pub fn proofing_level(&self) -> crate::access::ProofingLevel {
        if self.key == "patient-p5" {
            crate::access::ProofingLevel::P5
        } else {
            crate::access::ProofingLevel::P9
        }
    }
}

pub fn personas() -> Vec<Persona> {
    PERSONAS.iter().map(|p| p.persona).collect()
}

pub fn staff_personas() -> Vec<StaffPersona> {
    vec![
        StaffPersona {
            key: "receptionist",
            label: "Dawn Pearce, receptionist",
            description: "Runs the day list and books for patients on the phone at Kingfisher Lane Surgery",
            staff_uid: "demo-receptionist",
        },
        StaffPersona {
            key: "clinician",
            label: "Dr Farid Haddad, GP",
            description: "Approves repeat prescriptions and works the readings alerts at Kingfisher Lane Surgery",
            staff_uid: "demo-clinician",
        },
        StaffPersona {
            key: "practice-admin",
            label: "Helen Marsh, practice manager",
            description: "Sets up rotas and booking rules at Kingfisher Lane Surgery",
            staff_uid: "demo-practice-admin",
        },
        StaffPersona {
            key: "federation-admin",
            label: "Kwame Asante, federation manager",
            description: "Runs the Valleys Care Federation hub",
            staff_uid: "demo-federation-admin",
        },
    ]
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::demo::directory::practices;
    use crate::demo::{generate, has, DEFAULT_SEED, REFERENCE_DATE};
    use crate::domain::NhsNumber;
    use crate::model::ProxyRelationshipKind;

    #[test]
    fn persona_nhs_numbers_are_valid_and_only_the_p5_persona_is_partly_proofed() {
        use crate::access::ProofingLevel;
        for persona in personas() {
            let n = NhsNumber::parse(persona.nhs_number).unwrap();
            assert!(n.is_test_range(), "{}", persona.key);
            let expected = if persona.key == "patient-p5" { ProofingLevel::P5 } else { ProofingLevel::P9 };
            assert_eq!(persona.proofing_level(), expected);
        }
        let keys: HashSet<_> = personas().iter().map(|p| p.key).collect();
        for key in [
            "patient-p9",
            "patient-p5",
            "patient-diabetes",
            "patient-copd",
            "patient-diabetes-copd",
            "parent-proxy",
            "child",
        ] {
            assert!(keys.contains(key), "{key}");
        }
    }

    #[test]
    fn the_personas_are_there_as_described() {
        let p = generate(DEFAULT_SEED);
        let find = |key: &str| {
            let n = personas().into_iter().find(|x| x.key == key).unwrap().nhs_number;
            p.patients.iter().find(|x| x.nhs_number.as_str() == n).unwrap().clone()
        };
        let first = practices(&p)[0].organisation_id;
        for persona in personas() {
            assert_eq!(find(persona.key).registered_practice_id, first);
        }
        assert!(has(&p, find("patient-diabetes").patient_id, snomed::TYPE_2_DIABETES));
        assert!(has(&p, find("patient-copd").patient_id, snomed::COPD));
        let both = find("patient-diabetes-copd").patient_id;
        assert!(has(&p, both, snomed::TYPE_2_DIABETES) && has(&p, both, snomed::COPD));
        let (parent, child) = (find("parent-proxy"), find("child"));
        assert!(child.age_on(REFERENCE_DATE) < 16);
        assert!(p.proxies.iter().any(|x| x.proxy_patient_id == parent.patient_id
            && x.subject_patient_id == child.patient_id
            && x.relationship == ProxyRelationshipKind::ParentOrGuardian));
        for s in staff_personas() {
            assert!(p.staff.iter().any(|m| m.staff_uid == s.staff_uid), "{}", s.key);
        }
    }
}
