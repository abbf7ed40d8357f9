//! Europe/London civil time, without a time-zone database.
//!
//! The rule (Summer Time Order 2002, the same as EU directive 2000/84/EC):
//! British Summer Time, UTC+1, runs from 01:00 UTC on the last Sunday of
//! March to 01:00 UTC on the last Sunday of October; Greenwich Mean Time,
//! UTC+0, the rest of the year. It has held since 1996, so this module is
//! right for 1996 onwards. All instants are stored in UTC; local times are
//! for showing and for rotas, which are written in local time.

use time::{Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset, Weekday};

const GMT: UtcOffset = UtcOffset::UTC;
const BST: UtcOffset = match UtcOffset::from_hms(1, 0, 0) {
    Ok(o) => o,
    Err(_) => panic!("BST offset"),
};

fn last_sunday(year: i32, month: Month) -> Date {
    let mut d = Date::from_calendar_date(year, month, month.length(year)).expect("last day of month");
    while d.weekday() != Weekday::Sunday {
        d = d.previous_day().expect("a day before");
    }
    d
}

/// The UTC instants BST starts and ends in `year`.
pub fn transitions(year: i32) -> (OffsetDateTime, OffsetDateTime) {
    let one_am = Time::from_hms(1, 0, 0).expect("01:00");
    (
        PrimitiveDateTime::new(last_sunday(year, Month::March), one_am).assume_utc(),
        PrimitiveDateTime::new(last_sunday(year, Month::October), one_am).assume_utc(),
    )
}

/// London's offset from UTC at the instant `utc`.
pub fn offset_at(utc: OffsetDateTime) -> UtcOffset {
    let utc = utc.to_offset(GMT);
    let (start, end) = transitions(utc.year());
    if utc >= start && utc < end {
        BST
    } else {
        GMT
    }
}

/// The same instant, with London's offset: for showing.
pub fn to_local(utc: OffsetDateTime) -> OffsetDateTime {
    utc.to_offset(offset_at(utc))
}

/// The date in London at `now`: the one date every rule, policy and page
/// uses (from midnight to 1 am in summer it is a day ahead of UTC's).
pub fn today(now: OffsetDateTime) -> Date {
    to_local(now).date()
}

/// What a wall-clock time in London means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalTime {
    /// One instant: the usual case.
    Unique(OffsetDateTime),
    /// The hour that happens twice when the clocks go back (October).
    Ambiguous { earlier: OffsetDateTime, later: OffsetDateTime },
    /// The hour that never happens when the clocks go forward (March):
    /// `before` reads the time with the old offset, `after` with the new.
    Skipped { before: OffsetDateTime, after: OffsetDateTime },
}

/// Reads a London wall-clock time: each offset is tried, and a reading is
/// real only if London actually had that offset at the instant it names.
pub fn from_local(date: Date, time: Time) -> LocalTime {
    let wall = PrimitiveDateTime::new(date, time);
    let as_gmt = wall.assume_offset(GMT);
    let as_bst = wall.assume_offset(BST);
    let gmt_ok = offset_at(as_gmt) == GMT;
    let bst_ok = offset_at(as_bst) == BST;
    match (gmt_ok, bst_ok) {
        (true, false) => LocalTime::Unique(as_gmt),
        (false, true) => LocalTime::Unique(as_bst),
        // Both readings are real: the October repeat. BST comes first.
        (true, true) => LocalTime::Ambiguous { earlier: as_bst, later: as_gmt },
        (false, false) => LocalTime::Skipped { before: as_gmt, after: as_bst },
    }
}

/// One instant for a wall-clock time, by the usual scheduling convention:
/// a repeated time means its first occurrence; a skipped time moves forward
/// by the length of the gap (01:30 on the March change is 02:30 BST).
pub fn resolve(date: Date, time: Time) -> OffsetDateTime {
    match from_local(date, time) {
        LocalTime::Unique(t) => t,
        LocalTime::Ambiguous { earlier, .. } => earlier,
        LocalTime::Skipped { before, .. } => to_local(before),
    }
}

