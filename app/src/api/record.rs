//! The patient's own record (`/record`): one call into the core's
//! `RecordService`, which asks the access policy first and filters withheld
//! items and the practice's access level in the store's query. Here only
//! the wire types and words.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Where one entry of an item came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceLine {
    /// "Hospital patient record, Lister Hospital (Hospital)", or "Added by you".
    pub text: String,
    /// "Recorded 3 March 2026".
    pub recorded: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecordLine {
    pub title: String,
    pub date: Option<String>,
    pub status: Option<String>,
    /// "5.9 mmol/L".
    pub value: Option<String>,
    /// "3.5 to 5.3 mmol/L".
    pub range: Option<String>,
    /// "Above the usual range".
    pub outside_range: Option<String>,
    pub sources: Vec<SourceLine>,
    pub added_by_you: bool,
    /// Withheld from the patient: only ever in a clinician's view.
    pub withheld: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecordSection {
    /// The anchor: "problem", "result", ...
    pub id: String,
    pub heading: String,
    pub lines: Vec<RecordLine>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceOption {
    pub id: String,
    pub label: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecordPage {
    pub sections: Vec<RecordSection>,
    pub sources: Vec<SourceOption>,
    pub selected_source: Option<String>,
    pub some_items_not_shown: bool,
    /// What the practice opened: a sentence when less than the whole record.
    pub access_note: Option<String>,
}

#[cfg(feature = "ssr")]
fn long_date(d: time::Date) -> String {
    format!("{} {} {}", d.day(), d.month(), d.year())
}

#[cfg(feature = "ssr")]
fn number(v: f64) -> String {
    // As the source sent it, without a float's noise: at most 3 decimals.
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The logged-in patient's record, newest first in each section, from one
/// source when `source` names one of theirs.
#[server(prefix = "/_server", endpoint = "record")]
pub async fn my_record(source: Option<String>) -> Result<RecordPage, ServerFnError> {
    use carebook_core::access::Actor;
    use carebook_core::record::AccessLevel;
    let actor = super::guard::login().await?;
    let Actor::Patient(me) = &actor else {
        return Err(ServerFnError::new(match actor {
            Actor::PartlyVerified { .. } => {
                "NHS login has not fully checked your identity yet, so your health record cannot be shown. \
                 Go to your home page and choose \"Prove who you are\"."
            }
            _ => "This page is for patients.",
        }));
    };
    let services = super::services()?;
    let selected = source.as_deref().and_then(|s| uuid::Uuid::parse_str(s).ok());
    let view = match services.record.patient_record(&actor, me.patient_id, selected).await {
        Ok(v) => v,
        Err(e) if e.code() == "unavailable" => return Err(super::unavailable(e)),
        Err(_) => return Err(ServerFnError::new("Your health record cannot be shown.")),
    };
    let sections = sections_for(&view, false);
    Ok(RecordPage {
        sections,
        sources: view
            .sources
            .iter()
            .map(|s| SourceOption { id: s.record_source_id.to_string(), label: source_label(s) })
            .collect(),
        selected_source: selected.map(|s| s.to_string()),
        some_items_not_shown: view.some_items_not_shown,
        access_note: match view.access_level {
            AccessLevel::Full => None,
            AccessLevel::Summary => Some(
                "Your GP practice has given you online access to your allergies, medicines and problems. \
                 Ask the practice if you want to see more."
                    .to_string(),
            ),
            AccessLevel::None => Some(
                "Your GP practice has not turned on online access to your health record. Ask the practice about it."
                    .to_string(),
            ),
        },
    })
}

#[cfg(feature = "ssr")]
fn source_label(s: &carebook_core::record::view::SourceInfo) -> String {
    format!("{}, {} ({})", s.name, s.organisation_name, s.kind.label())
}

/// The sections as the pages show them; `for_staff` says whether an entry
/// is by the patient ("Added by the patient" rather than "by you").
#[cfg(feature = "ssr")]
pub(crate) fn sections_for(view: &carebook_core::record::view::RecordView, for_staff: bool) -> Vec<RecordSection> {
    let label = source_label;
    let own_words = if for_staff { "Added by the patient" } else { "Added by you" };
    view.sections
        .iter()
        .map(|section| RecordSection {
            id: section.category.as_str().to_string(),
            heading: section.heading.clone(),
            lines: section
                .items
                .iter()
                .map(|item| {
                    let unit = item.unit.clone().unwrap_or_default();
                    RecordLine {
                        title: item.title.clone(),
                        date: item.date.map(long_date),
                        status: item.status.clone(),
                        value: item.value.map(|v| format!("{} {unit}", number(v)).trim().to_string()),
                        range: match (item.range_low, item.range_high) {
                            (Some(l), Some(h)) => Some(format!("{} to {} {unit}", number(l), number(h))),
                            (Some(l), None) => Some(format!("{} or more {unit}", number(l))),
                            (None, Some(h)) => Some(format!("up to {} {unit}", number(h))),
                            (None, None) => None,
                        }
                        .map(|s| s.trim().to_string()),
                        outside_range: item.outside_range.map(|f| f.words().to_string()),
                        sources: item
                            .provenance
                            .iter()
                            .map(|p| SourceLine {
                                text: p.source.as_ref().map(label).unwrap_or_else(|| own_words.to_string()),
                                recorded: format!("Recorded {}", long_date(p.recorded_on)),
                            })
                            .collect(),
                        added_by_you: item.added_by_patient,
                        withheld: item.withheld,
                    }
                })
                .collect(),
        })
        .collect()
}
