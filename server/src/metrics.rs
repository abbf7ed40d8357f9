//! Request counts and latencies by method, route template and status, in
//! the Prometheus text format; `/metrics` (see [`crate::ops`]) serves them.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 11] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

#[derive(Default)]
struct Series {
    count: u64,
    sum: f64,
    buckets: [u64; BUCKETS.len()],
}

/// (method, route template, status).
type SeriesKey = (String, String, u16);

/// Request counts and latencies by method, route template and status.
#[derive(Default, Clone)]
pub struct Metrics {
    series: Arc<Mutex<BTreeMap<SeriesKey, Series>>>,
}

impl Metrics {
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let mut all = self.series.lock().expect("metrics lock");
        let s = all.entry((method.to_string(), route.to_string(), status)).or_default();
        s.count += 1;
        s.sum += seconds;
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                s.buckets[i] += 1;
            }
        }
    }

    /// The Prometheus text exposition format.
    pub fn render(&self) -> String {
        let all = self.series.lock().expect("metrics lock");
        let mut out = String::new();
        out.push_str("# HELP carebook_http_requests_total HTTP requests answered, by route template.\n");
        out.push_str("# TYPE carebook_http_requests_total counter\n");
        for ((m, r, st), s) in all.iter() {
            let _ = writeln!(
                out,
                "carebook_http_requests_total{{method=\"{m}\",route=\"{r}\",status=\"{st}\"}} {}",
                s.count
            );
        }
        out.push_str("# HELP carebook_http_request_duration_seconds Time to answer, by route template.\n");
        out.push_str("# TYPE carebook_http_request_duration_seconds histogram\n");
        for ((m, r, st), s) in all.iter() {
            let labels = format!("method=\"{m}\",route=\"{r}\",status=\"{st}\"");
            for (i, bound) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "carebook_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {}",
                    s.buckets[i]
                );
            }
            let _ = writeln!(out, "carebook_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}", s.count);
            let _ = writeln!(out, "carebook_http_request_duration_seconds_sum{{{labels}}} {}", s.sum);
            let _ = writeln!(out, "carebook_http_request_duration_seconds_count{{{labels}}} {}", s.count);
        }
        out
    }
}

/// Count and time every request under its route template (never the raw
/// path, which could carry an identifier). Unmatched paths are one series.
pub async fn record(State(metrics): State<Metrics>, request: Request, next: Next) -> Response {
    let method = request.method().as_str().to_string();
    let route = request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string()).unwrap_or_else(|| {
        if request.uri().path().starts_with("/pkg/") {
            "/pkg/*".into()
        } else {
            "unmatched".into()
        }
    });
    let started = Instant::now();
    let response = next.run(request).await;
    let elapsed = started.elapsed().as_secs_f64();
    let status = response.status().as_u16();
    metrics.observe(&method, &route, status, elapsed);
    tracing::info!(target: "carebook_server::http", %method, %route, status, elapsed_ms = elapsed * 1000.0, "request");
    response
}
