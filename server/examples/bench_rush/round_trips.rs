//! Round trips, statements and transactions per HTTP request, counted on
//! the wire: a small TCP relay between `carebook serve` and PostgreSQL that
//! reads the frontend/backend protocol's message headers as they pass.
//!
//! - a round trip ends with the client's `Sync` or simple `Query` (one
//!   `ReadyForQuery` answers each): sqlx's ping before a pooled connection
//!   is handed out is one too;
//! - a statement is an `Execute` or a simple `Query`;
//! - a transaction ends at a `ReadyForQuery` saying "idle" after a round
//!   trip that ran a statement, or after one that was inside a transaction.
//!
//! Only the benchmark's probe goes through it (a second `carebook serve`
//! on the same database), never the burst, whose figures it would slow.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Default)]
pub struct Counts {
    round_trips: AtomicU64,
    statements: AtomicU64,
    transactions: AtomicU64,
}

/// What was counted between two readings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Tally {
    pub round_trips: u64,
    pub statements: u64,
    pub transactions: u64,
}

impl Counts {
    pub fn now(&self) -> Tally {
        Tally {
            round_trips: self.round_trips.load(Ordering::SeqCst),
            statements: self.statements.load(Ordering::SeqCst),
            transactions: self.transactions.load(Ordering::SeqCst),
        }
    }
}

impl std::ops::Sub for Tally {
    type Output = Tally;
    fn sub(self, o: Tally) -> Tally {
        Tally {
            round_trips: self.round_trips - o.round_trips,
            statements: self.statements - o.statements,
            transactions: self.transactions - o.transactions,
        }
    }
}

/// A relay in front of the PostgreSQL server `url` names, and the URL
/// that reaches the same database through it (TLS off, so the messages
/// can be read).
pub async fn relay(url: &str) -> (String, Arc<Counts>) {
    let (head, rest) = url.split_once('@').expect("a URL with user@host");
    let (host_port, path) = rest.split_once('/').expect("a URL with a database");
    let upstream = host_port.to_string();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let counts = Arc::new(Counts::default());
    let c = counts.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let (upstream, counts) = (upstream.clone(), c.clone());
            tokio::spawn(async move {
                if let Ok(server) = TcpStream::connect(&upstream).await {
                    pipe(client, server, counts).await;
                }
            });
        }
    });
    let path = path.split('?').next().unwrap_or(path);
    (format!("{head}@127.0.0.1:{port}/{path}?sslmode=disable"), counts)
}

async fn pipe(client: TcpStream, server: TcpStream, counts: Arc<Counts>) {
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    // For each round trip sent and not yet answered: did it run a
    // statement?
    let pending: Arc<Mutex<VecDeque<bool>>> = Arc::default();
    let (p, c) = (pending.clone(), counts.clone());
    let down = tokio::spawn(async move {
        let mut buf = Vec::new();
        let mut chunk = vec![0u8; 64 * 1024];
        let mut started = false;
        let mut in_transaction = false;
        loop {
            let n = match sr.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            if cw.write_all(&chunk[..n]).await.is_err() {
                return;
            }
            buf.extend_from_slice(&chunk[..n]);
            if !started {
                // The answer to SSLRequest is one byte ('N').
                if buf.first() == Some(&b'N') {
                    buf.remove(0);
                }
                started = true;
            }
            while buf.len() >= 5 {
                let len = u32::from_be_bytes([buf[1], buf[2], buf[3], buf[4]]) as usize;
                if buf.len() < 1 + len {
                    break;
                }
                if buf[0] == b'Z' && len >= 5 {
                    let status = buf[5];
                    let ran = p.lock().unwrap().pop_front().unwrap_or(false);
                    if status == b'I' && (ran || in_transaction) {
                        c.transactions.fetch_add(1, Ordering::SeqCst);
                    }
                    in_transaction = status != b'I';
                }
                buf.drain(..1 + len);
            }
        }
    });
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    let mut started = false;
    let mut ran = false;
    loop {
        let n = match cr.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if sw.write_all(&chunk[..n]).await.is_err() {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        while !started && buf.len() >= 8 {
            // Untyped: SSLRequest, then the startup message.
            let len = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
            if buf.len() < len {
                break;
            }
            let code = u32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]);
            started = code != 80877103 && code != 80877104;
            buf.drain(..len);
            if started {
                // The server's ReadyForQuery after authentication.
                pending.lock().unwrap().push_back(false);
            }
        }
        while started && buf.len() >= 5 {
            let len = u32::from_be_bytes([buf[1], buf[2], buf[3], buf[4]]) as usize;
            if buf.len() < 1 + len {
                break;
            }
            match buf[0] {
                b'E' => {
                    counts.statements.fetch_add(1, Ordering::SeqCst);
                    ran = true;
                }
                b'Q' => {
                    counts.statements.fetch_add(1, Ordering::SeqCst);
                    counts.round_trips.fetch_add(1, Ordering::SeqCst);
                    pending.lock().unwrap().push_back(true);
                    ran = false;
                }
                b'S' => {
                    counts.round_trips.fetch_add(1, Ordering::SeqCst);
                    pending.lock().unwrap().push_back(ran);
                    ran = false;
                }
                _ => {}
            }
            buf.drain(..1 + len);
        }
    }
    down.abort();
}

