//! The synthetic world for demonstrations and tests.
//!
//! Everything here is invented: practice names and codes, pharmacies,
//! trusts, staff and patients. NHS numbers come from the 999 range the NHS
//! reserves for testing and pass the modulus-11 check; telephone numbers come
//! from Ofcom's drama ranges (01632 960xxx, 07700 900xxx); e-mail addresses
//! use the reserved example domains (RFC 2606).
//!
//! The directory (areas, federations, organisations, staff) and the named
//! personas are the same for every seed, so demonstrations and tests can
//! rely on them; the rest of the population follows the seed, and the same
//! seed always gives the same people.

use time::macros::date;
use time::{Date, Duration};
use uuid::Uuid;

use crate::domain::{EmailAddress, NhsNumber, OdsCode, PhoneNumber, Postcode};
use crate::model::{
    snomed, Address, Area, AreaCode, ClinicalRole, ClinicalStatus, Condition, Federation, Location, Organisation,
    OrganisationKind, Patient, Population, ProxyAccess, ProxyRelationshipKind, ProxyScope, Sex, SnomedConcept,
    StaffAssignment, StaffMember, StaffRole,
};

pub const DEFAULT_SEED: u64 = 20261124;
pub const DEFAULT_PATIENTS: usize = 600;
/// Ages are worked out against this date, not the clock, so that a seed
/// gives the same people on any day.
pub const REFERENCE_DATE: Date = date!(2026 - 11 - 01);

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

struct PersonaSpec {
    persona: Persona,
    given: &'static str,
    family: &'static str,
    sex: Sex,
    date_of_birth: Date,
    conditions: &'static [&'static str],
}

const PERSONAS: [PersonaSpec; 7] = [
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

/// SplitMix64 (Steele, Lea and Flood, 2014): small, fast, and the same on
/// every platform, which is all a synthetic population needs.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed)
    }
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in 0..n.
    fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    fn uuid(&mut self) -> Uuid {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.next_u64().to_le_bytes());
        bytes[8..].copy_from_slice(&self.next_u64().to_le_bytes());
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }
}

struct PracticeSpec {
    name: &'static str,
    town: &'static str,
    district: &'static str,
    area: AreaCode,
    /// Index into the federations, if a member.
    federation: Option<usize>,
    branch: Option<(&'static str, &'static str)>,
}

const fn practice(
    name: &'static str,
    town: &'static str,
    district: &'static str,
    area: AreaCode,
    federation: Option<usize>,
    branch: Option<(&'static str, &'static str)>,
) -> PracticeSpec {
    PracticeSpec { name, town, district, area, federation, branch }
}

use AreaCode::{EastAndNorthHerts as ENH, HertsValleys as HV, WestEssex as WE};

const PRACTICES: [PracticeSpec; 18] = [
    practice("Kingfisher Lane Surgery", "St Albans", "AL1", HV, Some(0), Some(("Marshalswick branch", "AL4"))),
    practice("Beechwood Medical Centre", "Watford", "WD17", HV, Some(0), None),
    practice("Orchard Vale Practice", "Hemel Hempstead", "HP1", HV, Some(0), Some(("Leverstock branch", "HP3"))),
    practice("Larkspur Health Centre", "Watford", "WD18", HV, Some(0), None),
    practice("Meadowsweet Surgery", "St Albans", "AL3", HV, Some(0), None),
    practice("Fenwick Row Practice", "Hemel Hempstead", "HP2", HV, Some(0), None),
    practice("Heronsgate Surgery", "Stevenage", "SG1", ENH, Some(1), None),
    practice("Copper Beech Practice", "Hertford", "SG14", ENH, Some(1), Some(("Ware branch", "SG12"))),
    practice("Willowbrook Medical Centre", "Hitchin", "SG5", ENH, Some(1), None),
    practice("Thornfield Surgery", "Welwyn Garden City", "AL8", ENH, Some(1), None),
    practice("Bramblewood Practice", "Hatfield", "AL10", ENH, Some(1), None),
    practice("Lavender Court Surgery", "Stevenage", "SG2", ENH, Some(1), None),
    practice("Riverside Mill Surgery", "Harlow", "CM20", WE, None, None),
    practice("Foxglove Medical Practice", "Epping", "CM16", WE, None, None),
    practice("Ashdown Green Surgery", "Loughton", "IG10", WE, None, Some(("Debden branch", "IG10"))),
    practice("Chestnut Walk Practice", "Harlow", "CM18", WE, None, None),
    practice("Saltings Road Surgery", "Waltham Abbey", "EN9", WE, None, None),
    practice("Hollybush Surgery", "Chipping Ongar", "CM5", WE, None, None),
];

