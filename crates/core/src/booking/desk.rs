//! The practice side of booking: an organisation's booking rules, its rota
//! templates and the slots generated from them, finding a patient at the
//! desk, and the waitlist. Every operation asks the access policy first,
//! for the organisation it is about.

use time::Date;
use uuid::Uuid;

use super::rota::RotaTemplate;
use super::rules::BookingRules;
use super::service::{default_rules, BookingError, BookingService};
use super::view::{ClinicianView, Lookups, SlotView};
use super::waitlist::WaitlistEntry;
use super::{Appointment, ServiceKind};
use crate::access::{self, Actor, Refusal, Service, StaffWork};
use crate::domain::NhsNumber;
use crate::model::{Location, Organisation, OrganisationKind, Patient, StaffMember};
use crate::store::{OrganisationSearch, PatientSearch, StoreError};

/// One service's rules at an organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceRules {
    pub service: ServiceKind,
    pub rules: BookingRules,
    /// The organisation set these; otherwise they are carebook's defaults.
    pub set_here: bool,
}

/// What a rota form can choose from at an organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotaChoices {
    pub locations: Vec<Location>,
    pub clinicians: Vec<StaffMember>,
}

/// What generating slots did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generated {
    /// Slots the template asks for on those dates.
    pub planned: usize,
    /// Of those, the ones that were not there yet and were added.
    pub added: u64,
}

/// The most patients a name and date of birth search returns.
pub const FIND_LIMIT: u32 = 20;

fn refused(r: Refusal) -> BookingError {
    BookingError::NotAllowed(r)
}

/// The organisations (each once, in the order of the user's roles) where
/// this member of staff may do `work`: the places a staff page lists.
pub fn organisations_where(actor: &Actor, work: StaffWork) -> Vec<Uuid> {
    let Actor::Staff(staff) = actor else { return Vec::new() };
    let mut out = Vec::new();
    for role in &staff.roles {
        if !out.contains(&role.organisation_id) && access::may_do(actor, role.organisation_id, work).is_ok() {
            out.push(role.organisation_id);
        }
    }
    out
}

/// One slot of a day list, with the clinician who holds it and, when it
/// is taken, the appointment and the patient's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayEntry {
    pub slot: SlotView,
    /// `None` when the member of staff is no longer on record.
    pub clinician: Option<ClinicianView>,
    pub appointment: Option<Appointment>,
    /// "Ada Lovelace"; `None` when there is no appointment (or no record).
    pub patient: Option<String>,
}

/// A day of an organisation's slots, by start time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaySheet {
    pub organisation: Organisation,
    pub entries: Vec<DayEntry>,
}

/// A rota template with the names a list shows for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotaListing {
    pub template: RotaTemplate,
    /// `None` when the member of staff is no longer on record.
    pub clinician: Option<ClinicianView>,
    /// `None` when the location is no longer on record.
    pub location: Option<Location>,
}

/// A patient the desk may book for, with their practice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeskPatient {
    pub patient: Patient,
    pub practice: Organisation,
}

impl BookingService {
    /// Every service's rules at an organisation, for its staff.
    pub async fn organisation_rules(
        &self,
        actor: &Actor,
        organisation_id: Uuid,
    ) -> Result<Vec<ServiceRules>, BookingError> {
        access::may_do(actor, organisation_id, StaffWork::RunAppointments).map_err(refused)?;
        let set = self.store.booking_rules(organisation_id).await?;
        Ok(ServiceKind::ALL
            .into_iter()
            .map(|service| match set.iter().find(|(s, _)| *s == service) {
                Some((_, rules)) => ServiceRules { service, rules: rules.clone(), set_here: true },
                None => ServiceRules { service, rules: default_rules(service), set_here: false },
            })
            .collect())
    }

