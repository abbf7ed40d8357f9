#![recursion_limit = "256"]
//! carebook's pages. Rendered on the server (feature `ssr`) and hydrated in
//! the browser (feature `hydrate`); every page works before and without
//! hydration, because every form is a plain HTML form first.

pub mod api;
pub mod components;
pub mod pages;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, Meta, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

use components::layout::{DemoBanner, Footer, Header, SkipLink};

/// The name of the built assets: `/pkg/carebook.js`, `.wasm` and `.css`.
pub const OUTPUT_NAME: &str = "carebook";

/// Site-wide settings the server decides and the browser must agree with.
/// The server provides them as context; the shell writes them into the page
/// as data attributes so that hydration renders the same thing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SiteSettings {
    /// Running `carebook demo`: synthetic people, nothing leaves the machine.
    pub demo: bool,
}

/// The HTML document around the app. Only the server renders it.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let settings = use_context::<SiteSettings>().unwrap_or_default();
    #[cfg(feature = "ssr")]
    set_content_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en-GB" data-demo=settings.demo.to_string()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
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

    // Mark the document once the browser has taken over, so that tests (and
    // curious people) can tell a hydrated page from a server-rendered one.
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });

    view! {
        <Stylesheet id="carebook" href="/pkg/carebook.css" />
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

/// The browser's entry point: read the settings the server wrote into the
/// page, then hydrate.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    let demo = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
        .and_then(|e| e.get_attribute("data-demo"))
        .is_some_and(|v| v == "true");
    leptos::mount::hydrate_body(move || {
        provide_context(SiteSettings { demo });
        view! { <App /> }
    });
}
