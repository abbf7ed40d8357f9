//! The waitlist for an earlier appointment.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::ServiceKind;

/// How long a freed slot is held for the person it is offered to.
pub const OFFER_WINDOW: Duration = Duration::minutes(30);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WaitlistStatus {
    Waiting,
    /// A slot is held for them until the offer expires.
    Offered,
    Accepted,
    Expired,
    Withdrawn,
}

impl WaitlistStatus {
    pub const ALL: [WaitlistStatus; 5] = [
        WaitlistStatus::Waiting,
        WaitlistStatus::Offered,
        WaitlistStatus::Accepted,
        WaitlistStatus::Expired,
        WaitlistStatus::Withdrawn,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            WaitlistStatus::Waiting => "waiting",
            WaitlistStatus::Offered => "offered",
            WaitlistStatus::Accepted => "accepted",
            WaitlistStatus::Expired => "expired",
            WaitlistStatus::Withdrawn => "withdrawn",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitlistEntry {
    pub waitlist_entry_id: Uuid,
    pub patient_id: Uuid,
    pub service: ServiceKind,
    pub practice_id: Uuid,
    pub hub_id: Option<Uuid>,
    /// The window of appointment start times they would take, UTC.
    pub window_starts_at: OffsetDateTime,
    pub window_ends_at: OffsetDateTime,
    pub status: WaitlistStatus,
    pub offered_slot_id: Option<Uuid>,
    pub offer_expires_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
}