/// Add whole local days, keeping the wall-clock time (for rota patterns).
pub fn add_local_days(date: Date, days: i64) -> Date {
    date + Duration::days(days)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime, time};

    #[test]
    fn the_2027_changes_fall_on_the_last_sundays() {
        let (start, end) = transitions(2027);
        assert_eq!(start, datetime!(2027-03-28 01:00 UTC));
        assert_eq!(end, datetime!(2027-10-31 01:00 UTC));
        let (start, end) = transitions(2026);
        assert_eq!(start, datetime!(2026-03-29 01:00 UTC));
        assert_eq!(end, datetime!(2026-10-25 01:00 UTC));
    }

    #[test]
    fn the_offset_changes_at_one_in_the_morning_utc() {
        assert_eq!(offset_at(datetime!(2027-03-28 00:59 UTC)), GMT);
        assert_eq!(offset_at(datetime!(2027-03-28 01:00 UTC)), BST);
        assert_eq!(offset_at(datetime!(2027-10-31 00:59 UTC)), BST);
        assert_eq!(offset_at(datetime!(2027-10-31 01:00 UTC)), GMT);
        assert_eq!(offset_at(datetime!(2027-07-01 12:00 UTC)), BST);
        assert_eq!(offset_at(datetime!(2027-01-15 12:00 UTC)), GMT);
    }

    #[test]
    fn half_past_one_is_skipped_in_march_and_repeated_in_october() {
        assert_eq!(
            from_local(date!(2027 - 03 - 28), time!(01:30)),
            LocalTime::Skipped { before: datetime!(2027-03-28 01:30 UTC), after: datetime!(2027-03-28 00:30 UTC) }
        );
        assert_eq!(resolve(date!(2027 - 03 - 28), time!(01:30)), datetime!(2027-03-28 02:30 +1));
        assert_eq!(
            from_local(date!(2027 - 10 - 31), time!(01:30)),
            LocalTime::Ambiguous { earlier: datetime!(2027-10-31 00:30 UTC), later: datetime!(2027-10-31 01:30 UTC) }
        );
        assert_eq!(resolve(date!(2027 - 10 - 31), time!(01:30)), datetime!(2027-10-31 00:30 UTC));
    }

    #[test]
    fn a_morning_surgery_is_at_the_same_wall_clock_time_either_side_of_a_change() {
        assert_eq!(resolve(date!(2027 - 03 - 27), time!(08:00)), datetime!(2027-03-27 08:00 UTC));
        assert_eq!(resolve(date!(2027 - 03 - 28), time!(08:00)), datetime!(2027-03-28 07:00 UTC));
        assert_eq!(resolve(date!(2027 - 10 - 30), time!(08:00)), datetime!(2027-10-30 07:00 UTC));
        assert_eq!(resolve(date!(2027 - 10 - 31), time!(08:00)), datetime!(2027-10-31 08:00 UTC));
    }

    #[test]
    fn mid_summer_is_an_hour_ahead_and_mid_winter_is_utc() {
        assert_eq!(to_local(datetime!(2026-07-15 11:00 UTC)), datetime!(2026-07-15 12:00 +1));
        assert_eq!(to_local(datetime!(2026-01-15 11:00 UTC)).offset(), GMT);
        assert_eq!(from_local(date!(2026 - 07 - 15), time!(12:00)), LocalTime::Unique(datetime!(2026-07-15 11:00 UTC)));
        assert_eq!(from_local(date!(2026 - 01 - 15), time!(12:00)), LocalTime::Unique(datetime!(2026-01-15 12:00 UTC)));
    }

    #[test]
    fn every_hour_of_both_change_days_round_trips() {
        for day in [date!(2027 - 03 - 28), date!(2027 - 10 - 31), date!(2026 - 03 - 29), date!(2026 - 10 - 25)] {
            for hour in 0..24 {
                let t = Time::from_hms(hour, 15, 0).unwrap();
                match from_local(day, t) {
                    LocalTime::Unique(i) => {
                        let back = to_local(i);
                        assert_eq!((back.date(), back.time()), (day, t), "{day} {t}");
                    }
                    LocalTime::Ambiguous { earlier, later } => {
                        assert_eq!(later - earlier, Duration::hours(1));
                        assert_eq!(to_local(earlier).time(), t);
                        assert_eq!(to_local(later).time(), t);
                    }
                    LocalTime::Skipped { .. } => assert_eq!(hour, 1, "only 01:xx is skipped"),
                }
            }
        }
    }
}
