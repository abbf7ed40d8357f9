//! Small conversions both stores apply to values before binding them.

pub use uuid::Uuid;

/// Instants are stored in UTC (RFC 3339 text on SQLite, timestamptz on
/// PostgreSQL), so that text comparison and ordering agree with time.
pub fn utc(t: time::OffsetDateTime) -> time::OffsetDateTime {
    t.to_offset(time::UtcOffset::UTC)
}

/// A list of columns, each named by `alias.`: "a, b" becomes "p.a, p.b".
pub fn prefixed(columns: &str, alias: &str) -> String {
    columns.split(", ").map(|c| format!("{alias}.{}", c.trim())).collect::<Vec<_>>().join(", ")
}

/// A local time of day as stored: "HH:MM".
pub fn hhmm(t: time::Time) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// Text matched with LIKE, its wildcards taken literally (`\` is the escape
/// character on both databases).
pub fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// The tables a population fills, children before parents: the order to
/// empty them in.
pub const POPULATION_TABLES: [&str; 26] = [
    "record_access_log",
    "record_sharing_choice",
    "record_access_level",
    "record_item",
    "record_ingest",
    "record_source_token",
    "record_source",
    "demo_sent_message",
    "booking_rule",
    "contact_preference",
    "waitlist_entry",
    "notification_outbox",
    "appointment",
    "slot",
    "rota_exception",
    "rota_session",
    "rota_template",
    "proxy_access",
    "patient_condition",
    "patient",
    "staff_assignment",
    "staff_member",
    "location",
    "organisation",
    "federation",
    "area",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards_are_taken_literally() {
        assert_eq!(escape_like(r"50%_off\"), r"50\%\_off\\");
    }

    #[test]
    fn a_time_of_day_is_stored_as_hours_and_minutes() {
        assert_eq!(hhmm(time::macros::time!(8:05)), "08:05");
    }
}
