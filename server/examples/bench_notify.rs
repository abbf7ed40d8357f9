//! Delivery throughput: queue N due e-mails on a fresh PostgreSQL
//! database, run K `carebook worker` processes against a local SMTP sink
//! (scripts/smtp-sink.py), and report messages per second from the first
//! worker's start to the last message recorded as sent, with duplicates
//! counted by Message-ID. Run by scripts/bench-notify.sh.
//!
//! bench_notify --bin target/release/carebook --postgres-url postgres://... \
//!     [--messages 2000] [--workers 1] [--sink-delay-ms 0]

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use carebook_conformance::outbox_load::queue_due_messages;
use tower_sessions_sqlx_store::sqlx::{self, Connection, PgConnection};

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let bin = arg(&args, "--bin").expect("--bin PATH to the carebook binary");
    let admin_url = arg(&args, "--postgres-url").expect("--postgres-url URL (a database to create others from)");
    let n: usize = arg(&args, "--messages").map(|v| v.parse().unwrap()).unwrap_or(2000);
    let workers: usize = arg(&args, "--workers").map(|v| v.parse().unwrap()).unwrap_or(1);
    let delay = arg(&args, "--sink-delay-ms").unwrap_or_else(|| "0".into());

    // A fresh database, dropped at the end.
    let name = format!("carebook_bench_{}_{}", std::process::id(), workers);
    let mut admin = PgConnection::connect(&admin_url).await.expect("PostgreSQL reachable");
    sqlx::query(&format!("create database {name}")).execute(&mut admin).await.unwrap();
    let base = admin_url.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap();
    let url = format!("{base}/{name}");

    let (store, _) = carebook_server::startup::open_store(&url, 4).await.expect("the store opens");
    let queued = Instant::now();
    let ids = queue_due_messages(&store, n, time::OffsetDateTime::now_utc()).await;
    eprintln!("queued {n} messages in {:.1}s", queued.elapsed().as_secs_f64());

    // The sink.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/smtp-sink.py");
    let mut sink = Command::new("python3")
        .args([script, "--port", &port.to_string(), "--delay-ms", &delay])
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let received = Arc::new(Mutex::new(Vec::<String>::new()));
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    {
        let out = sink.stdout.take().unwrap();
        let received = received.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if line == "READY" {
                    let _ = ready_tx.send(());
                } else if let Some(id) = line.strip_prefix("MESSAGE-ID ") {
                    received.lock().unwrap().push(id.to_string());
                }
            }
        });
    }
    ready_rx.recv_timeout(Duration::from_secs(30)).expect("the sink starts (pip install aiosmtpd)");

    let started = Instant::now();
    let mut children: Vec<_> = (0..workers)
        .map(|_| {
            Command::new(&bin)
                .arg("worker")
                .env("CAREBOOK_DATABASE_URL", &url)
                .env("CAREBOOK_DATABASE_POOL_SIZE", "4")
                .env("CAREBOOK_SMTP__HOST", "127.0.0.1")
                .env("CAREBOOK_SMTP__PORT", port.to_string())
                .env("CAREBOOK_SMTP__TLS", "none")
                .env("CAREBOOK_SMS__BASE_URL", "")
                .env("CAREBOOK_WORKER__POLL_INTERVAL_SECONDS", "1")
                .env("CAREBOOK_WORKER__BATCH_SIZE", "20")
                .env("CAREBOOK_LOG_LEVEL", "warn")
                .spawn()
                .expect("carebook worker runs")
        })
        .collect();
    loop {
        let s = store.outbox_stats(time::OffsetDateTime::now_utc()).await.unwrap();
        if s.sent as usize >= n {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(1800), "not finished: {s:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let seconds = started.elapsed().as_secs_f64();
    for child in &mut children {
        let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
        let _ = child.wait();
    }
    std::thread::sleep(Duration::from_millis(300));
    let _ = sink.kill();
    let _ = sink.wait();

    let got = received.lock().unwrap().clone();
    let distinct: HashSet<&String> = got.iter().collect();
    let wanted: HashSet<String> = ids.iter().map(|id| format!("<{id}@carebook>")).collect();
    let missing = wanted.iter().filter(|w| !distinct.contains(w)).count();
    println!(
        "workers={workers} messages={n} seconds={seconds:.2} per_second={:.0} delivered={} duplicates={} missing={missing}",
        n as f64 / seconds,
        distinct.len(),
        got.len() - distinct.len()
    );
    drop(store);
    sqlx::query(&format!("drop database if exists {name} with (force)")).execute(&mut admin).await.unwrap();
}
