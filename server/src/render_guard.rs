//! A guard against page renders that never finish.
//!
//! Leptos 0.8 (0.8.23, the newest 0.8 release) can, rarely and only under
//! concurrent load, lose the wake-up that tells a `<Suspense>` its
//! resources have loaded (leptos-rs/leptos#4851, #4673, #4698: fixed in
//! part upstream, still seen here). With `SsrMode::Async` the page is
//! rendered whole before anything is sent, so a stalled render is a request
//! that never gets an answer: the process stays healthy, only that page
//! hangs. Page views are GETs and safe to render again, so a render that
//! takes longer than `limit` is dropped and started afresh, up to
//! `attempts` times; after that the person gets a "try again" page instead
//! of a spinner forever. Each retry is logged (no patient detail: the
//! route only). Server functions, APIs and log-in routes are not touched.

use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

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
        && request
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
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
            Err(_) => tracing::warn!(
                route = parts.uri.path(),
                attempt,
                "a page render did not finish in time (Leptos lost wake-up); rendering it again"
            ),
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
        assert!(!is_page_view(&Request::post("/home").header(header::ACCEPT, "text/html").body(Body::empty()).unwrap()));
    }
}
