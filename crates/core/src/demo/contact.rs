//! Invented addresses, telephone numbers and e-mail addresses: invented
//! inward codes, Ofcom's drama ranges and the reserved example domains.

use crate::domain::{EmailAddress, PhoneNumber, Postcode};
use crate::model::Address;

use super::rng::Rng;

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

/// A real outward code (so the town is right) with an invented inward code:
/// a digit and "ZZ", so that no demonstration address lands on a real
/// street's postcode.
fn postcode(rng: &mut Rng, district: &str) -> Postcode {
    let digit = rng.below(10);
    Postcode::parse(&format!("{district} {digit}ZZ")).expect("demo postcodes are valid")
}

pub(super) fn address(rng: &mut Rng, town: &str, district: &str) -> Address {
    Address {
        line1: format!("{} {}", 1 + rng.below(180), rng.pick(&STREETS)),
        line2: None,
        town: town.to_string(),
        postcode: postcode(rng, district),
    }
}

pub(super) fn landline(rng: &mut Rng) -> PhoneNumber {
    PhoneNumber::parse(&format!("01632 960{:03}", rng.below(1000))).expect("drama range")
}

pub(super) fn mobile(rng: &mut Rng) -> PhoneNumber {
    PhoneNumber::parse(&format!("07700 900{:03}", rng.below(1000))).expect("drama range")
}

pub(super) fn email(local: &str, domain: &str) -> EmailAddress {
    let local: String =
        local.to_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' { c } else { '-' }).collect();
    EmailAddress::parse(&format!("{local}@{domain}")).expect("demo e-mail is valid")
}

#[cfg(test)]
mod tests {
    use crate::demo::patients::age_on_reference;
    use crate::demo::{generate, DEFAULT_SEED};

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
}
