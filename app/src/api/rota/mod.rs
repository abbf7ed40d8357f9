//! Rota templates, slot generation and booking rules for practice and hub
//! staff.
//!
//! Receptionists and administrators build an organisation's weekly rota
//! templates and make slots from them; every member of staff who runs
//! appointments sees the booking rules, and practice and federation
//! administrators change them. Every server function asks the core's
//! BookingService, which asks the access policy for the organisation the
//! call is about; the pages only decide what to show.
//!
//! Forms are plain POSTs first. A form's problems (and what was typed) are
//! kept in the server-side session for the page shown next, never in an
//! address; with JavaScript off the browser goes back to the form's page,
//! with it on the page reloads its data. A success sends the browser to a
//! page that says what happened; only counts and dates go in that address.
//!
//! One file per page area: the list and form of rota templates
//! ([`templates`]), making slots from one ([`generate`]), and the booking
//! rules ([`rules`]); the two forms' reading and writing of values are in
//! `template_values` and `rule_values`.

use serde::{Deserialize, Serialize};

pub use super::form::{Choice, Problem};

mod generate;
mod rules;
mod templates;

#[cfg(feature = "ssr")]
mod rule_values;
#[cfg(feature = "ssr")]
mod template_values;

pub use generate::*;
pub use rules::*;
pub use templates::*;

/// One rota template as the list shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotaRow {
    pub rota_template_id: String,
    pub service: String,
    pub clinician: String,
    pub location: String,
    pub channel: String,
    pub bookable_by: String,
    /// "Mon 08:30–12:00, 10 min", Monday first.
    pub sessions: Vec<String>,
    /// "From 4 January 2027" or "4 January 2027 to 31 March 2027".
    pub effective: String,
    /// "25 December 2027: Christmas Day".
    pub days_off: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganisationRotas {
    pub organisation_id: String,
    pub name: String,
    pub rotas: Vec<RotaRow>,
}

/// The rota templates at every organisation where the user manages rotas.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotaOverview {
    pub organisations: Vec<OrganisationRotas>,
}

/// One row of the weekly sessions table, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionFields {
    /// "monday" … "sunday".
    #[serde(default)]
    pub day: String,
    /// "08:30", London time.
    #[serde(default)]
    pub starts: String,
    #[serde(default)]
    pub ends: String,
    /// Appointment length in minutes.
    #[serde(default)]
    pub minutes: String,
}

/// A rota form's values, as typed (or as saved).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotaFields {
    /// Empty for a new rota.
    pub rota_template_id: String,
    pub organisation_id: String,
    pub location_id: String,
    pub clinician_id: String,
    pub service: String,
    pub channel: String,
    pub bookable_by: String,
    /// "2027-01-04".
    pub effective_from: String,
    pub effective_until: String,
    /// One a line: "2027-12-25 Christmas Day".
    pub days_off: String,
    /// At least two rows a weekday, Monday first.
    pub sessions: Vec<SessionFields>,
}

/// Everything the rota page needs: the form (with any problem kept for
/// it), and for a saved rota the "Generate slots" form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotaEditor {
    pub organisation: String,
    pub is_new: bool,
    /// "Blood test with Farid Haddad", for a saved rota.
    pub title: String,
    pub fields: RotaFields,
    pub problems: Vec<Problem>,
    pub locations: Vec<Choice>,
    pub clinicians: Vec<Choice>,
    pub generate_from: String,
    pub generate_to: String,
    pub generate_problems: Vec<Problem>,
    pub csrf_token: String,
}

