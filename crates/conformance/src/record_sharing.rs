//! Who else may see a record: legitimate relationship, sharing choices per
//! privacy label, emergency access, and the access log the patient reads.

use std::sync::Arc;

use carebook_core::access::{Actor, StaffActor};
use carebook_core::model::{OrganisationKind, StaffAssignment, StaffRole};
use carebook_core::record::service::{NewSource, RecordError};
use carebook_core::record::staff::{Relationship, SharingChoices};
use carebook_core::record::{Category, RecordSource, SourceKind};
use carebook_core::store::Store;
use uuid::Uuid;

use crate::fixtures::booking as booking_fixture;
use crate::fixtures::record::*;
use crate::fixtures::service::{self as service_fixture, World};

/// A member of staff of the population holding `roles`.
fn staff(w: &World, roles: &[(Uuid, StaffRole)]) -> Actor {
    let id = w.population.staff[0].staff_member_id;
    Actor::Staff(StaffActor {
        staff_member_id: id,
        roles: roles
            .iter()
            .map(|(o, r)| StaffAssignment { staff_member_id: id, organisation_id: *o, role: *r })
            .collect(),
    })
}

/// A world with a patient of the practice whose record has a general
/// problem and a withheld result from the GP, and a visit from the
/// mental-health trust (labelled mental health by its source).
async fn sharing_world(store: &Arc<dyn Store>) -> (World, carebook_core::model::Patient) {
    let w = service_fixture::world(store).await;
    let patient = service_fixture::registered_at(&w, w.practice.organisation_id).next().unwrap().clone();
    let mh_org = w.population.organisations.iter().find(|o| o.kind == OrganisationKind::MentalHealthTrust).unwrap();
    let register = |organisation_id, kind, client: &str| NewSource {
        organisation_id,
        kind,
        client_id: client.into(),
        public_key_pem: "-----BEGIN PUBLIC KEY-----\ntest\n-----END PUBLIC KEY-----\n".into(),
        name: format!("{client} record"),
    };
    let gp: RecordSource =
        w.services.record.register_source(register(w.practice.organisation_id, SourceKind::GpSystem, "gp")).await.unwrap();
    let mh: RecordSource = w
        .services
        .record
        .register_source(register(mh_org.organisation_id, SourceKind::MentalHealthTrust, "mh"))
        .await
        .unwrap();
    let general = condition("c1", "38341003", "High blood pressure", "2018-05-10", "2026-11-30T09:15:00Z");
    let withheld =
        labelled(observation("o1", 9.0, 3.5, 5.3, "2026-11-02"), "http://terminology.hl7.org/CodeSystem/v3-ActCode", "NOPAT");
    w.services.record.ingest(&gp, &bundle(vec![patient_resource(&patient), general, withheld])).await.unwrap();
    let visit = condition("m1", "35489007", "Low mood", "2025-01-10", "2026-11-30T09:15:00Z");
    w.services.record.ingest(&mh, &bundle(vec![patient_resource(&patient), visit])).await.unwrap();
    (w, patient)
}

fn titles(view: &carebook_core::record::view::RecordView) -> Vec<String> {
    let mut t: Vec<String> = view.sections.iter().flat_map(|s| s.items.iter().map(|i| i.title.clone())).collect();
    t.sort();
    t
}