const FEDERATIONS: [(&str, AreaCode, &str, &str, &str); 2] = [
    ("Valleys Care Federation", HV, "Valleys Extended Access Hub", "Hemel Hempstead", "HP1"),
    ("Northern Lights Health Federation", ENH, "Northern Lights Evening and Weekend Hub", "Stevenage", "SG1"),
];

const PHARMACY_NAMES: [&str; 12] = [
    "Greenleaf Pharmacy",
    "Mortar and Pestle Chemists",
    "Bluebell Pharmacy",
    "Hillcrest Chemist",
    "Market Cross Pharmacy",
    "Parkside Pharmacy",
    "Wellspring Chemists",
    "Oakapple Pharmacy",
    "Station Road Pharmacy",
    "High Street Chemist",
    "Kestrel Pharmacy",
    "Millpond Pharmacy",
];

const STREETS: [&str; 24] = [
    "Acorn Way",
    "Badger Close",
    "Cedar Road",
    "Dovecote Lane",
    "Elmfield Avenue",
    "Foxley Drive",
    "Glebe Road",
    "Hawthorn Crescent",
    "Ivy Lane",
    "Juniper Gardens",
    "Kestrel Way",
    "Linden Road",
    "Mulberry Close",
    "Nightingale Walk",
    "Oakfield Road",
    "Primrose Hill",
    "Quarry Lane",
    "Rowan Drive",
    "Sycamore Avenue",
    "Thistle Grove",
    "Upland Road",
    "Vicarage Lane",
    "Wren Close",
    "Yew Tree Court",
];

const GIVEN_FEMALE: [&str; 30] = [
    "Amelia", "Olivia", "Isla", "Ava", "Mia", "Grace", "Freya", "Lily", "Zara", "Aisha", "Chloe", "Hannah", "Ruth",
    "Joan", "Patricia", "Susan", "Janet", "Fatima", "Mei", "Ewa", "Niamh", "Sian", "Ayesha", "Beatrice", "Deborah",
    "Eleanor", "Harriet", "Imogen", "Jasmine", "Kavita",
];

const GIVEN_MALE: [&str; 30] = [
    "Oliver", "George", "Noah", "Arthur", "Muhammad", "Leo", "Harry", "Oscar", "Jack", "Finley", "Raj", "Tomasz",
    "David", "Peter", "Michael", "Brian", "Kenneth", "Samuel", "Daniel", "Ibrahim", "Callum", "Rhys", "Kofi",
    "Benjamin", "Edward", "Felix", "Hugo", "Jamal", "Kieran", "Liam",
];

const FAMILY: [&str; 40] = [
    "Abbott",
    "Ahmed",
    "Baker",
    "Banerjee",
    "Chapman",
    "Clarke",
    "Davies",
    "Dixon",
    "Evans",
    "Fletcher",
    "Gallagher",
    "Green",
    "Hussain",
    "Hughes",
    "Iqbal",
    "Jackson",
    "Kaur",
    "Kowalski",
    "Lewis",
    "Mensah",
    "Marshall",
    "Nowak",
    "Osei",
    "Patel",
    "Phillips",
    "Quinn",
    "Robinson",
    "Russo",
    "Shah",
    "Singh",
    "Taylor",
    "Turner",
    "Underwood",
    "Varga",
    "Walker",
    "Wilson",
    "Wright",
    "Xu",
    "Young",
    "Zielinski",
];

