use std::fmt;

/// An Organisation Data Service code: practices ("E82001"), pharmacies
/// ("FA123"), trusts ("RWH"). Stored upper case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OdsCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OdsCodeError {
    #[error("Enter an organisation code")]
    Empty,
    #[error("Organisation code must be 3 to 10 letters and numbers, like E82001")]
    Invalid,
}

impl OdsCode {
    pub fn parse(input: &str) -> Result<Self, OdsCodeError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(OdsCodeError::Empty);
        }
        if !(3..=10).contains(&s.len()) || !s.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(OdsCodeError::Invalid);
        }
        Ok(Self(s.to_ascii_uppercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OdsCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

super::string_serde!(OdsCode, as_str);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_trimmed_and_upper_cased() {
        assert_eq!(OdsCode::parse(" e82001 ").unwrap().as_str(), "E82001");
        assert_eq!(OdsCode::parse("fa123").unwrap().to_string(), "FA123");
        assert_eq!(OdsCode::parse("RWH").unwrap().as_str(), "RWH");
    }

    #[test]
    fn blanks_punctuation_and_wrong_lengths_are_refused() {
        assert_eq!(OdsCode::parse(""), Err(OdsCodeError::Empty));
        assert_eq!(OdsCode::parse("E8"), Err(OdsCodeError::Invalid));
        assert_eq!(OdsCode::parse("E82-001"), Err(OdsCodeError::Invalid));
        assert_eq!(OdsCode::parse("ABCDEFGHIJK"), Err(OdsCodeError::Invalid));
        assert_eq!(OdsCode::parse("E82 001"), Err(OdsCodeError::Invalid));
    }
}
