//! Message transports: SMTP through lettre (SMS and the demonstration's
//! viewer come with the notification issue's remaining work).

pub mod smtp;
