//! `RecordService`: what the edges call for the record. Sources send
//! bundles (after the edge has checked their token); patients read their
//! own record through the access policy, withheld items and the practice's
//! access level filtered in the store's query.

use std::collections::HashMap;
use std::sync::Arc;

use uuid::Uuid;

use super::fhir::{self, FhirProblem};
use super::view::{self, RecordView, SourceInfo};
use super::{
    staff, AccessLevel, IngestBatch, IngestCounts, IngestLogEntry, IngestOutcome, Origin, RecordItem, RecordQuery,
    RecordSource, SourceKind, SourceToken,
};
use crate::access::{Actor, Refusal, Service};
use crate::clock::{Clock, IdSource};
use crate::model::StaffRole;
use crate::services::{Access, Denial};
use crate::store::{Store, StoreError};

/// How long a source's access token lasts.
pub const TOKEN_LIFETIME: time::Duration = time::Duration::minutes(5);

/// Why the record service said no.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The access policy refused (or nobody is logged in).
    #[error(transparent)]
    Denied(#[from] Denial),
    /// The bundle breaks a rule of FHIR or of carebook; nothing stored.
    #[error("invalid bundle: {}", .0.code)]
    Invalid(FhirProblem),
    /// Nobody with this NHS number is registered.
    #[error("no such patient")]
    PatientNotFound,
    /// The NHS number is registered to someone with another date of birth.
    #[error("patient details do not match")]
    PatientMismatch,
    /// The clinician's organisation has no legitimate relationship with the
    /// patient (not their practice, no appointment in the window): only
    /// emergency access, with a written reason, opens the record.
    #[error("no legitimate relationship")]
    NoRelationship,
    /// Emergency access was asked without a reason of at least
    /// `staff::MIN_EMERGENCY_REASON` characters.
    #[error("emergency access needs a reason")]
    ReasonNeeded,
    /// The client or token is unknown, expired or its source is switched off.
    #[error("invalid client")]
    InvalidClient,
    #[error(transparent)]
    Unavailable(StoreError),
}

impl RecordError {
    /// The stable code every edge reports.
    pub fn code(&self) -> &'static str {
        match self {
            RecordError::Denied(d) => d.code(),
            RecordError::Invalid(p) => p.code,
            RecordError::PatientNotFound => "patient_not_found",
            RecordError::PatientMismatch => "patient_mismatch",
            RecordError::NoRelationship => "no_legitimate_relationship",
            RecordError::ReasonNeeded => "emergency_reason_needed",
            RecordError::InvalidClient => "invalid_client",
            RecordError::Unavailable(_) => "unavailable",
        }
    }

    /// For refusals of a bundle: the problem as an OperationOutcome issue
    /// would carry it (status, FHIRPath, words).
    pub fn problem(&self) -> Option<FhirProblem> {
        match self {
            RecordError::Invalid(p) => Some(p.clone()),
            RecordError::PatientNotFound => Some(FhirProblem {
                status: 422,
                code: "patient_not_found",
                expression: "Patient.identifier".into(),
                text: "No patient registered with carebook has this NHS number. Check the NHS number.".into(),
            }),
            RecordError::PatientMismatch => Some(FhirProblem {
                status: 422,
                code: "patient_mismatch",
                expression: "Patient.birthDate".into(),
                text: "The NHS number and date of birth do not match the same person. Check both.".into(),
            }),
            _ => None,
        }
    }
}

fn unavailable(e: StoreError) -> RecordError {
    RecordError::Unavailable(e)
}

/// A source to register (by an administrator, the command line, the
/// demonstration).
#[derive(Debug, Clone)]
pub struct NewSource {
    pub organisation_id: Uuid,
    pub kind: SourceKind,
    pub client_id: String,
    pub public_key_pem: String,
    pub name: String,
}

/// What an accepted bundle did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IngestReceipt {
    pub record_ingest_id: Uuid,
    pub resources: u32,
    pub counts: IngestCounts,
}

