//! The real `carebook worker` binary against a loaded outbox and a local
//! SMTP sink (scripts/smtp-sink.py, aiosmtpd) that prints each message's
//! Message-ID, so deliveries and duplicates are counted exactly:
//!
//! - killed outright (SIGKILL) in the middle of a batch and started again:
//!   every message arrives; a message the dead worker had sent but not yet
//!   recorded is sent again, and the test counts those;
//! - stopped with SIGTERM: the message in hand is finished and recorded,
//!   the rest of the batch handed back, nothing sent twice;
//! - on PostgreSQL, two workers against one outbox: each message once.

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use carebook_conformance::outbox_load::queue_due_messages;
use carebook_core::store::Store;
use uuid::Uuid;

use crate::helpers::scratch_dir;

/// scripts/smtp-sink.py on a free port.
pub struct Sink {
    child: Child,
    pub port: u16,
    ids: Arc<Mutex<Vec<String>>>,
}

impl Sink {
    pub fn start(delay_ms: u64) -> Self {
        let port = crate::mail::free_port();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/smtp-sink.py");
        let mut child = Command::new("python3")
            .args([script, "--port", &port.to_string(), "--delay-ms", &delay_ms.to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 runs");
        let ids = Arc::new(Mutex::new(Vec::new()));
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let out = child.stdout.take().unwrap();
        let sink = ids.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if line == "READY" {
                    let _ = ready_tx.send(());
                } else if let Some(id) = line.strip_prefix("MESSAGE-ID ") {
                    sink.lock().unwrap().push(id.to_string());
                }
            }
        });
        ready_rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the SMTP sink starts (python3 -m pip install aiosmtpd if it is missing)");
        Self { child, port, ids }
    }

    /// Every Message-ID received, in order, repeats included.
    pub fn received(&self) -> Vec<String> {
        self.ids.lock().unwrap().clone()
    }

    pub fn wait_for_count(&self, n: usize, within: Duration) {
        let started = Instant::now();
        while self.received().len() < n {
            assert!(started.elapsed() < within, "only {} of {n} messages arrived", self.received().len());
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `carebook worker` process, counting the e-mails it reports sending.
pub struct WorkerProcess {
    child: Child,
    pub sent: Arc<AtomicUsize>,
}

impl WorkerProcess {
    pub fn start(database_url: &str, smtp_port: u16, lease_seconds: u32) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_carebook"))
            .arg("worker")
            .env("CAREBOOK_DATABASE_URL", database_url)
            .env("CAREBOOK_DATABASE_POOL_SIZE", "4")
            .env("CAREBOOK_SMTP__HOST", "127.0.0.1")
            .env("CAREBOOK_SMTP__PORT", smtp_port.to_string())
            .env("CAREBOOK_SMTP__TLS", "none")
            .env("CAREBOOK_SMS__BASE_URL", "")
            .env("CAREBOOK_WORKER__LEASE_SECONDS", lease_seconds.to_string())
            .env("CAREBOOK_WORKER__POLL_INTERVAL_SECONDS", "1")
            .env("CAREBOOK_WORKER__BATCH_SIZE", "20")
            .env("CAREBOOK_LOG_FORMAT", "json")
            .env("CAREBOOK_LOG_LEVEL", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the carebook binary runs");
        let sent = Arc::new(AtomicUsize::new(0));
        let out = child.stdout.take().unwrap();
        let count = sent.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if line.contains("e-mail sent") {
                    count.fetch_add(1, Ordering::SeqCst);
                }
            }
        });
        Self { child, sent }
    }

    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM, then wait for it to exit; its exit status.
    pub fn terminate(&mut self, within: Duration) -> std::process::ExitStatus {
        let status = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().expect("kill runs");
        assert!(status.success());
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(started.elapsed() < within, "the worker did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub async fn wait_until_all_sent(store: &Arc<dyn Store>, n: usize, within: Duration) {
    let started = Instant::now();
    loop {
        let s = store.outbox_stats(time::OffsetDateTime::now_utc()).await.unwrap();
        if s.sent as usize >= n && s.queue_depth() == 0 {
            return;
        }
        assert!(started.elapsed() < within, "not all sent: {s:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// (distinct Message-IDs, duplicates), checking every expected message
/// arrived and nothing else did.
pub fn tally(received: &[String], expected: &[Uuid]) -> (usize, usize) {
    let distinct: HashSet<&String> = received.iter().collect();
    let wanted: HashSet<String> = expected.iter().map(|id| format!("<{id}@carebook>")).collect();
    let got: HashSet<String> = distinct.iter().map(|s| s.to_string()).collect();
    let missing = wanted.difference(&got).count();
    let strange = got.difference(&wanted).count();
    assert_eq!((missing, strange), (0, 0), "every message arrived, and nothing else");
    (distinct.len(), received.len() - distinct.len())
}

async fn sqlite_outbox(n: usize) -> (Arc<dyn Store>, String, Vec<Uuid>, std::path::PathBuf) {
    let dir = scratch_dir();
    let url = format!("sqlite://{}/outbox.db", dir.display());
    let (store, _) = carebook_server::startup::open_store(&url, 4).await.unwrap();
    let ids = queue_due_messages(&store, n, time::OffsetDateTime::now_utc()).await;
    (store, url, ids, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_in_the_middle_of_a_batch_loses_nothing_and_its_duplicates_are_counted() {
    const N: usize = 300;
    let (store, url, ids, dir) = sqlite_outbox(N).await;
    let sink = Sink::start(15);

    let mut first = WorkerProcess::start(&url, sink.port, 3);
    sink.wait_for_count(110, Duration::from_secs(120));
    // At a moment of its own within the message cycle (about 20 ms), not
    // always just as the mail server has answered.
    let jitter = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos() % 25;
    std::thread::sleep(Duration::from_millis(u64::from(jitter)));
    first.kill();
    let at_kill = sink.received().len();
    let left_claimed = store.outbox_stats(time::OffsetDateTime::now_utc()).await.unwrap().in_flight;
    assert!(at_kill < N, "killed before the end");

    let mut second = WorkerProcess::start(&url, sink.port, 3);
    wait_until_all_sent(&store, N, Duration::from_secs(180)).await;
    assert!(second.terminate(Duration::from_secs(20)).success());

    let received = sink.received();
    let (distinct, duplicates) = tally(&received, &ids);
    eprintln!(
        "kill test: {N} events; SIGKILL after {at_kill} deliveries with {left_claimed} claimed; \
         after restart {distinct} distinct delivered, {duplicates} duplicate(s) by Message-ID"
    );
    assert_eq!(distinct, N);
    // Only the message in the SMTP exchange at the kill can have been sent
    // and not recorded; the rest of the dead worker's batch waited for the
    // lease and went once.
    assert!(duplicates <= 1, "{duplicates} duplicates");
    let stats = store.outbox_stats(time::OffsetDateTime::now_utc()).await.unwrap();
    assert_eq!((stats.sent as usize, stats.parked, stats.failed_attempts), (N, 0, 0));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_the_message_in_hand_hands_back_the_rest_and_exits_cleanly() {
    const N: usize = 80;
    let (store, url, ids, dir) = sqlite_outbox(N).await;
    let sink = Sink::start(40);

    let mut worker = WorkerProcess::start(&url, sink.port, 120);
    sink.wait_for_count(15, Duration::from_secs(60));
    let status = worker.terminate(Duration::from_secs(20));

    assert!(status.success(), "{status:?}");
    std::thread::sleep(Duration::from_millis(300));
    let stats = store.outbox_stats(time::OffsetDateTime::now_utc()).await.unwrap();
    assert_eq!(stats.in_flight, 0, "nothing left claimed: the rest of the batch was handed back");
    assert_eq!(stats.sent as usize, sink.received().len(), "everything sent was recorded as sent");
    assert!((stats.sent as usize) < N);
    assert_eq!(stats.pending_due as usize, N - stats.sent as usize, "the rest is due at once, not after a lease");

    // A new worker picks up at once (the lease is two minutes: handed-back
    // messages do not wait for it).
    let mut again = WorkerProcess::start(&url, sink.port, 120);
    wait_until_all_sent(&store, N, Duration::from_secs(60)).await;
    assert!(again.terminate(Duration::from_secs(20)).success());
    let (distinct, duplicates) = tally(&sink.received(), &ids);
    assert_eq!((distinct, duplicates), (N, 0));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_on_postgresql_share_one_outbox_under_load_and_send_each_message_once() {
    let Some(db) = crate::postgres::FreshDatabase::create().await else {
        eprintln!("skipped: CAREBOOK_TEST_POSTGRES_URL is not set");
        return;
    };
    const N: usize = 400;
    let (store, _) = carebook_server::startup::open_store(&db.url, 4).await.unwrap();
    let ids = queue_due_messages(&store, N, time::OffsetDateTime::now_utc()).await;
    let sink = Sink::start(5);

    let mut a = WorkerProcess::start(&db.url, sink.port, 30);
    let mut b = WorkerProcess::start(&db.url, sink.port, 30);
    wait_until_all_sent(&store, N, Duration::from_secs(180)).await;
    assert!(a.terminate(Duration::from_secs(20)).success());
    assert!(b.terminate(Duration::from_secs(20)).success());

    let (distinct, duplicates) = tally(&sink.received(), &ids);
    let (by_a, by_b) = (a.sent.load(Ordering::SeqCst), b.sent.load(Ordering::SeqCst));
    eprintln!("two workers on PostgreSQL: {distinct} delivered, {duplicates} duplicates; {by_a} + {by_b}");
    assert_eq!((distinct, duplicates), (N, 0), "each message exactly once");
    assert_eq!(by_a + by_b, N);
    assert!(by_a > 0 && by_b > 0, "both workers took a share: {by_a} and {by_b}");
    drop(store);
    db.drop_it().await;
}
