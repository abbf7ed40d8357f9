//! The people, organisations and coded facts carebook is built around.
//!
//! These are the trusted, parsed shapes: every field that has rules (NHS
//! number, ODS code, postcode, …) is a domain newtype, so a value of these
//! types is valid by construction. Wire types for the UI and APIs live at
//! those edges; row types live in the stores.

use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

use crate::domain::{EmailAddress, NhsNumber, OdsCode, PhoneNumber, Postcode};

/// One of the three commissioning areas of the footprint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum AreaCode {
    HertsValleys,
    EastAndNorthHerts,
    WestEssex,
}

impl AreaCode {
    pub const ALL: [AreaCode; 3] = [AreaCode::HertsValleys, AreaCode::EastAndNorthHerts, AreaCode::WestEssex];

    /// The stable code stored in the database and used in URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            AreaCode::HertsValleys => "herts_valleys",
            AreaCode::EastAndNorthHerts => "east_and_north_herts",
            AreaCode::WestEssex => "west_essex",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// The name people use.
    pub fn name(self) -> &'static str {
        match self {
            AreaCode::HertsValleys => "Herts Valleys",
            AreaCode::EastAndNorthHerts => "East and North Hertfordshire",
            AreaCode::WestEssex => "West Essex",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Area {
    pub code: AreaCode,
    pub name: String,
}

/// A group of practices that share extended-hours appointments at a hub.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Federation {
    pub federation_id: Uuid,
    pub name: String,
    pub area: AreaCode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationKind {
    /// A GP practice: patients register here.
    GpPractice,
    /// A federation's extended-hours hub.
    Hub,
    /// A community pharmacy patients can nominate.
    Pharmacy,
    /// Providers that feed the aggregated record.
    AcuteTrust,
    CommunityTrust,
    MentalHealthTrust,
    SocialCare,
}

impl OrganisationKind {
    pub const ALL: [OrganisationKind; 7] = [
        OrganisationKind::GpPractice,
        OrganisationKind::Hub,
        OrganisationKind::Pharmacy,
        OrganisationKind::AcuteTrust,
        OrganisationKind::CommunityTrust,
        OrganisationKind::MentalHealthTrust,
        OrganisationKind::SocialCare,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrganisationKind::GpPractice => "gp_practice",
            OrganisationKind::Hub => "hub",
            OrganisationKind::Pharmacy => "pharmacy",
            OrganisationKind::AcuteTrust => "acute_trust",
            OrganisationKind::CommunityTrust => "community_trust",
            OrganisationKind::MentalHealthTrust => "mental_health_trust",
            OrganisationKind::SocialCare => "social_care",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            OrganisationKind::GpPractice => "GP practice",
            OrganisationKind::Hub => "Extended-hours hub",
            OrganisationKind::Pharmacy => "Pharmacy",
            OrganisationKind::AcuteTrust => "Hospital",
            OrganisationKind::CommunityTrust => "Community services",
            OrganisationKind::MentalHealthTrust => "Mental health services",
            OrganisationKind::SocialCare => "Social care",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub line1: String,
    pub line2: Option<String>,
    pub town: String,
    pub postcode: Postcode,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organisation {
    pub organisation_id: Uuid,
    pub ods_code: OdsCode,
    pub name: String,
    pub kind: OrganisationKind,
    pub area: AreaCode,
    /// Practices and hubs belong to at most one federation.
    pub federation_id: Option<Uuid>,
    pub address: Address,
    pub phone: Option<PhoneNumber>,
    pub email: Option<EmailAddress>,
}

/// A place where appointments happen (a surgery building, a hub site).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    pub location_id: Uuid,
    pub organisation_id: Uuid,
    pub name: String,
    pub address: Address,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClinicalRole {
    Gp,
    Nurse,
    HealthcareAssistant,
    Pharmacist,
    Phlebotomist,
}

impl ClinicalRole {
    pub const ALL: [ClinicalRole; 5] = [
        ClinicalRole::Gp,
        ClinicalRole::Nurse,
        ClinicalRole::HealthcareAssistant,
        ClinicalRole::Pharmacist,
        ClinicalRole::Phlebotomist,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ClinicalRole::Gp => "gp",
            ClinicalRole::Nurse => "nurse",
            ClinicalRole::HealthcareAssistant => "healthcare_assistant",
            ClinicalRole::Pharmacist => "pharmacist",
            ClinicalRole::Phlebotomist => "phlebotomist",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            ClinicalRole::Gp => "GP",
            ClinicalRole::Nurse => "Practice nurse",
            ClinicalRole::HealthcareAssistant => "Healthcare assistant",
            ClinicalRole::Pharmacist => "Clinical pharmacist",
            ClinicalRole::Phlebotomist => "Phlebotomist",
        }
    }
}

/// What a member of staff may do, always within one organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    Receptionist,
    Clinician,
    PracticeAdmin,
    FederationAdmin,
}

impl StaffRole {
    pub const ALL: [StaffRole; 4] =
        [StaffRole::Receptionist, StaffRole::Clinician, StaffRole::PracticeAdmin, StaffRole::FederationAdmin];
    pub fn as_str(self) -> &'static str {
        match self {
            StaffRole::Receptionist => "receptionist",
            StaffRole::Clinician => "clinician",
            StaffRole::PracticeAdmin => "practice_admin",
            StaffRole::FederationAdmin => "federation_admin",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffMember {
    pub staff_member_id: Uuid,
    /// The subject the staff identity provider knows this person by.
    pub staff_uid: String,
    pub given_name: String,
    pub family_name: String,
    pub email: EmailAddress,
    /// Set for people who hold clinics (and so own slots).
    pub clinical_role: Option<ClinicalRole>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffAssignment {
    pub staff_member_id: Uuid,
    pub organisation_id: Uuid,
    pub role: StaffRole,
}

/// Administrative sex as recorded on the registration (FHIR
/// `AdministrativeGender`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Female,
    Male,
    Other,
    Unknown,
}

impl Sex {
    pub const ALL: [Sex; 4] = [Sex::Female, Sex::Male, Sex::Other, Sex::Unknown];
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Female => "female",
            Sex::Male => "male",
            Sex::Other => "other",
            Sex::Unknown => "unknown",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Patient {
    pub patient_id: Uuid,
    pub nhs_number: NhsNumber,
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: Date,
    pub sex: Sex,
    pub email: Option<EmailAddress>,
    pub phone: Option<PhoneNumber>,
    pub address: Address,
    pub registered_practice_id: Uuid,
    pub nominated_pharmacy_id: Option<Uuid>,
}

impl Patient {
    /// Age in whole years on `today`.
    pub fn age_on(&self, today: Date) -> i32 {
        let mut age = today.year() - self.date_of_birth.year();
        if (today.month() as u8, today.day()) < (self.date_of_birth.month() as u8, self.date_of_birth.day()) {
            age -= 1;
        }
        age
    }
}

/// A SNOMED CT concept: kept as its code, shown by its term.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SnomedConcept {
    pub code: String,
    pub display: String,
}

/// SNOMED CT concepts carebook's rules look for.
pub mod snomed {
    /// Type 2 diabetes mellitus (disorder).
    pub const TYPE_2_DIABETES: &str = "44054006";
    /// Chronic obstructive lung disease (disorder).
    pub const COPD: &str = "13645005";
    /// Essential hypertension (disorder).
    pub const HYPERTENSION: &str = "59621000";
    /// Asthma (disorder).
    pub const ASTHMA: &str = "195967001";
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClinicalStatus {
    Active,
    Resolved,
}

impl ClinicalStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ClinicalStatus::Active => "active",
            ClinicalStatus::Resolved => "resolved",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(Self::Active),
            "resolved" => Some(Self::Resolved),
            _ => None,
        }
    }
}

/// A coded problem on a patient's record, with the organisation that
/// recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    pub condition_id: Uuid,
    pub patient_id: Uuid,
    pub code: SnomedConcept,
    pub clinical_status: ClinicalStatus,
    pub onset_date: Option<Date>,
    pub recorded_by_organisation_id: Uuid,
}

/// What a proxy may do for the person they act for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum ProxyScope {
    Appointments,
    Prescriptions,
    Record,
    Readings,
}