const STAFF_GIVEN: [&str; 16] = [
    "Anita", "Bernard", "Claire", "Dominic", "Esther", "Frank", "Gemma", "Hamid", "Irene", "Jonah", "Karen", "Lewis",
    "Maya", "Neil", "Olu", "Paula",
];

/// Letters allowed in the inward code of a postcode.
const INWARD_LETTERS: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";

fn postcode(rng: &mut Rng, district: &str) -> Postcode {
    let digit = rng.below(10);
    let a = INWARD_LETTERS[rng.below(INWARD_LETTERS.len() as u64) as usize] as char;
    let b = INWARD_LETTERS[rng.below(INWARD_LETTERS.len() as u64) as usize] as char;
    Postcode::parse(&format!("{district} {digit}{a}{b}")).expect("demo postcodes are valid")
}

fn address(rng: &mut Rng, town: &str, district: &str) -> Address {
    Address {
        line1: format!("{} {}", 1 + rng.below(180), rng.pick(&STREETS)),
        line2: None,
        town: town.to_string(),
        postcode: postcode(rng, district),
    }
}

fn landline(rng: &mut Rng) -> PhoneNumber {
    PhoneNumber::parse(&format!("01632 960{:03}", rng.below(1000))).expect("drama range")
}

fn mobile(rng: &mut Rng) -> PhoneNumber {
    PhoneNumber::parse(&format!("07700 900{:03}", rng.below(1000))).expect("drama range")
}

fn email(local: &str, domain: &str) -> EmailAddress {
    let local: String =
        local.to_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' { c } else { '-' }).collect();
    EmailAddress::parse(&format!("{local}@{domain}")).expect("demo e-mail is valid")
}

fn concept(code: &str) -> SnomedConcept {
    let display = match code {
        snomed::TYPE_2_DIABETES => "Type 2 diabetes mellitus",
        snomed::COPD => "Chronic obstructive lung disease",
        snomed::HYPERTENSION => "Essential hypertension",
        snomed::ASTHMA => "Asthma",
        _ => "Clinical finding",
    };
    SnomedConcept { code: code.to_string(), display: display.to_string() }
}

fn ods(code: &str) -> OdsCode {
    OdsCode::parse(code).expect("demo codes are valid")
}

/// The population for `seed` with the default number of patients.
pub fn generate(seed: u64) -> Population {
    generate_with(seed, DEFAULT_PATIENTS)
}

/// The population for `seed` with `patients` patients (at least the
/// personas, however small the number).
pub fn generate_with(seed: u64, patients: usize) -> Population {
    let mut p = Population {
        areas: AreaCode::ALL.iter().map(|a| Area { code: *a, name: a.name().to_string() }).collect(),
        ..Default::default()
    };
    // The directory does not depend on the seed.
    let mut fixed = Rng::new(0x00CA_4EB0_0C00_0001);
    directory(&mut fixed, &mut p);
    staff(&mut fixed, &mut p);
    people(&mut fixed, &mut Rng::new(seed ^ 0x5EED_0000_0000_0000), &mut p, patients);
    p
}

