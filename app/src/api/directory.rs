//! The public directory of practices and hubs. Nobody needs to log in to
//! find a practice, so these server functions serve anyone.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One practice or hub in a list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PracticeSummary {
    pub ods_code: String,
    pub name: String,
    pub kind: String,
    pub town: String,
    pub postcode: String,
    pub area: String,
}

/// A practice or hub page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PracticeDetails {
    pub summary: PracticeSummary,
    pub address_lines: Vec<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub federation: Option<String>,
    /// The other practices and the hub of the same federation.
    pub federation_members: Vec<PracticeSummary>,
}

#[cfg(feature = "ssr")]
fn summary(o: &carebook_core::model::Organisation) -> PracticeSummary {
    PracticeSummary {
        ods_code: o.ods_code.as_str().to_string(),
        name: o.name.clone(),
        kind: o.kind.label().to_string(),
        town: o.address.town.clone(),
        postcode: o.address.postcode.to_string(),
        area: o.area.name().to_string(),
    }
}

/// Practices and hubs whose name, town, postcode or code matches `q`.
#[server(prefix = "/_server", endpoint = "directory/find-practices")]
pub async fn find_practices(q: String) -> Result<Vec<PracticeSummary>, ServerFnError> {
    let services = super::services()?;
    let found = services.directory.find_practices(&q).await.map_err(super::unavailable)?;
    Ok(found.iter().map(summary).collect())
}

/// The page for one practice or hub; `None` when there is no such code.
#[server(prefix = "/_server", endpoint = "directory/practice-profile")]
pub async fn practice_profile(ods: String) -> Result<Option<PracticeDetails>, ServerFnError> {
    use carebook_core::model::OrganisationKind;
    use carebook_core::store::StoreError;

    let services = super::services()?;
    let Ok(code) = carebook_core::OdsCode::parse(&ods) else {
        return Ok(None);
    };
    let profile = match services.directory.profile(&code).await {
        Ok(p) => p,
        Err(StoreError::NotFound) => return Ok(None),
        Err(e) => return Err(super::unavailable(e)),
    };
    let o = &profile.organisation;
    // The directory pages show practices and hubs only.
    if !matches!(o.kind, OrganisationKind::GpPractice | OrganisationKind::Hub) {
        return Ok(None);
    }
    let mut address_lines = vec![o.address.line1.clone()];
    address_lines.extend(o.address.line2.clone());
    address_lines.push(o.address.town.clone());
    address_lines.push(o.address.postcode.to_string());
    Ok(Some(PracticeDetails {
        summary: summary(o),
        address_lines,
        phone: o.phone.as_ref().map(|p| p.to_string()),
        email: o.email.as_ref().map(|e| e.to_string()),
        federation: profile.federation.map(|f| f.name),
        federation_members: profile
            .federation_members
            .iter()
            .filter(|m| m.organisation_id != o.organisation_id)
            .map(summary)
            .collect(),
    }))
}
