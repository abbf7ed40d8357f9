use std::fmt;

/// A 10-digit NHS number whose check digit is right.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NhsNumber(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NhsNumberError {
    #[error("Enter your NHS number")]
    Empty,
    #[error("NHS number must only include numbers, spaces and dashes")]
    NotDigits,
    #[error("NHS number must be 10 digits")]
    WrongLength,
    #[error("Enter a valid NHS number - check it against a letter from your GP or the NHS App")]
    BadCheckDigit,
}

/// The NHS Data Dictionary modulus 11 check: weights 10 down to 2 on the
/// first nine digits; check = 11 - (sum mod 11); 11 becomes 0; 10 means the
/// number can never be valid.
fn check_digit(nine: &[u8]) -> Option<u8> {
    let sum: u32 = nine.iter().enumerate().map(|(i, d)| u32::from(*d) * (10 - i as u32)).sum();
    match 11 - (sum % 11) {
        11 => Some(0),
        10 => None,
        c => Some(c as u8),
    }
}

impl NhsNumber {
    /// Accepts spaces and dashes between digits ("943 476 5919",
    /// "943-476-5919") and surrounding white space.
    pub fn parse(input: &str) -> Result<Self, NhsNumberError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(NhsNumberError::Empty);
        }
        let mut digits = Vec::with_capacity(10);
        for c in trimmed.chars() {
            match c {
                '0'..='9' => digits.push(c as u8 - b'0'),
                ' ' | '-' => {}
                _ => return Err(NhsNumberError::NotDigits),
            }
        }
        if digits.len() != 10 {
            return Err(NhsNumberError::WrongLength);
        }
        match check_digit(&digits[..9]) {
            Some(c) if c == digits[9] => Ok(Self(digits.iter().map(|d| (b'0' + d) as char).collect())),
            _ => Err(NhsNumberError::BadCheckDigit),
        }
    }

    /// Completes nine digits with their check digit; `None` when the input
    /// is not nine digits or no check digit exists for it.
    pub fn from_nine_digits(nine: &str) -> Option<Self> {
        if nine.len() != 9 || !nine.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let digits: Vec<u8> = nine.bytes().map(|b| b - b'0').collect();
        let check = check_digit(&digits)?;
        Some(Self(format!("{nine}{check}")))
    }

    /// The ten digits, no spaces: for storage and APIs.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Numbers starting 999 are reserved by the NHS for testing.
    pub fn is_test_range(&self) -> bool {
        self.0.starts_with("999")
    }
}

/// Shown 3-3-4, as on NHS letters: "943 476 5919".
impl fmt::Display for NhsNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", &self.0[..3], &self.0[3..6], &self.0[6..])
    }
}

super::string_serde!(NhsNumber, as_str);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_valid_numbers_parse() {
        for n in ["9434765919", "9434765870", "9999999999", "4010232137"] {
            assert_eq!(NhsNumber::parse(n).unwrap().as_str(), n);
        }
    }

    #[test]
    fn spaces_dashes_and_white_space_are_accepted() {
        for input in ["943 476 5919", "943-476-5919", "  9434765919 ", "943 476-5919"] {
            assert_eq!(NhsNumber::parse(input).unwrap().as_str(), "9434765919");
        }
    }

    #[test]
    fn a_wrong_check_digit_is_refused() {
        assert_eq!(NhsNumber::parse("9434765918"), Err(NhsNumberError::BadCheckDigit));
        assert_eq!(NhsNumber::parse("9999999998"), Err(NhsNumberError::BadCheckDigit));
    }

    #[test]
    fn a_number_whose_check_would_be_ten_is_never_valid() {
        // 000000006: sum = 6*2 = 12, 12 mod 11 = 1, 11 - 1 = 10.
        assert_eq!(NhsNumber::from_nine_digits("000000006"), None);
        for last in 0..10 {
            assert_eq!(NhsNumber::parse(&format!("000000006{last}")), Err(NhsNumberError::BadCheckDigit));
        }
    }

    #[test]
    fn wrong_lengths_letters_and_blanks_are_refused_with_how_to_fix() {
        assert_eq!(NhsNumber::parse("943476591"), Err(NhsNumberError::WrongLength));
        assert_eq!(NhsNumber::parse("94347659190"), Err(NhsNumberError::WrongLength));
        assert_eq!(NhsNumber::parse("94347A5919"), Err(NhsNumberError::NotDigits));
        assert_eq!(NhsNumber::parse("   "), Err(NhsNumberError::Empty));
        assert!(NhsNumberError::WrongLength.to_string().contains("10 digits"));
    }

    #[test]
    fn nine_digits_are_completed_with_their_check_digit() {
        assert_eq!(NhsNumber::from_nine_digits("943476591").unwrap().as_str(), "9434765919");
        assert_eq!(NhsNumber::from_nine_digits("94347659"), None);
        assert!(NhsNumber::from_nine_digits("999123456").is_none_or(|n| n.is_test_range()));
    }

    #[test]
    fn it_is_shown_three_three_four_and_round_trips() {
        let n = NhsNumber::parse("9434765919").unwrap();
        assert_eq!(n.to_string(), "943 476 5919");
        assert_eq!(NhsNumber::parse(&n.to_string()).unwrap(), n);
        let json = serde_json::to_string(&n).unwrap();
        assert_eq!(json, "\"9434765919\"");
        assert_eq!(serde_json::from_str::<NhsNumber>(&json).unwrap(), n);
        assert!(serde_json::from_str::<NhsNumber>("\"9434765918\"").is_err());
    }

    #[test]
    fn the_test_range_is_recognised() {
        assert!(NhsNumber::parse("9999999999").unwrap().is_test_range());
        assert!(!NhsNumber::parse("9434765919").unwrap().is_test_range());
    }
}