#[derive(Clone)]
pub struct RecordService {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdSource>,
    access: Access,
}

impl RecordService {
    pub(crate) fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, ids: Arc<dyn IdSource>, access: Access) -> Self {
        Self { store, clock, ids, access }
    }

    /// Register a source system.
    pub async fn register_source(&self, new: NewSource) -> Result<RecordSource, RecordError> {
        let source = RecordSource {
            record_source_id: self.ids.new_id(),
            organisation_id: new.organisation_id,
            kind: new.kind,
            client_id: new.client_id,
            public_key_pem: new.public_key_pem,
            name: new.name,
            active: true,
            created_at: super::whole_seconds(self.clock.now()),
        };
        self.store.insert_record_source(&source).await.map_err(unavailable)?;
        Ok(source)
    }

    /// The active source a client id names (its key checks the assertion).
    pub async fn source_for_client(&self, client_id: &str) -> Result<RecordSource, RecordError> {
        match self.store.record_source_by_client_id(client_id).await {
            Ok(s) if s.active => Ok(s),
            Ok(_) | Err(StoreError::NotFound) => Err(RecordError::InvalidClient),
            Err(e) => Err(unavailable(e)),
        }
    }

    /// Issue a token to a source whose assertion the edge has verified;
    /// the edge keeps the token, the store only its digest.
    pub async fn issue_token(&self, source: &RecordSource, token_digest: String) -> Result<SourceToken, RecordError> {
        let now = super::whole_seconds(self.clock.now());
        let token = SourceToken {
            token_digest,
            record_source_id: source.record_source_id,
            issued_at: now,
            expires_at: now + TOKEN_LIFETIME,
        };
        self.store.insert_source_token(&token).await.map_err(unavailable)?;
        Ok(token)
    }

    /// The active source a bearer token was issued to, while it lasts.
    pub async fn source_for_token(&self, token_digest: &str) -> Result<RecordSource, RecordError> {
        match self.store.source_for_token(token_digest, self.clock.now()).await {
            Ok(s) if s.active => Ok(s),
            Ok(_) | Err(StoreError::NotFound) => Err(RecordError::InvalidClient),
            Err(e) => Err(unavailable(e)),
        }
    }

    /// Take a bundle from a source: read it whole, match its patient by NHS
    /// number and date of birth, and store every item in one transaction,
    /// or refuse it whole (logged) with nothing stored. Items are always
    /// filed under the sending source: a source writes only its own
    /// organisation's entries.
    pub async fn ingest(&self, source: &RecordSource, body: &[u8]) -> Result<IngestReceipt, RecordError> {
        let received_at = super::whole_seconds(self.clock.now());
        let record_ingest_id = self.ids.new_id();
        let outcome = self.accept(source, body, received_at, record_ingest_id).await;
        if let Err(refusal) = &outcome {
            if let Some(problem) = refusal.problem() {
                let entry = IngestLogEntry {
                    record_ingest_id,
                    record_source_id: source.record_source_id,
                    received_at,
                    outcome: IngestOutcome::Refused,
                    code: problem.code.to_string(),
                    expression: Some(problem.expression.chars().take(200).collect()),
                    patient_id: None,
                    resources: 0,
                    counts: IngestCounts::default(),
                };
                self.store.log_refused_ingest(&entry).await.map_err(unavailable)?;
            }
        }
        outcome
    }

    async fn accept(
        &self,
        source: &RecordSource,
        body: &[u8],
        received_at: time::OffsetDateTime,
        record_ingest_id: Uuid,
    ) -> Result<IngestReceipt, RecordError> {
        let bundle = fhir::parse_bundle(body).map_err(RecordError::Invalid)?;
        let patient = match self.store.patient_by_nhs_number(&bundle.patient.nhs_number).await {
            Ok(p) => p,
            Err(StoreError::NotFound) => return Err(RecordError::PatientNotFound),
            Err(e) => return Err(unavailable(e)),
        };
        if patient.date_of_birth != bundle.patient.birth_date {
            return Err(RecordError::PatientMismatch);
        }
        let items = items_from(bundle.resources, source, patient.patient_id, received_at, self.ids.as_ref());
        let resources = items.len() as u32;
        let batch = IngestBatch {
            record_ingest_id,
            record_source_id: source.record_source_id,
            patient_id: patient.patient_id,
            received_at,
            items,
        };
        let counts = self.store.ingest_record(&batch).await.map_err(unavailable)?;
        Ok(IngestReceipt { record_ingest_id, resources, counts })
    }

    /// A source's own ingest log, newest first.
    pub async fn ingest_log(&self, source: &RecordSource, limit: u32) -> Result<Vec<IngestLogEntry>, RecordError> {
        self.store.ingest_log(source.record_source_id, limit).await.map_err(unavailable)
    }

    /// The practice's choice of how much of the record the patient sees
    /// online (the default when it never chose).
    async fn access_level(&self, patient_id: Uuid) -> Result<AccessLevel, RecordError> {
        Ok(self.store.record_access_level(patient_id).await.map_err(unavailable)?.unwrap_or(AccessLevel::DEFAULT))
    }

    /// The items a patient (or someone acting for them with the record
    /// scope) may see: never a withheld one, never beyond the access level.
    /// Asks the access policy first.
    pub async fn patient_items(
        &self,
        actor: &Actor,
        patient_id: Uuid,
        record_source_id: Option<Uuid>,
    ) -> Result<(AccessLevel, Vec<RecordItem>), RecordError> {
        self.access.patient(actor, patient_id, Service::Record).await?;
        // This is the patient's own view: staff read the record through the
        // staff view, with its own rules and log.
        if !matches!(actor, Actor::Patient(_)) {
            return Err(Denial::Refused { patient_id, refusal: Refusal::NotPermitted }.into());
        }
        let level = self.access_level(patient_id).await?;
        let Some(query) = RecordQuery::for_patient(patient_id, level, record_source_id) else {
            return Ok((level, Vec::new()));
        };
        let items = self.store.record_items(&query).await.map_err(unavailable)?;
        Ok((level, items))
    }

    /// The patient's record as they see it: sections newest first, each
    /// item with its sources, the same fact from two sources once.
    pub async fn patient_record(
        &self,
        actor: &Actor,
        patient_id: Uuid,
        record_source_id: Option<Uuid>,
    ) -> Result<RecordView, RecordError> {
        let (level, items) = self.patient_items(actor, patient_id, record_source_id).await?;
        let all_sources = if record_source_id.is_some() {
            // The filter lists every source, not only the one chosen.
            self.patient_items(actor, patient_id, None).await?.1
        } else {
            items.clone()
        };
        let sources = self.source_infos(&all_sources).await?;
        let warned = self.store.record_has_confidential_items(patient_id).await.map_err(unavailable)?;
        let mut listed: Vec<SourceInfo> = sources.values().cloned().collect();
        listed.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(RecordView {
            access_level: level,
            sections: view::sections(&items, &sources),
            sources: listed,
            some_items_not_shown: warned || level != AccessLevel::Full,
        })
    }

    /// The sources named by these items, as a person reads them.
    async fn source_infos(&self, items: &[RecordItem]) -> Result<HashMap<Uuid, SourceInfo>, RecordError> {
        let mut out = HashMap::new();
        for item in items {
            let Origin::Source(id) = item.origin else { continue };
            if out.contains_key(&id) {
                continue;
            }
            let source = self.store.record_source(id).await.map_err(unavailable)?;
            let organisation = self.store.organisation_by_id(source.organisation_id).await.map_err(unavailable)?;
            out.insert(
                id,
                SourceInfo {
                    record_source_id: id,
                    name: source.name,
                    organisation_name: organisation.name,
                    ods_code: organisation.ods_code.as_str().to_string(),
                    kind: source.kind,
                },
            );
        }
        Ok(out)
    }

    /// A clinician's view of a patient's record, for the organisation they
    /// act for: only as a clinician there, only with a legitimate
    /// relationship (the patient's practice, or an appointment there within
    /// the window around today) or emergency access with a written reason;
    /// outside the patient's practice only the labels the patient shares
    /// (emergency access sees all). Withheld items are included, marked.
    /// Every view is logged for the patient to read, emergency access
    /// flagged.
    pub async fn staff_record(
        &self,
        actor: &Actor,
        patient_id: Uuid,
        organisation_id: Uuid,
        emergency_reason: Option<&str>,
    ) -> Result<(staff::Relationship, RecordView), RecordError> {
        let Actor::Staff(me) = actor else {
            return Err(match actor {
                Actor::Anonymous => Denial::NotLoggedIn,
                _ => Denial::Refused { patient_id, refusal: Refusal::NotPermitted },
            }
            .into());
        };
        if !me.holds(organisation_id, StaffRole::Clinician) {
            return Err(Denial::Refused { patient_id, refusal: Refusal::WrongOrganisationOrRole }.into());
        }
        let patient = match self.store.patient_by_id(patient_id).await {
            Ok(p) => p,
            Err(StoreError::NotFound) => {
                return Err(Denial::Refused { patient_id, refusal: Refusal::NotPermitted }.into())
            }
            Err(e) => return Err(unavailable(e)),
        };
        let now = self.clock.now();
        let window = time::Duration::days(staff::APPOINTMENT_WINDOW_DAYS);
        let appointment = organisation_id != patient.registered_practice_id
            && self
                .store
                .has_appointment_at(patient_id, organisation_id, now - window, now + window)
                .await
                .map_err(unavailable)?;
        let reason = emergency_reason.map(str::trim).filter(|r| !r.is_empty());
        let Some(relationship) =
            staff::relationship(organisation_id, patient.registered_practice_id, appointment, reason)
        else {
            return Err(if reason.is_some() { RecordError::ReasonNeeded } else { RecordError::NoRelationship });
        };
        let choices =
            staff::SharingChoices::from_stored(&self.store.sharing_choices(patient_id).await.map_err(unavailable)?);
        let query = RecordQuery {
            patient_id,
            include_withheld: true,
            summary_only: false,
            record_source_id: None,
            labels: staff::visible_labels(relationship, choices),
        };
        let items = self.store.record_items(&query).await.map_err(unavailable)?;
        let emergency = relationship == staff::Relationship::Emergency;
        self.store
            .log_record_access(&staff::AccessLogEntry {
                record_access_log_id: self.ids.new_id(),
                patient_id,
                staff_member_id: me.staff_member_id,
                role: StaffRole::Clinician,
                organisation_id,
                accessed_at: super::whole_seconds(now),
                section: "all".into(),
                emergency,
                reason: if emergency { reason.map(|r| r.chars().take(500).collect()) } else { None },
            })
            .await
            .map_err(unavailable)?;
        let sources = self.source_infos(&items).await?;
        let mut listed: Vec<SourceInfo> = sources.values().cloned().collect();
        listed.sort_by(|a, b| a.name.cmp(&b.name));
        Ok((
            relationship,
            RecordView {
                access_level: AccessLevel::Full,
                sections: view::sections(&items, &sources),
                sources: listed,
                some_items_not_shown: query.labels != staff::SharingChoices::ALL,
            },
        ))
    }

    /// Who has looked at the patient's record, newest first: for the
    /// patient themselves only.
    pub async fn access_log(&self, actor: &Actor, patient_id: Uuid) -> Result<Vec<staff::AccessLogEntry>, RecordError> {
        self.own(actor, patient_id).await?;
        self.store.record_access_log(patient_id, 200).await.map_err(unavailable)
    }

    /// The access log as the patient reads it: each view with the name of
    /// who looked and of their organisation.
    pub async fn access_log_view(
        &self,
        actor: &Actor,
        patient_id: Uuid,
    ) -> Result<Vec<(staff::AccessLogEntry, String, String)>, RecordError> {
        let log = self.access_log(actor, patient_id).await?;
        let mut out = Vec::with_capacity(log.len());
        for e in log {
            let who = match self.store.staff_member(e.staff_member_id).await {
                Ok(m) => format!("{} {}", m.given_name, m.family_name),
                Err(_) => "A member of staff".to_string(),
            };
            let organisation = match self.store.organisation_by_id(e.organisation_id).await {
                Ok(o) => o.name,
                Err(_) => "An organisation".to_string(),
            };
            out.push((e, who, organisation));
        }
        Ok(out)
    }

    /// The patient's sharing choices (the defaults where they never chose).
    pub async fn sharing_choices(&self, actor: &Actor, patient_id: Uuid) -> Result<staff::SharingChoices, RecordError> {
        self.own(actor, patient_id).await?;
        Ok(staff::SharingChoices::from_stored(&self.store.sharing_choices(patient_id).await.map_err(unavailable)?))
    }

    pub async fn set_sharing_choices(
        &self,
        actor: &Actor,
        patient_id: Uuid,
        choices: staff::SharingChoices,
    ) -> Result<(), RecordError> {
        self.own(actor, patient_id).await?;
        let now = self.clock.now();
        for label in super::PrivacyLabel::ALL {
            self.store.set_sharing_choice(patient_id, label, choices.shares(label), now).await.map_err(unavailable)?;
        }
        Ok(())
    }

    /// The policy's yes, and the patient themselves (not someone acting
    /// for them): sharing choices and the access log are the patient's own.
    async fn own(&self, actor: &Actor, patient_id: Uuid) -> Result<(), RecordError> {
        self.access.patient(actor, patient_id, Service::Record).await?;
        match actor {
            Actor::Patient(p) if p.patient_id == patient_id => Ok(()),
            _ => Err(Denial::Refused { patient_id, refusal: Refusal::NotPermitted }.into()),
        }
    }

    /// The practice sets how much of the record the patient sees online.
    /// (Staff pages for it come with the staff view; the demonstration and
    /// tests set it here.)
    pub async fn set_access_level(&self, patient_id: Uuid, level: AccessLevel) -> Result<(), RecordError> {
        self.store.set_record_access_level(patient_id, level, self.clock.now()).await.map_err(unavailable)
    }
}

