//! Headers every response carries, and the same-origin check for requests
//! that change something.

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The policy for responses that are not pages (assets, JSON): pages set
/// their own, with a per-response nonce for Leptos's inline scripts.
const DEFAULT_CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
     img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; \
     object-src 'none'; frame-ancestors 'none'";

#[derive(Clone, Copy)]
pub struct SecurityConfig {
    pub https: bool,
}

pub async fn headers(State(config): State<SecurityConfig>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(DEFAULT_CSP));
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // Same-origin only: forms posted without JavaScript are redirected back
    // by the referrer, and no address leaves for another site.
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"),
    );
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    let is_html = h.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/html"));
    if is_html {
        // Pages may show personal data: never store them in a shared cache.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if config.https {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    }
    response
}

/// Refuse state-changing requests that a browser says came from another
/// site (Origin, or failing that Referer, must match Host). Together with
/// SameSite=Lax cookies and the form token, this defends against CSRF.
pub async fn same_origin(request: Request, next: Next) -> Response {
    let safe = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe {
        let host = request.headers().get(header::HOST).and_then(|v| v.to_str().ok()).map(str::to_string);
        let claimed = request
            .headers()
            .get(header::ORIGIN)
            .or_else(|| request.headers().get(header::REFERER))
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        if let (Some(host), Some(claimed)) = (host, claimed) {
            let claimed_host = claimed.split("://").nth(1).map(|rest| rest.split('/').next().unwrap_or(""));
            if claimed_host != Some(host.as_str()) {
                tracing::warn!("cross-site request refused");
                return (StatusCode::FORBIDDEN, "This request came from another site and was refused.").into_response();
            }
        }
    }
    next.run(request).await
}
