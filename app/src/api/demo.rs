//! The demonstration controls: what the synthetic world holds, and a reset
//! between audiences. Only served when carebook runs as `carebook demo`.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// How the demonstration population is made; provided by the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DemoSpec {
    pub seed: u64,
    pub patients: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonaView {
    pub label: String,
    pub description: String,
    /// Shown as 3-3-4; these are synthetic test-range numbers.
    pub nhs_number: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemonstrationSummary {
    pub patients: u64,
    pub organisations: u64,
    pub staff: u64,
    pub conditions: u64,
    pub proxies: u64,
    pub personas: Vec<PersonaView>,
    pub staff_personas: Vec<PersonaView>,
    pub csrf_token: String,
}

#[cfg(feature = "ssr")]
fn demo_spec() -> Option<DemoSpec> {
    use_context::<crate::SiteSettings>().filter(|s| s.demo)?;
    use_context::<DemoSpec>()
}

/// `None` when carebook is not running as a demonstration.
#[server(prefix = "/_server", endpoint = "demonstration/overview")]
pub async fn demonstration_overview() -> Result<Option<DemonstrationSummary>, ServerFnError> {
    use carebook_core::demo;
    if demo_spec().is_none() {
        return Ok(None);
    }
    let services = super::services()?;
    let counts = services.directory.counts().await.map_err(super::unavailable)?;
    let personas = demo::personas()
        .into_iter()
        .map(|p| PersonaView {
            label: p.label.to_string(),
            description: p.description.to_string(),
            nhs_number: carebook_core::NhsNumber::parse(p.nhs_number).map(|n| n.to_string()).unwrap_or_default(),
        })
        .collect();
    let staff_personas = demo::staff_personas()
        .into_iter()
        .map(|p| PersonaView {
            label: p.label.to_string(),
            description: p.description.to_string(),
            nhs_number: String::new(),
        })
        .collect();
    Ok(Some(DemonstrationSummary {
        patients: counts.patients,
        organisations: counts.organisations,
        staff: counts.staff,
        conditions: counts.conditions,
        proxies: counts.proxies,
        personas,
        staff_personas,
        csrf_token: super::csrf::token().await?,
    }))
}

/// Put the synthetic world back exactly as it was generated.
#[server(prefix = "/_server", endpoint = "demonstration/reset")]
pub async fn reset_demonstration(csrf_token: String) -> Result<(), ServerFnError> {
    let Some(spec) = demo_spec() else {
        return Err(ServerFnError::new("Resetting is only possible in a demonstration."));
    };
    super::csrf::check(&csrf_token).await?;
    let services = super::services()?;
    let population = carebook_core::demo::generate_with(spec.seed, spec.patients);
    services.demonstration.load(&population).await.map_err(super::unavailable)?;
    tracing::info!("demonstration reset");
    leptos_axum::redirect("/demonstration?reset=done");
    Ok(())
}
