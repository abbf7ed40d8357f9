//! Slots and appointments as people see them: the practice or hub by name
//! and ODS code, the location with its address, the clinician with their
//! role, and the time in London. Built here once, by the booking service,
//! for the pages, the JSON API and the FHIR API alike; each edge only
//! chooses which of these it shows and how it writes them.

use std::collections::HashMap;

use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::service::{BookingError, BookingService};
use super::{Appointment, Booked, Slot};
use crate::access::Actor;
use crate::model::{ClinicalRole, Location, Organisation, StaffMember};
use crate::services::DirectoryCache;
use crate::store::{Store, StoreError, StoreResult};

/// A slot with the names and times shown for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotView {
    pub slot: Slot,
    /// The practice or hub the slot belongs to.
    pub organisation: Organisation,
    /// Where it happens.
    pub location: Location,
    /// "Monday 4 January 2027 at 9:30am", Europe/London.
    pub when: String,
    /// "9:30am", Europe/London.
    pub time: String,
    /// The London date it starts on.
    pub day: Date,
}

impl SlotView {
    /// "Monday 4 January": the heading a list of times groups under.
    pub fn day_heading(&self) -> String {
        format!("{} {} {}", self.day.weekday(), self.day.day(), self.day.month())
    }
}

/// An appointment with its slot, as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppointmentView {
    pub appointment: Appointment,
    pub slot: SlotView,
}

/// A clinician as lists name them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClinicianView {
    pub staff_member_id: Uuid,
    /// "Farid Haddad".
    pub name: String,
    pub role: Option<ClinicalRole>,
}

impl ClinicianView {
    pub fn of(member: &StaffMember) -> Self {
        Self {
            staff_member_id: member.staff_member_id,
            name: format!("{} {}", member.given_name, member.family_name),
            role: member.clinical_role,
        }
    }

    /// "Farid Haddad (Phlebotomist)", or the name alone without a clinical role.
    pub fn with_role(&self) -> String {
        match self.role {
            Some(r) => format!("{} ({})", self.name, r.label()),
            None => self.name.clone(),
        }
    }
}

/// "4 January 2027".
pub fn long_date(d: Date) -> String {
    format!("{} {} {}", d.day(), d.month(), d.year())
}

/// The London date of an instant.
pub fn london_day(at: OffsetDateTime) -> Date {
    crate::london::to_local(at).date()
}

/// Organisations, locations and clinicians read once per answer: an
/// availability list names a handful of places across hundreds of slots.
/// Organisations and locations come from the directory cache.
pub(crate) struct Lookups<'a> {
    store: &'a dyn Store,
    directory: &'a DirectoryCache,
    clinicians: HashMap<Uuid, Option<ClinicianView>>,
}

impl<'a> Lookups<'a> {
    pub(crate) fn new(service: &'a BookingService) -> Self {
        Self { store: service.store.as_ref(), directory: service.directory.as_ref(), clinicians: HashMap::new() }
    }

    pub(crate) async fn organisation(&mut self, id: Uuid) -> StoreResult<Organisation> {
        self.directory.organisation(id).await
    }

    pub(crate) async fn location(&mut self, id: Uuid) -> StoreResult<Location> {
        self.directory.location(id).await
    }

    /// `None` when there is no such member of staff (any more).
    pub(crate) async fn clinician(&mut self, id: Uuid) -> StoreResult<Option<ClinicianView>> {
        if let Some(known) = self.clinicians.get(&id) {
            return Ok(known.clone());
        }
        let found = match self.store.staff_member(id).await {
            Ok(m) => Some(ClinicianView::of(&m)),
            Err(StoreError::NotFound) => None,
            Err(e) => return Err(e),
        };
        self.clinicians.insert(id, found.clone());
        Ok(found)
    }

    pub(crate) async fn slot(&mut self, slot: &Slot) -> StoreResult<SlotView> {
        Ok(SlotView {
            organisation: self.organisation(slot.organisation_id).await?,
            location: self.location(slot.location_id).await?,
            when: crate::notify::compose::when(slot.starts_at),
            time: crate::notify::compose::clock_time(slot.starts_at),
            day: london_day(slot.starts_at),
            slot: slot.clone(),
        })
    }

    pub(crate) async fn appointment(&mut self, appointment: &Appointment) -> StoreResult<AppointmentView> {
        let slot = self.store.slot(appointment.slot_id).await?;
        Ok(AppointmentView { appointment: appointment.clone(), slot: self.slot(&slot).await? })
    }
}

impl BookingService {
    /// Slots as shown. The slots come from a call that has asked the access
    /// policy (availability, a booking's alternatives); a slot's names and
    /// time are no secret.
    pub async fn slot_views(&self, slots: &[Slot]) -> Result<Vec<SlotView>, BookingError> {
        let mut lookups = Lookups::new(self);
        let mut out = Vec::with_capacity(slots.len());
        for slot in slots {
            out.push(lookups.slot(slot).await?);
        }
        Ok(out)
    }

    /// One slot as shown, for the step that confirms it.
    pub async fn slot_view(&self, slot_id: Uuid) -> Result<SlotView, BookingError> {
        let slot = self.store.slot(slot_id).await?;
        Ok(Lookups::new(self).slot(&slot).await?)
    }

    /// An appointment just booked, as shown, from the slot its booking
    /// returned: nothing more is read.
    pub async fn booked_view(&self, booked: &Booked) -> Result<AppointmentView, BookingError> {
        let slot = Lookups::new(self).slot(&booked.slot).await?;
        Ok(AppointmentView { appointment: booked.appointment.clone(), slot })
    }

    /// An appointment the caller has just booked, moved, cancelled or been
    /// allowed to read, as shown.
    pub async fn appointment_view(&self, appointment: &Appointment) -> Result<AppointmentView, BookingError> {
        Ok(Lookups::new(self).appointment(appointment).await?)
    }

    /// A patient's appointments (every status) as shown, for them or for
    /// staff who may see their appointments.
    pub async fn appointment_views(
        &self,
        actor: &Actor,
        patient_id: Uuid,
    ) -> Result<Vec<AppointmentView>, BookingError> {
        let list = self.appointments(actor, patient_id).await?;
        let mut lookups = Lookups::new(self);
        let mut out = Vec::with_capacity(list.len());
        for a in &list {
            out.push(lookups.appointment(a).await?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clinician_is_named_with_their_role_when_they_have_one() {
        let c = ClinicianView {
            staff_member_id: Uuid::nil(),
            name: "Farid Haddad".into(),
            role: Some(ClinicalRole::Phlebotomist),
        };
        assert_eq!(c.with_role(), "Farid Haddad (Phlebotomist)");
        assert_eq!(ClinicianView { role: None, ..c }.with_role(), "Farid Haddad");
        assert_eq!(long_date(time::macros::date!(2027 - 01 - 04)), "4 January 2027");
    }
}