fn directory(rng: &mut Rng, p: &mut Population) {
    for (name, area, ..) in FEDERATIONS {
        p.federations.push(Federation { federation_id: rng.uuid(), name: name.to_string(), area });
    }
    for (i, spec) in PRACTICES.iter().enumerate() {
        let id = rng.uuid();
        let addr = address(rng, spec.town, spec.district);
        p.organisations.push(Organisation {
            organisation_id: id,
            ods_code: ods(&format!("ZC{:04}", i + 1)),
            name: spec.name.to_string(),
            kind: OrganisationKind::GpPractice,
            area: spec.area,
            federation_id: spec.federation.map(|f| p.federations[f].federation_id),
            address: addr.clone(),
            phone: Some(landline(rng)),
            email: Some(email(&spec.name.replace(' ', "."), "example.org")),
        });
        p.locations.push(Location {
            location_id: rng.uuid(),
            organisation_id: id,
            name: "Main surgery".into(),
            address: addr,
        });
        if let Some((branch, district)) = spec.branch {
            let addr = address(rng, spec.town, district);
            p.locations.push(Location {
                location_id: rng.uuid(),
                organisation_id: id,
                name: branch.into(),
                address: addr,
            });
        }
    }
    for (i, (_, area, hub, town, district)) in FEDERATIONS.iter().enumerate() {
        let id = rng.uuid();
        let addr = address(rng, town, district);
        p.organisations.push(Organisation {
            organisation_id: id,
            ods_code: ods(&format!("ZH{:04}", i + 1)),
            name: hub.to_string(),
            kind: OrganisationKind::Hub,
            area: *area,
            federation_id: Some(p.federations[i].federation_id),
            address: addr.clone(),
            phone: Some(landline(rng)),
            email: Some(email(&format!("hub{}", i + 1), "example.org")),
        });
        p.locations.push(Location {
            location_id: rng.uuid(),
            organisation_id: id,
            name: "Hub clinic".into(),
            address: addr,
        });
    }
    // Two pharmacies for every town that has a practice, names reused
    // across towns as independent pharmacies' names often are.
    let mut towns: Vec<(&str, &str, AreaCode)> = Vec::new();
    for s in &PRACTICES {
        if !towns.iter().any(|(t, ..)| *t == s.town) {
            towns.push((s.town, s.district, s.area));
        }
    }
    let mut n = 0;
    for (town, district, area) in towns {
        for _ in 0..2 {
            n += 1;
            let name = format!("{} {}", PHARMACY_NAMES[n % PHARMACY_NAMES.len()], town);
            p.organisations.push(Organisation {
                organisation_id: rng.uuid(),
                ods_code: ods(&format!("FZ{n:03}")),
                name: name.clone(),
                kind: OrganisationKind::Pharmacy,
                area,
                federation_id: None,
                address: address(rng, town, district),
                phone: Some(landline(rng)),
                email: Some(email(&format!("pharmacy{n}"), "example.net")),
            });
        }
    }
    let providers = [
        ("ZRA01", "Chiltern Vale Hospitals NHS Trust", OrganisationKind::AcuteTrust, HV, "Watford", "WD18"),
        ("ZRA02", "Lea Meadows Hospital NHS Trust", OrganisationKind::AcuteTrust, ENH, "Stevenage", "SG1"),
        ("ZRA03", "Forest Gate Valley Hospital NHS Trust", OrganisationKind::AcuteTrust, WE, "Harlow", "CM20"),
        (
            "ZRC01",
            "Two Counties Community Health Partnership",
            OrganisationKind::CommunityTrust,
            HV,
            "Hatfield",
            "AL10",
        ),
        (
            "ZRM01",
            "Herts and Essex Minds Partnership NHS Trust",
            OrganisationKind::MentalHealthTrust,
            ENH,
            "Hatfield",
            "AL10",
        ),
        ("ZSC01", "County Adult Care Service (Hertfordshire)", OrganisationKind::SocialCare, ENH, "Hertford", "SG14"),
        ("ZSC02", "County Adult Care Service (Essex)", OrganisationKind::SocialCare, WE, "Epping", "CM16"),
    ];
    for (code, name, kind, area, town, district) in providers {
        p.organisations.push(Organisation {
            organisation_id: rng.uuid(),
            ods_code: ods(code),
            name: name.to_string(),
            kind,
            area,
            federation_id: None,
            address: address(rng, town, district),
            phone: Some(landline(rng)),
            email: None,
        });
    }
}

fn practices(p: &Population) -> Vec<Organisation> {
    p.organisations.iter().filter(|o| o.kind == OrganisationKind::GpPractice).cloned().collect()
}

