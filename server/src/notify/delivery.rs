//! The delivery loop, shared by `carebook serve` (in-process, when
//! `[worker] enabled`) and `carebook worker` (nothing else): every poll
//! interval it passes on waitlist offers nobody answered, then drains the
//! outbox through the channel transport. With PostgreSQL any number of
//! these share the outbox: claims are leased and never overlap.
//!
//! Stopping is graceful: the message being sent is finished and recorded,
//! the rest of the claimed batch is handed back unsent, and the loop ends.
//! A worker killed outright leaves its claimed messages to the lease: they
//! go out once it runs out, and one that was sent but not yet recorded is
//! sent again (its Message-ID is the same, so it can be recognised).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use carebook_core::notify::delivery::{EmailGateway, SmsGateway};
use carebook_core::notify::worker::Worker;
use carebook_core::services::{Services, WorkerSettings};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use super::demo::DemoGateway;
use super::sms_notify::NotifySms;
use super::smtp::SmtpTransport;
use super::SetupError;
use crate::config::{Config, WorkerConfig};

type Gateways = (Option<Arc<dyn EmailGateway>>, Option<Arc<dyn SmsGateway>>);

/// The gateways this configuration has: SMTP when `smtp.host` is set, Notify
/// when `sms.base_url` is; in the demonstration, the recorder for both.
pub fn gateways(config: &Config, demo: bool, services: &Services) -> Result<Gateways, SetupError> {
    if demo {
        let recorder =
            Arc::new(DemoGateway { demonstration: services.demonstration.clone(), clock: services.clock.clone() });
        return Ok((Some(recorder.clone()), Some(recorder)));
    }
    let email: Option<Arc<dyn EmailGateway>> =
        if config.smtp.host.is_empty() { None } else { Some(Arc::new(SmtpTransport::new(&config.smtp)?)) };
    let sms: Option<Arc<dyn SmsGateway>> =
        if config.sms.enabled() { Some(Arc::new(NotifySms::new(&config.sms)?)) } else { None };
    Ok((email, sms))
}

/// A uniquely named worker over the channel transport.
pub fn worker(settings: &WorkerConfig, services: &Services, gateways: Gateways) -> Worker {
    let (email, sms) = gateways;
    let settings = WorkerSettings {
        name: format!("{}-{}", std::process::id(), &uuid::Uuid::new_v4().simple().to_string()[..12]),
        lease: time::Duration::seconds(settings.lease_seconds.max(1)),
        batch: settings.batch_size.max(1),
        random: Arc::new(|| f64::from(uuid::Uuid::new_v4().as_u128() as u32) / (f64::from(u32::MAX) + 1.0)),
    };
    services.outbox.worker(settings, email, sms)
}

/// A running delivery loop.
pub struct DeliveryHandle {
    stop: Arc<AtomicBool>,
    wake: Arc<Notify>,
    task: JoinHandle<()>,
}

impl DeliveryHandle {
    /// Ask the loop to stop after the message in hand, without waiting.
    pub fn abort(&self) {
        self.stop.store(true, Ordering::SeqCst);
        self.wake.notify_one();
    }

    /// Stop after the message in hand and wait until the loop has ended.
    pub async fn stop(self) {
        self.abort();
        let _ = self.task.await;
    }

    /// Wait for the loop to end (it ends when asked to stop).
    pub async fn finished(self) {
        let _ = self.task.await;
    }
}

/// Start the loop on the runtime.
pub fn spawn(worker: Worker, poll: Duration) -> DeliveryHandle {
    let stop = Arc::new(AtomicBool::new(false));
    let wake = Arc::new(Notify::new());
    let task = tokio::spawn(run(worker, poll, stop.clone(), wake.clone()));
    DeliveryHandle { stop, wake, task }
}

async fn run(worker: Worker, poll: Duration, stop: Arc<AtomicBool>, wake: Arc<Notify>) {
    tracing::info!(worker = %worker.name, batch = worker.batch, "delivery started");
    while !stop.load(Ordering::SeqCst) {
        if let Err(e) = worker.expire_waitlist_offers().await {
            tracing::warn!(error = %e, "waitlist offers not expired");
        }
        match worker.drain_until(&stop).await {
            Ok(r) if r.any() => tracing::info!(
                sent = r.sent,
                retrying = r.retrying,
                parked = r.parked,
                deferred = r.deferred,
                "outbox drained"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "outbox drain failed"),
        }
        if stop.load(Ordering::SeqCst) {
            break;
        }
        tokio::select! {
            _ = tokio::time::sleep(poll) => {}
            _ = wake.notified() => {}
        }
    }
    tracing::info!(worker = %worker.name, "delivery stopped");
}

/// The in-process loop of `carebook serve` and `carebook demo`: in the
/// demonstration always (with the recorder: nothing leaves the machine);
/// otherwise when `[worker] enabled` and a gateway is configured.
pub fn start_in_process(
    config: &Config,
    demo: bool,
    services: &Services,
) -> Result<Option<DeliveryHandle>, SetupError> {
    let gateways = gateways(config, demo, services)?;
    if !demo && (!config.worker.enabled || (gateways.0.is_none() && gateways.1.is_none())) {
        return Ok(None);
    }
    let worker = worker(&config.worker, services, gateways);
    Ok(Some(spawn(worker, Duration::from_secs(config.worker.poll_interval_seconds.max(1)))))
}

/// `carebook worker`: the delivery loop alone against the configured
/// database, until SIGTERM or Ctrl-C.
pub async fn run_worker(config: Config) -> Result<(), String> {
    let (store, _) = crate::database::open_store(config.database_url.expose(), config.database_pool_size)
        .await
        .map_err(|e| e.to_string())?;
    let services = crate::database::services(store, Arc::new(carebook_core::clock::SystemClock));
    let gateways = gateways(&config, false, &services).map_err(|e| e.to_string())?;
    if gateways.0.is_none() && gateways.1.is_none() {
        return Err(SetupError::NoGateway.to_string());
    }
    tracing::info!(
        store = services.operations.backend(),
        email = gateways.0.is_some(),
        sms = gateways.1.is_some(),
        "carebook worker starting"
    );
    let worker = worker(&config.worker, &services, gateways);
    let handle = spawn(worker, Duration::from_secs(config.worker.poll_interval_seconds.max(1)));
    let stop = handle.stop.clone();
    let wake = handle.wake.clone();
    tokio::spawn(async move {
        crate::shutdown::stop_requested().await;
        tracing::info!("stopping: finishing the message in hand");
        stop.store(true, Ordering::SeqCst);
        wake.notify_one();
    });
    handle.finished().await;
    Ok(())
}
