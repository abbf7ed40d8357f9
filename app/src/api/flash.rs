//! A form's problems, and what was typed, kept in the server-side session
//! for the page shown next (never in an address: it may hold what was
//! typed about a patient). Taking them clears them, so they are shown once.
//!
//! Forms are plain POSTs first. The form's server function keeps its
//! problems and returns `Ok`: with JavaScript off the browser goes back to
//! the form's page, which shows them; with it on the page reloads its data
//! and does the same.

use leptos::prelude::ServerFnError;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;
use uuid::Uuid;

use super::form::Problem;

/// The page areas whose forms keep problems, each in its own place in the
/// session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Area {
    /// The receptionist's desk: finding, booking, moving, cancelling.
    Desk,
    /// Rota templates, slot generation and booking rules.
    Rotas,
}

impl Area {
    fn key(self) -> &'static str {
        match self {
            Area::Desk => "desk_flash",
            Area::Rotas => "rota_flash",
        }
    }
}

/// What a form left for the next page: which form (when a page has
/// several), its problems in the order of the form, and what was typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kept<V> {
    pub form: String,
    pub problems: Vec<Problem>,
    pub typed: V,
}

async fn session() -> Result<Session, ServerFnError> {
    leptos_axum::extract::<Session>().await.map_err(super::unavailable)
}

/// Keep a form's problems for the page shown next, and send a plain form
/// post back to its page. The form's server function then returns `Ok`.
pub async fn keep<V: Serialize>(area: Area, kept: Kept<V>) -> Result<(), ServerFnError> {
    session().await?.insert(area.key(), kept).await.map_err(super::unavailable)?;
    back_to_the_form(area);
    Ok(())
}

/// What was kept in this area, whichever form it was for; `None` if
/// nothing (or something this version cannot read) was.
pub async fn take<V: DeserializeOwned>(area: Area) -> Result<Option<Kept<V>>, ServerFnError> {
    match session().await?.remove::<Kept<V>>(area.key()).await {
        Ok(kept) => Ok(kept),
        // Kept by an earlier version in another shape: it is dropped, as a
        // problem is shown once anyway.
        Err(tower_sessions::session::Error::SerdeJson(_)) => Ok(None),
        Err(e) => Err(super::unavailable(e)),
    }
}

/// A plain form post (JavaScript off) goes back to the form's page: its
/// Referer. server_fn would redirect there too, but with the query emptied
/// ("/staff/book?"), which loses which patient or organisation the page is
/// about. Only this area's pages: the Referer is the browser's word (the
/// same-origin check has already run).
///
/// The desk's pages keep their whole address (`?patient=`, `moving=`). The
/// rota and rules pages drop the query that told of an earlier success, so
/// that the page shows the problem alone; only a new rota's `org=` stays.
fn back_to_the_form(area: Area) {
    use axum::http::{header, request::Parts, Uri};
    let Some(parts) = leptos::prelude::use_context::<Parts>() else { return };
    let plain =
        parts.headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"));
    let Some(uri) =
        parts.headers.get(header::REFERER).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<Uri>().ok())
    else {
        return;
    };
    if !plain {
        return;
    }
    let path = uri.path();
    match area {
        Area::Desk => {
            if let (true, Some(page)) =
                (path.starts_with("/staff/"), uri.path_and_query().map(|p| p.as_str().trim_end_matches('?')))
            {
                leptos_axum::redirect(page);
            }
        }
        Area::Rotas => {
            if !(path.starts_with("/staff/rotas") || path.starts_with("/staff/rules")) {
                return;
            }
            let org = uri
                .query()
                .unwrap_or_default()
                .split('&')
                .find_map(|pair| pair.strip_prefix("org="))
                .and_then(|v| Uuid::parse_str(v).ok());
            match org {
                Some(org) if path == "/staff/rotas/new" => leptos_axum::redirect(&format!("{path}?org={org}")),
                _ => leptos_axum::redirect(path),
            }
        }
    }
}
