//! Operations: liveness, readiness, and Prometheus metrics.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use carebook_core::notify::outbox::OutboxStats;
use serde_json::json;

use crate::startup::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/health", get(health)).route("/ready", get(ready)).route("/metrics", get(metrics))
}

/// The process is alive and answering.
async fn health() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// The store answers and every migration this binary knows is applied.
async fn ready(State(state): State<AppState>) -> Response {
    let store = &state.services.store;
    let outcome = match store.ping().await {
        Err(e) => Err(format!("store unreachable: {e}")),
        Ok(()) => match store.migration_status().await {
            Err(e) => Err(format!("migration status unknown: {e}")),
            Ok(s) if !s.is_current() => Err(format!("migrations pending: {:?}", s.pending())),
            Ok(_) => Ok(()),
        },
    };
    match outcome {
        Ok(()) => Json(json!({ "status": "ready", "store": store.backend() })).into_response(),
        Err(reason) => {
            tracing::warn!(%reason, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "not ready", "store": store.backend() })))
                .into_response()
        }
    }
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let mut body = state.metrics.render();
    let now = state.services.clock.now();
    match state.services.store.outbox_stats(now).await {
        Ok(stats) => render_outbox(&mut body, &stats, now),
        Err(e) => {
            tracing::warn!(error = %e, "outbox statistics unavailable");
            body.push_str("# HELP carebook_outbox_up Whether the outbox could be counted.\n");
            body.push_str("# TYPE carebook_outbox_up gauge\ncarebook_outbox_up 0\n");
        }
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], body)
}

/// The outbox, counted by the store: every instance reports the same
/// shared totals.
fn render_outbox(out: &mut String, s: &OutboxStats, now: time::OffsetDateTime) {
    let mut metric = |name: &str, kind: &str, help: &str, lines: &[(&str, u64)]| {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} {kind}");
        for (labels, value) in lines {
            let _ = writeln!(out, "{name}{labels} {value}");
        }
    };
    metric("carebook_outbox_up", "gauge", "Whether the outbox could be counted.", &[("", 1)]);
    metric(
        "carebook_outbox_queue_depth",
        "gauge",
        "Messages due and not yet sent (waiting or being sent).",
        &[("", s.queue_depth())],
    );
    metric(
        "carebook_outbox_messages",
        "gauge",
        "Outbox messages by status; scheduled means pending but not yet due.",
        &[
            ("{status=\"pending\"}", s.pending_due),
            ("{status=\"scheduled\"}", s.pending_later),
            ("{status=\"in_flight\"}", s.in_flight),
            ("{status=\"sent\"}", s.sent),
            ("{status=\"parked\"}", s.parked),
            ("{status=\"withdrawn\"}", s.withdrawn),
        ],
    );
    metric("carebook_outbox_sent_total", "counter", "Messages sent.", &[("", s.sent)]);
    metric(
        "carebook_outbox_failed_attempts_total",
        "counter",
        "Delivery attempts that failed (retried or parked).",
        &[("", s.failed_attempts)],
    );
    metric("carebook_outbox_parked", "gauge", "Messages parked for an admin to replay.", &[("", s.parked)]);
    let age = s.oldest_pending_age(now);
    let _ =
        writeln!(out, "# HELP carebook_outbox_oldest_pending_age_seconds How long the oldest due message has waited.");
    let _ = writeln!(out, "# TYPE carebook_outbox_oldest_pending_age_seconds gauge");
    let _ = writeln!(out, "carebook_outbox_oldest_pending_age_seconds {}", age.as_seconds_f64());
}

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
