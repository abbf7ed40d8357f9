//! The retry schedule for deliveries that failed: exponential back-off with
//! "full jitter" (a random wait between zero and the exponential bound), so
//! that many workers retrying at once do not hammer a recovering mail server
//! together. After `max_attempts` a message is parked for an admin.

use time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub base: Duration,
    pub cap: Duration,
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { base: Duration::seconds(30), cap: Duration::hours(1), max_attempts: 8 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    RetryAfter(Duration),
    Park,
}

impl RetryPolicy {
    /// What to do after failed attempt number `attempt` (1 for the first).
    /// `random` is uniform in [0, 1): the caller's randomness, so tests can
    /// fix it.
    pub fn after_failure(&self, attempt: u32, random: f64) -> Next {
        if attempt >= self.max_attempts {
            return Next::Park;
        }
        let exp = self.base.whole_milliseconds() as f64 * 2f64.powi(attempt.saturating_sub(1).min(30) as i32);
        let bound = exp.min(self.cap.whole_milliseconds() as f64);
        let wait = (bound * random.clamp(0.0, 1.0)).max(1000.0_f64.min(bound));
        Next::RetryAfter(Duration::milliseconds(wait as i64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bound_doubles_each_time_up_to_the_cap_then_the_message_is_parked() {
        let p = RetryPolicy::default();
        let just_under_one = 0.999_999;
        let bounds: Vec<Next> = (1..=8).map(|a| p.after_failure(a, just_under_one)).collect();
        assert_eq!(bounds[0], Next::RetryAfter(Duration::milliseconds(29_999)));
        assert_eq!(bounds[1], Next::RetryAfter(Duration::milliseconds(59_999)));
        assert_eq!(bounds[2], Next::RetryAfter(Duration::milliseconds(119_999)));
        assert_eq!(bounds[6], Next::RetryAfter(Duration::milliseconds(1_919_998)));
        assert_eq!(bounds[7], Next::Park);
        let capped = RetryPolicy { max_attempts: 100, ..p }.after_failure(20, just_under_one);
        assert_eq!(capped, Next::RetryAfter(Duration::milliseconds(3_599_996)));
    }

    #[test]
    fn jitter_spreads_retries_but_never_below_a_second() {
        let p = RetryPolicy::default();
        assert_eq!(p.after_failure(3, 0.0), Next::RetryAfter(Duration::seconds(1)));
        assert_eq!(p.after_failure(3, 0.5), Next::RetryAfter(Duration::seconds(60)));
    }
}
