//! The directory: federations, GP practices and their branch sites,
//! federation hubs, pharmacies and the other providers. The same for every seed.

use crate::domain::OdsCode;
use crate::model::{AreaCode, Federation, Location, Organisation, OrganisationKind, Population};

use super::contact::{address, email, landline};
use super::rng::Rng;

pub(super) struct PracticeSpec {
    name: &'static str,
    town: &'static str,
    district: &'static str,
    area: AreaCode,
    /// Index into the federations, if a member.
    federation: Option<usize>,
    branch: Option<(&'static str, &'static str)>,
    /// Relative size of the registered list (patients are shared out in
    /// proportion).
    pub(super) list_size: u64,
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

pub(super) const PRACTICES: [PracticeSpec; 18] = [
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

fn ods(code: &str) -> OdsCode {
    OdsCode::parse(code).expect("demo codes are valid")
}

pub(super) fn directory(rng: &mut Rng, p: &mut Population) {
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

pub(super) fn practices(p: &Population) -> Vec<Organisation> {
    p.organisations.iter().filter(|o| o.kind == OrganisationKind::GpPractice).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{generate, DEFAULT_SEED};

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
}
