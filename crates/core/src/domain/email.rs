use std::fmt;

/// An e-mail address in the shape mail servers accept (RFC 5321 limits:
/// 64 characters before the @, 254 in all). The domain is lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("Enter an email address")]
    Empty,
    #[error("Enter an email address in the correct format, like name@example.com")]
    Invalid,
    #[error("Email address must be 254 characters or fewer")]
    TooLong,
}

fn valid_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 63
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

impl EmailAddress {
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(EmailError::Empty);
        }
        if s.len() > 254 {
            return Err(EmailError::TooLong);
        }
        let (local, domain) = s.split_once('@').ok_or(EmailError::Invalid)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local.chars().all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
        let domain = domain.to_ascii_lowercase();
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2 && labels.iter().all(|l| valid_label(l));
        if !local_ok || !domain_ok {
            return Err(EmailError::Invalid);
        }
        Ok(Self(format!("{local}@{domain}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map(|(_, d)| d).unwrap_or_default()
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

super::string_serde!(EmailAddress, as_str);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_addresses_parse_with_the_domain_lower_cased() {
        let e = EmailAddress::parse(" Sam.Jones+nhs@Example.ORG ").unwrap();
        assert_eq!(e.as_str(), "Sam.Jones+nhs@example.org");
        assert_eq!(e.domain(), "example.org");
    }

    #[test]
    fn malformed_addresses_are_refused() {
        for bad in [
            "sam",
            "sam@",
            "@example.com",
            "sam@example",
            "sam@@example.com",
            "sam@-example.com",
            "sam..jones@example.com",
            ".sam@example.com",
            "sam jones@example.com",
            "sam@exa_mple.com",
        ] {
            assert_eq!(EmailAddress::parse(bad), Err(EmailError::Invalid), "{bad}");
        }
        assert_eq!(EmailAddress::parse(" "), Err(EmailError::Empty));
        assert_eq!(EmailAddress::parse(&format!("{}@example.com", "a".repeat(250))), Err(EmailError::TooLong));
    }
}
