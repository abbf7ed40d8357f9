use std::fmt;

/// A UK postcode in its standard form: upper case, one space between the
/// outward and inward codes ("AL1 3ER").
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Postcode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PostcodeError {
    #[error("Enter a postcode")]
    Empty,
    #[error("Enter a real postcode, like AL1 3ER")]
    Invalid,
}

/// The outward code's shapes (A = letter, 9 = digit): A9, A99, AA9, AA99,
/// A9A, AA9A. The inward code is always 9AA.
fn outward_ok(o: &[u8]) -> bool {
    let l = |b: &u8| b.is_ascii_uppercase();
    let d = |b: &u8| b.is_ascii_digit();
    match o {
        [a, b] => l(a) && d(b),
        [a, b, c] => l(a) && ((d(b) && d(c)) || (l(b) && d(c)) || (d(b) && l(c))),
        [a, b, c, e] => l(a) && l(b) && d(c) && (d(e) || l(e)),
        _ => false,
    }
}

impl Postcode {
    pub fn parse(input: &str) -> Result<Self, PostcodeError> {
        let compact: String = input.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
        if compact.is_empty() {
            return Err(PostcodeError::Empty);
        }
        if compact == "GIR0AA" {
            return Ok(Self("GIR 0AA".into()));
        }
        if !(5..=7).contains(&compact.len()) || !compact.is_ascii() {
            return Err(PostcodeError::Invalid);
        }
        let (outward, inward) = compact.split_at(compact.len() - 3);
        let i = inward.as_bytes();
        let inward_ok = i[0].is_ascii_digit() && i[1].is_ascii_uppercase() && i[2].is_ascii_uppercase();
        if !inward_ok || !outward_ok(outward.as_bytes()) {
            return Err(PostcodeError::Invalid);
        }
        Ok(Self(format!("{outward} {inward}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before the space: the postcode district.
    pub fn outward(&self) -> &str {
        self.0.split(' ').next().unwrap_or_default()
    }
}

impl fmt::Display for Postcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

super::string_serde!(Postcode, as_str);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shape_parses_into_the_standard_form() {
        for (input, want) in [
            ("al1 3er", "AL1 3ER"),
            ("SG13AA", "SG1 3AA"),
            ("  wd17  1aa ", "WD17 1AA"),
            ("M1 1AE", "M1 1AE"),
            ("B33 8TH", "B33 8TH"),
            ("CR2 6XH", "CR2 6XH"),
            ("W1A 0AX", "W1A 0AX"),
            ("EC1A 1BB", "EC1A 1BB"),
            ("gir0aa", "GIR 0AA"),
        ] {
            assert_eq!(Postcode::parse(input).unwrap().as_str(), want, "{input}");
        }
        assert_eq!(Postcode::parse("CM20 1QX").unwrap().outward(), "CM20");
    }

    #[test]
    fn things_that_are_not_postcodes_are_refused() {
        for bad in ["AL1", "ALL 3ER", "1AL 3ER", "AL1 EER", "AL1 33R", "AL12345", "A L 1 3 E R X", "ÅL1 3ER"] {
            assert_eq!(Postcode::parse(bad), Err(PostcodeError::Invalid), "{bad}");
        }
        assert_eq!(Postcode::parse("  "), Err(PostcodeError::Empty));
    }
}
