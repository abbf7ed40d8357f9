//! Domain values, parsed not validated: each is a newtype with a private
//! field, made only through `parse`, and trusted everywhere after that.

mod date_of_birth;
mod email;
mod nhs_number;
mod ods_code;
mod phone;
mod postcode;

pub use date_of_birth::{DateOfBirth, DateOfBirthError};
pub use email::{EmailAddress, EmailError};
pub use nhs_number::{NhsNumber, NhsNumberError};
pub use ods_code::{OdsCode, OdsCodeError};
pub use phone::{PhoneError, PhoneNumber};
pub use postcode::{Postcode, PostcodeError};

/// Serde through `parse` and the canonical string, for a newtype `$t`.
macro_rules! string_serde {
    ($t:ty, $canonical:ident) => {
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.$canonical())
            }
        }
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                <$t>::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use string_serde;
