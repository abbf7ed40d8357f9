//! What the notification service needs to know without any transport:
//! calendar invitations (RFC 5545), SMS length and quiet hours, and the
//! retry schedule. The outbox, the workers and the SMTP and SMS transports
//! build on these.

pub mod compose;
pub mod delivery;
pub mod demonstration;
pub mod ics;
pub mod outbox;
pub mod preferences;
pub mod retry;
pub mod sms;
pub mod worker;
