//! The demonstration's outbox: in `carebook demo` nothing leaves the
//! machine. Each message is composed exactly as it would be sent and kept
//! here, for the outbox viewer page.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use super::outbox::NotificationKind;
use super::preferences::DeliveryChannel;

/// One message as it would have gone out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentMessage {
    pub notification_id: Uuid,
    pub kind: NotificationKind,
    pub channel: DeliveryChannel,
    /// Who it was for and where it would have gone: "Name <address>" or
    /// "Name, 07700 900123". Synthetic people only.
    pub recipient: String,
    /// E-mail only.
    pub subject: Option<String>,
    /// The plain text of the e-mail, or the text message.
    pub body: String,
    /// The RFC 5545 invitation attached to an appointment e-mail.
    pub invitation: Option<String>,
    pub sent_at: OffsetDateTime,
}
