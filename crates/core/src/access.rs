//! Who is asking, and what they may do: the one policy every server
//! function, JSON route and FHIR route goes through.
//!
//! The rules (../shared/PRODUCT.md, "Identity and access" and "Safety and
//! governance"):
//! - a patient reaches only their own data, and GP services need full
//!   identity proofing (NHS login P9); at P5 the NHS number is claimed but
//!   not verified, so nothing of the record is opened;
//! - a proxy reaches the person they act for only within the scopes and
//!   dates of their proxy access, and must themselves be at P9;
//! - staff reach only patients of their own organisation, each role for its
//!   own work; a federation hub's staff reach the appointments of patients
//!   of the federation's member practices;
//! - everything else is refused, and a refusal names no data.

use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

use crate::model::{ProxyAccess, ProxyScope, StaffAssignment, StaffRole};

/// NHS login's identity proofing levels (vectors of trust `P0`, `P5`, `P9`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ProofingLevel {
    /// No identity check: an e-mail address and phone number only.
    P0,
    /// Partial check: details claimed, NHS number not verified.
    P5,
    /// Full check: identity verified, NHS number trusted.
    P9,
}

impl ProofingLevel {
    /// From a vector of trust such as `P9.Cp.Cd` (the returned `vot` claim).
    pub fn from_vot(vot: &str) -> Option<Self> {
        match vot.split('.').next()? {
            "P0" => Some(Self::P0),
            "P5" => Some(Self::P5),
            "P9" => Some(Self::P9),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::P0 => "P0",
            Self::P5 => "P5",
            Self::P9 => "P9",
        }
    }
}

/// A logged-in patient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientActor {
    pub patient_id: Uuid,
    pub proofing: ProofingLevel,
    /// What they may do for other people, loaded at log-in.
    pub proxy_for: Vec<ProxyAccess>,
}

/// A logged-in member of staff, with every role they hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffActor {
    pub staff_member_id: Uuid,
    pub roles: Vec<StaffAssignment>,
}

impl StaffActor {
    pub fn holds(&self, organisation_id: Uuid, role: StaffRole) -> bool {
        self.roles.iter().any(|a| a.organisation_id == organisation_id && a.role == role)
    }
    pub fn works_at(&self, organisation_id: Uuid) -> bool {
        self.roles.iter().any(|a| a.organisation_id == organisation_id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Actor {
    Anonymous,
    /// Logged in below full identity proofing (P0 or P5): their NHS number
    /// is claimed, not verified, so it opens nothing and is never shown.
    PartlyVerified {
        provider_subject: String,
        proofing: ProofingLevel,
    },
    Patient(PatientActor),
    Staff(StaffActor),
}

/// The part of the service a request is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Service {
    Record,
    Appointments,
    Prescriptions,
    Readings,
}

impl Service {
    fn proxy_scope(self) -> ProxyScope {
        match self {
            Service::Record => ProxyScope::Record,
            Service::Appointments => ProxyScope::Appointments,
            Service::Prescriptions => ProxyScope::Prescriptions,
            Service::Readings => ProxyScope::Readings,
        }
    }

    /// The staff roles that do this work at the patient's own practice.
    fn practice_roles(self) -> &'static [StaffRole] {
        match self {
            Service::Record => &[StaffRole::Clinician],
            Service::Appointments => &[StaffRole::Receptionist, StaffRole::Clinician, StaffRole::PracticeAdmin],
            Service::Prescriptions => &[StaffRole::Receptionist, StaffRole::Clinician],
            Service::Readings => &[StaffRole::Clinician],
        }
    }
}

/// What a request is about: a patient, where they are registered, and the
/// federation (and its hub) that practice belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subject {
    pub patient_id: Uuid,
    pub registered_practice_id: Uuid,
    pub federation_hub_id: Option<Uuid>,
}

impl Subject {
    /// The subject for a patient, from the store: their practice and the
    /// hub of that practice's federation.
    pub async fn load(store: &dyn crate::store::Store, patient_id: Uuid) -> crate::store::StoreResult<Self> {
        let patient = store.patient_by_id(patient_id).await?;
        let practice = store.organisation_by_id(patient.registered_practice_id).await?;
        let hub = match practice.federation_id {
            None => None,
            Some(federation_id) => store
                .search_organisations(&crate::store::OrganisationSearch {
                    federation_id: Some(federation_id),
                    kinds: vec![crate::model::OrganisationKind::Hub],
                    limit: 1,
                    ..Default::default()
                })
                .await?
                .into_iter()
                .next(),
        };
        Ok(Self {
            patient_id,
            registered_practice_id: practice.organisation_id,
            federation_hub_id: hub.map(|h| h.organisation_id),
        })
    }
}