/// The items of an accepted bundle, filed under the sending source and the
/// matched patient. A resource's privacy label is its own sensitivity
/// label, else the source kind's; its `last_updated` its own, else when it
/// arrived.
pub fn items_from(
    resources: Vec<fhir::ParsedResource>,
    source: &RecordSource,
    patient_id: Uuid,
    received_at: time::OffsetDateTime,
    ids: &dyn IdSource,
) -> Vec<RecordItem> {
    resources
        .into_iter()
        .map(|r| RecordItem {
            record_item_id: ids.new_id(),
            patient_id,
            origin: Origin::Source(source.record_source_id),
            resource_type: r.resource_type,
            resource_id: r.resource_id,
            category: r.category,
            coding: r.coding,
            effective_at: r.effective_at,
            status: r.status,
            intent: r.intent,
            value_number: r.value_number,
            value_unit: r.value_unit,
            range_low: r.range_low,
            range_high: r.range_high,
            privacy_label: r.privacy_label.unwrap_or(source.kind.default_privacy_label()),
            security_labels: r.security_labels,
            withheld: r.withheld,
            last_updated: r.last_updated.unwrap_or(received_at),
            received_at,
            resource_json: r.json,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_of_a_bundle_has_a_problem_with_a_path() {
        for e in [RecordError::PatientNotFound, RecordError::PatientMismatch] {
            let p = e.problem().unwrap();
            assert_eq!(p.status, 422);
            assert_eq!(p.code, e.code());
            assert!(!p.expression.is_empty());
        }
        assert!(RecordError::InvalidClient.problem().is_none());
    }
}
