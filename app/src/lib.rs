#![recursion_limit = "256"]
//! carebook's pages. Rendered on the server (feature `ssr`) as plain HTML in
//! Leptos's islands mode: only components marked `#[island]` are compiled for
//! the browser (feature `hydrate`) and hydrate there, and a page without an
//! island loads no JavaScript bundle and no WebAssembly at all. Every page
//! works without JavaScript, because every form is a plain HTML form.

pub mod api;
pub mod components;
pub mod pages;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, Meta, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

use components::layout::{DemoBanner, Footer, Header, SkipLink};

/// The name of the built assets: `/pkg/carebook.<hash>.js`, `.wasm` and `.css`.
pub const OUTPUT_NAME: &str = "carebook";

/// The file names of the built assets under `/pkg`, each carrying a hash of
/// its content (so that they can be cached for ever). The build writes them
/// to `pkg/assets.txt` in the site root (`scripts/assets.mjs`); without that
/// file the plain names `carebook.css`, `.js` and `.wasm` are used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assets {
    pub css: String,
    pub js: String,
    pub wasm: String,
}

impl Default for Assets {
    fn default() -> Self {
        Assets {
            css: format!("{OUTPUT_NAME}.css"),
            js: format!("{OUTPUT_NAME}.js"),
            wasm: format!("{OUTPUT_NAME}.wasm"),
        }
    }
}

impl Assets {
    /// Reads `pkg/assets.txt` under the site root: lines `css NAME`,
    /// `js NAME`, `wasm NAME`.
    pub fn load(site_root: &std::path::Path) -> Assets {
        let mut assets = Assets::default();
        if let Ok(text) = std::fs::read_to_string(site_root.join("pkg").join("assets.txt")) {
            assets = Assets::parse(&text);
        }
        assets
    }

    pub fn parse(text: &str) -> Assets {
        let mut assets = Assets::default();
        for line in text.lines() {
            let Some((kind, name)) = line.trim().split_once(' ') else { continue };
            let name = name.trim();
            // Only plain file names: nothing that could leave /pkg.
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')) {
                continue;
            }
            match kind {
                "css" => assets.css = name.to_string(),
                "js" => assets.js = name.to_string(),
                "wasm" => assets.wasm = name.to_string(),
                _ => {}
            }
        }
        assets
    }
}

#[cfg(test)]
mod tests {
    use super::Assets;

    #[test]
    fn asset_names_come_from_the_build_and_stay_inside_pkg() {
        let a = Assets::parse("css carebook.0123abcd.css\njs carebook.4567.js\nwasm ../secret\n");
        assert_eq!(a.css, "carebook.0123abcd.css");
        assert_eq!(a.js, "carebook.4567.js");
        assert_eq!(a.wasm, "carebook.wasm");
    }
}

/// Site-wide settings the server decides and the browser must agree with.
/// The server provides them as context; the shell writes them into the page
/// as data attributes so that hydration renders the same thing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SiteSettings {
    /// Running `carebook demo`: synthetic people, nothing leaves the machine.
    pub demo: bool,
}