/// Why a request was refused. Reasons are for the audit trail and for
/// choosing what to show; none carries data about the subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Refusal {
    NotLoggedIn,
    /// The patient must complete NHS login's full identity check (P9).
    NeedsFullIdentityCheck,
    /// Not their data, and no proxy access covers it.
    NotPermitted,
    /// Staff without a suitable role at the patient's organisation.
    WrongOrganisationOrRole,
}

impl Refusal {
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::NotLoggedIn => "not_logged_in",
            Refusal::NeedsFullIdentityCheck => "needs_p9",
            Refusal::NotPermitted => "not_permitted",
            Refusal::WrongOrganisationOrRole => "wrong_organisation_or_role",
        }
    }
}

/// May `actor` use `service` for `subject` on `today`?
pub fn may_access(actor: &Actor, subject: &Subject, service: Service, today: Date) -> Result<(), Refusal> {
    match actor {
        Actor::Anonymous => Err(Refusal::NotLoggedIn),
        Actor::PartlyVerified { .. } => Err(Refusal::NeedsFullIdentityCheck),
        Actor::Patient(p) => {
            let own = p.patient_id == subject.patient_id;
            let proxy = p.proxy_for.iter().any(|x| {
                x.proxy_patient_id == p.patient_id
                    && x.subject_patient_id == subject.patient_id
                    && x.scopes.contains(&service.proxy_scope())
                    && x.valid_from <= today
                    && x.valid_until.is_none_or(|until| today < until)
            });
            if !own && !proxy {
                return Err(Refusal::NotPermitted);
            }
            // GP services need a verified identity, for oneself or others.
            if p.proofing < ProofingLevel::P9 {
                return Err(Refusal::NeedsFullIdentityCheck);
            }
            Ok(())
        }
        Actor::Staff(s) => {
            let at_practice =
                service.practice_roles().iter().any(|role| s.holds(subject.registered_practice_id, *role));
            let at_hub =
                service == Service::Appointments && subject.federation_hub_id.is_some_and(|hub| s.works_at(hub));
            if at_practice || at_hub {
                Ok(())
            } else {
                Err(Refusal::WrongOrganisationOrRole)
            }
        }
    }
}

/// Staff work that is about an organisation rather than one patient: the
/// day list, rotas, the prescription queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StaffWork {
    /// See the day list, book and move for patients, mark arrivals.
    RunAppointments,
    /// Build rota templates and generate slots from them.
    ManageRotas,
    /// Change an organisation's booking rules (horizon, release time,
    /// notice, cut-off, limits, eligibility).
    SetBookingRules,
    /// Work the repeat-prescription request queue.
    PrescriptionQueue,
    /// Approve or reject prescriptions, set targets, work readings alerts.
    ClinicalDecisions,
}