/// The probe: a second `carebook serve` on the same database, through the
/// relay, with a day of slots a week after the rush's, and 20 of the
/// logged-in patients one after another: availability, a booking, and a
/// booking of a time just taken (409 with alternatives). The median of
/// each, as a line of the report.
pub async fn probe(
    bin: &str,
    url: &str,
    pool_size: u32,
    log: &std::path::Path,
    clients: &[reqwest::Client],
    day: time::Date,
    taken: Option<uuid::Uuid>,
    release: impl std::future::Future<Output = ()>,
) -> String {
    let (relayed, counts) = relay(url).await;
    let mut server = crate::support::Server::start(bin, &relayed, pool_size, log).await;
    release.await;
    let base = server.base.clone();
    let n = 20.min(clients.len() / 2);
    // Every pooled connection first prepares its statements once (sqlx
    // keeps them per connection): warm the pool, then count.
    for client in clients.iter().take(4 * pool_size as usize) {
        let _ =
            client.get(format!("{base}/api/v1/availability?service=gp_appointment&from={day}&to={day}")).send().await;
        // A time of the rush, taken: the booking's statements are prepared
        // too (a 409).
        if let Some(slot) = taken {
            let _ = client
                .post(format!("{base}/api/v1/appointments"))
                .header("origin", &base)
                .json(&serde_json::json!({ "slot_id": slot }))
                .send()
                .await;
        }
    }
    let mut measure = Vec::new();
    let mut look = Vec::new();
    let mut shown = Vec::new();
    for client in &clients[..n] {
        let before = counts.now();
        let r = client
            .get(format!("{base}/api/v1/availability?service=gp_appointment&from={day}&to={day}"))
            .send()
            .await
            .unwrap();
        look.push(counts.now() - before);
        shown = crate::slot_ids(&r.json().await.unwrap_or_default(), "slots");
    }
    assert!(shown.len() >= n, "the probe's day shows {} times", shown.len());
    measure.push(("availability", look, 200));
    for (label, who, status) in [("booking", &clients[..n], 201), ("409 with alternatives", &clients[n..2 * n], 409)] {
        let mut tallies = Vec::new();
        for (client, slot) in who.iter().zip(&shown) {
            let before = counts.now();
            let r = client
                .post(format!("{base}/api/v1/appointments"))
                .header("origin", &base)
                .header("idempotency-key", uuid::Uuid::new_v4().to_string())
                .json(&serde_json::json!({ "slot_id": slot }))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), status, "{label}: {}", r.text().await.unwrap_or_default());
            tallies.push(counts.now() - before);
        }
        measure.push((label, tallies, status));
    }
    server.stop();
    let mut line = String::from("per HTTP request, median of ");
    line.push_str(&format!("{n} each, counted on the wire (round trips / statements / transactions):"));
    for (label, mut tallies, status) in measure {
        tallies.sort_by_key(|t| t.round_trips);
        let m = tallies.get(tallies.len() / 2).copied().unwrap_or_default();
        line.push_str(&format!(" {label} ({status}) {} / {} / {};", m.round_trips, m.statements, m.transactions));
    }
    line
}