    /// Set an organisation's rules for a service, or go back to the
    /// defaults with `None`. Practice and federation admins only.
    pub async fn set_rules(
        &self,
        actor: &Actor,
        organisation_id: Uuid,
        service: ServiceKind,
        rules: Option<BookingRules>,
    ) -> Result<(), BookingError> {
        access::may_do(actor, organisation_id, StaffWork::SetBookingRules).map_err(refused)?;
        if let Some(r) = &rules {
            r.validate().map_err(BookingError::Invalid)?;
        }
        let by = match actor {
            Actor::Staff(s) => Some(s.staff_member_id),
            _ => None,
        };
        self.store.set_booking_rules(organisation_id, service, rules.as_ref(), by, self.clock.now()).await?;
        Ok(())
    }

    /// An organisation's rota templates.
    pub async fn rota_templates(
        &self,
        actor: &Actor,
        organisation_id: Uuid,
    ) -> Result<Vec<RotaTemplate>, BookingError> {
        access::may_do(actor, organisation_id, StaffWork::ManageRotas).map_err(refused)?;
        Ok(self.store.rota_templates_for(organisation_id).await?)
    }

    /// One rota template, for the staff who manage its organisation's rotas.
    pub async fn rota_template(&self, actor: &Actor, rota_template_id: Uuid) -> Result<RotaTemplate, BookingError> {
        let template = self.store.rota_template(rota_template_id).await?;
        access::may_do(actor, template.organisation_id, StaffWork::ManageRotas).map_err(|_| BookingError::NotFound)?;
        Ok(template)
    }

    /// The locations and clinicians a rota at this organisation may name.
    pub async fn rota_choices(&self, actor: &Actor, organisation_id: Uuid) -> Result<RotaChoices, BookingError> {
        access::may_do(actor, organisation_id, StaffWork::ManageRotas).map_err(refused)?;
        Ok(RotaChoices {
            locations: self.store.locations_for(organisation_id).await?,
            clinicians: self.store.clinicians_at(organisation_id).await?,
        })
    }

