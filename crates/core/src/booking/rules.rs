//! Booking rules per service and organisation, and the explanation of why a
//! given person can or cannot book a given slot.
//!
//! Every rule is evaluated (not just up to the first failure), so that a
//! receptionist's "why can't they see this?" gets the whole answer. Staff
//! may override the timing, limit and eligibility rules with a recorded
//! reason; patients never can. Who may see the slot at all is not
//! overridable: a staff-only slot stays staff-only.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime, Time};
use uuid::Uuid;

use super::{BookableBy, SlotStatus};
use crate::london;

/// A condition the patient must have on record to book (for example a
/// diabetes review needs diabetes). SNOMED CT codes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConditionRequirement {
    pub snomed_codes: Vec<String>,
    /// Said to the person when they do not meet it, e.g. "for people with diabetes".
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingRules {
    /// How many days ahead (in London dates) a slot may be booked.
    pub horizon_days: u16,
    /// Same-day slots are released at this London time (e.g. 08:00).
    pub same_day_release: Option<Time>,
    /// No online booking closer than this to the start.
    pub minimum_notice_minutes: u32,
    /// Patients may not move or cancel closer than this to the start.
    pub change_cutoff_minutes: u32,
    /// At most this many future appointments of this service per patient.
    pub max_active_per_patient: Option<u32>,
    pub requires_condition: Option<ConditionRequirement>,
}

impl Default for BookingRules {
    fn default() -> Self {
        Self {
            horizon_days: 28,
            same_day_release: None,
            minimum_notice_minutes: 30,
            change_cutoff_minutes: 120,
            max_active_per_patient: Some(2),
            requires_condition: None,
        }
    }
}

impl BookingRules {
    /// The checks a practice's rules form must pass; the message says how
    /// to fix the value.
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=366).contains(&self.horizon_days) {
            return Err("How far ahead must be between 1 and 366 days".into());
        }
        if self.same_day_release.is_some_and(|t| t.second() != 0 || t.nanosecond() != 0) {
            return Err("Give the same-day release time in hours and minutes, like 08:00".into());
        }
        if self.minimum_notice_minutes > 14 * 24 * 60 {
            return Err("Minimum notice must be 14 days (20160 minutes) or less".into());
        }
        if self.change_cutoff_minutes > 14 * 24 * 60 {
            return Err("The cut-off for changes must be 14 days (20160 minutes) or less".into());
        }
        if self.max_active_per_patient.is_some_and(|n| !(1..=20).contains(&n)) {
            return Err("The limit on appointments must be between 1 and 20, or left empty for no limit".into());
        }
        if let Some(c) = &self.requires_condition {
            if c.snomed_codes.is_empty()
                || c.snomed_codes
                    .iter()
                    .any(|code| code.len() < 6 || code.len() > 18 || !code.bytes().all(|b| b.is_ascii_digit()))
            {
                return Err("A condition must be given as SNOMED CT codes (6 to 18 digits)".into());
            }
            if c.description.trim().is_empty() || c.description.chars().count() > 100 {
                return Err("Say who the service is for in 100 characters or fewer".into());
            }
        }
        Ok(())
    }
}

/// What the rules need to know about a slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotFacts {
    pub starts_at: OffsetDateTime,
    pub organisation_id: Uuid,
    /// The federation of the slot's organisation (a hub's, or a member
    /// practice's).
    pub federation_id: Option<Uuid>,
    pub bookable_by: BookableBy,
    pub status: SlotStatus,
}

/// What the rules need to know about the patient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientFacts {
    pub registered_practice_id: Uuid,
    pub practice_federation_id: Option<Uuid>,
    /// SNOMED CT codes of their active conditions.
    pub condition_codes: Vec<String>,
    /// Their future, live appointments of this service.
    pub active_appointments_of_service: u32,
}

/// Who is booking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Booker {
    /// The patient (or their proxy) online.
    Patient,
    /// A member of staff, perhaps overriding rules with a reason.
    Staff { override_reason: Option<String> },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    WhoMayBook,
    SlotIsFree,
    MinimumNotice,
    Horizon,
    SameDayRelease,
    BookingLimit,
    Eligibility,
}

