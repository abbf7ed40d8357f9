//! The pages: the Leptos app rendered on the server (and its server
//! functions), with the services and the site's settings as context.

use axum::{middleware, Router};
use carebook_app::api::demo::DemoSpec;
use carebook_app::{shell, App, SiteSettings};
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};

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

/// Every page and server function, and the files under the site root for
/// any other path.
pub fn router(state: &AppState, settings: SiteSettings, spec: DemoSpec) -> Router<AppState> {
    let services = state.services.clone();
    let context = move || {
        provide_context(services.clone());
        provide_context(settings);
        provide_context(spec);
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
}
