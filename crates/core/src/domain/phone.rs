use std::fmt;

/// A UK telephone number, stored in E.164 ("+447700900123") and shown in
/// national format ("07700 900123").
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("Enter a phone number")]
    Empty,
    #[error("Enter a UK phone number, like 01632 960 001 or 07700 900 982")]
    Invalid,
}

impl PhoneNumber {
    /// Accepts "07700 900123", "+44 7700 900123", "0044 7700 900123",
    /// "(01632) 960001", with spaces, dashes, dots and brackets.
    pub fn parse(input: &str) -> Result<Self, PhoneError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(PhoneError::Empty);
        }
        let plus = s.starts_with('+');
        let mut digits = String::new();
        for (i, c) in s.chars().enumerate() {
            match c {
                '0'..='9' => digits.push(c),
                '+' if i == 0 => {}
                ' ' | '-' | '(' | ')' | '.' => {}
                _ => return Err(PhoneError::Invalid),
            }
        }
        // The national significant number, without the trunk 0.
        let national = if plus {
            digits.strip_prefix("44").map(|d| d.strip_prefix('0').unwrap_or(d)).ok_or(PhoneError::Invalid)?
        } else if let Some(rest) = digits.strip_prefix("0044") {
            rest.strip_prefix('0').unwrap_or(rest)
        } else {
            digits.strip_prefix('0').ok_or(PhoneError::Invalid)?
        };
        let first_ok = matches!(national.as_bytes().first(), Some(b'1' | b'2' | b'3' | b'5' | b'7' | b'8' | b'9'));
        if national.len() != 10 || !first_ok {
            return Err(PhoneError::Invalid);
        }
        Ok(Self(format!("+44{national}")))
    }

    pub fn as_e164(&self) -> &str {
        &self.0
    }

    fn national(&self) -> &str {
        &self.0[3..]
    }

    /// UK mobiles are 07xxx numbers.
    pub fn is_mobile(&self) -> bool {
        self.national().starts_with('7')
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.national();
        if n.starts_with('2') {
            // London and other 02x areas: 020 7946 0000.
            write!(f, "0{} {} {}", &n[..2], &n[2..6], &n[6..])
        } else {
            // Mobiles and most areas: 07700 900123, 01632 960001.
            write!(f, "0{} {}", &n[..4], &n[4..])
        }
    }
}

super::string_serde!(PhoneNumber, as_e164);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_usual_ways_of_writing_a_number_all_parse_to_e164() {
        for input in ["07700 900123", "+44 7700 900123", "+44 (0)7700 900123", "0044 7700 900123", "07700-900-123"] {
            assert_eq!(PhoneNumber::parse(input).unwrap().as_e164(), "+447700900123", "{input}");
        }
        assert_eq!(PhoneNumber::parse("(01632) 960001").unwrap().as_e164(), "+441632960001");
    }

    #[test]
    fn numbers_are_shown_in_national_format() {
        assert_eq!(PhoneNumber::parse("+447700900123").unwrap().to_string(), "07700 900123");
        assert_eq!(PhoneNumber::parse("02079460000").unwrap().to_string(), "020 7946 0000");
        assert_eq!(PhoneNumber::parse("01632960001").unwrap().to_string(), "01632 960001");
    }

    #[test]
    fn mobiles_are_recognised() {
        assert!(PhoneNumber::parse("07700 900123").unwrap().is_mobile());
        assert!(!PhoneNumber::parse("01632 960001").unwrap().is_mobile());
    }

    #[test]
    fn foreign_short_long_and_lettered_numbers_are_refused() {
        for bad in ["+33 1 23 45 67 89", "0770090012", "077009001234", "07700 90O123", "7700900123", "06700 900123"] {
            assert_eq!(PhoneNumber::parse(bad), Err(PhoneError::Invalid), "{bad}");
        }
        assert_eq!(PhoneNumber::parse(""), Err(PhoneError::Empty));
    }
}