scenarios! {
    record_sharing;

    pub async fn a_clinician_reads_a_record_only_with_a_legitimate_relationship(store: Arc<dyn Store>) {
        let (w, patient) = sharing_world(&store).await;
        let record = &w.services.record;
        let practice_clinician = staff(&w, &[(w.practice.organisation_id, StaffRole::Clinician)]);
        let hub_clinician = staff(&w, &[(w.hub.organisation_id, StaffRole::Clinician)]);
        let receptionist = staff(&w, &[(w.practice.organisation_id, StaffRole::Receptionist)]);

        let (relationship, own) = record.staff_record(&practice_clinician, patient.patient_id, w.practice.organisation_id, None).await.unwrap();
        assert_eq!(relationship, Relationship::OwnPractice);
        assert_eq!(titles(&own), ["High blood pressure", "Low mood", "Potassium"], "everything, withheld included");
        let results = own.sections.iter().find(|s| s.category == Category::Result).unwrap();
        assert!(results.items[0].withheld, "withheld items are marked for clinicians");

        let refused = record.staff_record(&receptionist, patient.patient_id, w.practice.organisation_id, None).await;
        assert!(matches!(refused, Err(RecordError::Denied(_))), "receptionists never read the record");
        let elsewhere = record.staff_record(&hub_clinician, patient.patient_id, w.hub.organisation_id, None).await;
        assert!(matches!(elsewhere, Err(RecordError::NoRelationship)), "{elsewhere:?}");
        let pretending = record.staff_record(&hub_clinician, patient.patient_id, w.practice.organisation_id, None).await;
        assert!(matches!(pretending, Err(RecordError::Denied(_))), "only for an organisation where they are a clinician");

        // An appointment at the hub in the window opens it, by the patient's choices.
        let hub_slot = booking_fixture::monday_slots(&store, w.hub.organisation_id).await[0].slot_id;
        store.book(&booking_fixture::request(hub_slot, patient.patient_id, None, 1)).await.unwrap();
        let (relationship, at_hub) = record.staff_record(&hub_clinician, patient.patient_id, w.hub.organisation_id, None).await.unwrap();
        assert_eq!(relationship, Relationship::Appointment);
        assert_eq!(titles(&at_hub), ["High blood pressure", "Potassium"], "mental health is not shared by default");
        assert!(at_hub.some_items_not_shown);
    }

    pub async fn the_patients_sharing_choices_decide_what_staff_elsewhere_see(store: Arc<dyn Store>) {
        let (w, patient) = sharing_world(&store).await;
        let record = &w.services.record;
        let me = patient_actor(&patient);
        let hub_clinician = staff(&w, &[(w.hub.organisation_id, StaffRole::Clinician)]);
        let practice_clinician = staff(&w, &[(w.practice.organisation_id, StaffRole::Clinician)]);
        let hub_slot = booking_fixture::monday_slots(&store, w.hub.organisation_id).await[0].slot_id;
        store.book(&booking_fixture::request(hub_slot, patient.patient_id, None, 1)).await.unwrap();
        assert_eq!(record.sharing_choices(&me, patient.patient_id).await.unwrap(), SharingChoices::DEFAULT);

        let mut choices = SharingChoices::DEFAULT;
        choices.mental_health = true;
        choices.general = false;
        record.set_sharing_choices(&me, patient.patient_id, choices).await.unwrap();

        assert_eq!(record.sharing_choices(&me, patient.patient_id).await.unwrap(), choices);
        let (_, at_hub) = record.staff_record(&hub_clinician, patient.patient_id, w.hub.organisation_id, None).await.unwrap();
        assert_eq!(titles(&at_hub), ["Low mood"]);
        let (_, own) = record.staff_record(&practice_clinician, patient.patient_id, w.practice.organisation_id, None).await.unwrap();
        assert_eq!(titles(&own).len(), 3, "the patient's own practice sees everything");
        // Only the patient changes their choices.
        let someone = patient_actor(&w.population.patients.iter().find(|p| p.patient_id != patient.patient_id).unwrap().clone());
        assert!(record.set_sharing_choices(&someone, patient.patient_id, SharingChoices::ALL).await.is_err());
    }

    pub async fn emergency_access_needs_a_reason_sees_everything_and_is_flagged_in_the_log_the_patient_reads(store: Arc<dyn Store>) {
        let (w, patient) = sharing_world(&store).await;
        let record = &w.services.record;
        let hub_clinician = staff(&w, &[(w.hub.organisation_id, StaffRole::Clinician)]);
        let practice_clinician = staff(&w, &[(w.practice.organisation_id, StaffRole::Clinician)]);

        let short = record.staff_record(&hub_clinician, patient.patient_id, w.hub.organisation_id, Some("urgent")).await;
        assert!(matches!(short, Err(RecordError::ReasonNeeded)), "{short:?}");
        let reason = "Collapsed at the hub, no history available";
        let (relationship, seen) =
            record.staff_record(&hub_clinician, patient.patient_id, w.hub.organisation_id, Some(reason)).await.unwrap();
        assert_eq!(relationship, Relationship::Emergency);
        assert_eq!(titles(&seen).len(), 3);
        record.staff_record(&practice_clinician, patient.patient_id, w.practice.organisation_id, None).await.unwrap();

        let log = record.access_log(&patient_actor(&patient), patient.patient_id).await.unwrap();
        assert_eq!(log.len(), 2, "every view logged, refusals are not views");
        let emergency: Vec<_> = log.iter().filter(|e| e.emergency).collect();
        assert_eq!(emergency.len(), 1);
        assert_eq!((emergency[0].organisation_id, emergency[0].reason.as_deref()), (w.hub.organisation_id, Some(reason)));
        assert!(log.iter().all(|e| e.role == StaffRole::Clinician && e.section == "all"));
        // The log is the patient's own: not a proxy's, not staff's.
        let carer = w.population.patients.iter().find(|p| p.patient_id != patient.patient_id).unwrap();
        assert!(record.access_log(&proxy_for(carer, &patient), patient.patient_id).await.is_err());
        assert!(record.access_log(&practice_clinician, patient.patient_id).await.is_err());
    }
}
