//! A safety net for page renders that never finish.
//!
//! The stalls seen in the integration tests had one cause: Leptos's route
//! listing sets a process-wide "do not load resources" flag while it runs,
//! and the tests started servers (each listing the routes) while other
//! servers in the same process were rendering pages (leptos-rs/leptos#4773).
//! The route list is now made once per process (`crate::pages`), which
//! closes that window. The guard stays as a net whose use is counted in `/metrics`
//! (`carebook_render_retries_total`): with `SsrMode::Async` a page is
//! rendered whole before anything is sent, so a render that takes longer
//! than `limit` is dropped and started afresh, up to `attempts` times, then
//! the person gets a "try again" page instead of a spinner for ever. Each
//! retry is logged (the route only, no patient detail). Server functions,
//! APIs and log-in routes are not touched.

use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Page renders started again because one did not finish in time, since
/// the process started: `/metrics` reports it as
/// `carebook_render_retries_total`. Known to stay at 0 once the route list
/// is made once per process (see `crate::pages`); the guard is kept as a
/// safety net whose every use shows here.
pub static RETRIES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How many page renders were started again (see [`RETRIES`]).
pub fn retries() -> u64 {
    RETRIES.load(std::sync::atomic::Ordering::Relaxed)
}

#[derive(Clone, Copy, Debug)]
pub struct RenderGuard {
    pub limit: Duration,
    pub attempts: u32,
}

impl Default for RenderGuard {
    fn default() -> Self {
        Self { limit: Duration::from_secs(8), attempts: 3 }
    }
}

fn is_page_view(request: &Request) -> bool {
    let path = request.uri().path();
    request.method() == Method::GET
        && request.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"))
        && !["/_server/", "/api/", "/fhir/", "/auth/", "/demo-idp/", "/pkg/"].iter().any(|p| path.starts_with(p))
}

pub async fn guard(State(guard): State<RenderGuard>, request: Request, next: Next) -> Response {
    if !is_page_view(&request) {
        return next.run(request).await;
    }
    let (parts, _) = request.into_parts();
    for attempt in 1..=guard.attempts.max(1) {
        let request = Request::from_parts(parts.clone(), Body::empty());
        match tokio::time::timeout(guard.limit, next.clone().run(request)).await {
            Ok(response) => return response,
            Err(_) => {
                RETRIES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                tracing::warn!(
                    route = parts.uri.path(),
                    attempt,
                    "a page render did not finish in time; rendering it again"
                )
            }
        }
    }
    tracing::error!(route = parts.uri.path(), "a page render stalled on every attempt");
    let mut response = (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "<!DOCTYPE html><html lang=\"en-GB\"><head><meta charset=\"utf-8\"><title>Sorry, there is a problem with \
         the service</title></head><body><main><h1>Sorry, there is a problem with the service</h1><p>This page took \
         too long to load. Try again in a few seconds.</p></main></body></html>",
    )
        .into_response();
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    use axum::routing::get;
    use axum::Router;
    use tower::ServiceExt;

    /// A page whose first `stalls` renders never finish.
    fn app(stalls: u32, calls: Arc<AtomicU32>) -> Router {
        let guard = RenderGuard { limit: Duration::from_millis(100), attempts: 3 };
        Router::new()
            .route(
                "/home",
                get(move || {
                    let calls = calls.clone();
                    async move {
                        if calls.fetch_add(1, Ordering::SeqCst) < stalls {
                            std::future::pending::<()>().await;
                        }
                        "rendered"
                    }
                }),
            )
            .route("/api/v1/slow", get(|| async { "api" }))
            .layer(axum::middleware::from_fn_with_state(guard, super::guard))
    }

    fn page(path: &str) -> Request {
        Request::get(path).header(header::ACCEPT, "text/html").body(Body::empty()).unwrap()
    }

    #[tokio::test]
    async fn a_stalled_render_is_started_again_and_answers() {
        let calls = Arc::new(AtomicU32::new(0));
        let r = app(2, calls.clone()).oneshot(page("/home")).await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_render_that_always_stalls_gets_a_try_again_page() {
        let calls = Arc::new(AtomicU32::new(0));
        let r = app(u32::MAX, calls.clone()).oneshot(page("/home")).await.unwrap();
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(r.headers()[header::RETRY_AFTER], "5");
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn only_page_views_are_rendered_again() {
        let calls = Arc::new(AtomicU32::new(0));
        let json = Request::get("/home").header(header::ACCEPT, "application/json").body(Body::empty()).unwrap();
        let pending = tokio::time::timeout(Duration::from_millis(400), app(1, calls.clone()).oneshot(json)).await;
        assert!(pending.is_err(), "not a page view: left alone");
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert!(!is_page_view(&page("/api/v1/slow")));
        assert!(!is_page_view(
            &Request::post("/home").header(header::ACCEPT, "text/html").body(Body::empty()).unwrap()
        ));
    }
}