fn staff(rng: &mut Rng, p: &mut Population) {
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

fn age_on_reference(dob: Date) -> i32 {
    let mut a = REFERENCE_DATE.year() - dob.year();
    if (REFERENCE_DATE.month() as u8, REFERENCE_DATE.day()) < (dob.month() as u8, dob.day()) {
        a -= 1;
    }
    a
}

/// Likelihood of each condition at an age (rough prevalence by age).
fn chances(age: i32) -> (f64, f64, f64, f64) {
    let diabetes = match age {
        0..=17 => 0.0,
        18..=29 => 0.015,
        30..=44 => 0.035,
        45..=64 => 0.11,
        65..=79 => 0.20,
        _ => 0.18,
    };
    let copd = match age {
        0..=39 => 0.0,
        40..=64 => 0.035,
        65..=79 => 0.12,
        _ => 0.14,
    };
    let hypertension = if age >= 45 {
        0.25
    } else if age >= 30 {
        0.05
    } else {
        0.0
    };
    (diabetes, copd, hypertension, 0.08)
}

fn onset(rng: &mut Rng, dob: Date, min_age: i32) -> Date {
    let earliest = dob + Duration::days(365 * i64::from(min_age));
    let span = (REFERENCE_DATE - earliest).whole_days().max(1);
    earliest + Duration::days(rng.below(span as u64) as i64)
}

struct Household {
    practice: usize,
    family: String,
    address: Address,
    pharmacy: Uuid,
}

fn people(fixed: &mut Rng, rng: &mut Rng, p: &mut Population, patients: usize) {
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
    let mut used: Vec<String> = PERSONAS.iter().map(|s| s.persona.nhs_number.to_string()).collect();

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
                if !used.iter().any(|u| u == n.as_str()) {
                    used.push(n.as_str().to_string());
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
                // The first practices are a little bigger, as real lists vary.
                let practice = (rng.below(practices.len() as u64 + 6) as usize).min(practices.len() - 1);
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
        let (diabetes, copd, hypertension, asthma) = chances(age);
        let has_copd = rng.chance(copd);
        // COPD and diabetes share risk factors: more likely together.
        let has_diabetes = rng.chance(if has_copd { diabetes * 1.5 } else { diabetes });
        let recorder = practices[practice].organisation_id;
        let mut add = |rng: &mut Rng, code: &str, min_age: i32| {
            p.conditions.push(Condition {
                condition_id: rng.uuid(),
                patient_id: id,
                code: concept(code),
                clinical_status: ClinicalStatus::Active,
                onset_date: Some(onset(rng, dob, min_age.min(age))),
                recorded_by_organisation_id: recorder,
            });
        };
        if has_diabetes {
            add(rng, snomed::TYPE_2_DIABETES, 18);
        }
        if has_copd {
            add(rng, snomed::COPD, 40);
        }
        if rng.chance(hypertension) {
            add(rng, snomed::HYPERTENSION, 30);
        }
        if rng.chance(asthma) {
            add(rng, snomed::ASTHMA, 2);
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
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

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

    use super::*;

    fn has(p: &Population, id: Uuid, code: &str) -> bool {
        p.conditions.iter().any(|c| c.patient_id == id && c.code.code == code)
    }

    #[test]
    fn the_same_seed_gives_the_same_people_and_another_seed_does_not() {
        assert_eq!(generate(7), generate(7));
        assert_ne!(generate(7).patients, generate(8).patients);
    }

    #[test]
    fn the_directory_and_personas_do_not_depend_on_the_seed() {
        let (a, b) = (generate(1), generate(2));
        assert_eq!(a.organisations, b.organisations);
        assert_eq!(a.staff, b.staff);
        assert_eq!(a.patients[..PERSONAS.len()], b.patients[..PERSONAS.len()]);
    }

    #[test]
    fn there_are_at_least_fifteen_practices_across_all_three_areas() {
        let p = generate(DEFAULT_SEED);
        let practices = practices(&p);
        assert!(practices.len() >= 15);
        for area in AreaCode::ALL {
            assert!(practices.iter().filter(|o| o.area == area).count() >= 5, "{area:?}");
        }
        assert!(p.locations.iter().all(|l| p.organisations.iter().any(|o| o.organisation_id == l.organisation_id)));
        for o in &p.organisations {
            assert!(
                p.locations.iter().any(|l| l.organisation_id == o.organisation_id)
                    || o.kind != OrganisationKind::GpPractice
            );
        }
    }

    #[test]
    fn two_federations_each_have_a_hub_and_member_practices() {
        let p = generate(DEFAULT_SEED);
        assert_eq!(p.federations.len(), 2);
        for f in &p.federations {
            let members: Vec<_> = p.organisations.iter().filter(|o| o.federation_id == Some(f.federation_id)).collect();
            assert_eq!(members.iter().filter(|o| o.kind == OrganisationKind::Hub).count(), 1);
            assert!(members.iter().filter(|o| o.kind == OrganisationKind::GpPractice).count() >= 3);
        }
        assert_eq!(practices(&p)[0].federation_id, Some(p.federations[0].federation_id));
    }

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
    fn about_eight_percent_have_diabetes_four_percent_copd_and_some_both() {
        let p = generate(DEFAULT_SEED);
        let n = p.patients.len() as f64;
        let diabetes = p.patients.iter().filter(|x| has(&p, x.patient_id, snomed::TYPE_2_DIABETES)).count();
        let copd = p.patients.iter().filter(|x| has(&p, x.patient_id, snomed::COPD)).count();
        let both = p
            .patients
            .iter()
            .filter(|x| has(&p, x.patient_id, snomed::TYPE_2_DIABETES) && has(&p, x.patient_id, snomed::COPD))
            .count();
        let (d, c) = (diabetes as f64 / n, copd as f64 / n);
        assert!((0.06..=0.10).contains(&d), "diabetes {d}");
        assert!((0.025..=0.06).contains(&c), "copd {c}");
        assert!(both >= 2, "both {both}");
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
    fn contact_details_use_only_reserved_domains_and_drama_numbers() {
        let p = generate(DEFAULT_SEED);
        let emails = p.patients.iter().filter_map(|x| x.email.as_ref()).chain(p.staff.iter().map(|s| &s.email));
        for e in emails.chain(p.organisations.iter().filter_map(|o| o.email.as_ref())) {
            assert!(["example.com", "example.org", "example.net"].contains(&e.domain()), "{e}");
        }
        let phones = p
            .patients
            .iter()
            .filter_map(|x| x.phone.as_ref())
            .chain(p.organisations.iter().filter_map(|o| o.phone.as_ref()));
        for ph in phones {
            let s = ph.as_e164();
            assert!(s.starts_with("+447700900") || s.starts_with("+441632960"), "{s}");
        }
        // Children have no contact details of their own.
        assert!(p
            .patients
            .iter()
            .filter(|x| age_on_reference(x.date_of_birth) < 16)
            .all(|x| x.email.is_none() && x.phone.is_none()));
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

    #[test]
    fn every_id_is_unique_across_the_whole_population() {
        let p = generate(DEFAULT_SEED);
        let ids: Vec<Uuid> = p
            .federations
            .iter()
            .map(|x| x.federation_id)
            .chain(p.organisations.iter().map(|x| x.organisation_id))
            .chain(p.locations.iter().map(|x| x.location_id))
            .chain(p.staff.iter().map(|x| x.staff_member_id))
            .chain(p.patients.iter().map(|x| x.patient_id))
            .chain(p.conditions.iter().map(|x| x.condition_id))
            .chain(p.proxies.iter().map(|x| x.proxy_access_id))
            .collect();
        let unique: HashSet<_> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len());
        let codes: HashSet<_> = p.organisations.iter().map(|o| o.ods_code.clone()).collect();
        assert_eq!(codes.len(), p.organisations.len());
    }

    #[test]
    fn a_small_population_still_has_everyone_the_demonstration_needs() {
        let p = generate_with(3, 60);
        assert_eq!(p.patients.len(), 60);
        assert!(!p.proxies.is_empty());
    }
}

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
