//! The synthetic world of `carebook demo`: loading it (and putting it back
//! between audiences), the messages it would have sent, and the people its
//! built-in identity provider can log in. Synthetic people only; the
//! server serves none of this outside the demonstration.

use std::sync::Arc;

use uuid::Uuid;

use crate::clock::Clock;
use crate::domain::NhsNumber;
use crate::model::{Organisation, Patient, Population, PopulationCounts, StaffAssignment, StaffMember};
use crate::notify::demonstration::SentMessage;
use crate::store::{Store, StoreResult};

#[derive(Clone)]
pub struct Demonstration {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

impl Demonstration {
    pub(super) fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    /// Replace everything with `population` (one transaction: on failure
    /// nothing changes), then save its rotas and make a week of slots from
    /// today (London). The counts loaded and the slots made.
    pub async fn load(&self, population: &Population) -> StoreResult<(PopulationCounts, u64)> {
        let counts = self.store.replace_population(population).await?;
        let today = crate::london::today(self.clock.now());
        let slots = crate::demo::seed_week_of_slots(self.store.as_ref(), population, today).await?;
        self.load_records(population).await?;
        Ok((counts, slots))
    }

    /// Every synthetic patient's record from its sources
    /// (`crate::demo::record`), stored as ingest would store it.
    async fn load_records(&self, population: &Population) -> StoreResult<()> {
        let now = crate::record::whole_seconds(self.clock.now());
        let sources = crate::demo::record::record_sources(population, now);
        for source in &sources {
            self.store.insert_record_source(source).await?;
        }
        let ids = crate::clock::SequentialIds::default();
        for batch in crate::demo::record::record_batches(population, &sources, now, &ids) {
            self.store.ingest_record(&batch).await?;
        }
        Ok(())
    }

    /// What the demonstration would have sent, newest first.
    pub async fn messages(&self, limit: u32) -> StoreResult<Vec<SentMessage>> {
        self.store.demo_messages(limit).await
    }

    /// Keep a message that would have been sent, for the outbox viewer.
    pub async fn keep_message(&self, message: &SentMessage) -> StoreResult<()> {
        self.store.record_demo_message(message).await
    }

    /// "Ada Lovelace": whom a kept message was for.
    pub async fn recipient_name(&self, patient_id: Uuid) -> StoreResult<String> {
        let p = self.store.patient_by_id(patient_id).await?;
        Ok(format!("{} {}", p.given_name, p.family_name))
    }

    /// A synthetic patient the demonstration's provider logs in, with their
    /// practice (its ODS code is one of their claims).
    pub async fn patient(&self, nhs_number: &NhsNumber) -> StoreResult<(Patient, Organisation)> {
        let patient = self.store.patient_by_nhs_number(nhs_number).await?;
        let practice = self.store.organisation_by_id(patient.registered_practice_id).await?;
        Ok((patient, practice))
    }

    /// A synthetic member of staff the provider logs in, with each role and
    /// the organisation it is held at.
    pub async fn staff(&self, staff_uid: &str) -> StoreResult<(StaffMember, Vec<(StaffAssignment, Organisation)>)> {
        let (member, assignments) = self.store.staff_by_uid(staff_uid).await?;
        let mut roles = Vec::with_capacity(assignments.len());
        for a in assignments {
            let organisation = self.store.organisation_by_id(a.organisation_id).await?;
            roles.push((a, organisation));
        }
        Ok((member, roles))
    }
}
