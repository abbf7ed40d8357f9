//! Rota templates: weekly patterns of clinic sessions, written in London
//! local time, that become slots.
//!
//! A session is defined on the wall clock ("Mondays 08:30 to 12:00") and
//! stays right across the clock changes: slots run on the real timeline
//! from the first moment the wall clock shows the session's start to the
//! last moment it shows its end. So a night session that crosses the March
//! change is an hour shorter in real time, and one that crosses the October
//! change an hour longer, exactly as the clinician experiences it.
//!
//! Expanding a template is pure and deterministic: the same template and
//! dates give the same slots, each with a stable key (template, start
//! instant), so regenerating adds what is missing and never duplicates.

use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime, Time, Weekday};
use uuid::Uuid;

use super::{BookableBy, Channel, ServiceKind};
use crate::london::{self, LocalTime};

/// One recurring clinic session in a week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeeklySession {
    pub weekday: Weekday,
    /// London local time.
    pub starts: Time,
    /// London local time; after `starts` on the same day.
    pub ends: Time,
    pub slot_minutes: u16,
}

/// A day the rota does not run: a bank holiday, leave, training.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotaException {
    pub date: Date,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotaTemplate {
    pub rota_template_id: Uuid,
    pub organisation_id: Uuid,
    pub location_id: Uuid,
    /// The member of staff who holds the clinic.
    pub clinician_id: Uuid,
    pub service: ServiceKind,
    pub channel: Channel,
    pub bookable_by: BookableBy,
    pub sessions: Vec<WeeklySession>,
    pub effective_from: Date,
    pub effective_until: Option<Date>,
    pub exceptions: Vec<RotaException>,
}

/// A slot a template asks for. The store inserts the ones it does not have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedSlot {
    pub rota_template_id: Uuid,
    pub organisation_id: Uuid,
    pub location_id: Uuid,
    pub clinician_id: Uuid,
    pub service: ServiceKind,
    pub channel: Channel,
    pub bookable_by: BookableBy,
    /// UTC.
    pub starts_at: OffsetDateTime,
    /// UTC.
    pub ends_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RotaError {
    #[error("Add at least one session to the rota")]
    NoSessions,
    #[error("A session must end after it starts")]
    SessionEndsBeforeItStarts,
    #[error("Appointment length must be between 5 and 120 minutes")]
    SlotLength,
    #[error("A session must be long enough for at least one appointment")]
    SessionTooShort,
    #[error("The rota must end on or after the date it starts")]
    EndsBeforeItStarts,
    #[error("Generate slots for at most 366 days at a time")]
    RangeTooLong,
}

impl RotaTemplate {
    /// The checks a receptionist's form must pass before a template is saved.
    pub fn validate(&self) -> Result<(), RotaError> {
        if self.sessions.is_empty() {
            return Err(RotaError::NoSessions);
        }
        if self.effective_until.is_some_and(|until| until < self.effective_from) {
            return Err(RotaError::EndsBeforeItStarts);
        }
        for s in &self.sessions {
            if s.ends <= s.starts {
                return Err(RotaError::SessionEndsBeforeItStarts);
            }
            if !(5..=120).contains(&s.slot_minutes) {
                return Err(RotaError::SlotLength);
            }
            if s.ends - s.starts < Duration::minutes(i64::from(s.slot_minutes)) {
                return Err(RotaError::SessionTooShort);
            }
        }
        Ok(())
    }

    /// Every slot this template asks for on the local dates `from..=to`.
    pub fn expand(&self, from: Date, to: Date) -> Result<Vec<PlannedSlot>, RotaError> {
        self.validate()?;
        if to < from {
            return Ok(Vec::new());
        }
        if (to - from).whole_days() > 366 {
            return Err(RotaError::RangeTooLong);
        }
        let mut slots = Vec::new();
        let mut date = from.max(self.effective_from);
        let last = self.effective_until.map_or(to, |until| until.min(to));
        while date <= last {
            if !self.exceptions.iter().any(|e| e.date == date) {
                for session in self.sessions.iter().filter(|s| s.weekday == date.weekday()) {
                    self.session_slots(date, session, &mut slots);
                }
            }
            date = date.next_day().expect("a next day");
        }
        slots.sort_by_key(|s| s.starts_at);
        Ok(slots)
    }