/// The HTML document around the app. Only the server renders it. The
/// options are leptos_axum's; the asset names come from [`Assets`] instead.
pub fn shell(_options: LeptosOptions) -> impl IntoView {
    let settings = use_context::<SiteSettings>().unwrap_or_default();
    #[cfg(feature = "ssr")]
    set_content_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en-GB" data-demo=settings.demo.to_string()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <IslandsScript />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// Loads the islands' bundle, only on a page that has an island. Leptos's
/// own `HydrationScripts islands=true` preloads the JavaScript and the
/// WebAssembly on every page; this small module script (deferred, so it runs
/// once the document is parsed) first looks for a `<leptos-island>`, and
/// only then fetches `/pkg/carebook.<hash>.js` and `.wasm` and hydrates each
/// island. The document is marked `data-hydrated` once they all have.
#[component]
fn IslandsScript() -> impl IntoView {
    // Islands mode: the server renders no hydration markers outside islands.
    if let Some(context) = Owner::current_shared_context() {
        context.set_is_hydrating(false);
    }
    let assets = use_context::<Assets>().unwrap_or_default();
    let nonce = leptos::nonce::use_nonce();
    let script = format!(
        "if(document.querySelector('leptos-island')){{import('/pkg/{js}').then(async m=>{{\
         await m.default({{module_or_path:'/pkg/{wasm}'}});m.hydrate();\
         for(const e of document.querySelectorAll('leptos-island')){{const f=m[e.dataset.component];\
         if(f){{const r=f(e);if(r&&r.then)await r}}}}\
         document.documentElement.setAttribute('data-hydrated','true')}})}}",
        js = assets.js,
        wasm = assets.wasm
    );
    view! { <script type="module" nonce=nonce>{script}</script> }
}

/// The Content-Security-Policy for a page: scripts only from this origin or
/// carrying this response's nonce (Leptos's hydration and resource scripts
/// carry it), WebAssembly allowed to compile, nothing framed.
#[cfg(feature = "ssr")]
fn set_content_security_policy() {
    use http::header::{HeaderValue, CONTENT_SECURITY_POLICY};
    let Some(nonce) = leptos::nonce::use_nonce() else {
        return;
    };
    let Some(response) = use_context::<leptos_axum::ResponseOptions>() else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; \
         object-src 'none'; frame-ancestors 'none'"
    );
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response.insert_header(CONTENT_SECURITY_POLICY, value);
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let settings = use_context::<SiteSettings>().unwrap_or_default();
    let css = format!("/pkg/{}", use_context::<Assets>().unwrap_or_default().css);

    view! {
        <Stylesheet id="carebook" href=css />
        <Link rel="icon" href="/favicon.ico" />
        <Meta name="description" content="Book GP appointments, order repeat prescriptions and see your health record in Hertfordshire and West Essex." />
        <Title formatter=|text: String| if text.is_empty() { "carebook".to_string() } else { format!("{text} - carebook") } />
        <Router>
            <SkipLink />
            {settings.demo.then(|| view! { <DemoBanner /> })}
            <Header service_name="carebook" service_href="/" />
            <div class="nhsuk-width-container">
                <main class="nhsuk-main-wrapper" id="maincontent">
                    <Routes fallback=pages::not_found::NotFoundPage>
                        <Route path=path!("/") view=pages::home::HomePage />
                        <Route path=path!("/practices") view=pages::practices::PracticesPage ssr=SsrMode::Async />
                        <Route path=path!("/practices/:ods") view=pages::practices::PracticePage ssr=SsrMode::Async />
                        <Route path=path!("/demonstration") view=pages::demo::DemonstrationPage ssr=SsrMode::Async />
                        <Route path=path!("/demonstration/outbox") view=pages::outbox::DemonstrationOutboxPage ssr=SsrMode::Async />
                        <Route path=path!("/login") view=pages::account::LoginPage ssr=SsrMode::Async />
                        <Route path=path!("/login/problem/:reason") view=pages::account::LoginProblemPage ssr=SsrMode::Async />
                        <Route path=path!("/logged-out") view=pages::account::LoggedOutPage />
                        <Route path=path!("/home") view=pages::account::PatientHomePage ssr=SsrMode::Async />
                        <Route path=path!("/staff") view=pages::account::StaffHomePage ssr=SsrMode::Async />
                        <Route path=path!("/appointments") view=pages::appointments::AppointmentsPage ssr=SsrMode::Async />
                        <Route path=path!("/appointments/book") view=pages::appointments::BookServicePage ssr=SsrMode::Async />
                        <Route path=path!("/appointments/book/times") view=pages::appointments::BookTimesPage ssr=SsrMode::Async />
                        <Route path=path!("/appointments/book/confirm") view=pages::appointments::BookConfirmPage ssr=SsrMode::Async />
                        <Route path=path!("/appointments/confirmed/:id") view=pages::appointments::ConfirmedPage ssr=SsrMode::Async />
                        <Route path=path!("/appointments/:id") view=pages::appointments::AppointmentPage ssr=SsrMode::Async />
                        <Route path=path!("/settings/contact") view=pages::settings::ContactSettingsPage ssr=SsrMode::Async />
                        <Route path=path!("/staff/day") view=pages::staff::DayListPage ssr=SsrMode::Async />
                        <Route path=path!("/staff/book") view=pages::staff::StaffBookPage ssr=SsrMode::Async />
                        <Route path=path!("/staff/find") view=pages::staff::FindPatientPage ssr=SsrMode::Async />
                        <Route path=path!("/staff/waitlist") view=pages::staff::WaitlistPage ssr=SsrMode::Async />
                        <Route path=path!("/staff/rotas") view=pages::rota::RotasPage ssr=SsrMode::Async />
                        <Route path=path!("/staff/rotas/new") view=pages::rota::RotaPage ssr=SsrMode::Async />
                        <Route path=path!("/staff/rotas/:id") view=pages::rota::RotaPage ssr=SsrMode::Async />
                        <Route path=path!("/staff/rules") view=pages::rules::RulesPage ssr=SsrMode::Async />
                        <Route path=path!("/staff/rules/:org/:service") view=pages::rules::RulePage ssr=SsrMode::Async />
                        <Route path=path!("/staff/notifications") view=pages::settings::ParkedMessagesPage ssr=SsrMode::Async />
                        <Route path=path!("/prescriptions") view=|| view! { <pages::account::NotYetPage heading="Prescriptions" /> } ssr=SsrMode::Async />
                        <Route path=path!("/record") view=pages::record::RecordPage ssr=SsrMode::Async />
                        <Route path=path!("/record/access-log") view=pages::record_staff::AccessLogPage ssr=SsrMode::Async />
                        <Route path=path!("/record/sharing") view=pages::record_staff::SharingPage ssr=SsrMode::Async />
                        <Route path=path!("/staff/patients/:id/record") view=pages::record_staff::StaffRecordPage ssr=SsrMode::Async />
                        <Route path=path!("/readings") view=|| view! { <pages::account::NotYetPage heading="Home readings" /> } ssr=SsrMode::Async />
                    </Routes>
                </main>
            </div>
            <Footer />
        </Router>
    }
}

/// The browser's entry point, called by `IslandsScript` on a page with an
/// island: islands mode, so only the islands hydrate (each by its own
/// exported function), never the whole app.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
