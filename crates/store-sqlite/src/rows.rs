//! Rows to domain values. A value the domain refuses (a corrupted NHS
//! number, an unknown kind) is an error, not a silent default.

use carebook_core::domain::{EmailAddress, NhsNumber, OdsCode, PhoneNumber, Postcode};
use carebook_core::model::{
    Address, Area, AreaCode, AuditEvent, AuditOutcome, ClinicalRole, ClinicalStatus, Condition, Federation,
    Organisation, OrganisationKind, Patient, ProxyAccess, ProxyRelationshipKind, ProxyScope, Sex, SnomedConcept,
    StaffAssignment, StaffMember, StaffRole, StoredAuditEvent,
};
use carebook_core::store::{StoreError, StoreResult};
use sqlx::sqlite::SqliteRow;
use sqlx::Row;
use uuid::fmt::Hyphenated;
use uuid::Uuid;

use crate::map_err;

pub(crate) const ORGANISATION_COLUMNS: &str = "organisation_id, ods_code, name, kind, area_code, federation_id, \
     address_line1, address_line2, town, postcode, phone, email";

pub(crate) const PATIENT_COLUMNS: &str = "patient_id, nhs_number, given_name, family_name, date_of_birth, sex, \
     email, phone, address_line1, address_line2, town, postcode, registered_practice_id, nominated_pharmacy_id";

fn corrupt(what: &str) -> StoreError {
    StoreError::Other(format!("stored value for {what} is not valid").into())
}

fn uuid(row: &SqliteRow, col: &str) -> StoreResult<Uuid> {
    Ok(row.try_get::<Hyphenated, _>(col).map_err(map_err)?.into_uuid())
}

fn opt_uuid(row: &SqliteRow, col: &str) -> StoreResult<Option<Uuid>> {
    Ok(row.try_get::<Option<Hyphenated>, _>(col).map_err(map_err)?.map(Hyphenated::into_uuid))
}

fn text(row: &SqliteRow, col: &str) -> StoreResult<String> {
    row.try_get::<String, _>(col).map_err(map_err)
}

fn opt_text(row: &SqliteRow, col: &str) -> StoreResult<Option<String>> {
    row.try_get::<Option<String>, _>(col).map_err(map_err)
}

fn parsed<T, E>(row: &SqliteRow, col: &str, parse: impl Fn(&str) -> Result<T, E>) -> StoreResult<T> {
    parse(&text(row, col)?).map_err(|_| corrupt(col))
}

fn opt_parsed<T, E>(row: &SqliteRow, col: &str, parse: impl Fn(&str) -> Result<T, E>) -> StoreResult<Option<T>> {
    opt_text(row, col)?.map(|s| parse(&s).map_err(|_| corrupt(col))).transpose()
}

fn known<T>(row: &SqliteRow, col: &str, parse: impl Fn(&str) -> Option<T>) -> StoreResult<T> {
    parse(&text(row, col)?).ok_or_else(|| corrupt(col))
}

fn address(row: &SqliteRow) -> StoreResult<Address> {
    Ok(Address {
        line1: text(row, "address_line1")?,
        line2: opt_text(row, "address_line2")?,
        town: text(row, "town")?,
        postcode: parsed(row, "postcode", Postcode::parse)?,
    })
}

pub(crate) fn area_from_row(row: &SqliteRow) -> StoreResult<Area> {
    Ok(Area { code: known(row, "area_code", AreaCode::parse)?, name: text(row, "name")? })
}

pub(crate) fn federation_from_row(row: &SqliteRow) -> StoreResult<Federation> {
    Ok(Federation {
        federation_id: uuid(row, "federation_id")?,
        name: text(row, "name")?,
        area: known(row, "area_code", AreaCode::parse)?,
    })
}

pub(crate) fn organisation_from_row(row: &SqliteRow) -> StoreResult<Organisation> {
    Ok(Organisation {
        organisation_id: uuid(row, "organisation_id")?,
        ods_code: parsed(row, "ods_code", OdsCode::parse)?,
        name: text(row, "name")?,
        kind: known(row, "kind", OrganisationKind::parse)?,
        area: known(row, "area_code", AreaCode::parse)?,
        federation_id: opt_uuid(row, "federation_id")?,
        address: address(row)?,
        phone: opt_parsed(row, "phone", PhoneNumber::parse)?,
        email: opt_parsed(row, "email", EmailAddress::parse)?,
    })
}

