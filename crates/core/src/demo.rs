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
    /// Relative size of the registered list (patients are shared out in
    /// proportion).
    list_size: u64,
}

const fn practice(
    name: &'static str,
    town: &'static str,
    district: &'static str,
    area: AreaCode,
    federation: Option<usize>,
    branch: Option<(&'static str, &'static str)>,
    list_size: u64,
) -> PracticeSpec {
    PracticeSpec { name, town, district, area, federation, branch, list_size }
}

use AreaCode::{EastAndNorthHerts as ENH, HertsValleys as HV, WestEssex as WE};

const PRACTICES: [PracticeSpec; 18] = [
    practice("Kingfisher Lane Surgery", "St Albans", "AL1", HV, Some(0), Some(("Marshalswick branch", "AL4")), 8),
    practice("Beechwood Medical Centre", "Watford", "WD17", HV, Some(0), None, 7),
    practice("Orchard Vale Practice", "Hemel Hempstead", "HP1", HV, Some(0), Some(("Leverstock branch", "HP3")), 7),
    practice("Larkspur Health Centre", "Watford", "WD18", HV, Some(0), None, 5),
    practice("Meadowsweet Surgery", "St Albans", "AL3", HV, Some(0), None, 4),
    practice("Fenwick Row Practice", "Hemel Hempstead", "HP2", HV, Some(0), None, 5),
    practice("Heronfield Surgery", "Stevenage", "SG1", ENH, Some(1), None, 6),
    practice("Copper Beech Practice", "Hertford", "SG14", ENH, Some(1), Some(("Ware branch", "SG12")), 7),
    practice("Willowmere Medical Centre", "Hitchin", "SG5", ENH, Some(1), None, 5),
    practice("Thornfield Surgery", "Welwyn Garden City", "AL8", ENH, Some(1), None, 5),
    practice("Bramblewood Practice", "Hatfield", "AL10", ENH, Some(1), None, 4),
    practice("Lavender Court Surgery", "Stevenage", "SG2", ENH, Some(1), None, 4),
    practice("Millrace Surgery", "Harlow", "CM20", WE, None, None, 6),
    practice("Foxglove Medical Practice", "Epping", "CM16", WE, None, None, 4),
    practice("Ashdown Green Surgery", "Loughton", "IG10", WE, None, Some(("Debden branch", "IG10")), 6),
    practice("Chestnut Walk Practice", "Harlow", "CM18", WE, None, None, 5),
    practice("Saltings Road Surgery", "Waltham Abbey", "EN9", WE, None, None, 4),
    practice("Hollybush Surgery", "Chipping Ongar", "CM5", WE, None, None, 3),
];

const FEDERATIONS: [(&str, AreaCode, &str, &str, &str); 2] = [
    ("Valleys Care Federation", HV, "Valleys Extended Access Hub", "Hemel Hempstead", "HP1"),
    ("Northern Lights Health Federation", ENH, "Northern Lights Evening and Weekend Hub", "Stevenage", "SG1"),
];

const PHARMACY_NAMES: [&str; 12] = [
    "Greenleaf Pharmacy",
    "Mortar and Pestle Chemists",
    "Bluebell Pharmacy",
    "Larkhill Chemist",
    "Quillfeather Pharmacy",
    "Brackenbury Pharmacy",
    "Wellspring Chemists",
    "Oakapple Pharmacy",
    "Tansy Row Pharmacy",
    "Cobblestone Chemist",
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

/// A real outward code (so the town is right) with an invented inward code:
/// a digit and "ZZ", so that no demonstration address lands on a real
/// street's postcode.
fn postcode(rng: &mut Rng, district: &str) -> Postcode {
    let digit = rng.below(10);
    Postcode::parse(&format!("{district} {digit}ZZ")).expect("demo postcodes are valid")
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
            ods_code: ods(&format!("Z9{:04}", i + 1)),
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
            ods_code: ods(&format!("Z98{:03}", i + 1)),
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

/// `k` distinct indices drawn in proportion to `weights` (integer
/// arithmetic only, so every platform draws the same). Chosen weights are
/// set to zero; fewer than `k` come back when the weights run out.
fn pick_weighted(rng: &mut Rng, weights: &mut [u64], k: usize) -> Vec<usize> {
    let mut chosen = Vec::with_capacity(k);
    for _ in 0..k {
        let total: u64 = weights.iter().sum();
        if total == 0 {
            break;
        }
        let mut roll = rng.below(total);
        for (i, w) in weights.iter_mut().enumerate() {
            if roll < *w {
                chosen.push(i);
                *w = 0;
                break;
            }
            roll -= *w;
        }
    }
    chosen
}

/// `percent` of `n`, rounded.
fn share(n: usize, percent: usize) -> usize {
    (n * percent + 50) / 100
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

/// Coded problems for everyone after the first `skip` patients (the
/// personas, whose conditions are fixed). Type 2 diabetes (about 8% of
/// everyone) and COPD (about 4%) are counted out, not rolled for, so that
/// any seed gives the prevalence the rules and dashboards are shown with;
/// a quarter of the people with COPD (and at least four in a population of
/// a hundred or more) also have diabetes. Older people are more likely to
/// be chosen. Hypertension and asthma are sprinkled in by chance.
fn conditions(rng: &mut Rng, p: &mut Population, skip: usize) {
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

    #[test]
    fn practices_belong_to_their_areas_federation_and_have_one_or_two_sites() {
        let p = generate(DEFAULT_SEED);
        for o in practices(&p) {
            let code = o.ods_code.as_str();
            assert!(
                code.len() == 6
                    && code.as_bytes()[0].is_ascii_uppercase()
                    && code[1..].bytes().all(|b| b.is_ascii_digit()),
                "{code}"
            );
            let area_federation = p.federations.iter().find(|f| f.area == o.area).map(|f| f.federation_id);
            assert_eq!(o.federation_id, area_federation, "{}", o.name);
            let sites = p.locations.iter().filter(|l| l.organisation_id == o.organisation_id).count();
            assert!((1..=2).contains(&sites), "{} has {sites} sites", o.name);
        }
        for hub in p.organisations.iter().filter(|o| o.kind == OrganisationKind::Hub) {
            assert!(p.locations.iter().any(|l| l.organisation_id == hub.organisation_id), "{}", hub.name);
        }
        for kind in OrganisationKind::ALL {
            assert!(p.organisations.iter().any(|o| o.kind == kind), "{kind:?}");
        }
        assert_eq!(p.areas.len(), 3);
        assert!(p.areas.iter().all(|a| a.name == a.code.name()));
    }

    #[test]
    fn every_postcode_has_an_invented_inward_code() {
        let p = generate(DEFAULT_SEED);
        let addresses = p
            .patients
            .iter()
            .map(|x| &x.address)
            .chain(p.organisations.iter().map(|o| &o.address))
            .chain(p.locations.iter().map(|l| &l.address));
        for a in addresses {
            assert!(a.postcode.as_str().ends_with("ZZ"), "{}", a.postcode.as_str());
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
