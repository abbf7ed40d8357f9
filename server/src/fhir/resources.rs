//! carebook's booking objects as FHIR R4 resources, written from the
//! core's views of them (the same names and places the pages and the JSON
//! API show).

use carebook_core::booking::view::{AppointmentView, SlotView};
use carebook_core::booking::{Appointment, Slot};
use carebook_core::model::{Location, Organisation};
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use uuid::Uuid;

use super::codes;

/// An instant in London time with its offset, as FHIR's `instant` and
/// `dateTime` want it (seconds always present).
pub fn instant(at: OffsetDateTime) -> String {
    carebook_core::london::to_local(at).format(&Rfc3339).expect("a representable time")
}

/// One Schedule per clinician and organisation. Its id is the two UUIDs'
/// hex digits (64 characters, the most a FHIR id may have).
pub fn schedule_id(clinician_id: Uuid, organisation_id: Uuid) -> String {
    format!("{}{}", clinician_id.simple(), organisation_id.simple())
}

pub fn slot(s: &Slot) -> Value {
    json!({
        "resourceType": "Slot",
        "id": s.slot_id.to_string(),
        "extension": [codes::channel_extension(s.channel)],
        "serviceType": [codes::service_type(s.service)],
        "schedule": { "reference": format!("Schedule/{}", schedule_id(s.clinician_id, s.organisation_id)) },
        // Only slots the caller may book are ever shown, so only free ones.
        "status": "free",
        "start": instant(s.starts_at),
        "end": instant(s.ends_at),
    })
}

fn address(a: &carebook_core::model::Address) -> Value {
    let mut line = vec![a.line1.clone()];
    line.extend(a.line2.clone());
    json!({ "use": "work", "type": "physical", "line": line, "city": a.town, "postalCode": a.postcode.as_str(), "country": "GB" })
}

/// A location as a contained resource, named with its organisation.
fn contained_location(location: &Location, organisation: &Organisation) -> Value {
    json!({
        "resourceType": "Location",
        "id": location.location_id.to_string(),
        "status": "active",
        "name": location.name,
        "mode": "instance",
        "address": address(&location.address),
        "managingOrganization": {
            "type": "Organization",
            "identifier": { "system": codes::ODS_SYSTEM, "value": organisation.ods_code.as_str() },
            "display": organisation.name,
        },
    })
}

/// The Schedule of one clinician at one organisation, over the slots found
/// for it: the clinician by reference, each location (with the practice
/// or hub's name and ODS code) contained.
pub fn schedule(slots: &[&SlotView], horizon: (OffsetDateTime, OffsetDateTime)) -> Value {
    let first = slots[0];
    let organisation = &first.organisation;
    let mut services = Vec::new();
    let mut locations: Vec<&Location> = Vec::new();
    for v in slots {
        if !services.contains(&v.slot.service) {
            services.push(v.slot.service);
        }
        if !locations.iter().any(|l| l.location_id == v.location.location_id) {
            locations.push(&v.location);
        }
    }
    let mut contained = Vec::new();
    let mut actor =
        vec![json!({ "reference": format!("Practitioner/{}", first.slot.clinician_id), "type": "Practitioner" })];
    for location in locations {
        let id = location.location_id;
        actor.push(json!({ "reference": format!("#{id}"), "type": "Location", "display": location.name }));
        contained.push(contained_location(location, organisation));
    }
    json!({
        "resourceType": "Schedule",
        "id": schedule_id(first.slot.clinician_id, first.slot.organisation_id),
        "contained": contained,
        "active": true,
        "serviceType": services.into_iter().map(codes::service_type).collect::<Vec<_>>(),
        "actor": actor,
        "planningHorizon": { "start": instant(horizon.0), "end": instant(horizon.1) },
        "comment": format!("Clinics at {}", organisation.name),
    })
}

pub fn appointment_version(a: &Appointment) -> String {
    codes::version(a.sequence, a.status)
}

/// An appointment with its slot's times, service, clinician and place.
pub fn appointment(v: &AppointmentView) -> Value {
    let (a, s) = (&v.appointment, &v.slot.slot);
    let mut resource = json!({
        "resourceType": "Appointment",
        "id": a.appointment_id.to_string(),
        "meta": { "versionId": appointment_version(a) },
        "extension": [codes::channel_extension(s.channel)],
        "status": codes::appointment_status(a.status),
        "serviceType": [codes::service_type(s.service)],
        "description": s.service.label(),
        "start": instant(s.starts_at),
        "end": instant(s.ends_at),
        "minutesDuration": (s.ends_at - s.starts_at).whole_minutes().max(1),
        "slot": [{ "reference": format!("Slot/{}", s.slot_id), "type": "Slot" }],
        "created": instant(a.created_at),
        "participant": [
            { "actor": { "reference": format!("Patient/{}", a.patient_id), "type": "Patient" }, "required": "required", "status": "accepted" },
            { "actor": { "reference": format!("Practitioner/{}", s.clinician_id), "type": "Practitioner" }, "required": "required", "status": "accepted" },
            { "actor": { "reference": format!("Location/{}", s.location_id), "type": "Location", "display": v.slot.location.name }, "required": "required", "status": "accepted" },
        ],
    });
    if let Some(reason) = codes::cancellation_reason(a.status) {
        resource["cancelationReason"] = reason;
    }
    if let Some(note) = a.note.as_ref().filter(|n| !n.trim().is_empty()) {
        resource["comment"] = Value::String(note.clone());
    }
    resource
}

/// A searchset Bundle. `entries` are (resource, search mode).
pub fn searchset(
    base: &str,
    self_link: String,
    now: OffsetDateTime,
    total: usize,
    entries: Vec<(Value, &'static str)>,
) -> Value {
    let entry: Vec<Value> = entries
        .into_iter()
        .map(|(resource, mode)| {
            let full_url = format!(
                "{base}/{}/{}",
                resource["resourceType"].as_str().unwrap_or_default(),
                resource["id"].as_str().unwrap_or_default()
            );
            json!({ "fullUrl": full_url, "resource": resource, "search": { "mode": mode } })
        })
        .collect();
    let mut bundle = json!({
        "resourceType": "Bundle",
        "id": Uuid::new_v4().to_string(),
        "meta": { "lastUpdated": instant(now) },
        "type": "searchset",
        "total": total,
        "link": [{ "relation": "self", "url": self_link }],
    });
    // FHIR's JSON has no empty arrays.
    if !entry.is_empty() {
        bundle["entry"] = Value::Array(entry);
    }
    bundle
}