impl Rule {
    /// The rule's stable code, as serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::WhoMayBook => "who_may_book",
            Rule::SlotIsFree => "slot_is_free",
            Rule::MinimumNotice => "minimum_notice",
            Rule::Horizon => "horizon",
            Rule::SameDayRelease => "same_day_release",
            Rule::BookingLimit => "booking_limit",
            Rule::Eligibility => "eligibility",
        }
    }

    /// Staff may override these with a reason.
    pub fn overridable(self) -> bool {
        matches!(
            self,
            Rule::MinimumNotice | Rule::Horizon | Rule::SameDayRelease | Rule::BookingLimit | Rule::Eligibility
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Passed,
    Failed,
    /// Failed, but staff overrode it with a recorded reason.
    Overridden,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub rule: Rule,
    pub outcome: Outcome,
    /// Plain English, for the person or the receptionist.
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    pub checks: Vec<Check>,
}

impl Explanation {
    pub fn allowed(&self) -> bool {
        self.checks.iter().all(|c| c.outcome != Outcome::Failed)
    }

    pub fn failed(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| c.outcome == Outcome::Failed)
    }

    /// This explanation as the store found it when it counted inside the
    /// booking transaction: the limit reached (another booking by the same
    /// person got there first).
    pub fn limit_reached(mut self, rules: &BookingRules) -> Self {
        let max = rules.max_active_per_patient.unwrap_or(0);
        for c in self.checks.iter_mut().filter(|c| c.rule == Rule::BookingLimit) {
            c.outcome = Outcome::Failed;
            c.explanation = limit_message(max);
        }
        self
    }
}

fn limit_message(max: u32) -> String {
    format!("You can have up to {max} future appointments of this kind. Cancel one to book another.")
}

/// Every rule, evaluated for one booker, slot and patient at `now`.
pub fn explain(
    rules: &BookingRules,
    slot: &SlotFacts,
    patient: &PatientFacts,
    booker: &Booker,
    now: OffsetDateTime,
) -> Explanation {
    let mut checks = Vec::new();
    let mut check = |rule: Rule, passed: bool, explanation: String| {
        checks.push(Check { rule, outcome: if passed { Outcome::Passed } else { Outcome::Failed }, explanation });
    };
    let is_staff = matches!(booker, Booker::Staff { .. });

    let own_practice = slot.organisation_id == patient.registered_practice_id;
    let same_federation = slot.federation_id.is_some() && slot.federation_id == patient.practice_federation_id;
    let (visible, why) = match slot.bookable_by {
        _ if is_staff && slot.bookable_by == BookableBy::StaffOnly => {
            (true, "Staff-only slot, booked by staff".to_string())
        }
        BookableBy::StaffOnly => (false, "Only staff can book this slot".to_string()),
        BookableBy::OwnPractice if own_practice => (true, "Slot at the patient's own practice".to_string()),
        BookableBy::OwnPractice => (false, "This slot is only for patients registered at its practice".to_string()),
        BookableBy::Federation if own_practice || same_federation => {
            (true, "Slot open to every practice in the patient's federation".to_string())
        }
        BookableBy::Federation => (false, "This slot is for patients of its federation's practices".to_string()),
    };
    check(Rule::WhoMayBook, visible, why);

    check(
        Rule::SlotIsFree,
        slot.status == SlotStatus::Free,
        match slot.status {
            SlotStatus::Free => "The slot is free".into(),
            SlotStatus::Held => "Someone is confirming this slot".into(),
            SlotStatus::Booked => "This slot has just been taken".into(),
            SlotStatus::Blocked => "The practice has taken this slot out of use".into(),
        },
    );

    let notice = Duration::minutes(i64::from(rules.minimum_notice_minutes));
    check(
        Rule::MinimumNotice,
        slot.starts_at >= now + notice,
        if slot.starts_at < now {
            "This appointment time has passed".into()
        } else if slot.starts_at < now + notice {
            format!("Online booking closes {} minutes before the appointment", rules.minimum_notice_minutes)
        } else {
            "Enough notice".into()
        },
    );

    let today = london::to_local(now).date();
    let slot_day = london::to_local(slot.starts_at).date();
    let last_day = today + Duration::days(i64::from(rules.horizon_days));
    check(
        Rule::Horizon,
        slot_day <= last_day,
        if slot_day <= last_day {
            format!("Within the {} days that can be booked ahead", rules.horizon_days)
        } else {
            format!("Appointments can be booked up to {} days ahead", rules.horizon_days)
        },
    );

    match rules.same_day_release {
        Some(release) if slot_day == today => {
            let released = london::to_local(now).time() >= release;
            check(
                Rule::SameDayRelease,
                released,
                if released {
                    "Released for booking today".into()
                } else {
                    format!("Today's appointments are released at {:02}:{:02}", release.hour(), release.minute())
                },
            );
        }
        _ => check(Rule::SameDayRelease, true, "Not a same-day appointment".into()),
    }

    match rules.max_active_per_patient {
        Some(max) => check(
            Rule::BookingLimit,
            patient.active_appointments_of_service < max,
            if patient.active_appointments_of_service < max {
                format!("{} of {} future appointments of this kind", patient.active_appointments_of_service, max)
            } else {
                limit_message(max)
            },
        ),
        None => check(Rule::BookingLimit, true, "No limit".into()),
    }

    match &rules.requires_condition {
        Some(req) => {
            let eligible = patient.condition_codes.iter().any(|c| req.snomed_codes.contains(c));
            check(
                Rule::Eligibility,
                eligible,
                if eligible {
                    format!("Eligible: {}", req.description)
                } else {
                    format!("This appointment is {}", req.description)
                },
            );
        }
        None => check(Rule::Eligibility, true, "Open to everyone registered".into()),
    }

    // Staff overrides: only with a reason, only for overridable rules.
    if let Booker::Staff { override_reason: Some(reason) } = booker {
        if !reason.trim().is_empty() {
            for c in checks.iter_mut().filter(|c| c.outcome == Outcome::Failed && c.rule.overridable()) {
                c.outcome = Outcome::Overridden;
                c.explanation = format!("{} (overridden: {})", c.explanation, reason.trim());
            }
        }
    }
    Explanation { checks }
}