impl ProxyScope {
    pub const ALL: [ProxyScope; 4] =
        [ProxyScope::Appointments, ProxyScope::Prescriptions, ProxyScope::Record, ProxyScope::Readings];
    pub fn as_str(self) -> &'static str {
        match self {
            ProxyScope::Appointments => "appointments",
            ProxyScope::Prescriptions => "prescriptions",
            ProxyScope::Record => "record",
            ProxyScope::Readings => "readings",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProxyRelationshipKind {
    /// A parent or guardian of a child under 16.
    ParentOrGuardian,
    /// An adult carer, with the person's consent.
    Carer,
    /// Lasting power of attorney for health and welfare.
    LastingPowerOfAttorney,
}

impl ProxyRelationshipKind {
    pub const ALL: [ProxyRelationshipKind; 3] = [
        ProxyRelationshipKind::ParentOrGuardian,
        ProxyRelationshipKind::Carer,
        ProxyRelationshipKind::LastingPowerOfAttorney,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ProxyRelationshipKind::ParentOrGuardian => "parent_or_guardian",
            ProxyRelationshipKind::Carer => "carer",
            ProxyRelationshipKind::LastingPowerOfAttorney => "lasting_power_of_attorney",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// One person acting for another, with scoped rights and a validity period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProxyAccess {
    pub proxy_access_id: Uuid,
    /// The person acting (themselves a registered patient).
    pub proxy_patient_id: Uuid,
    /// The person acted for.
    pub subject_patient_id: Uuid,
    pub relationship: ProxyRelationshipKind,
    pub scopes: Vec<ProxyScope>,
    pub valid_from: Date,
    pub valid_until: Option<Date>,
}

/// The whole synthetic world a demonstration (or a test) runs on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Population {
    pub areas: Vec<Area>,
    pub federations: Vec<Federation>,
    pub organisations: Vec<Organisation>,
    pub locations: Vec<Location>,
    pub staff: Vec<StaffMember>,
    pub staff_assignments: Vec<StaffAssignment>,
    pub patients: Vec<Patient>,
    pub conditions: Vec<Condition>,
    pub proxies: Vec<ProxyAccess>,
}

/// How many of each thing a store holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PopulationCounts {
    pub areas: u64,
    pub federations: u64,
    pub organisations: u64,
    pub locations: u64,
    pub staff: u64,
    pub staff_assignments: u64,
    pub patients: u64,
    pub conditions: u64,
    pub proxies: u64,
}

impl Population {
    pub fn counts(&self) -> PopulationCounts {
        PopulationCounts {
            areas: self.areas.len() as u64,
            federations: self.federations.len() as u64,
            organisations: self.organisations.len() as u64,
            locations: self.locations.len() as u64,
            staff: self.staff.len() as u64,
            staff_assignments: self.staff_assignments.len() as u64,
            patients: self.patients.len() as u64,
            conditions: self.conditions.len() as u64,
            proxies: self.proxies.len() as u64,
        }
    }
}

/// How an audited action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditOutcome {
    Success,
    Failure,
    Refused,
}

impl AuditOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditOutcome::Success => "success",
            AuditOutcome::Failure => "failure",
            AuditOutcome::Refused => "refused",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "success" => Some(Self::Success),
            "failure" => Some(Self::Failure),
            "refused" => Some(Self::Refused),
            _ => None,
        }
    }
}

/// One line of the append-only audit trail: who did what to what, when, and
/// how it ended. Codes only: never a name, an NHS number or a clinical value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub occurred_at: time::OffsetDateTime,
    /// "patient", "staff", "anonymous" or "system".
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    /// What was attempted, e.g. "login", "logout", "step_up", "record_view".
    pub action: String,
    /// What it was about, e.g. "patient", "appointment".
    pub target_kind: Option<String>,
    pub target_id: Option<Uuid>,
    pub outcome: AuditOutcome,
    /// A reason code for failures and refusals, e.g. "needs_p9".
    pub reason: Option<String>,
}

/// An audit event as stored, with its place in the trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredAuditEvent {
    pub audit_event_id: i64,
    pub event: AuditEvent,
}
