//! What a log-in carries: the claims carebook reads beyond the standard
//! ones, read from the ID token and then from userinfo (NHS login's fuller
//! source), mapped into a [`VerifiedLogin`].

use openidconnect::core::{CoreGenderClaim, CoreJwsSigningAlgorithm};
use openidconnect::{
    AccessToken, AdditionalClaims, ClaimsVerificationError, IdToken, SubjectIdentifier, UserInfoClaims,
};
use serde::{Deserialize, Serialize};

use super::{Client, LoginFailure, RelyingParty};

/// The claims carebook reads beyond the standard ones. NHS login's
/// (`vot`, `vtm`, `nhs_number`, `identity_proofing_level`,
/// `gp_registration_details`) and, through `other`, the staff provider's
/// configurable roles claim.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CarebookClaims {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vot: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vtm: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nhs_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_proofing_level: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gp_ods_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gp_registration_details: Option<GpRegistration>,
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl AdditionalClaims for CarebookClaims {}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GpRegistration {
    #[serde(default)]
    pub gp_ods_code: Option<String>,
}

pub type CarebookIdToken = IdToken<
    CarebookClaims,
    CoreGenderClaim,
    openidconnect::core::CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
pub type CarebookIdTokenClaims = openidconnect::IdTokenClaims<CarebookClaims, CoreGenderClaim>;

/// A log-in the provider vouched for, claims checked.
#[derive(Clone, Debug, Default)]
pub struct VerifiedLogin {
    pub subject: String,
    pub vot: Option<String>,
    pub vtm: Option<String>,
    pub nhs_number: Option<String>,
    pub birthdate: Option<time::Date>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    pub gp_ods_code: Option<String>,
    pub roles: Vec<carebook_core::identity::ClaimedRole>,
}

impl RelyingParty {
    pub(super) fn map_claims(
        &self,
        subject: &str,
        extra: &CarebookClaims,
        standard: Option<&CarebookIdTokenClaims>,
    ) -> VerifiedLogin {
        let mut login = VerifiedLogin { subject: subject.to_string(), ..Default::default() };
        login.vot = extra.vot.clone();
        login.vtm = extra.vtm.clone();
        login.nhs_number = extra.nhs_number.clone();
        login.gp_ods_code = extra
            .gp_ods_code
            .clone()
            .or_else(|| extra.gp_registration_details.as_ref().and_then(|g| g.gp_ods_code.clone()));
        if let Some(c) = standard {
            fill_standard(&mut login, c.birthdate(), c.given_name(), c.family_name(), c.email(), c.phone_number());
        }
        login.roles = self.roles_from(extra);
        login
    }

    /// The staff roles claim: a list of objects naming a role and an
    /// organisation code, under the configured names.
    fn roles_from(&self, extra: &CarebookClaims) -> Vec<carebook_core::identity::ClaimedRole> {
        if self.config.roles_claim.is_empty() {
            return Vec::new();
        }
        let Some(serde_json::Value::Array(items)) = extra.other.get(&self.config.roles_claim) else {
            return Vec::new();
        };
        items
            .iter()
            .filter_map(|item| {
                let role = item.get(&self.config.role_field)?.as_str()?;
                let org = item.get(&self.config.organisation_field)?.as_str()?;
                Some(carebook_core::identity::ClaimedRole {
                    role: role.to_string(),
                    organisation_code: org.to_string(),
                })
            })
            .collect()
    }

    pub(super) async fn merge_userinfo(
        &self,
        client: &Client,
        access_token: AccessToken,
        subject: SubjectIdentifier,
        login: &mut VerifiedLogin,
    ) -> Result<(), LoginFailure> {
        let Ok(request) = client.user_info(access_token, Some(subject)) else {
            return Ok(()); // no userinfo endpoint: the ID token is all there is
        };
        let info: UserInfoClaims<CarebookClaims, CoreGenderClaim> =
            request.request_async(&self.http).await.map_err(|e| match e {
                openidconnect::UserInfoError::ClaimsVerification(ClaimsVerificationError::InvalidSubject(_)) => {
                    LoginFailure::UserinfoSubjectMismatch
                }
                openidconnect::UserInfoError::Request(_) => LoginFailure::ProviderUnreachable,
                other => {
                    tracing::warn!(provider = self.kind.as_str(), error = %other, "userinfo refused");
                    LoginFailure::Invalid("userinfo_invalid")
                }
            })?;
        let extra = info.additional_claims();
        // Userinfo is the fuller source at NHS login; the ID token's
        // identity-bearing claims stay where userinfo is silent.
        macro_rules! prefer {
            ($field:ident) => {
                if extra.$field.is_some() {
                    login.$field = extra.$field.clone();
                }
            };
        }
        prefer!(nhs_number);
        prefer!(vot);
        prefer!(vtm);
        if let Some(g) = extra
            .gp_ods_code
            .clone()
            .or_else(|| extra.gp_registration_details.as_ref().and_then(|g| g.gp_ods_code.clone()))
        {
            login.gp_ods_code = Some(g);
        }
        fill_standard(
            login,
            info.birthdate(),
            info.given_name(),
            info.family_name(),
            info.email(),
            info.phone_number(),
        );
        let roles = self.roles_from(extra);
        if !roles.is_empty() {
            login.roles = roles;
        }
        Ok(())
    }
}

fn fill_standard(
    login: &mut VerifiedLogin,
    birthdate: Option<&openidconnect::EndUserBirthday>,
    given: Option<&openidconnect::LocalizedClaim<openidconnect::EndUserGivenName>>,
    family: Option<&openidconnect::LocalizedClaim<openidconnect::EndUserFamilyName>>,
    email: Option<&openidconnect::EndUserEmail>,
    phone: Option<&openidconnect::EndUserPhoneNumber>,
) {
    if let Some(b) = birthdate {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        if let Ok(d) = time::Date::parse(b.as_str(), &format) {
            login.birthdate = Some(d);
        }
    }
    if let Some(g) = given.and_then(|c| c.get(None)) {
        login.given_name = Some(g.as_str().to_string());
    }
    if let Some(f) = family.and_then(|c| c.get(None)) {
        login.family_name = Some(f.as_str().to_string());
    }
    if let Some(e) = email {
        login.email = Some(e.as_str().to_string());
    }
    if let Some(p) = phone {
        login.phone_number = Some(p.as_str().to_string());
    }
}
