//! What the HTTP benchmarks share (bench_rush, soak_pages): command-line
//! arguments, a browser-like client, the real log-in through the
//! demonstration OpenID Provider, `carebook serve` as a child process, and
//! percentiles. Each example includes it with `mod support;` (a directory
//! without a main.rs, so Cargo does not take it for an example itself).

// Each example uses part of it.
#![allow(dead_code)]

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

pub fn num<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> T {
    arg(args, name).map(|v| v.parse().unwrap_or_else(|_| panic!("{name} takes a number"))).unwrap_or(default)
}

/// A client with its own cookie jar that does not follow redirects (the
/// log-in follows them by hand).
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .pool_idle_timeout(None)
        // No keep-alive probes: under the full burst a request can wait
        // half a minute for its answer, and with reqwest's probes (15 s)
        // a few such connections ended in "Connection timed out" here.
        .tcp_keepalive(None)
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap()
}

/// Who logs in: a patient (`login_hint` is the NHS number) or a member of
/// staff (their staff uid).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    Patient,
    Staff,
}

impl Audience {
    fn path(self) -> &'static str {
        match self {
            Audience::Patient => "patient",
            Audience::Staff => "staff",
        }
    }
}

/// The real log-in: start, the provider's authorize (login_hint skips its
/// page), the callback (code exchange with private_key_jwt and PKCE, ID
/// token and userinfo checks), ending on the redirect to `/home` (patients)
/// or `/staff`. Errors name paths only, never the hint (an NHS number).
pub async fn login(client: &reqwest::Client, base: &str, who: Audience, hint: &str) -> Result<(), String> {
    let mut url = format!("{base}/auth/{}/start?login_hint={hint}", who.path());
    for _ in 0..6 {
        let where_ = url.split('?').next().unwrap_or_default().trim_start_matches(base).to_string();
        // Without the address: it holds the hint.
        let r = client
            .get(&url)
            .header("accept", "text/html")
            .send()
            .await
            .map_err(|e| format!("{} at {where_}", e.without_url()))?;
        if !r.status().is_redirection() {
            return Err(format!("{} at {where_}", r.status()));
        }
        let location = r.headers()["location"].to_str().unwrap().to_string();
        if location == "/home" || location == "/staff" {
            return Ok(());
        }
        if location.starts_with("/login") {
            return Err(format!("sent to {}", location.split('?').next().unwrap_or_default()));
        }
        url = if location.starts_with("http") { location } else { format!("{base}{location}") };
    }
    Err("too many redirects".into())
}

/// An error with its causes, and how long the request had been going.
pub fn chain(e: &dyn std::error::Error, after: Duration) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(&format!(": {s}"));
        source = s.source();
    }
    format!("{text} (after {:.1}s)", after.as_secs_f64())
}

/// The `p`th percentile of sorted durations, in milliseconds (nearest rank;
/// 100 is the maximum).
pub fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[i.clamp(1, sorted.len()) - 1].as_secs_f64() * 1000.0
}

/// VmHWM and VmRSS of a process, in MiB.
pub fn memory(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// `carebook serve` (the binary at `bin`) on `url`, listening on a free
/// port of 127.0.0.1, with the demonstration OpenID Provider on and the
/// log-in rate limit lifted; its log (warnings and errors) goes to `log`.
/// Stopped with SIGTERM by [`Server::stop`], or when dropped.
pub struct Server {
    pub child: Child,
    pub base: String,
    stopped: bool,
}

impl Server {
    pub async fn start(bin: &str, url: &str, pool_size: u32, log: &std::path::Path) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let log = std::fs::File::create(log).expect("the server log opens");
        let child = Command::new(bin)
            .arg("serve")
            .env("CAREBOOK_DATABASE_URL", url)
            .env("CAREBOOK_DATABASE_POOL_SIZE", pool_size.to_string())
            .env("CAREBOOK_LISTEN", format!("127.0.0.1:{port}"))
            .env("CAREBOOK_DEMO_PROVIDER__ENABLED", "true")
            .env("CAREBOOK_LOGIN_RATE_LIMIT_PER_MINUTE", "1000000")
            .env("CAREBOOK_SMTP__HOST", "")
            .env("CAREBOOK_SMS__BASE_URL", "")
            .env("CAREBOOK_LOG_LEVEL", "warn")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("carebook serve runs");
        let mut server = Server { child, base: format!("http://127.0.0.1:{port}"), stopped: false };
        let client = reqwest::Client::new();
        let started = Instant::now();
        loop {
            if let Ok(r) = client.get(format!("{}/ready", server.base)).send().await {
                if r.status().is_success() {
                    break;
                }
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                server.stopped = true;
                panic!("carebook serve exited before it was ready ({status})");
            }
            if started.elapsed() > Duration::from_secs(60) {
                server.stop();
                panic!("carebook did not become ready in 60 s");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        server
    }

    pub fn stop(&mut self) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        if let Ok(None) = self.child.try_wait() {
            let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        }
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}
