//! Making a saved rota's slots for a run of London dates. Running it again
//! adds only what is missing; it never removes or changes a slot.

use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::server;
#[cfg(feature = "ssr")]
use super::Problem;

/// Make a rota's slots for the London dates `from` to `to`. Running it
/// again adds only what is missing. The page after it says how many were
/// added and how many were already there (counts and dates only).
#[server(prefix = "/_server", endpoint = "staff/rotas/generate")]
pub async fn generate_rota_slots(
    csrf_token: String,
    rota_template_id: String,
    from: Option<String>,
    to: Option<String>,
) -> Result<(), ServerFnError> {
    use crate::api::form::{clean, date};
    use carebook_core::booking::service::BookingError;
    use carebook_core::model::AuditOutcome;
    crate::api::csrf::check(&csrf_token).await?;
    let actor = crate::api::guard::staff(server::ROTA_STAFF).await?;
    let services = crate::api::services()?;
    let (from_text, to_text) = (clean(from, 20), clean(to, 20));
    let Some(id) = crate::api::form::uuid(&rota_template_id) else {
        return Err(ServerFnError::new("We could not find that rota."));
    };
    let form = format!("generate:{id}");
    let keep = |problems: Vec<Problem>| {
        server::keep(form.clone(), problems, server::Typed::Generate(from_text.clone(), to_text.clone()))
    };
    let mut problems = Vec::new();
    let from = date(&from_text);
    if from.is_none() {
        problems.push(Problem {
            field: "generate-from".into(),
            message: "Enter the first date to make slots for, for example 2027-01-04".into(),
        });
    }
    let to = date(&to_text);
    if to.is_none() {
        problems.push(Problem {
            field: "generate-to".into(),
            message: "Enter the last date to make slots for, for example 2027-01-31".into(),
        });
    }
    let (Some(from), Some(to)) = (from, to) else {
        return keep(problems).await;
    };
    match services.booking.generate_slots(&actor, id, from, to).await {
        Ok(g) => {
            server::audit(&actor, "slots_generate", ("rota_template", id), AuditOutcome::Success, None).await;
            leptos_axum::redirect(&format!("/staff/rotas/{id}?added={}&planned={}&from={from}", g.added, g.planned));
            Ok(())
        }
        Err(BookingError::Invalid(m)) => {
            let field = if m.contains("today onwards") { "generate-from" } else { "generate-to" };
            keep(vec![Problem { field: field.into(), message: m }]).await
        }
        Err(BookingError::Store(e)) => Err(crate::api::unavailable(e)),
        Err(_) => Err(ServerFnError::new("We could not find that rota.")),
    }
}