pub(crate) fn patient_from_row(row: &SqliteRow) -> StoreResult<Patient> {
    Ok(Patient {
        patient_id: uuid(row, "patient_id")?,
        nhs_number: parsed(row, "nhs_number", NhsNumber::parse)?,
        given_name: text(row, "given_name")?,
        family_name: text(row, "family_name")?,
        date_of_birth: row.try_get("date_of_birth").map_err(map_err)?,
        sex: known(row, "sex", Sex::parse)?,
        email: opt_parsed(row, "email", EmailAddress::parse)?,
        phone: opt_parsed(row, "phone", PhoneNumber::parse)?,
        address: address(row)?,
        registered_practice_id: uuid(row, "registered_practice_id")?,
        nominated_pharmacy_id: opt_uuid(row, "nominated_pharmacy_id")?,
    })
}

pub(crate) fn condition_from_row(row: &SqliteRow) -> StoreResult<Condition> {
    Ok(Condition {
        condition_id: uuid(row, "patient_condition_id")?,
        patient_id: uuid(row, "patient_id")?,
        code: SnomedConcept { code: text(row, "snomed_code")?, display: text(row, "display")? },
        clinical_status: known(row, "clinical_status", ClinicalStatus::parse)?,
        onset_date: row.try_get("onset_date").map_err(map_err)?,
        recorded_by_organisation_id: uuid(row, "recorded_by_organisation_id")?,
    })
}

pub(crate) fn staff_from_row(row: &SqliteRow) -> StoreResult<StaffMember> {
    Ok(StaffMember {
        staff_member_id: uuid(row, "staff_member_id")?,
        staff_uid: text(row, "staff_uid")?,
        given_name: text(row, "given_name")?,
        family_name: text(row, "family_name")?,
        email: parsed(row, "email", EmailAddress::parse)?,
        clinical_role: opt_text(row, "clinical_role")?
            .map(|r| ClinicalRole::parse(&r).ok_or_else(|| corrupt("clinical_role")))
            .transpose()?,
    })
}

pub(crate) fn assignment_from_row(row: &SqliteRow) -> StoreResult<StaffAssignment> {
    Ok(StaffAssignment {
        staff_member_id: uuid(row, "staff_member_id")?,
        organisation_id: uuid(row, "organisation_id")?,
        role: known(row, "role", StaffRole::parse)?,
    })
}

pub(crate) fn proxy_from_row(row: &SqliteRow) -> StoreResult<ProxyAccess> {
    Ok(ProxyAccess {
        proxy_access_id: uuid(row, "proxy_access_id")?,
        proxy_patient_id: uuid(row, "proxy_patient_id")?,
        subject_patient_id: uuid(row, "subject_patient_id")?,
        relationship: known(row, "relationship", ProxyRelationshipKind::parse)?,
        scopes: scopes_from_text(&text(row, "scopes")?)?,
        valid_from: row.try_get("valid_from").map_err(map_err)?,
        valid_until: row.try_get("valid_until").map_err(map_err)?,
    })
}

pub(crate) fn scopes_to_text(scopes: &[ProxyScope]) -> String {
    scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(",")
}

pub(crate) fn scopes_from_text(s: &str) -> StoreResult<Vec<ProxyScope>> {
    s.split(',').filter(|x| !x.is_empty()).map(|x| ProxyScope::parse(x).ok_or_else(|| corrupt("scopes"))).collect()
}

pub(crate) fn audit_from_row(row: &SqliteRow) -> StoreResult<StoredAuditEvent> {
    Ok(StoredAuditEvent {
        audit_event_id: row.try_get("audit_event_id").map_err(map_err)?,
        event: AuditEvent {
            occurred_at: row.try_get("occurred_at").map_err(map_err)?,
            actor_kind: text(row, "actor_kind")?,
            actor_id: opt_uuid(row, "actor_id")?,
            action: text(row, "action")?,
            target_kind: opt_text(row, "target_kind")?,
            target_id: opt_uuid(row, "target_id")?,
            outcome: known(row, "outcome", AuditOutcome::parse)?,
            reason: opt_text(row, "reason")?,
        },
    })
}
