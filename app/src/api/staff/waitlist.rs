//! The waiting list at each organisation where the user runs
//! appointments: who waits for what, between which dates, and whether a
//! time is on offer to them.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::shared as desk;

/// One open entry of an organisation's waiting list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitlistRow {
    pub patient: String,
    pub service: String,
    /// "5 March 2027 to 9 March 2027", London dates.
    pub window: String,
    /// "Thursday 4 March 2027 at 10:15am".
    pub joined: String,
    /// "Waiting", or "Offered: held until 2:45pm".
    pub status: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganisationWaitlist {
    pub name: String,
    pub entries: Vec<WaitlistRow>,
}

/// The open waiting list (waiting or offered, oldest first: the order times
/// are offered in) at each organisation where the user runs appointments.
#[server(prefix = "/_server", endpoint = "staff/waitlist")]
pub async fn staff_waitlist() -> Result<Vec<OrganisationWaitlist>, ServerFnError> {
    use crate::api::form::long_date;
    use carebook_core::access::StaffWork;
    use carebook_core::booking::waitlist::WaitlistStatus;
    use carebook_core::notify::compose::{clock_time, when};
    let actor = desk::staff().await?;
    let services = crate::api::services()?;
    let mut out = Vec::new();
    for org in carebook_core::booking::desk::organisations_where(&actor, StaffWork::RunAppointments) {
        let organisation = services.directory.organisation(org).await.map_err(crate::api::unavailable)?;
        let entries = services.booking.waitlist_names(&actor, org).await.map_err(desk::refusal)?;
        let mut rows = Vec::with_capacity(entries.len());
        for (e, patient) in entries {
            // The window ends at the midnight after its last day.
            let first = carebook_core::london::to_local(e.window_starts_at).date();
            let last = carebook_core::london::to_local(e.window_ends_at - time::Duration::seconds(1)).date();
            let status = match (e.status, e.offer_expires_at) {
                (WaitlistStatus::Offered, Some(until)) => format!("Offered: held until {}", clock_time(until)),
                (WaitlistStatus::Offered, None) => "Offered".to_string(),
                _ => "Waiting".to_string(),
            };
            rows.push(WaitlistRow {
                patient,
                service: e.service.label().to_string(),
                window: format!("{} to {}", long_date(first), long_date(last)),
                joined: when(e.created_at),
                status,
            });
        }
        out.push(OrganisationWaitlist { name: organisation.name, entries: rows });
    }
    Ok(out)
}
