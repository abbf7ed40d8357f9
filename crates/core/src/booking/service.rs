//! The booking service: who may book what, checked on the server, then
//! carried out by the store in one transaction. Pages, the JSON API, the
//! FHIR API and tests all call this.

use std::sync::Arc;

use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::rules::{self, Booker, BookingRules, ConditionRequirement, Explanation, Outcome, PatientFacts, SlotFacts};
use super::{
    Appointment, AppointmentStatus, Booked, BookingPlan, BookingRequest, BookingSeen, PatientBookingFacts, ServiceKind,
    Slot,
};
use crate::access::{self, Actor, Refusal, Service, Subject};
use crate::clock::{Clock, IdSource};
use crate::model::{snomed, Organisation, Patient};
use crate::services::DirectoryCache;
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum BookingError {
    #[error("not allowed: {0:?}")]
    NotAllowed(Refusal),
    #[error("the booking rules are not met")]
    RulesNotMet(Explanation),
    /// Someone else got there first; here are the next free times.
    #[error("that time has just been taken")]
    JustTaken { alternatives: Vec<Slot> },
    #[error("not found")]
    NotFound,
    /// Past the online change cut-off (the message says what to do).
    #[error("{0}")]
    TooLate(String),
    /// The appointment changed meanwhile (cancelled, moved, attended).
    #[error("the appointment has changed")]
    Changed,
    /// A form's values cannot be used (the message says how to fix them);
    /// nothing was stored.
    #[error("{0}")]
    Invalid(String),
    /// The idempotency key was sent before with a different request
    /// (another slot, or by someone else): refused, never answered with the
    /// first booking (IETF draft "The Idempotency-Key HTTP Header Field").
    #[error("the idempotency key was used for a different request")]
    IdempotencyKeyReused,
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for BookingError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => BookingError::NotFound,
            StoreError::Conflict(crate::store::Conflict::IdempotencyKeyReused) => BookingError::IdempotencyKeyReused,
            other => BookingError::Store(other),
        }
    }
}

impl BookingError {
    /// The stable code of this failure, the same at every door: the JSON
    /// API's problem `code`, the FHIR API's OperationOutcome diagnostics, and
    /// what the pages choose their words by. A refusal other than the
    /// identity check reads as "not found", so that nothing tells whether
    /// the thing exists.
    pub fn code(&self) -> &'static str {
        match self {
            BookingError::NotAllowed(Refusal::NotLoggedIn) => "not_logged_in",
            BookingError::NotAllowed(Refusal::NeedsFullIdentityCheck) => "needs_p9",
            BookingError::NotAllowed(_) | BookingError::NotFound => "not_found",
            BookingError::RulesNotMet(_) => "rules_not_met",
            BookingError::JustTaken { .. } => "slot_taken",
            BookingError::TooLate(_) => "too_late",
            BookingError::Invalid(_) => "invalid",
            BookingError::Changed => "appointment_changed",
            BookingError::IdempotencyKeyReused => "idempotency_key_reused",
            BookingError::Store(_) => "unavailable",
        }
    }

    /// In words for the person booking, patient or receptionist; `None`
    /// when the service itself failed, which stays opaque (the edge logs
    /// the cause).
    pub fn message(&self) -> Option<String> {
        Some(match self {
            BookingError::JustTaken { .. } => "Someone else has just booked that time. Choose another time.".into(),
            BookingError::RulesNotMet(x) => x.failed().map(|c| c.explanation.clone()).collect::<Vec<_>>().join(" "),
            BookingError::TooLate(m) | BookingError::Invalid(m) => m.clone(),
            BookingError::Changed => "This appointment has changed. Look at your appointments again.".into(),
            BookingError::IdempotencyKeyReused => {
                "This request was already used to book another time. Send a new Idempotency-Key for a new booking."
                    .into()
            }
            BookingError::NotAllowed(_) | BookingError::NotFound => {
                "We could not find that appointment or time.".into()
            }
            BookingError::Store(_) => return None,
        })
    }
}

/// What a patient asks to book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingAsk {
    pub patient_id: Uuid,
    pub slot_id: Uuid,
    /// Up to 500 characters, for the clinician.
    pub note: Option<String>,
    pub idempotency_key: Option<String>,
    /// Staff only: why a rule is overridden.
    pub override_reason: Option<String>,
}

