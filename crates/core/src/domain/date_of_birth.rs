use std::fmt;

use time::{Date, Month};

/// A date of birth: a real date, not in the future, not before 1900.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DateOfBirth(Date);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateOfBirthError {
    #[error("Enter your date of birth")]
    Empty,
    #[error("Date of birth must include a day")]
    MissingDay,
    #[error("Date of birth must include a month")]
    MissingMonth,
    #[error("Date of birth must include a year")]
    MissingYear,
    #[error("Year must include 4 numbers")]
    YearNotFourDigits,
    #[error("Date of birth must be a real date")]
    NotARealDate,
    #[error("Date of birth must be today or in the past")]
    InTheFuture,
    #[error("Year must be 1900 or later")]
    TooEarly,
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

fn month(input: &str) -> Option<Month> {
    let s = input.trim().to_ascii_lowercase();
    if let Ok(n) = s.parse::<u8>() {
        return Month::try_from(n).ok();
    }
    let i = MONTHS.iter().position(|m| *m == s || (s.len() >= 3 && m.starts_with(&s)))?;
    Month::try_from(i as u8 + 1).ok()
}

impl DateOfBirth {
    /// An ISO 8601 date, "1984-02-29".
    pub fn parse(input: &str, today: Date) -> Result<Self, DateOfBirthError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(DateOfBirthError::Empty);
        }
        let mut parts = s.split('-');
        let (y, m, d) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        if parts.next().is_some() {
            return Err(DateOfBirthError::NotARealDate);
        }
        Self::from_parts(d, m, y, today)
    }

    /// The three-field date input of the NHS and GOV.UK design systems. The
    /// month may be a number or a name ("3", "Mar", "March").
    pub fn from_parts(day: &str, month_input: &str, year: &str, today: Date) -> Result<Self, DateOfBirthError> {
        let (day, month_input, year) = (day.trim(), month_input.trim(), year.trim());
        match (day.is_empty(), month_input.is_empty(), year.is_empty()) {
            (true, true, true) => return Err(DateOfBirthError::Empty),
            (true, _, _) => return Err(DateOfBirthError::MissingDay),
            (_, true, _) => return Err(DateOfBirthError::MissingMonth),
            (_, _, true) => return Err(DateOfBirthError::MissingYear),
            _ => {}
        }
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DateOfBirthError::YearNotFourDigits);
        }
        let year: i32 = year.parse().map_err(|_| DateOfBirthError::YearNotFourDigits)?;
        let day: u8 = day.parse().map_err(|_| DateOfBirthError::NotARealDate)?;
        let month = month(month_input).ok_or(DateOfBirthError::NotARealDate)?;
        let date = Date::from_calendar_date(year, month, day).map_err(|_| DateOfBirthError::NotARealDate)?;
        if year < 1900 {
            return Err(DateOfBirthError::TooEarly);
        }
        if date > today {
            return Err(DateOfBirthError::InTheFuture);
        }
        Ok(Self(date))
    }

    pub fn date(&self) -> Date {
        self.0
    }
}

impl fmt::Display for DateOfBirth {
    /// "29 February 1984", as the NHS writes dates.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = MONTHS[self.0.month() as usize - 1];
        let mut name = m.to_string();
        name[..1].make_ascii_uppercase();
        write!(f, "{} {} {}", self.0.day(), name, self.0.year())
    }
}

impl serde::Serialize for DateOfBirth {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{:04}-{:02}-{:02}", self.0.year(), self.0.month() as u8, self.0.day()))
    }
}

impl<'de> serde::Deserialize<'de> for DateOfBirth {
    /// Deserialising trusts no clock: it checks the shape and the 1900 floor
    /// only (the value was checked against "today" when it was first made).
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
        DateOfBirth::parse(&s, Date::MAX).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 24);

    #[test]
    fn iso_dates_and_three_field_dates_parse() {
        assert_eq!(DateOfBirth::parse("1984-02-29", TODAY).unwrap().date(), date!(1984 - 02 - 29));
        assert_eq!(DateOfBirth::from_parts("9", "3", "1951", TODAY).unwrap().date(), date!(1951 - 03 - 09));
        assert_eq!(DateOfBirth::from_parts("09", "Mar", "1951", TODAY).unwrap().date(), date!(1951 - 03 - 09));
        assert_eq!(DateOfBirth::from_parts("9", "march", "1951", TODAY).unwrap().date(), date!(1951 - 03 - 09));
        assert_eq!(DateOfBirth::from_parts("24", "11", "2026", TODAY).unwrap().date(), TODAY);
    }

    #[test]
    fn each_missing_part_is_named() {
        assert_eq!(DateOfBirth::from_parts("", "", "", TODAY), Err(DateOfBirthError::Empty));
        assert_eq!(DateOfBirth::from_parts("", "3", "1951", TODAY), Err(DateOfBirthError::MissingDay));
        assert_eq!(DateOfBirth::from_parts("9", "", "1951", TODAY), Err(DateOfBirthError::MissingMonth));
        assert_eq!(DateOfBirth::from_parts("9", "3", "", TODAY), Err(DateOfBirthError::MissingYear));
    }

    #[test]
    fn impossible_future_and_ancient_dates_are_refused() {
        assert_eq!(DateOfBirth::parse("1983-02-29", TODAY), Err(DateOfBirthError::NotARealDate));
        assert_eq!(DateOfBirth::from_parts("31", "4", "1990", TODAY), Err(DateOfBirthError::NotARealDate));
        assert_eq!(DateOfBirth::from_parts("1", "13", "1990", TODAY), Err(DateOfBirthError::NotARealDate));
        assert_eq!(DateOfBirth::from_parts("25", "11", "2026", TODAY), Err(DateOfBirthError::InTheFuture));
        assert_eq!(DateOfBirth::from_parts("1", "1", "1899", TODAY), Err(DateOfBirthError::TooEarly));
        assert_eq!(DateOfBirth::from_parts("1", "1", "84", TODAY), Err(DateOfBirthError::YearNotFourDigits));
    }

    #[test]
    fn it_is_shown_as_the_nhs_writes_dates_and_round_trips() {
        let d = DateOfBirth::parse("1984-02-29", TODAY).unwrap();
        assert_eq!(d.to_string(), "29 February 1984");
        let json = serde_json::to_string(&d).unwrap();
        assert_eq!(json, "\"1984-02-29\"");
        assert_eq!(serde_json::from_str::<DateOfBirth>(&json).unwrap(), d);
    }
}