    /// Create or change a rota template. Its location and clinician must
    /// belong to its organisation; a template cannot move to another
    /// organisation. Slots already generated are kept.
    pub async fn save_rota(&self, actor: &Actor, template: &RotaTemplate) -> Result<(), BookingError> {
        access::may_do(actor, template.organisation_id, StaffWork::ManageRotas).map_err(refused)?;
        match self.store.rota_template(template.rota_template_id).await {
            Ok(existing) if existing.organisation_id != template.organisation_id => {
                return Err(BookingError::Invalid("A rota cannot move to another organisation".into()))
            }
            Ok(_) | Err(StoreError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
        template.validate().map_err(|e| BookingError::Invalid(e.to_string()))?;
        let choices = self.rota_choices(actor, template.organisation_id).await?;
        if !choices.locations.iter().any(|l| l.location_id == template.location_id) {
            return Err(BookingError::Invalid("Choose one of this organisation's locations".into()));
        }
        if !choices.clinicians.iter().any(|c| c.staff_member_id == template.clinician_id) {
            return Err(BookingError::Invalid("Choose a clinician who works here".into()));
        }
        let mut dates: Vec<Date> = template.exceptions.iter().map(|e| e.date).collect();
        dates.sort();
        if dates.windows(2).any(|w| w[0] == w[1]) {
            return Err(BookingError::Invalid("Give each day off once".into()));
        }
        if template.exceptions.iter().any(|e| e.reason.trim().is_empty() || e.reason.chars().count() > 100) {
            return Err(BookingError::Invalid("Give a reason of up to 100 characters for each day off".into()));
        }
        let mut sessions: Vec<_> =
            template.sessions.iter().map(|s| (s.weekday.number_from_monday(), s.starts)).collect();
        sessions.sort();
        if sessions.windows(2).any(|w| w[0] == w[1]) {
            return Err(BookingError::Invalid("Two sessions start at the same time on the same day".into()));
        }
        self.store.save_rota_template(template).await?;
        Ok(())
    }

    /// Make the slots a template asks for on the London dates `from..=to`.
    /// Running it again adds only what is missing; it never removes or
    /// changes a slot, booked or not.
    pub async fn generate_slots(
        &self,
        actor: &Actor,
        rota_template_id: Uuid,
        from: Date,
        to: Date,
    ) -> Result<Generated, BookingError> {
        let template = self.rota_template(actor, rota_template_id).await?;
        let today = crate::london::today(self.clock.now());
        if from < today {
            return Err(BookingError::Invalid("Generate slots from today onwards".into()));
        }
        if to < from {
            return Err(BookingError::Invalid("The last date must be on or after the first".into()));
        }
        if (to - from).whole_days() > 92 {
            return Err(BookingError::Invalid("Generate at most 13 weeks (92 days) at a time".into()));
        }
        let planned = template.expand(from, to).map_err(|e| BookingError::Invalid(e.to_string()))?;
        let added = self.store.add_planned_slots(&planned).await?;
        Ok(Generated { planned: planned.len(), added })
    }

    /// The practices whose patients this member of staff books for: the
    /// practices where they run appointments, and every member practice of
    /// a hub where they do.
    async fn desk_practices(&self, actor: &Actor) -> Result<Vec<Uuid>, BookingError> {
        let Actor::Staff(staff) = actor else {
            return Err(refused(match actor {
                Actor::Anonymous => Refusal::NotLoggedIn,
                _ => Refusal::NotPermitted,
            }));
        };
        let mut practices = Vec::new();
        for role in &staff.roles {
            if access::may_do(actor, role.organisation_id, StaffWork::RunAppointments).is_err() {
                continue;
            }
            let org = self.store.organisation_by_id(role.organisation_id).await?;
            match (org.kind, org.federation_id) {
                (OrganisationKind::Hub, Some(federation_id)) => {
                    let members = self
                        .store
                        .search_organisations(&OrganisationSearch {
                            federation_id: Some(federation_id),
                            kinds: vec![OrganisationKind::GpPractice],
                            limit: 1000,
                            ..Default::default()
                        })
                        .await?;
                    practices.extend(members.into_iter().map(|o| o.organisation_id));
                }
                _ => practices.push(org.organisation_id),
            }
        }
        practices.sort();
        practices.dedup();
        Ok(practices)
    }

    /// Find patients the caller may book for by family name and date of
    /// birth (and, optionally, the start of the given name). At most
    /// [`FIND_LIMIT`].
    pub async fn find_patients(
        &self,
        actor: &Actor,
        family_name: &str,
        given_name: Option<&str>,
        date_of_birth: Date,
    ) -> Result<Vec<Patient>, BookingError> {
        let family_name = family_name.trim();
        if family_name.is_empty() || family_name.chars().count() > 100 {
            return Err(BookingError::Invalid("Enter the patient's last name".into()));
        }
        let practice_ids = self.desk_practices(actor).await?;
        if practice_ids.is_empty() {
            return Err(refused(Refusal::WrongOrganisationOrRole));
        }
        let found = self
            .store
            .find_patients(&PatientSearch {
                practice_ids,
                family_name: family_name.to_string(),
                given_name: given_name.map(str::to_string),
                date_of_birth,
                limit: FIND_LIMIT,
            })
            .await?;
        let today = crate::london::today(self.clock.now());
        let mut allowed = Vec::with_capacity(found.len());
        for patient in found {
            let subject = access::Subject::load(self.store.as_ref(), patient.patient_id).await?;
            if access::may_access(actor, &subject, Service::Appointments, today).is_ok() {
                allowed.push(patient);
            }
        }
        Ok(allowed)
    }

    /// The open waitlist entries for an organisation (its patients, or
    /// people who may be seen at it), oldest first: the order offers go in.
    pub async fn waitlist(&self, actor: &Actor, organisation_id: Uuid) -> Result<Vec<WaitlistEntry>, BookingError> {
        access::may_do(actor, organisation_id, StaffWork::RunAppointments).map_err(refused)?;
        Ok(self.store.waitlist_for_organisation(organisation_id).await?)
    }

    /// [`Self::day_list`] as the desk shows it: the organisation, and each
    /// slot with its names, clinician and patient.
    pub async fn day_sheet(&self, actor: &Actor, organisation_id: Uuid, day: Date) -> Result<DaySheet, BookingError> {
        let list = self.day_list(actor, organisation_id, day).await?;
        let mut lookups = Lookups::new(self);
        let organisation = lookups.organisation(organisation_id).await?;
        let mut entries = Vec::with_capacity(list.len());
        for (slot, appointment) in list {
            let patient = match &appointment {
                Some(a) => self
                    .store
                    .patient_by_id(a.patient_id)
                    .await
                    .ok()
                    .map(|p| format!("{} {}", p.given_name, p.family_name)),
                None => None,
            };
            entries.push(DayEntry {
                clinician: lookups.clinician(slot.clinician_id).await?,
                slot: lookups.slot(&slot).await?,
                appointment,
                patient,
            });
        }
        Ok(DaySheet { organisation, entries })
    }

    /// [`Self::rota_templates`] with the clinician's and location's names.
    pub async fn rota_listings(&self, actor: &Actor, organisation_id: Uuid) -> Result<Vec<RotaListing>, BookingError> {
        let templates = self.rota_templates(actor, organisation_id).await?;
        let mut lookups = Lookups::new(self);
        let mut out = Vec::with_capacity(templates.len());
        for template in templates {
            let location = match lookups.location(template.location_id).await {
                Ok(l) => Some(l),
                Err(StoreError::NotFound) => None,
                Err(e) => return Err(e.into()),
            };
            out.push(RotaListing { clinician: lookups.clinician(template.clinician_id).await?, location, template });
        }
        Ok(out)
    }

    /// The patient with their practice, if this member of staff may book
    /// for them (the access policy, asked on every call); `None` otherwise,
    /// whether or not the patient exists, so that the answer tells nothing
    /// more.
    pub async fn desk_patient(&self, actor: &Actor, patient_id: Uuid) -> Result<Option<DeskPatient>, BookingError> {
        let patient = match self.store.patient_by_id(patient_id).await {
            Ok(p) => p,
            Err(StoreError::NotFound) => return Ok(None),
            Err(e) => return Err(BookingError::Store(e)),
        };
        let subject = access::Subject::load(self.store.as_ref(), patient_id).await?;
        let today = crate::london::today(self.clock.now());
        if access::may_access(actor, &subject, Service::Appointments, today).is_err() {
            return Ok(None);
        }
        let practice = self.store.organisation_by_id(patient.registered_practice_id).await?;
        Ok(Some(DeskPatient { patient, practice }))
    }

    /// The patient with this NHS number, if this member of staff may book
    /// for them; `None` otherwise, as [`Self::desk_patient`].
    pub async fn desk_patient_by_nhs_number(
        &self,
        actor: &Actor,
        nhs_number: &NhsNumber,
    ) -> Result<Option<DeskPatient>, BookingError> {
        match self.store.patient_by_nhs_number(nhs_number).await {
            Ok(p) => self.desk_patient(actor, p.patient_id).await,
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(BookingError::Store(e)),
        }
    }

    /// [`Self::waitlist`] with each patient's name, for the desk.
    pub async fn waitlist_names(
        &self,
        actor: &Actor,
        organisation_id: Uuid,
    ) -> Result<Vec<(WaitlistEntry, String)>, BookingError> {
        let entries = self.waitlist(actor, organisation_id).await?;
        let mut out = Vec::with_capacity(entries.len());
        for e in entries {
            let p = self.store.patient_by_id(e.patient_id).await.map_err(BookingError::Store)?;
            out.push((e, format!("{} {}", p.given_name, p.family_name)));
        }
        Ok(out)
    }
}
