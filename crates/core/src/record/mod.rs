//! The patient's record: items gathered from source systems (GP, acute,
//! community, mental-health and social-care providers) as FHIR R4
//! resources, and entries the patient makes themselves.
//!
//! A received resource is kept as received (its JSON) beside the columns
//! carebook searches and filters on: patient, source, category (the section
//! it shows in), code, the clinically relevant date, status, privacy label,
//! security labels and whether it is withheld from the patient. The read
//! paths filter withheld items and the practice's access level in the
//! store's query, never after it.
//!
//! - [`fhir`]: reading a Bundle (a typed subset of FHIR R4 over
//!   `serde_json::Value`; every element, known or not, is kept in the JSON).
//! - [`service`]: `RecordService`, what the edges call: ingest from a source,
//!   the patient's own record through the access policy.
//! - [`view`]: what a person sees: sections, provenance, the merge of the
//!   same fact from two sources, "outside the usual range".

pub mod fhir;
pub mod service;
pub mod staff;
pub mod view;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// What kind of system a source is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SourceKind {
    GpSystem,
    AcuteTrust,
    CommunityTrust,
    MentalHealthTrust,
    SocialCare,
}

impl SourceKind {
    pub const ALL: [SourceKind; 5] = [
        SourceKind::GpSystem,
        SourceKind::AcuteTrust,
        SourceKind::CommunityTrust,
        SourceKind::MentalHealthTrust,
        SourceKind::SocialCare,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::GpSystem => "gp_system",
            SourceKind::AcuteTrust => "acute_trust",
            SourceKind::CommunityTrust => "community_trust",
            SourceKind::MentalHealthTrust => "mental_health_trust",
            SourceKind::SocialCare => "social_care",
        }
    }

    pub fn parse(s: &str) -> Result<Self, UnknownCode> {
        Self::ALL.into_iter().find(|k| k.as_str() == s).ok_or(UnknownCode)
    }

    /// How a person reads it beside an item: "GP record", "Hospital".
    pub fn label(self) -> &'static str {
        match self {
            SourceKind::GpSystem => "GP record",
            SourceKind::AcuteTrust => "Hospital",
            SourceKind::CommunityTrust => "Community services",
            SourceKind::MentalHealthTrust => "Mental health services",
            SourceKind::SocialCare => "Social care",
        }
    }

    /// The privacy label an item from this kind of source carries unless
    /// its own labels say more (README, "The patient's record").
    pub fn default_privacy_label(self) -> PrivacyLabel {
        match self {
            SourceKind::MentalHealthTrust => PrivacyLabel::MentalHealth,
            SourceKind::SocialCare => PrivacyLabel::SocialCare,
            _ => PrivacyLabel::General,
        }
    }
}

/// A stored code outside its set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unknown code")]
pub struct UnknownCode;

/// A registered source system: an application, not a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordSource {
    pub record_source_id: Uuid,
    /// Its organisation (ODS code, name) in the directory.
    pub organisation_id: Uuid,
    pub kind: SourceKind,
    /// The OAuth 2.0 client id it authenticates as.
    pub client_id: String,
    /// The RSA public key (PEM) its RS512 client assertions are checked with.
    pub public_key_pem: String,
    pub name: String,
    pub active: bool,
    pub created_at: OffsetDateTime,
}

/// A short-lived access token issued to a source, known to the store only
/// by its digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceToken {
    pub token_digest: String,
    pub record_source_id: Uuid,
    pub issued_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// The section of the record an item shows in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Category {
    Problem,
    Medicine,
    Allergy,
    Result,
    Immunisation,
    Document,
    Encounter,
    Procedure,
    CarePlan,
    /// GP Connect-style list warnings (`confidential-items`): never shown as
    /// items, they make the record say that some items are not shown.
    Warning,
}