/// The rules for a service where the organisation has not set its own: the
/// brief's defaults, with the condition reviews open only to people who have the
/// condition on record.
pub fn default_rules(service: ServiceKind) -> BookingRules {
    let requires_condition = match service {
        ServiceKind::DiabetesReview => Some(ConditionRequirement {
            snomed_codes: vec![snomed::TYPE_2_DIABETES.to_string()],
            description: "for people with diabetes".into(),
        }),
        ServiceKind::CopdReview => Some(ConditionRequirement {
            snomed_codes: vec![snomed::COPD.to_string()],
            description: "for people with COPD".into(),
        }),
        _ => None,
    };
    BookingRules { requires_condition, ..BookingRules::default() }
}

#[derive(Clone)]
pub struct BookingService {
    pub(super) store: Arc<dyn Store>,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) ids: Arc<dyn IdSource>,
    /// Organisations, hubs, locations and booking rules, kept in memory.
    pub(super) directory: Arc<DirectoryCache>,
}

/// The most slots one availability answer considers.
const MOST_SLOTS: u32 = 10_000;

/// What the booking transaction's check decided on.
struct Decided {
    ctx: Context,
    facts: PatientFacts,
    rules: BookingRules,
    explanation: Explanation,
    slot: Slot,
}

struct Context {
    subject: Subject,
    practice: Organisation,
    hub: Option<Organisation>,
}