/// May an appointment starting at `starts_at` be moved or cancelled now?
/// Patients must respect the cut-off; staff may change it at any time.
pub fn may_change(
    rules: &BookingRules,
    starts_at: OffsetDateTime,
    booker: &Booker,
    now: OffsetDateTime,
) -> Result<(), String> {
    if matches!(booker, Booker::Staff { .. }) {
        return Ok(());
    }
    if starts_at <= now {
        return Err("This appointment has already started, so it cannot be changed online".into());
    }
    let cutoff = starts_at - Duration::minutes(i64::from(rules.change_cutoff_minutes));
    if now > cutoff {
        return Err(format!(
            "Appointments can be changed online until {} minutes before they start. Call the practice to change this one.",
            rules.change_cutoff_minutes
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{datetime, time};

    const PRACTICE: Uuid = Uuid::from_u128(1);
    const OTHER: Uuid = Uuid::from_u128(2);
    const HUB: Uuid = Uuid::from_u128(3);
    const FED: Uuid = Uuid::from_u128(10);

    fn slot(starts_at: OffsetDateTime) -> SlotFacts {
        SlotFacts {
            starts_at,
            organisation_id: PRACTICE,
            federation_id: Some(FED),
            bookable_by: BookableBy::OwnPractice,
            status: SlotStatus::Free,
        }
    }

    fn patient() -> PatientFacts {
        PatientFacts {
            registered_practice_id: PRACTICE,
            practice_federation_id: Some(FED),
            condition_codes: vec![],
            active_appointments_of_service: 0,
        }
    }

    fn outcome(e: &Explanation, rule: Rule) -> Outcome {
        e.checks.iter().find(|c| c.rule == rule).unwrap().outcome
    }

    const NOW: OffsetDateTime = datetime!(2027-01-11 09:00 UTC);

    #[test]
    fn an_ordinary_slot_next_week_can_be_booked_and_every_rule_is_explained() {
        let e = explain(
            &BookingRules::default(),
            &slot(datetime!(2027-01-18 10:00 UTC)),
            &patient(),
            &Booker::Patient,
            NOW,
        );
        assert!(e.allowed(), "{e:?}");
        assert_eq!(e.checks.len(), 7);
    }

    #[test]
    fn own_practice_slots_are_for_own_patients_and_hub_slots_for_the_federation() {
        let at = datetime!(2027-01-18 10:00 UTC);
        let mut elsewhere = patient();
        elsewhere.registered_practice_id = OTHER;
        let e = explain(&BookingRules::default(), &slot(at), &elsewhere, &Booker::Patient, NOW);
        assert_eq!(outcome(&e, Rule::WhoMayBook), Outcome::Failed);

        let hub = SlotFacts { organisation_id: HUB, bookable_by: BookableBy::Federation, ..slot(at) };
        assert!(explain(&BookingRules::default(), &hub, &elsewhere, &Booker::Patient, NOW).allowed());
        let mut outsider = elsewhere.clone();
        outsider.practice_federation_id = None;
        let e = explain(&BookingRules::default(), &hub, &outsider, &Booker::Patient, NOW);
        assert_eq!(outcome(&e, Rule::WhoMayBook), Outcome::Failed);
    }

    #[test]
    fn staff_only_slots_are_never_open_to_patients_even_with_an_override() {
        let staff_only = SlotFacts { bookable_by: BookableBy::StaffOnly, ..slot(datetime!(2027-01-18 10:00 UTC)) };
        assert!(!explain(&BookingRules::default(), &staff_only, &patient(), &Booker::Patient, NOW).allowed());
        let staff = Booker::Staff { override_reason: None };
        assert!(explain(&BookingRules::default(), &staff_only, &patient(), &staff, NOW).allowed());
        let mut elsewhere = patient();
        elsewhere.registered_practice_id = OTHER;
        elsewhere.practice_federation_id = None;
        let own = slot(datetime!(2027-01-18 10:00 UTC));
        let overriding = Booker::Staff { override_reason: Some("temporary resident".into()) };
        let e = explain(&BookingRules::default(), &own, &elsewhere, &overriding, NOW);
        assert_eq!(outcome(&e, Rule::WhoMayBook), Outcome::Failed, "visibility is not overridable");
    }

    #[test]
    fn a_taken_held_or_blocked_slot_cannot_be_booked() {
        for status in [SlotStatus::Held, SlotStatus::Booked, SlotStatus::Blocked] {
            let s = SlotFacts { status, ..slot(datetime!(2027-01-18 10:00 UTC)) };
            let e = explain(&BookingRules::default(), &s, &patient(), &Booker::Patient, NOW);
            assert_eq!(outcome(&e, Rule::SlotIsFree), Outcome::Failed);
        }
    }

    #[test]
    fn minimum_notice_and_the_horizon_bound_online_booking() {
        let rules = BookingRules { minimum_notice_minutes: 60, horizon_days: 14, ..Default::default() };
        let soon = explain(&rules, &slot(NOW + Duration::minutes(30)), &patient(), &Booker::Patient, NOW);
        assert_eq!(outcome(&soon, Rule::MinimumNotice), Outcome::Failed);
        let past = explain(&rules, &slot(NOW - Duration::minutes(30)), &patient(), &Booker::Patient, NOW);
        assert!(past.failed().any(|c| c.explanation.contains("passed")));
        let last_day = explain(&rules, &slot(datetime!(2027-01-25 16:00 UTC)), &patient(), &Booker::Patient, NOW);
        assert_eq!(outcome(&last_day, Rule::Horizon), Outcome::Passed);
        let too_far = explain(&rules, &slot(datetime!(2027-01-26 09:00 UTC)), &patient(), &Booker::Patient, NOW);
        assert_eq!(outcome(&too_far, Rule::Horizon), Outcome::Failed);
    }

    #[test]
    fn same_day_slots_open_at_eight_london_time_in_winter_and_in_summer() {
        let rules =
            BookingRules { same_day_release: Some(time!(08:00)), minimum_notice_minutes: 0, ..Default::default() };
        // Winter: 08:00 London is 08:00 UTC.
        let s = slot(datetime!(2027-01-11 15:00 UTC));
        let early = explain(&rules, &s, &patient(), &Booker::Patient, datetime!(2027-01-11 07:59 UTC));
        assert_eq!(outcome(&early, Rule::SameDayRelease), Outcome::Failed);
        assert!(explain(&rules, &s, &patient(), &Booker::Patient, datetime!(2027-01-11 08:00 UTC)).allowed());
        // Summer: 08:00 London is 07:00 UTC.
        let s = slot(datetime!(2027-07-12 14:00 UTC));
        assert!(explain(&rules, &s, &patient(), &Booker::Patient, datetime!(2027-07-12 07:00 UTC)).allowed());
        let early = explain(&rules, &s, &patient(), &Booker::Patient, datetime!(2027-07-12 06:59 UTC));
        assert_eq!(outcome(&early, Rule::SameDayRelease), Outcome::Failed);
        // Tomorrow's slots are not held back.
        let tomorrow = slot(datetime!(2027-07-13 14:00 UTC));
        assert!(explain(&rules, &tomorrow, &patient(), &Booker::Patient, datetime!(2027-07-12 06:00 UTC)).allowed());
    }

    #[test]
    fn the_booking_limit_counts_future_appointments_of_the_service() {
        let rules = BookingRules { max_active_per_patient: Some(1), ..Default::default() };
        let mut busy = patient();
        busy.active_appointments_of_service = 1;
        let e = explain(&rules, &slot(datetime!(2027-01-18 10:00 UTC)), &busy, &Booker::Patient, NOW);
        assert_eq!(outcome(&e, Rule::BookingLimit), Outcome::Failed);
        assert!(e.failed().next().unwrap().explanation.contains("Cancel one"));
    }

    #[test]
    fn a_diabetes_review_needs_diabetes_on_record() {
        let rules = BookingRules {
            requires_condition: Some(ConditionRequirement {
                snomed_codes: vec![crate::model::snomed::TYPE_2_DIABETES.into()],
                description: "for people with diabetes".into(),
            }),
            ..Default::default()
        };
        let s = slot(datetime!(2027-01-18 10:00 UTC));
        let e = explain(&rules, &s, &patient(), &Booker::Patient, NOW);
        assert_eq!(outcome(&e, Rule::Eligibility), Outcome::Failed);
        let mut diabetic = patient();
        diabetic.condition_codes = vec![crate::model::snomed::TYPE_2_DIABETES.into()];
        assert!(explain(&rules, &s, &diabetic, &Booker::Patient, NOW).allowed());
    }

    #[test]
    fn staff_override_timing_limits_and_eligibility_only_with_a_reason() {
        let rules = BookingRules { max_active_per_patient: Some(1), minimum_notice_minutes: 60, ..Default::default() };
        let mut busy = patient();
        busy.active_appointments_of_service = 3;
        let soon = slot(NOW + Duration::minutes(10));
        let without = explain(&rules, &soon, &busy, &Booker::Staff { override_reason: None }, NOW);
        assert!(!without.allowed());
        let blank = explain(&rules, &soon, &busy, &Booker::Staff { override_reason: Some("  ".into()) }, NOW);
        assert!(!blank.allowed());
        let with =
            explain(&rules, &soon, &busy, &Booker::Staff { override_reason: Some("Urgent, GP asked".into()) }, NOW);
        assert!(with.allowed());
        assert_eq!(outcome(&with, Rule::BookingLimit), Outcome::Overridden);
        assert!(with.checks.iter().any(|c| c.explanation.contains("Urgent, GP asked")));
        let patient_says = explain(&rules, &soon, &busy, &Booker::Patient, NOW);
        assert!(!patient_says.allowed());
    }

    #[test]
    fn patients_change_appointments_until_the_cutoff_and_staff_any_time() {
        let rules = BookingRules { change_cutoff_minutes: 120, ..Default::default() };
        let at = datetime!(2027-01-11 12:00 UTC);
        assert!(may_change(&rules, at, &Booker::Patient, datetime!(2027-01-11 10:00 UTC)).is_ok());
        let late = may_change(&rules, at, &Booker::Patient, datetime!(2027-01-11 10:01 UTC)).unwrap_err();
        assert!(late.contains("Call the practice"));
        assert!(may_change(&rules, at, &Booker::Patient, datetime!(2027-01-11 12:30 UTC)).is_err());
        assert!(
            may_change(&rules, at, &Booker::Staff { override_reason: None }, datetime!(2027-01-11 11:59 UTC)).is_ok()
        );
    }
}