impl Category {
    pub const ALL: [Category; 10] = [
        Category::Problem,
        Category::Medicine,
        Category::Allergy,
        Category::Result,
        Category::Immunisation,
        Category::Document,
        Category::Encounter,
        Category::Procedure,
        Category::CarePlan,
        Category::Warning,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Problem => "problem",
            Category::Medicine => "medicine",
            Category::Allergy => "allergy",
            Category::Result => "result",
            Category::Immunisation => "immunisation",
            Category::Document => "document",
            Category::Encounter => "encounter",
            Category::Procedure => "procedure",
            Category::CarePlan => "care_plan",
            Category::Warning => "warning",
        }
    }

    pub fn parse(s: &str) -> Result<Self, UnknownCode> {
        Self::ALL.into_iter().find(|c| c.as_str() == s).ok_or(UnknownCode)
    }

    /// The section's heading on the page.
    pub fn heading(self) -> &'static str {
        match self {
            Category::Problem => "Problems",
            Category::Medicine => "Medicines",
            Category::Allergy => "Allergies",
            Category::Result => "Test results",
            Category::Immunisation => "Immunisations",
            Category::Document => "Letters and documents",
            Category::Encounter => "Visits and admissions",
            Category::Procedure => "Procedures",
            Category::CarePlan => "Care plans",
            Category::Warning => "Warnings",
        }
    }

    /// In the summary record a practice may open to a patient: allergies,
    /// medicines and problems.
    pub fn in_summary(self) -> bool {
        matches!(self, Category::Problem | Category::Medicine | Category::Allergy)
    }
}

/// Every item carries one privacy label; the patient's sharing choices are
/// per label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PrivacyLabel {
    General,
    MentalHealth,
    SexualHealth,
    SocialCare,
}

impl PrivacyLabel {
    pub const ALL: [PrivacyLabel; 4] =
        [PrivacyLabel::General, PrivacyLabel::MentalHealth, PrivacyLabel::SexualHealth, PrivacyLabel::SocialCare];

    pub fn as_str(self) -> &'static str {
        match self {
            PrivacyLabel::General => "general",
            PrivacyLabel::MentalHealth => "mental_health",
            PrivacyLabel::SexualHealth => "sexual_health",
            PrivacyLabel::SocialCare => "social_care",
        }
    }

    pub fn parse(s: &str) -> Result<Self, UnknownCode> {
        Self::ALL.into_iter().find(|c| c.as_str() == s).ok_or(UnknownCode)
    }
}

/// How much of their record the practice opened to the patient online.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AccessLevel {
    None,
    /// Allergies, medicines and problems.
    Summary,
    Full,
}

impl AccessLevel {
    /// With no choice recorded by the practice (README, "The patient's
    /// record").
    pub const DEFAULT: AccessLevel = AccessLevel::Full;

    pub fn as_str(self) -> &'static str {
        match self {
            AccessLevel::None => "none",
            AccessLevel::Summary => "summary",
            AccessLevel::Full => "full",
        }
    }

    pub fn parse(s: &str) -> Result<Self, UnknownCode> {
        match s {
            "none" => Ok(AccessLevel::None),
            "summary" => Ok(AccessLevel::Summary),
            "full" => Ok(AccessLevel::Full),
            _ => Err(UnknownCode),
        }
    }
}

/// Where an item came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Origin {
    /// Sent by a registered source.
    Source(Uuid),
    /// Entered by the patient themselves ("added by you").
    Patient,
}

/// A code from a code system (SNOMED CT, dm+d, LOINC, ...), with the words a
/// source gave for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coding {
    pub system: Option<String>,
    pub code: Option<String>,
    pub display: Option<String>,
}

/// One item of a patient's record, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordItem {
    pub record_item_id: Uuid,
    pub patient_id: Uuid,
    pub origin: Origin,
    /// The FHIR resource type, e.g. "Condition".
    pub resource_type: String,
    /// The source's id for it: the same source and id again updates it.
    pub resource_id: String,
    pub category: Category,
    pub coding: Coding,
    /// The clinically relevant date, whole seconds in UTC.
    pub effective_at: Option<OffsetDateTime>,
    pub status: Option<String>,
    /// MedicationRequest.intent: `plan` is a repeat authorisation.
    pub intent: Option<String>,
    pub value_number: Option<f64>,
    pub value_unit: Option<String>,
    pub range_low: Option<f64>,
    pub range_high: Option<f64>,
    pub privacy_label: PrivacyLabel,
    /// `meta.security` codes.
    pub security_labels: Vec<String>,
    /// Never shown to the patient or anyone acting for them.
    pub withheld: bool,
    /// `meta.lastUpdated` (whole seconds), or when it arrived.
    pub last_updated: OffsetDateTime,
    pub received_at: OffsetDateTime,
    /// The resource as received.
    pub resource_json: String,
}

