//! Time as a port: production reads the system clock, tests set it.

use std::sync::{Arc, Mutex};
use time::OffsetDateTime;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> OffsetDateTime;
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that only moves when told to; shared by clones.
#[derive(Debug, Clone)]
pub struct FixedClock(Arc<Mutex<OffsetDateTime>>);

impl FixedClock {
    pub fn at(now: OffsetDateTime) -> Self {
        Self(Arc::new(Mutex::new(now)))
    }
    pub fn set(&self, now: OffsetDateTime) {
        *self.0.lock().expect("clock lock") = now;
    }
    pub fn advance(&self, by: time::Duration) {
        let mut t = self.0.lock().expect("clock lock");
        *t += by;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().expect("clock lock")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_fixed_clock_moves_only_when_told() {
        let clock = FixedClock::at(datetime!(2027-03-28 00:30 UTC));
        assert_eq!(clock.now(), datetime!(2027-03-28 00:30 UTC));
        clock.advance(time::Duration::hours(1));
        assert_eq!(clock.now(), datetime!(2027-03-28 01:30 UTC));
    }
}

/// New identifiers as a port: the server draws them at random (UUID v4);
/// the core itself has no randomness, so that it builds for the browser too.
pub trait IdSource: Send + Sync + 'static {
    fn new_id(&self) -> uuid::Uuid;
}

/// Predictable identifiers for tests: 1, 2, 3, … in the low bits of a
/// fixed prefix.
#[derive(Debug, Default)]
pub struct SequentialIds(std::sync::atomic::AtomicU64);

impl IdSource for SequentialIds {
    fn new_id(&self) -> uuid::Uuid {
        let n = self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        uuid::Uuid::from_u64_pair(0xC0FF_EE00_0000_4000, 0x8000_0000_0000_0000 | n)
    }
}