pub fn may_do(actor: &Actor, organisation_id: Uuid, work: StaffWork) -> Result<(), Refusal> {
    let Actor::Staff(s) = actor else {
        return Err(match actor {
            Actor::Anonymous => Refusal::NotLoggedIn,
            _ => Refusal::NotPermitted,
        });
    };
    let roles: &[StaffRole] = match work {
        StaffWork::RunAppointments => &[StaffRole::Receptionist, StaffRole::PracticeAdmin, StaffRole::FederationAdmin],
        // The brief: receptionists build sessions and slots from rota templates.
        StaffWork::ManageRotas => &[StaffRole::Receptionist, StaffRole::PracticeAdmin, StaffRole::FederationAdmin],
        StaffWork::SetBookingRules => &[StaffRole::PracticeAdmin, StaffRole::FederationAdmin],
        StaffWork::PrescriptionQueue => &[StaffRole::Receptionist, StaffRole::Clinician],
        StaffWork::ClinicalDecisions => &[StaffRole::Clinician],
    };
    if roles.iter().any(|r| s.holds(organisation_id, *r)) {
        Ok(())
    } else {
        Err(Refusal::WrongOrganisationOrRole)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ProxyRelationshipKind;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 24);
    const ME: Uuid = Uuid::from_u128(1);
    const CHILD: Uuid = Uuid::from_u128(2);
    const STRANGER: Uuid = Uuid::from_u128(3);
    const PRACTICE: Uuid = Uuid::from_u128(10);
    const OTHER_PRACTICE: Uuid = Uuid::from_u128(11);
    const HUB: Uuid = Uuid::from_u128(12);

    fn subject(patient_id: Uuid) -> Subject {
        Subject { patient_id, registered_practice_id: PRACTICE, federation_hub_id: Some(HUB) }
    }

    fn patient(proofing: ProofingLevel, proxy_for: Vec<ProxyAccess>) -> Actor {
        Actor::Patient(PatientActor { patient_id: ME, proofing, proxy_for })
    }

    fn parent_of_child(scopes: Vec<ProxyScope>, valid_until: Option<Date>) -> ProxyAccess {
        ProxyAccess {
            proxy_access_id: Uuid::from_u128(99),
            proxy_patient_id: ME,
            subject_patient_id: CHILD,
            relationship: ProxyRelationshipKind::ParentOrGuardian,
            scopes,
            valid_from: date!(2019 - 05 - 19),
            valid_until,
        }
    }

    fn staff(roles: &[(Uuid, StaffRole)]) -> Actor {
        Actor::Staff(StaffActor {
            staff_member_id: Uuid::from_u128(50),
            roles: roles
                .iter()
                .map(|(o, r)| StaffAssignment { staff_member_id: Uuid::from_u128(50), organisation_id: *o, role: *r })
                .collect(),
        })
    }

    const ALL: [Service; 4] = [Service::Record, Service::Appointments, Service::Prescriptions, Service::Readings];

    #[test]
    fn nobody_logged_in_reaches_nothing() {
        for s in ALL {
            assert_eq!(may_access(&Actor::Anonymous, &subject(ME), s, TODAY), Err(Refusal::NotLoggedIn));
        }
        assert_eq!(may_do(&Actor::Anonymous, PRACTICE, StaffWork::RunAppointments), Err(Refusal::NotLoggedIn));
    }

    #[test]
    fn a_fully_verified_patient_reaches_all_of_their_own_services() {
        for s in ALL {
            assert_eq!(may_access(&patient(ProofingLevel::P9, vec![]), &subject(ME), s, TODAY), Ok(()));
        }
    }

    #[test]
    fn a_partly_verified_patient_is_asked_for_the_full_check_for_gp_services() {
        for level in [ProofingLevel::P0, ProofingLevel::P5] {
            for s in ALL {
                assert_eq!(
                    may_access(&patient(level, vec![]), &subject(ME), s, TODAY),
                    Err(Refusal::NeedsFullIdentityCheck)
                );
            }
        }
    }

    #[test]
    fn a_patient_asking_for_someone_else_is_refused_whatever_their_level() {
        for level in [ProofingLevel::P0, ProofingLevel::P5, ProofingLevel::P9] {
            for s in ALL {
                assert_eq!(
                    may_access(&patient(level, vec![]), &subject(STRANGER), s, TODAY),
                    Err(Refusal::NotPermitted)
                );
            }
        }
    }

    #[test]
    fn a_proxy_reaches_only_the_scopes_they_were_given() {
        let me = patient(ProofingLevel::P9, vec![parent_of_child(vec![ProxyScope::Appointments], None)]);
        assert_eq!(may_access(&me, &subject(CHILD), Service::Appointments, TODAY), Ok(()));
        assert_eq!(may_access(&me, &subject(CHILD), Service::Record, TODAY), Err(Refusal::NotPermitted));
        assert_eq!(may_access(&me, &subject(STRANGER), Service::Appointments, TODAY), Err(Refusal::NotPermitted));
    }

    #[test]
    fn proxy_access_ends_on_its_end_date_and_needs_a_verified_proxy() {
        let ended = patient(ProofingLevel::P9, vec![parent_of_child(vec![ProxyScope::Record], Some(TODAY))]);
        assert_eq!(may_access(&ended, &subject(CHILD), Service::Record, TODAY), Err(Refusal::NotPermitted));
        let p5 = patient(ProofingLevel::P5, vec![parent_of_child(vec![ProxyScope::Record], None)]);
        assert_eq!(may_access(&p5, &subject(CHILD), Service::Record, TODAY), Err(Refusal::NeedsFullIdentityCheck));
    }

    #[test]
    fn someone_elses_proxy_access_is_no_use_to_me() {
        let mut theirs = parent_of_child(vec![ProxyScope::Record], None);
        theirs.proxy_patient_id = STRANGER;
        let me = patient(ProofingLevel::P9, vec![theirs]);
        assert_eq!(may_access(&me, &subject(CHILD), Service::Record, TODAY), Err(Refusal::NotPermitted));
    }

    #[test]
    fn staff_reach_patients_of_their_own_practice_by_role() {
        let clinician = staff(&[(PRACTICE, StaffRole::Clinician)]);
        for s in ALL {
            assert_eq!(may_access(&clinician, &subject(ME), s, TODAY), Ok(()), "{s:?}");
        }
        let receptionist = staff(&[(PRACTICE, StaffRole::Receptionist)]);
        assert_eq!(may_access(&receptionist, &subject(ME), Service::Appointments, TODAY), Ok(()));
        assert_eq!(may_access(&receptionist, &subject(ME), Service::Prescriptions, TODAY), Ok(()));
        assert_eq!(
            may_access(&receptionist, &subject(ME), Service::Record, TODAY),
            Err(Refusal::WrongOrganisationOrRole)
        );
        assert_eq!(
            may_access(&receptionist, &subject(ME), Service::Readings, TODAY),
            Err(Refusal::WrongOrganisationOrRole)
        );
    }

    #[test]
    fn staff_of_another_practice_reach_nothing() {
        let elsewhere = staff(&[(OTHER_PRACTICE, StaffRole::Clinician), (OTHER_PRACTICE, StaffRole::Receptionist)]);
        for s in ALL {
            assert_eq!(may_access(&elsewhere, &subject(ME), s, TODAY), Err(Refusal::WrongOrganisationOrRole));
        }
    }

    #[test]
    fn hub_staff_reach_appointments_of_federation_patients_and_nothing_else() {
        let hub = staff(&[(HUB, StaffRole::Receptionist), (HUB, StaffRole::Clinician)]);
        assert_eq!(may_access(&hub, &subject(ME), Service::Appointments, TODAY), Ok(()));
        for s in [Service::Record, Service::Prescriptions, Service::Readings] {
            assert_eq!(may_access(&hub, &subject(ME), s, TODAY), Err(Refusal::WrongOrganisationOrRole));
        }
        let unfederated = Subject { federation_hub_id: None, ..subject(ME) };
        assert_eq!(may_access(&hub, &unfederated, Service::Appointments, TODAY), Err(Refusal::WrongOrganisationOrRole));
    }

    #[test]
    fn organisation_work_needs_the_right_role_at_that_organisation() {
        let receptionist = staff(&[(PRACTICE, StaffRole::Receptionist)]);
        assert_eq!(may_do(&receptionist, PRACTICE, StaffWork::RunAppointments), Ok(()));
        assert_eq!(may_do(&receptionist, PRACTICE, StaffWork::PrescriptionQueue), Ok(()));
        assert_eq!(may_do(&receptionist, PRACTICE, StaffWork::ManageRotas), Ok(()));
        assert_eq!(may_do(&receptionist, PRACTICE, StaffWork::SetBookingRules), Err(Refusal::WrongOrganisationOrRole));
        assert_eq!(
            may_do(&receptionist, PRACTICE, StaffWork::ClinicalDecisions),
            Err(Refusal::WrongOrganisationOrRole)
        );
        assert_eq!(
            may_do(&receptionist, OTHER_PRACTICE, StaffWork::RunAppointments),
            Err(Refusal::WrongOrganisationOrRole)
        );
        let admin = staff(&[(HUB, StaffRole::FederationAdmin)]);
        assert_eq!(may_do(&admin, HUB, StaffWork::ManageRotas), Ok(()));
        assert_eq!(may_do(&admin, HUB, StaffWork::SetBookingRules), Ok(()));
        assert_eq!(may_do(&admin, PRACTICE, StaffWork::ManageRotas), Err(Refusal::WrongOrganisationOrRole));
        let clinician = staff(&[(PRACTICE, StaffRole::Clinician)]);
        assert_eq!(may_do(&clinician, PRACTICE, StaffWork::ClinicalDecisions), Ok(()));
    }

    #[test]
    fn a_partly_verified_login_opens_nothing_and_is_asked_for_the_full_check() {
        let p5 = Actor::PartlyVerified { provider_subject: "sub-1".into(), proofing: ProofingLevel::P5 };
        for s in ALL {
            assert_eq!(may_access(&p5, &subject(ME), s, TODAY), Err(Refusal::NeedsFullIdentityCheck));
        }
        assert_eq!(may_do(&p5, PRACTICE, StaffWork::RunAppointments), Err(Refusal::NotPermitted));
    }

    #[test]
    fn patients_never_do_staff_work() {
        assert_eq!(
            may_do(&patient(ProofingLevel::P9, vec![]), PRACTICE, StaffWork::RunAppointments),
            Err(Refusal::NotPermitted)
        );
    }

    #[test]
    fn proofing_levels_come_from_vectors_of_trust() {
        assert_eq!(ProofingLevel::from_vot("P9.Cp.Cd"), Some(ProofingLevel::P9));
        assert_eq!(ProofingLevel::from_vot("P5.Cp.Cd"), Some(ProofingLevel::P5));
        assert_eq!(ProofingLevel::from_vot("P0.Cm"), Some(ProofingLevel::P0));
        assert_eq!(ProofingLevel::from_vot("P7.Cp"), None);
        assert!(ProofingLevel::P5 < ProofingLevel::P9);
    }
}
