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

mod conditions;
mod contact;
mod directory;
mod names;
mod patients;
mod personas;
pub mod record;
mod rng;
mod slots;
mod staff;

use time::macros::date;
use time::Date;

use crate::model::{Area, AreaCode, Population};

pub use personas::{personas, staff_personas, Persona, StaffPersona};
pub use slots::{rota_templates, seed_week_of_slots};

use rng::Rng;

pub const DEFAULT_SEED: u64 = 20261124;
pub const DEFAULT_PATIENTS: usize = 600;
/// Ages are worked out against this date, not the clock, so that a seed
/// gives the same people on any day.
pub const REFERENCE_DATE: Date = date!(2026 - 11 - 01);

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
    directory::directory(&mut fixed, &mut p);
    staff::staff(&mut fixed, &mut p);
    patients::people(&mut fixed, &mut Rng::new(seed ^ 0x5EED_0000_0000_0000), &mut p, patients);
    p
}

/// Whether patient `id` has a condition coded `code` (for the tests).
#[cfg(test)]
fn has(p: &Population, id: uuid::Uuid, code: &str) -> bool {
    p.conditions.iter().any(|c| c.patient_id == id && c.code.code == code)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use uuid::Uuid;

    use super::personas::PERSONAS;
    use super::*;

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
