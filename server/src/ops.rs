//! Operations: liveness, readiness, and Prometheus metrics (the request
//! series counted by [`crate::metrics`] and the outbox counted by the store).

use std::fmt::Write as _;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use carebook_core::notify::outbox::OutboxStats;
use serde_json::json;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/health", get(health)).route("/ready", get(ready)).route("/metrics", get(metrics))
}

/// The process is alive and answering.
async fn health() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// The store answers and every migration this binary knows is applied.
async fn ready(State(state): State<AppState>) -> Response {
    let operations = &state.services.operations;
    match operations.readiness().await {
        Ok(()) => Json(json!({ "status": "ready", "store": operations.backend() })).into_response(),
        Err(reason) => {
            tracing::warn!(%reason, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "not ready", "store": operations.backend() })))
                .into_response()
        }
    }
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let mut body = state.metrics.render();
    body.push_str(
        "# HELP carebook_render_retries_total Page renders started again because one did not finish in time.\n",
    );
    body.push_str("# TYPE carebook_render_retries_total counter\n");
    let _ = writeln!(body, "carebook_render_retries_total {}", crate::render_guard::retries());
    let now = state.services.clock.now();
    match state.services.operations.outbox_stats(now).await {
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