/// A bundle accepted for one patient: stored all or nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct IngestBatch {
    pub record_ingest_id: Uuid,
    pub record_source_id: Uuid,
    pub patient_id: Uuid,
    pub received_at: OffsetDateTime,
    pub items: Vec<RecordItem>,
}

/// What storing a bundle did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestCounts {
    pub created: u32,
    pub updated: u32,
    /// Sent again with an older `meta.lastUpdated` than the stored one (or
    /// for another patient than the stored one): kept as it was.
    pub stale: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum IngestOutcome {
    Accepted,
    Refused,
}

impl IngestOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            IngestOutcome::Accepted => "accepted",
            IngestOutcome::Refused => "refused",
        }
    }
    pub fn parse(s: &str) -> Result<Self, UnknownCode> {
        match s {
            "accepted" => Ok(IngestOutcome::Accepted),
            "refused" => Ok(IngestOutcome::Refused),
            _ => Err(UnknownCode),
        }
    }
}

/// One line of the ingest log. Names no clinical content and no NHS number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestLogEntry {
    pub record_ingest_id: Uuid,
    pub record_source_id: Uuid,
    pub received_at: OffsetDateTime,
    pub outcome: IngestOutcome,
    /// `accepted`, or the refusal's stable code.
    pub code: String,
    /// Where in the bundle the problem is (FHIRPath), for refusals.
    pub expression: Option<String>,
    pub patient_id: Option<Uuid>,
    pub resources: u32,
    pub counts: IngestCounts,
}

/// Which of a patient's items a read path may return. Withheld items and
/// the access level are filtered in the store's query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordQuery {
    pub patient_id: Uuid,
    /// Only for clinicians (marked as withheld when shown).
    pub include_withheld: bool,
    /// Only allergies, medicines and problems.
    pub summary_only: bool,
    /// One source's items only (the page's filter).
    pub record_source_id: Option<Uuid>,
    /// The privacy labels it may return (staff outside the patient's
    /// practice: the patient's sharing choices).
    pub labels: staff::SharingChoices,
}

impl RecordQuery {
    /// What a patient (or someone acting for them) may be shown at this
    /// access level; `None` when nothing at all.
    pub fn for_patient(patient_id: Uuid, level: AccessLevel, record_source_id: Option<Uuid>) -> Option<Self> {
        match level {
            AccessLevel::None => None,
            AccessLevel::Summary | AccessLevel::Full => Some(Self {
                patient_id,
                include_withheld: false,
                summary_only: level == AccessLevel::Summary,
                record_source_id,
                labels: staff::SharingChoices::ALL,
            }),
        }
    }
}

/// Whole seconds in UTC: how instants of the record are stored, so that
/// comparing stored `last_updated` values is comparing times on both stores.
pub fn whole_seconds(t: OffsetDateTime) -> OffsetDateTime {
    let t = t.to_offset(time::UtcOffset::UTC);
    t.replace_nanosecond(0).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_back_as_themselves() {
        for k in SourceKind::ALL {
            assert_eq!(SourceKind::parse(k.as_str()), Ok(k));
        }
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Ok(c));
        }
        for l in PrivacyLabel::ALL {
            assert_eq!(PrivacyLabel::parse(l.as_str()), Ok(l));
        }
        for a in [AccessLevel::None, AccessLevel::Summary, AccessLevel::Full] {
            assert_eq!(AccessLevel::parse(a.as_str()), Ok(a));
        }
    }

    #[test]
    fn the_summary_record_is_allergies_medicines_and_problems() {
        let summary: Vec<Category> = Category::ALL.into_iter().filter(|c| c.in_summary()).collect();
        assert_eq!(summary, vec![Category::Problem, Category::Medicine, Category::Allergy]);
    }

    #[test]
    fn a_patient_at_access_level_none_is_shown_nothing() {
        let p = Uuid::from_u128(1);
        assert_eq!(RecordQuery::for_patient(p, AccessLevel::None, None), None);
        let summary = RecordQuery::for_patient(p, AccessLevel::Summary, None).unwrap();
        assert!(summary.summary_only && !summary.include_withheld);
        let full = RecordQuery::for_patient(p, AccessLevel::Full, None).unwrap();
        assert!(!full.summary_only && !full.include_withheld);
    }
}