impl BookingService {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdSource>,
        directory: Arc<DirectoryCache>,
    ) -> Self {
        Self { store, clock, ids, directory }
    }

    /// The rules for `service` at an organisation: what it has set, or the
    /// defaults.
    pub async fn rules_for(&self, organisation_id: Uuid, service: ServiceKind) -> Result<BookingRules, BookingError> {
        Ok(self
            .directory
            .rules(organisation_id)
            .await?
            .iter()
            .find(|(s, _)| *s == service)
            .map(|(_, r)| r.clone())
            .unwrap_or_else(|| default_rules(service)))
    }

    async fn rules_of(&self, slot: &Slot) -> Result<BookingRules, BookingError> {
        self.rules_for(slot.organisation_id, slot.service).await
    }

    async fn context(&self, patient_id: Uuid) -> Result<Context, BookingError> {
        let patient = self.store.patient_by_id(patient_id).await?;
        self.context_of(patient).await
    }

    /// The patient's practice and their federation's hub, from the
    /// directory cache.
    async fn context_of(&self, patient: Patient) -> Result<Context, BookingError> {
        let practice = self.directory.organisation(patient.registered_practice_id).await?;
        let hub = match practice.federation_id {
            None => None,
            Some(federation_id) => self.directory.hub_of(federation_id).await?,
        };
        let subject = Subject {
            patient_id: patient.patient_id,
            registered_practice_id: practice.organisation_id,
            federation_hub_id: hub.as_ref().map(|h| h.organisation_id),
        };
        Ok(Context { subject, practice, hub })
    }

    /// The patient's facts as the rules read them. Only an active
    /// diagnosis makes someone eligible for a review: a resolved one is
    /// history (the store returns active codes only).
    fn patient_facts(ctx: &Context, seen: &PatientBookingFacts) -> PatientFacts {
        PatientFacts {
            registered_practice_id: ctx.practice.organisation_id,
            practice_federation_id: ctx.practice.federation_id,
            condition_codes: seen.active_condition_codes.clone(),
            active_appointments_of_service: seen.live_of_service,
        }
    }

    /// The patient's booking facts for `service` (one statement) and their
    /// context, with the access policy asked.
    async fn facts(
        &self,
        actor: &Actor,
        patient_id: Uuid,
        service: ServiceKind,
        now: OffsetDateTime,
    ) -> Result<(Context, PatientFacts), BookingError> {
        let seen = self.store.booking_facts(patient_id, service, now).await?;
        let ctx = self.context_of(seen.patient.clone()).await?;
        access::may_access(actor, &ctx.subject, Service::Appointments, crate::london::today(now))
            .map_err(BookingError::NotAllowed)?;
        let facts = Self::patient_facts(&ctx, &seen);
        Ok((ctx, facts))
    }

    /// The slots of `service` in `[from, to)` at the patient's practice and
    /// hub that the rules let them book now, by start time, at most
    /// `limit` considered: one statement.
    #[allow(clippy::too_many_arguments)]
    async fn bookable(
        &self,
        actor: &Actor,
        ctx: &Context,
        facts: &PatientFacts,
        service: ServiceKind,
        from: OffsetDateTime,
        to: OffsetDateTime,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<Slot>, BookingError> {
        let practice = ctx.practice.organisation_id;
        let hub = ctx.hub.as_ref().map(|h| h.organisation_id);
        let practice_rules = self.rules_for(practice, service).await?;
        let hub_rules = match hub {
            Some(h) => Some(self.rules_for(h, service).await?),
            None => None,
        };
        let booker = Self::booker(actor, None);
        let slots =
            self.store.bookable_slots([practice, hub.unwrap_or(practice)], service, from, to, now, limit).await?;
        Ok(slots
            .into_iter()
            .filter(|slot| {
                let rules = if slot.organisation_id == practice { Some(&practice_rules) } else { hub_rules.as_ref() };
                rules.is_some_and(|rules| {
                    slot.service == service
                        && slot.is_free_at(now)
                        && rules::explain(rules, &Self::slot_facts(slot, ctx), facts, &booker, now).allowed()
                })
            })
            .collect())
    }

    /// The per-patient limit the store counts inside its transaction: the
    /// explanation's count was read before it and only tells the person
    /// why; a limit staff overrode is not counted at all.
    fn limit(
        rules: &BookingRules,
        explanation: &Explanation,
        service: ServiceKind,
        now: OffsetDateTime,
    ) -> Option<super::PatientLimit> {
        let overridden =
            explanation.checks.iter().any(|c| c.rule == rules::Rule::BookingLimit && c.outcome == Outcome::Overridden);
        match rules.max_active_per_patient {
            Some(max) if !overridden => Some(super::PatientLimit { service, max, after: now }),
            _ => None,
        }
    }

    /// What staff overrode, with their reason, when they overrode anything:
    /// a reason given where every rule passed records nothing.
    fn overridden(actor: &Actor, reason: &Option<String>, explanation: &Explanation) -> Option<super::BookingOverride> {
        let Actor::Staff(staff) = actor else { return None };
        let rules: Vec<&str> =
            explanation.checks.iter().filter(|c| c.outcome == Outcome::Overridden).map(|c| c.rule.as_str()).collect();
        let reason: String = reason.as_deref()?.trim().chars().take(500).collect();
        (!rules.is_empty() && !reason.is_empty()).then(|| super::BookingOverride {
            reason,
            by: staff.staff_member_id,
            rules: rules.join(","),
        })
    }

    fn booker(actor: &Actor, override_reason: Option<String>) -> Booker {
        match actor {
            Actor::Staff(_) => Booker::Staff { override_reason },
            _ => Booker::Patient,
        }
    }

    fn slot_facts(slot: &Slot, ctx: &Context) -> SlotFacts {
        let federation_id = if slot.organisation_id == ctx.practice.organisation_id {
            ctx.practice.federation_id
        } else if ctx.hub.as_ref().is_some_and(|h| h.organisation_id == slot.organisation_id) {
            ctx.hub.as_ref().and_then(|h| h.federation_id)
        } else {
            None
        };
        SlotFacts {
            starts_at: slot.starts_at,
            organisation_id: slot.organisation_id,
            federation_id,
            bookable_by: slot.bookable_by,
            status: slot.status,
        }
    }

    /// The slots of `service` in `[from, to)` that this patient may book
    /// now, at their practice and their federation's hub, by start time.
    pub async fn availability(
        &self,
        actor: &Actor,
        patient_id: Uuid,
        service: ServiceKind,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<Vec<Slot>, BookingError> {
        let now = self.clock.now();
        let (ctx, facts) = self.facts(actor, patient_id, service, now).await?;
        self.bookable(actor, &ctx, &facts, service, from, to, now, MOST_SLOTS).await
    }

    /// Why this patient can or cannot book this slot, rule by rule.
    pub async fn explain(&self, actor: &Actor, patient_id: Uuid, slot_id: Uuid) -> Result<Explanation, BookingError> {
        let now = self.clock.now();
        // The access policy first: nothing about the slot is read for
        // someone who may not book for this patient.
        self.context(patient_id).await.and_then(|ctx| {
            access::may_access(actor, &ctx.subject, Service::Appointments, crate::london::today(now))
                .map_err(BookingError::NotAllowed)
        })?;
        let slot = self.store.slot(slot_id).await?;
        let (ctx, facts) = self.facts(actor, patient_id, slot.service, now).await?;
        Ok(rules::explain(
            &self.rules_for(slot.organisation_id, slot.service).await?,
            &Self::slot_facts(&slot, &ctx),
            &facts,
            &Self::booker(actor, None),
            now,
        ))
    }

    pub async fn book(&self, actor: &Actor, ask: &BookingAsk) -> Result<Appointment, BookingError> {
        Ok(self.book_with_slot(actor, ask).await?.appointment)
    }

    /// Book, in one transaction of the store: its read (the slot, the
    /// patient's facts, the key) is checked here against the access policy
    /// and the rules before it writes. A key already used by this patient
    /// for this slot returns its appointment before any rule is checked
    /// (the booking it repeats may be what brought them to their limit).
    /// Returns the slot as booked too, so that the answer reads nothing
    /// more.
    pub async fn book_with_slot(&self, actor: &Actor, ask: &BookingAsk) -> Result<Booked, BookingError> {
        let now = self.clock.now();
        let (kind, by) = match actor {
            Actor::Staff(s) => ("staff", Some(s.staff_member_id)),
            Actor::Patient(p) => ("patient", Some(p.patient_id)),
            Actor::Anonymous => return Err(BookingError::NotAllowed(Refusal::NotLoggedIn)),
            Actor::PartlyVerified { .. } => return Err(BookingError::NotAllowed(Refusal::NeedsFullIdentityCheck)),
        };
        let request = BookingRequest {
            appointment_id: self.ids.new_id(),
            slot_id: ask.slot_id,
            patient_id: ask.patient_id,
            note: ask.note.as_ref().map(|n| n.trim().chars().take(500).collect()).filter(|n: &String| !n.is_empty()),
            booked_by_kind: kind.into(),
            booked_by_id: by,
            idempotency_key: ask.idempotency_key.clone(),
            at: now,
            limit: None,
            overridden: None,
        };
        // What the check decided on, for the answer when the write then
        // finds the slot taken or the limit reached.
        let decided: std::sync::Mutex<Option<Decided>> = std::sync::Mutex::new(None);
        let (this, decided_ref) = (self, &decided);
        let check = move |seen: BookingSeen| {
            Box::pin(async move {
                let ctx = this.context_of(seen.facts.patient.clone()).await?;
                access::may_access(actor, &ctx.subject, Service::Appointments, crate::london::today(now))
                    .map_err(BookingError::NotAllowed)?;
                if seen.key_used.is_some() {
                    return Ok(BookingPlan::ReturnFirst);
                }
                let facts = Self::patient_facts(&ctx, &seen.facts);
                let rules = this.rules_for(seen.slot.organisation_id, seen.slot.service).await?;
                let booker = Self::booker(actor, ask.override_reason.clone());
                let explanation = rules::explain(&rules, &Self::slot_facts(&seen.slot, &ctx), &facts, &booker, now);
                // Only the "slot is free" rule defers to the write, which
                // decides it atomically.
                if explanation.failed().any(|c| c.rule != rules::Rule::SlotIsFree) {
                    return Err(BookingError::RulesNotMet(explanation));
                }
                let plan = BookingPlan::Book {
                    limit: Self::limit(&rules, &explanation, seen.slot.service, now),
                    overridden: Self::overridden(actor, &ask.override_reason, &explanation),
                };
                *decided_ref.lock().expect("booking decision") =
                    Some(Decided { ctx, facts, rules, explanation, slot: seen.slot });
                Ok(plan)
            })
                as std::pin::Pin<Box<dyn std::future::Future<Output = Result<BookingPlan, BookingError>> + Send + '_>>
        };
        let outcome = self.store.book_checked(&request, &check).await;
        let decided = decided.lock().expect("booking decision").take();
        match (outcome, decided) {
            (Ok(result), _) => result,
            (Err(StoreError::Conflict(crate::store::Conflict::PatientLimitReached)), Some(d)) => {
                Err(BookingError::RulesNotMet(d.explanation.limit_reached(&d.rules)))
            }
            (Err(StoreError::Conflict(crate::store::Conflict::SlotTaken)), Some(d)) => {
                Err(self.just_taken(actor, &d.ctx, &d.facts, &d.slot, now).await?)
            }
            (Err(e), _) => Err(e.into()),
        }
    }

    /// A day of an organisation's slots, each with its appointment (if
    /// any), for the staff who run its appointments.
    pub async fn day_list(
        &self,
        actor: &Actor,
        organisation_id: Uuid,
        day: time::Date,
    ) -> Result<Vec<(Slot, Option<Appointment>)>, BookingError> {
        access::may_do(actor, organisation_id, access::StaffWork::RunAppointments).map_err(BookingError::NotAllowed)?;
        let from = crate::london::resolve(day, time::Time::MIDNIGHT);
        let to = crate::london::resolve(day.next_day().unwrap_or(day), time::Time::MIDNIGHT);
        let slots = self.store.slots_between(organisation_id, from, to).await?;
        let appointments = self.store.appointments_between(organisation_id, from, to).await?;
        Ok(slots
            .into_iter()
            .map(|slot| {
                let a = appointments.iter().find(|a| a.slot_id == slot.slot_id).cloned();
                (slot, a)
            })
            .collect())
    }

    /// Arrived, did not attend or completed: staff of the slot's organisation.
    pub async fn record_attendance(
        &self,
        actor: &Actor,
        appointment_id: Uuid,
        status: AppointmentStatus,
    ) -> Result<Appointment, BookingError> {
        let appointment = self.store.appointment(appointment_id).await?;
        let slot = self.store.slot(appointment.slot_id).await?;
        access::may_do(actor, slot.organisation_id, access::StaffWork::RunAppointments)
            .map_err(BookingError::NotAllowed)?;
        match self.store.record_attendance(appointment_id, status, self.clock.now()).await {
            Ok(a) => Ok(a),
            Err(StoreError::Conflict(_)) => Err(BookingError::Changed),
            Err(e) => Err(e.into()),
        }
    }

    /// Take a free slot out of use with a reason, or put it back.
    pub async fn set_blocked(&self, actor: &Actor, slot_id: Uuid, reason: Option<&str>) -> Result<Slot, BookingError> {
        let slot = self.store.slot(slot_id).await?;
        access::may_do(actor, slot.organisation_id, access::StaffWork::RunAppointments)
            .map_err(BookingError::NotAllowed)?;
        let result = match reason {
            Some(r) => self.store.block_slot(slot_id, r, self.clock.now()).await,
            None => self.store.unblock_slot(slot_id).await,
        };
        result.map_err(|e| match e {
            StoreError::Conflict(_) => BookingError::Changed,
            other => other.into(),
        })
    }

    /// Ask for an earlier appointment of `service` between two London dates
    /// (inclusive): when a matching time frees at their practice or hub, it
    /// is held for them and they are told.
    pub async fn join_waitlist(
        &self,
        actor: &Actor,
        patient_id: Uuid,
        service: ServiceKind,
        from: time::Date,
        to: time::Date,
    ) -> Result<super::waitlist::WaitlistEntry, BookingError> {
        let now = self.clock.now();
        let ctx = self.context(patient_id).await?;
        access::may_access(actor, &ctx.subject, Service::Appointments, crate::london::today(now))
            .map_err(BookingError::NotAllowed)?;
        let today = crate::london::to_local(now).date();
        if from < today || to < from || (to - from).whole_days() > 28 {
            return Err(BookingError::TooLate(
                "Choose dates from today onwards, the second on or after the first, at most 4 weeks apart.".into(),
            ));
        }
        let entry = super::waitlist::WaitlistEntry {
            waitlist_entry_id: self.ids.new_id(),
            patient_id,
            service,
            practice_id: ctx.practice.organisation_id,
            hub_id: ctx.hub.as_ref().map(|h| h.organisation_id),
            window_starts_at: crate::london::resolve(from, time::Time::MIDNIGHT),
            window_ends_at: crate::london::resolve(to.next_day().unwrap_or(to), time::Time::MIDNIGHT),
            status: super::waitlist::WaitlistStatus::Waiting,
            offered_slot_id: None,
            offer_expires_at: None,
            created_at: now,
        };
        self.store.join_waitlist(&entry).await?;
        Ok(entry)
    }

    /// How long a hold keeps a slot while the patient confirms.
    pub const HOLD_MINUTES: i64 = 5;

    /// A patient's appointments (all statuses), for them or for staff who
    /// may see their appointments.
    pub async fn appointments(&self, actor: &Actor, patient_id: Uuid) -> Result<Vec<Appointment>, BookingError> {
        let now = self.clock.now();
        let ctx = self.context(patient_id).await?;
        access::may_access(actor, &ctx.subject, Service::Appointments, crate::london::today(now))
            .map_err(BookingError::NotAllowed)?;
        Ok(self.store.appointments_for_patient(patient_id).await?)
    }

    /// Hold a slot for [`Self::HOLD_MINUTES`] while the patient confirms.
    /// The same rules as booking; a slot someone else has is "just taken".
    pub async fn hold(&self, actor: &Actor, patient_id: Uuid, slot_id: Uuid) -> Result<Slot, BookingError> {
        let now = self.clock.now();
        self.context(patient_id).await.and_then(|ctx| {
            access::may_access(actor, &ctx.subject, Service::Appointments, crate::london::today(now))
                .map_err(BookingError::NotAllowed)
        })?;
        let slot = self.store.slot(slot_id).await?;
        let (ctx, facts) = self.facts(actor, patient_id, slot.service, now).await?;
        let explanation = rules::explain(
            &self.rules_of(&slot).await?,
            &Self::slot_facts(&slot, &ctx),
            &facts,
            &Self::booker(actor, None),
            now,
        );
        if explanation.failed().any(|c| c.rule != rules::Rule::SlotIsFree) {
            return Err(BookingError::RulesNotMet(explanation));
        }
        match self.store.hold(slot_id, patient_id, now + Duration::minutes(Self::HOLD_MINUTES), now).await {
            Ok(s) => Ok(s),
            Err(StoreError::Conflict(_)) => Err(self.just_taken(actor, &ctx, &facts, &slot, now).await?),
            Err(e) => Err(e.into()),
        }
    }

    /// "Just taken", with up to three other times from two hours before
    /// the one lost onwards (one statement).
    async fn just_taken(
        &self,
        actor: &Actor,
        ctx: &Context,
        facts: &PatientFacts,
        slot: &Slot,
        now: OffsetDateTime,
    ) -> Result<BookingError, BookingError> {
        let from = std::cmp::max(now, slot.starts_at - Duration::hours(2));
        let alternatives = self
            .bookable(actor, ctx, facts, slot.service, from, now + Duration::days(28), now, 200)
            .await?
            .into_iter()
            .filter(|s| s.slot_id != slot.slot_id)
            .take(3)
            .collect();
        Ok(BookingError::JustTaken { alternatives })
    }

    /// The appointment, if the actor may see its patient's appointments.
    async fn reachable(&self, actor: &Actor, appointment_id: Uuid) -> Result<(Appointment, Context), BookingError> {
        let now = self.clock.now();
        let appointment = self.store.appointment(appointment_id).await?;
        let ctx = self.context(appointment.patient_id).await?;
        access::may_access(actor, &ctx.subject, Service::Appointments, crate::london::today(now))
            .map_err(BookingError::NotAllowed)?;
        Ok((appointment, ctx))
    }

    /// Cancel with a reason: patients until the cut-off, staff any time.
    pub async fn cancel(&self, actor: &Actor, appointment_id: Uuid, reason: &str) -> Result<Appointment, BookingError> {
        let now = self.clock.now();
        let (appointment, _) = self.reachable(actor, appointment_id).await?;
        if !appointment.status.is_live() {
            return Err(BookingError::Changed);
        }
        let slot = self.store.slot(appointment.slot_id).await?;
        let booker = Self::booker(actor, None);
        rules::may_change(&self.rules_of(&slot).await?, slot.starts_at, &booker, now).map_err(BookingError::TooLate)?;
        let status = match actor {
            Actor::Staff(_) => AppointmentStatus::CancelledByPractice,
            _ => AppointmentStatus::CancelledByPatient,
        };
        let reason: String = reason.trim().chars().take(500).collect();
        match self.store.cancel(appointment_id, status, &reason, now).await {
            Ok(a) => Ok(a),
            Err(StoreError::Conflict(_)) => Err(BookingError::Changed),
            Err(e) => Err(e.into()),
        }
    }

    /// Move to another slot in one transaction: the new slot is taken and
    /// the old freed, or nothing changes.
    pub async fn amend(
        &self,
        actor: &Actor,
        appointment_id: Uuid,
        new_slot_id: Uuid,
    ) -> Result<Appointment, BookingError> {
        let now = self.clock.now();
        let (appointment, ctx) = self.reachable(actor, appointment_id).await?;
        if !appointment.status.is_live() {
            return Err(BookingError::Changed);
        }
        let old = self.store.slot(appointment.slot_id).await?;
        let booker = Self::booker(actor, None);
        rules::may_change(&self.rules_of(&old).await?, old.starts_at, &booker, now).map_err(BookingError::TooLate)?;
        let new = self.store.slot(new_slot_id).await?;
        let (_, mut facts) = self.facts(actor, appointment.patient_id, new.service, now).await?;
        // The appointment being moved does not count against the limit.
        if old.service == new.service && old.starts_at > now {
            facts.active_appointments_of_service = facts.active_appointments_of_service.saturating_sub(1);
        }
        let new_rules = self.rules_of(&new).await?;
        let explanation = rules::explain(&new_rules, &Self::slot_facts(&new, &ctx), &facts, &booker, now);
        if explanation.failed().any(|c| c.rule != rules::Rule::SlotIsFree) {
            return Err(BookingError::RulesNotMet(explanation));
        }
        let limit = Self::limit(&new_rules, &explanation, new.service, now);
        match self.store.amend(appointment_id, new_slot_id, limit.as_ref(), now).await {
            Ok(a) => Ok(a),
            Err(StoreError::Conflict(crate::store::Conflict::PatientLimitReached)) => {
                Err(BookingError::RulesNotMet(explanation.limit_reached(&new_rules)))
            }
            Err(StoreError::Conflict(crate::store::Conflict::AppointmentChanged)) => Err(BookingError::Changed),
            Err(StoreError::Conflict(_)) => Err(self.just_taken(actor, &ctx, &facts, &new, now).await?),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Conflict;

    #[test]
    fn every_failure_has_one_stable_code_and_a_refusal_reads_as_not_found() {
        let code = |e: BookingError| e.code();
        assert_eq!(code(BookingError::NotAllowed(Refusal::NotLoggedIn)), "not_logged_in");
        assert_eq!(code(BookingError::NotAllowed(Refusal::NeedsFullIdentityCheck)), "needs_p9");
        assert_eq!(code(BookingError::NotAllowed(Refusal::NotPermitted)), "not_found");
        assert_eq!(code(BookingError::NotAllowed(Refusal::WrongOrganisationOrRole)), "not_found");
        assert_eq!(code(BookingError::NotFound), "not_found");
        assert_eq!(code(BookingError::JustTaken { alternatives: vec![] }), "slot_taken");
        assert_eq!(code(BookingError::TooLate("x".into())), "too_late");
        assert_eq!(code(BookingError::Invalid("x".into())), "invalid");
        assert_eq!(code(BookingError::Changed), "appointment_changed");
        assert_eq!(code(StoreError::Conflict(Conflict::IdempotencyKeyReused).into()), "idempotency_key_reused");
        assert_eq!(code(StoreError::Conflict(Conflict::SlotTaken).into()), "unavailable");
        assert_eq!(code(StoreError::NotFound.into()), "not_found");
    }

    #[test]
    fn a_failure_of_the_service_has_no_words_for_the_user() {
        assert_eq!(BookingError::Store(StoreError::Conflict(crate::store::Conflict::Unlisted)).message(), None);
        assert_eq!(
            BookingError::NotAllowed(Refusal::NotPermitted).message().as_deref(),
            Some("We could not find that appointment or time.")
        );
        assert_eq!(BookingError::TooLate("Call the practice.".into()).message().as_deref(), Some("Call the practice."));
    }
}