/// One service's rules, in words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleRow {
    pub service_code: String,
    pub service: String,
    pub horizon: String,
    pub same_day_release: String,
    pub minimum_notice: String,
    pub change_cutoff: String,
    pub limit: String,
    pub who_for: String,
    /// "This practice", "This hub" or "carebook's default".
    pub set_by: String,
    pub set_here: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganisationRules {
    pub organisation_id: String,
    pub name: String,
    /// The user may change the rules here (practice and federation admins).
    pub may_set: bool,
    pub services: Vec<RuleRow>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RulesOverview {
    pub organisations: Vec<OrganisationRules>,
}

/// A rules form's values, as typed (or as in force).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleFields {
    pub horizon_days: String,
    /// "08:00", or empty for no hold-back.
    pub same_day_release: String,
    pub minimum_notice_minutes: String,
    pub change_cutoff_minutes: String,
    /// Empty for no limit.
    pub max_active_per_patient: String,
    /// SNOMED CT codes separated by spaces or commas; empty for everyone.
    pub condition_codes: String,
    pub condition_description: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleEditor {
    pub organisation_id: String,
    pub organisation: String,
    pub service_code: String,
    pub service: String,
    pub current: RuleRow,
    pub may_set: bool,
    pub fields: RuleFields,
    pub problems: Vec<Problem>,
    pub csrf_token: String,
}

/// The weekdays, Monday first, as (form value, name).
pub const WEEKDAYS: [(&str, &str); 7] = [
    ("monday", "Monday"),
    ("tuesday", "Tuesday"),
    ("wednesday", "Wednesday"),
    ("thursday", "Thursday"),
    ("friday", "Friday"),
    ("saturday", "Saturday"),
    ("sunday", "Sunday"),
];

/// Channels as (form value, label): the core's channels.
pub fn channels() -> Vec<(&'static str, &'static str)> {
    carebook_core::booking::Channel::ALL.into_iter().map(|c| (c.as_str(), c.label())).collect()
}

/// Who may book online, as (form value, label): the core's choices, in the
/// words the form uses.
pub fn bookable_by() -> Vec<(&'static str, &'static str)> {
    carebook_core::booking::BookableBy::ALL.into_iter().map(|b| (b.as_str(), b.choice_label())).collect()
}

/// What the rota and rules forms share on the server: who they are for,
/// the problems kept for the next page, and the audit trail.
#[cfg(feature = "ssr")]
mod server {
    use carebook_core::access::Actor;
    use carebook_core::model::AuditOutcome;
    use leptos::prelude::ServerFnError;
    use serde::{Deserialize, Serialize};
    use uuid::Uuid;

    use super::{Problem, RotaFields, RuleFields};
    use crate::api::flash::{self, Area, Kept};

    /// Who the rota pages are for.
    pub const ROTA_STAFF: &str = "receptionists and practice and hub administrators who manage rotas";
    /// Who the booking-rules pages are for.
    pub const RULES_STAFF: &str = "practice and hub staff who run appointments";
    /// Who may change booking rules.
    pub const ADMINISTRATORS: &str = "practice and federation administrators";

    /// What was typed into one of the forms, shown again with its problems.
    #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
    pub enum Typed {
        #[default]
        Nothing,
        Rota(RotaFields),
        Rule(RuleFields),
        /// The generate form's first and last dates.
        Generate(String, String),
    }

    /// Keep a form's problems (and what was typed) for the page shown next,
    /// and send a plain form post back to its page. `form` says which:
    /// "rota:<id>", "rota:new:<org>", "generate:<id>", "rule:<org>:<service>".
    pub async fn keep(form: String, problems: Vec<Problem>, typed: Typed) -> Result<(), ServerFnError> {
        flash::keep(Area::Rotas, Kept { form, problems, typed }).await
    }

    /// The problems kept for one of `forms` (this page's), if any. Taking
    /// them clears them, whichever form they were for, so that they are
    /// shown once.
    pub async fn take(forms: &[&str]) -> Result<Option<Kept<Typed>>, ServerFnError> {
        Ok(flash::take::<Typed>(Area::Rotas).await?.filter(|k| forms.contains(&k.form.as_str())))
    }

    /// Add a line to the audit trail. A failure to write it is logged and
    /// does not undo the change (as the server's own audit does).
    pub async fn audit(actor: &Actor, action: &str, target: (&str, Uuid), outcome: AuditOutcome, reason: Option<&str>) {
        let Ok(services) = crate::api::services() else { return };
        if let Err(e) = services.audit.record(actor, action, Some(target), outcome, reason).await {
            tracing::error!(error = %e, action, "audit event not written");
        }
    }
}