    fn session_slots(&self, date: Date, session: &WeeklySession, out: &mut Vec<PlannedSlot>) {
        // The first moment the wall clock shows the start...
        let start = match london::from_local(date, session.starts) {
            LocalTime::Unique(t) => t,
            LocalTime::Ambiguous { earlier, .. } => earlier,
            // A start inside the missing March hour begins when the clocks
            // reach it, at the moment they jump.
            LocalTime::Skipped { after, .. } => london::transitions(date.year()).0.max(after),
        };
        // ...to the last moment it shows the end.
        let end = match london::from_local(date, session.ends) {
            LocalTime::Unique(t) => t,
            LocalTime::Ambiguous { later, .. } => later,
            LocalTime::Skipped { .. } => london::transitions(date.year()).0,
        };
        let length = Duration::minutes(i64::from(session.slot_minutes));
        let mut at = start.to_offset(time::UtcOffset::UTC);
        while at + length <= end {
            out.push(PlannedSlot {
                rota_template_id: self.rota_template_id,
                organisation_id: self.organisation_id,
                location_id: self.location_id,
                clinician_id: self.clinician_id,
                service: self.service,
                channel: self.channel,
                bookable_by: self.bookable_by,
                starts_at: at,
                ends_at: at + length,
            });
            at += length;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime, time};

    fn template(sessions: Vec<WeeklySession>) -> RotaTemplate {
        RotaTemplate {
            rota_template_id: Uuid::from_u128(1),
            organisation_id: Uuid::from_u128(2),
            location_id: Uuid::from_u128(3),
            clinician_id: Uuid::from_u128(4),
            service: ServiceKind::GpAppointment,
            channel: Channel::FaceToFace,
            bookable_by: BookableBy::OwnPractice,
            sessions,
            effective_from: date!(2027 - 01 - 01),
            effective_until: None,
            exceptions: vec![],
        }
    }

    fn session(weekday: Weekday, starts: Time, ends: Time, slot_minutes: u16) -> WeeklySession {
        WeeklySession { weekday, starts, ends, slot_minutes }
    }

    #[test]
    fn a_morning_session_becomes_ten_minute_slots_in_utc() {
        let t = template(vec![session(Weekday::Monday, time!(08:30), time!(10:00), 10)]);

        let winter = t.expand(date!(2027 - 01 - 04), date!(2027 - 01 - 04)).unwrap();
        let summer = t.expand(date!(2027 - 07 - 05), date!(2027 - 07 - 05)).unwrap();

        assert_eq!(winter.len(), 9);
        assert_eq!(winter[0].starts_at, datetime!(2027-01-04 08:30 UTC));
        assert_eq!(winter[8].ends_at, datetime!(2027-01-04 10:00 UTC));
        assert_eq!(summer.len(), 9);
        assert_eq!(summer[0].starts_at, datetime!(2027-07-05 07:30 UTC), "08:30 BST");
    }

    #[test]
    fn sessions_keep_their_wall_clock_time_either_side_of_the_march_change() {
        let t = template(vec![session(Weekday::Sunday, time!(08:00), time!(09:00), 15)]);
        let before = t.expand(date!(2027 - 03 - 21), date!(2027 - 03 - 21)).unwrap();
        let on = t.expand(date!(2027 - 03 - 28), date!(2027 - 03 - 28)).unwrap();
        assert_eq!(before[0].starts_at, datetime!(2027-03-21 08:00 UTC));
        assert_eq!(on[0].starts_at, datetime!(2027-03-28 07:00 UTC));
        assert_eq!(on.len(), 4);
        for s in &on {
            assert_eq!(london::to_local(s.starts_at).hour(), 8);
        }
    }

    #[test]
    fn sessions_keep_their_wall_clock_time_either_side_of_the_october_change() {
        let t = template(vec![session(Weekday::Sunday, time!(08:00), time!(09:00), 15)]);
        let on = t.expand(date!(2027 - 10 - 31), date!(2027 - 10 - 31)).unwrap();
        let before = t.expand(date!(2027 - 10 - 24), date!(2027 - 10 - 24)).unwrap();
        assert_eq!(before[0].starts_at, datetime!(2027-10-24 07:00 UTC));
        assert_eq!(on[0].starts_at, datetime!(2027-10-31 08:00 UTC));
        assert_eq!(on.len(), 4);
    }

    #[test]
    fn a_session_across_the_march_change_loses_the_missing_hour() {
        // 00:30 to 02:30 on the wall clock is one real hour that night.
        let t = template(vec![session(Weekday::Sunday, time!(00:30), time!(02:30), 10)]);
        let slots = t.expand(date!(2027 - 03 - 28), date!(2027 - 03 - 28)).unwrap();
        assert_eq!(slots.len(), 6);
        assert_eq!(slots[0].starts_at, datetime!(2027-03-28 00:30 UTC));
        assert_eq!(slots[5].ends_at, datetime!(2027-03-28 01:30 UTC));
        // 00:50 GMT is followed by 02:00 BST.
        assert_eq!(london::to_local(slots[3].starts_at).time(), time!(02:00));
    }

    #[test]
    fn a_session_across_the_october_change_gains_the_repeated_hour() {
        // 00:30 to 02:30 on the wall clock is three real hours that night.
        let t = template(vec![session(Weekday::Sunday, time!(00:30), time!(02:30), 30)]);
        let slots = t.expand(date!(2027 - 10 - 31), date!(2027 - 10 - 31)).unwrap();
        assert_eq!(slots.len(), 6);
        assert_eq!(slots[0].starts_at, datetime!(2027-10-30 23:30 UTC));
        assert_eq!(slots[5].ends_at, datetime!(2027-10-31 02:30 UTC));
        let local: Vec<Time> = slots.iter().map(|s| london::to_local(s.starts_at).time()).collect();
        assert_eq!(local, vec![time!(00:30), time!(01:00), time!(01:30), time!(01:00), time!(01:30), time!(02:00)]);
    }

    #[test]
    fn a_session_starting_in_the_missing_hour_starts_when_the_clocks_jump() {
        let t = template(vec![session(Weekday::Sunday, time!(01:30), time!(03:00), 30)]);
        let slots = t.expand(date!(2027 - 03 - 28), date!(2027 - 03 - 28)).unwrap();
        assert_eq!(slots[0].starts_at, datetime!(2027-03-28 01:00 UTC), "02:00 BST");
        assert_eq!(slots.len(), 2);
    }

    #[test]
    fn exceptions_and_effective_dates_are_honoured() {
        let mut t = template(vec![session(Weekday::Monday, time!(09:00), time!(10:00), 30)]);
        t.effective_from = date!(2027 - 01 - 11);
        t.effective_until = Some(date!(2027 - 01 - 31));
        t.exceptions = vec![RotaException { date: date!(2027 - 01 - 18), reason: "Training".into() }];

        let slots = t.expand(date!(2027 - 01 - 01), date!(2027 - 02 - 28)).unwrap();

        let days: Vec<Date> = slots.iter().map(|s| s.starts_at.date()).collect();
        assert_eq!(
            days,
            vec![date!(2027 - 01 - 11), date!(2027 - 01 - 11), date!(2027 - 01 - 25), date!(2027 - 01 - 25)]
        );
    }

    #[test]
    fn expanding_twice_gives_the_same_slots() {
        let t = template(vec![
            session(Weekday::Monday, time!(08:30), time!(12:00), 10),
            session(Weekday::Thursday, time!(14:00), time!(17:30), 15),
        ]);
        let a = t.expand(date!(2027 - 03 - 01), date!(2027 - 04 - 30)).unwrap();
        let b = t.expand(date!(2027 - 03 - 01), date!(2027 - 04 - 30)).unwrap();
        assert_eq!(a, b);
        let mut keys: Vec<_> = a.iter().map(|s| (s.rota_template_id, s.starts_at)).collect();
        keys.dedup();
        assert_eq!(keys.len(), a.len(), "keys are unique");
    }

    #[test]
    fn bad_templates_are_refused_with_how_to_fix_them() {
        assert_eq!(template(vec![]).validate(), Err(RotaError::NoSessions));
        let backwards = template(vec![session(Weekday::Monday, time!(10:00), time!(09:00), 10)]);
        assert_eq!(backwards.validate(), Err(RotaError::SessionEndsBeforeItStarts));
        let tiny = template(vec![session(Weekday::Monday, time!(09:00), time!(10:00), 2)]);
        assert_eq!(tiny.validate(), Err(RotaError::SlotLength));
        let short = template(vec![session(Weekday::Monday, time!(09:00), time!(09:10), 15)]);
        assert_eq!(short.validate(), Err(RotaError::SessionTooShort));
        let mut ended = template(vec![session(Weekday::Monday, time!(09:00), time!(10:00), 10)]);
        ended.effective_until = Some(date!(2026 - 12 - 01));
        assert_eq!(ended.validate(), Err(RotaError::EndsBeforeItStarts));
        let ok = template(vec![session(Weekday::Monday, time!(09:00), time!(10:00), 10)]);
        assert_eq!(ok.expand(date!(2027 - 01 - 01), date!(2029 - 01 - 01)), Err(RotaError::RangeTooLong));
    }
}
