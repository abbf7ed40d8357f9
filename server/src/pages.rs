//! The pages: the Leptos app rendered on the server (and its server
//! functions), with the services and the site's settings as context.

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use axum::{middleware, Router};
use carebook_app::api::demo::DemoSpec;
use carebook_app::{shell, App, Assets, SiteSettings};
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use tower_http::services::ServeDir;

use crate::config::Config;
use crate::render_guard::{self, RenderGuard};
use crate::state::AppState;

/// Where the pages' files are served from, and the address they name.
pub fn leptos_options(config: &Config, local: std::net::SocketAddr) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name(carebook_app::OUTPUT_NAME)
        .site_root(config.site_root.display().to_string())
        .site_pkg_dir("pkg")
        .site_addr(local)
        .build()
}

/// The app's routes, listed once per process. Listing them renders the app
/// with Leptos's process-wide "do not load resources" flag set
/// (leptos_server's `SuppressResourceLoad`, an `AtomicBool`): a page rendered
/// on another thread meanwhile creates resources that never load, and its
/// render waits for ever (leptos-rs/leptos#4773). One server lists them
/// before it serves anything, but the integration tests start many servers
/// in one process while others are rendering pages: that is where the page
/// stalls were seen. Listed once, the window closes before the first
/// server answers.
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// Every page and server function, the built assets under `/pkg`, and the
/// files under the site root for any other path.
pub fn router(state: &AppState, settings: SiteSettings, spec: DemoSpec) -> Router<AppState> {
    let services = state.services.clone();
    let site_root = std::path::PathBuf::from(state.leptos_options.site_root.to_string());
    let assets = Assets::load(&site_root);
    let context = move || {
        provide_context(services.clone());
        provide_context(settings);
        provide_context(spec);
        provide_context(assets.clone());
    };
    let routes = route_list();
    Router::new()
        .leptos_routes_with_context(state, routes, context.clone(), {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(context, shell))
        // A page render that loses its wake-up is rendered again (see render_guard).
        .layer(middleware::from_fn_with_state(RenderGuard::default(), render_guard::guard))
        .merge(assets_router(&site_root))
}

/// `/pkg`: the stylesheet, the islands' JavaScript and WebAssembly, each
/// with its brotli and gzip twins made at build time (`scripts/assets.mjs`),
/// chosen by the request's Accept-Encoding. A name carrying a content hash
/// never changes, so the browser may keep it for a year without asking.
fn assets_router(site_root: &std::path::Path) -> Router<AppState> {
    let files = ServeDir::new(site_root.join("pkg")).precompressed_br().precompressed_gzip();
    Router::new().nest_service("/pkg", files).layer(middleware::from_fn(cache_hashed_assets))
}

async fn cache_hashed_assets(request: Request, next: Next) -> Response {
    let hashed = is_hashed_name(request.uri().path());
    let mut response = next.run(request).await;
    if hashed && matches!(response.status(), StatusCode::OK | StatusCode::NOT_MODIFIED) {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
    }
    response
}

/// `carebook.0123456789abcdef.css`: a name, a hash of at least 8 hex digits,
/// an extension.
pub fn is_hashed_name(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or("");
    let parts: Vec<&str> = name.split('.').collect();
    parts.len() == 3 && parts[1].len() >= 8 && parts[1].chars().all(|c| c.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_names_with_a_content_hash_are_cached_for_ever() {
        assert!(super::is_hashed_name("/pkg/carebook.0123abcd4567ef89.wasm"));
        assert!(!super::is_hashed_name("/pkg/carebook.css"));
        assert!(!super::is_hashed_name("/pkg/carebook.notahash.js"));
    }
}
