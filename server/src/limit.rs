//! Requests worked on at once. At the 8 am rush thousands of patients
//! arrive together; letting all of them into the database at the same time
//! makes every answer as slow as the whole burst. Here at most
//! `requests_in_flight` are worked on and the rest wait their turn in
//! arrival order (tokio's semaphore is fair), so the first in are answered
//! at once. A request that waits longer than `request_queue_seconds` is
//! told to come back (503 with Retry-After) instead of hanging. Health
//! checks, metrics and static files never wait, and neither does the
//! built-in demonstration provider: it stands for a separate service, and
//! a log-in callback holding a place while it calls the provider on this
//! same server must not wait behind itself.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

#[derive(Clone)]
pub struct InFlight {
    permits: Arc<Semaphore>,
    max_wait: Duration,
}

impl InFlight {
    /// `limit` 0 means twice the database pool.
    pub fn new(limit: u32, pool_size: u32, max_wait_seconds: u64) -> Self {
        let limit = if limit == 0 { pool_size.saturating_mul(2).max(1) } else { limit };
        Self {
            permits: Arc::new(Semaphore::new(limit as usize)),
            max_wait: Duration::from_secs(max_wait_seconds.max(1)),
        }
    }
}

fn never_waits(path: &str) -> bool {
    matches!(path, "/health" | "/ready" | "/metrics" | "/favicon.ico")
        || path.starts_with("/pkg/")
        || path.starts_with("/demo-idp/")
}

pub async fn in_flight(State(limit): State<InFlight>, request: Request, next: Next) -> Response {
    if never_waits(request.uri().path()) {
        return next.run(request).await;
    }
    match tokio::time::timeout(limit.max_wait, limit.permits.clone().acquire_owned()).await {
        Ok(Ok(permit)) => {
            let response = next.run(request).await;
            drop(permit);
            response
        }
        _ => busy(&request),
    }
}

fn busy(request: &Request) -> Response {
    let wants_html =
        request.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"));
    let mut response = if wants_html {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            "<!DOCTYPE html><html lang=\"en-GB\"><head><meta charset=\"utf-8\"><title>carebook is very busy</title>\
             </head><body><main><h1>carebook is very busy right now</h1><p>Many people are booking at the moment. \
             Wait a few seconds, then try again. Nothing has been booked or changed.</p></main></body></html>",
        )
            .into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "application/problem+json")],
            r#"{"type":"https://carebook.example.org/problems/busy","title":"Very busy","status":503,"detail":"Many people are booking at the moment. Nothing was changed. Try again in a few seconds.","code":"busy"}"#,
        )
            .into_response()
    };
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::routing::get;
    use axum::Router;
    use tower::ServiceExt;

    fn app(limit: InFlight, gate: Arc<tokio::sync::Notify>) -> Router {
        Router::new()
            .route(
                "/slow",
                get(move || {
                    let gate = gate.clone();
                    async move {
                        gate.notified().await;
                        "done"
                    }
                }),
            )
            .route("/health", get(|| async { "ok" }))
            .layer(axum::middleware::from_fn_with_state(limit, in_flight))
    }

    #[tokio::test]
    async fn requests_beyond_the_limit_wait_their_turn_then_are_told_to_come_back() {
        let gate = Arc::new(tokio::sync::Notify::new());
        let limit = InFlight::new(1, 16, 1);
        let router = app(limit, gate.clone());
        let first = tokio::spawn(router.clone().oneshot(Request::get("/slow").body(Body::empty()).unwrap()));
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        // The health check never queues.
        let health = router.clone().oneshot(Request::get("/health").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(health.status(), StatusCode::OK);
        // A second request waits, then (the first still running after a
        // second) gets 503 with Retry-After.
        let second = router
            .clone()
            .oneshot(Request::get("/slow").header(header::ACCEPT, "application/json").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(second.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(second.headers()[header::RETRY_AFTER], "5");
        assert_eq!(second.headers()[header::CONTENT_TYPE], "application/problem+json");
        gate.notify_waiters();
        assert_eq!(first.await.unwrap().unwrap().status(), StatusCode::OK);
    }

    #[tokio::test]
    async fn a_waiting_request_runs_as_soon_as_a_place_frees() {
        let gate = Arc::new(tokio::sync::Notify::new());
        let router = app(InFlight::new(1, 16, 10), gate.clone());
        let first = tokio::spawn(router.clone().oneshot(Request::get("/slow").body(Body::empty()).unwrap()));
        tokio::time::sleep(Duration::from_millis(50)).await;
        let second = tokio::spawn(router.clone().oneshot(Request::get("/slow").body(Body::empty()).unwrap()));
        tokio::time::sleep(Duration::from_millis(50)).await;
        gate.notify_waiters(); // releases the first; the second then waits on the gate
        assert_eq!(first.await.unwrap().unwrap().status(), StatusCode::OK);
        tokio::time::sleep(Duration::from_millis(50)).await;
        gate.notify_waiters();
        assert_eq!(second.await.unwrap().unwrap().status(), StatusCode::OK);
    }

    #[test]
    fn the_demonstration_provider_and_ops_never_wait() {
        for path in ["/health", "/ready", "/metrics", "/pkg/carebook.wasm", "/demo-idp/token"] {
            assert!(never_waits(path), "{path}");
        }
        for path in ["/api/v1/appointments", "/fhir/r4/Slot", "/auth/patient/callback", "/home"] {
            assert!(!never_waits(path), "{path}");
        }
    }

    #[test]
    fn zero_means_twice_the_pool() {
        assert_eq!(InFlight::new(0, 16, 20).permits.available_permits(), 32);
        assert_eq!(InFlight::new(5, 16, 20).permits.available_permits(), 5);
    }
}
