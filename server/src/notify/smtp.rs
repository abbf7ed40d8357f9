//! E-mail through SMTP (lettre): plain text and HTML alternatives, and the
//! RFC 5545 invitation as a `text/calendar` part with its METHOD, so
//! calendar programs offer to add, update or remove the event.

use async_trait::async_trait;
use carebook_core::notify::compose::OutgoingEmail;
use carebook_core::notify::delivery::EmailGateway;
use carebook_core::notify::ics::Method;
use carebook_core::notify::outbox::Notification;
use carebook_core::notify::worker::DeliveryError;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use std::time::Duration;

use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{SmtpConfig, SmtpTls};

pub struct SmtpTransport {
    mailer: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// For `none` and `starttls`: carebook opens the connection itself,
    /// with Nagle's algorithm off (see [`SmtpTransport::send_direct`]).
    direct: Option<Direct>,
}

struct Direct {
    host: String,
    port: u16,
    starttls: bool,
    credentials: Option<Credentials>,
}

/// The longest one message's whole SMTP exchange may take.
const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(60);

/// Setting up the gateways can fail on configuration (the name is kept for
/// the server's start-up error).
pub use super::SetupError as SmtpSetupError;

impl SmtpTransport {
    pub fn new(config: &SmtpConfig) -> Result<Self, SmtpSetupError> {
        let from: Mailbox =
            config.from.parse().map_err(|e: lettre::address::AddressError| SmtpSetupError::From(e.to_string()))?;
        let relay_error = |e: lettre::transport::smtp::Error| SmtpSetupError::Relay {
            host: config.host.clone(),
            reason: e.to_string(),
        };
        let mut builder = match config.tls {
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host),
            SmtpTls::Starttls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.host).map_err(relay_error)?
            }
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&config.host).map_err(relay_error)?,
        }
        .port(config.port)
        .timeout(Some(std::time::Duration::from_secs(20)));
        if !config.username.is_empty() {
            builder =
                builder.credentials(Credentials::new(config.username.clone(), config.password.expose().to_string()));
        }
        let direct = match config.tls {
            SmtpTls::Tls => None,
            tls => Some(Direct {
                host: config.host.clone(),
                port: config.port,
                starttls: tls == SmtpTls::Starttls,
                credentials: (!config.username.is_empty())
                    .then(|| Credentials::new(config.username.clone(), config.password.expose().to_string())),
            }),
        };
        Ok(Self { mailer: builder.build(), from, direct })
    }

    /// One message over a connection of carebook's own making, with
    /// TCP_NODELAY set. lettre writes the message and its closing
    /// `CRLF . CRLF` as two writes; with Nagle's algorithm on, the second
    /// waits for the server's delayed acknowledgement of the first (40 ms
    /// on Linux), which capped a worker at about 20 messages a second.
    async fn send_direct(&self, direct: &Direct, message: &Message) -> Result<(), DeliveryError> {
        let hello = ClientId::default();
        let exchange = async {
            let tcp = tokio::net::TcpStream::connect((direct.host.as_str(), direct.port))
                .await
                .map_err(|e| DeliveryError::Temporary(format!("smtp: connection: {e}")))?;
            let _ = tcp.set_nodelay(true);
            let mut connection =
                AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &hello).await.map_err(classify)?;
            if direct.starttls {
                let tls = TlsParameters::new(direct.host.clone()).map_err(classify)?;
                connection.starttls(tls, &hello).await.map_err(classify)?;
            }
            if let Some(credentials) = &direct.credentials {
                connection.auth(&[Mechanism::Plain, Mechanism::Login], credentials).await.map_err(classify)?;
            }
            let sent = connection.send(message.envelope(), &message.formatted()).await.map_err(classify);
            let _ = connection.quit().await;
            sent.map(|_| ())
        };
        tokio::time::timeout(EXCHANGE_TIMEOUT, exchange)
            .await
            .map_err(|_| DeliveryError::Temporary("smtp: timed out".into()))?
    }

    fn message(&self, email: &OutgoingEmail) -> Result<Message, DeliveryError> {
        let to: Mailbox = email.to.as_str().parse().map_err(|_| DeliveryError::Permanent("unusable address".into()))?;
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.clone())
            .message_id(Some(email.message_id.clone()));
        if let Some(reply_to) = email.reply_to.as_ref().and_then(|r| r.as_str().parse::<Mailbox>().ok()) {
            builder = builder.reply_to(reply_to);
        }
        let alternatives = MultiPart::alternative()
            .singlepart(SinglePart::plain(email.text.clone()))
            .singlepart(SinglePart::html(email.html.clone()));
        let body = match &email.invitation {
            None => MultiPart::mixed().multipart(alternatives),
            Some((method, ics)) => {
                let method = match method {
                    Method::Request => "REQUEST",
                    Method::Cancel => "CANCEL",
                };
                let content_type = ContentType::parse(&format!("text/calendar; charset=utf-8; method={method}"))
                    .map_err(|_| DeliveryError::Permanent("invitation content type".into()))?;
                MultiPart::mixed()
                    .multipart(alternatives)
                    .singlepart(Attachment::new("invitation.ics".into()).body(ics.clone(), content_type))
            }
        };
        builder.multipart(body).map_err(|e| DeliveryError::Permanent(format!("message: {e}")))
    }
}

#[async_trait]
impl EmailGateway for SmtpTransport {
    async fn send_email(&self, notification: &Notification, email: &OutgoingEmail) -> Result<(), DeliveryError> {
        let message = self.message(email)?;
        match &self.direct {
            Some(direct) => self.send_direct(direct, &message).await?,
            None => {
                self.mailer.send(message).await.map_err(classify)?;
            }
        }
        tracing::info!(kind = notification.kind.as_str(), "e-mail sent");
        Ok(())
    }
}

/// A refusal the server means for good (5xx) is permanent; anything else
/// (4xx, the network, TLS) is worth trying again.
fn classify(e: lettre::transport::smtp::Error) -> DeliveryError {
    if e.is_permanent() {
        DeliveryError::Permanent(format!("smtp: {e}"))
    } else {
        DeliveryError::Temporary(format!("smtp: {e}"))
    }
}
