//! The page frame in NHS design system markup (nhsuk-frontend 10): skip
//! link, header, demonstration banner, footer, back link and error summary.
//!
//! The markup follows the nunjucks templates of nhsuk-frontend 10
//! (`dist/nhsuk/components/*/template.njk`), so `style/carebook.scss`, which
//! compiles that package's Sass, styles it. Everything renders on the server
//! and works without JavaScript; none of nhsuk-frontend's own JavaScript is
//! loaded.

use leptos::prelude::*;

/// "Skip to main content": the first focusable element of every page. It
/// jumps to `<main id="maincontent">`.
#[component]
pub fn SkipLink() -> impl IntoView {
    view! {
        <a class="nhsuk-skip-link" data-module="nhsuk-skip-link" href="#maincontent">
            "Skip to main content"
        </a>
    }
}

/// The NHS header: the NHS logo and the service name, combined into one link
/// home (as nhsuk-frontend does when the logo and the service name share an
/// address), so there are not two links to the same place.
#[component]
pub fn Header(
    /// The service's name, shown beside the logo ("carebook").
    service_name: &'static str,
    /// Where the logo and the name lead: the service's home page.
    service_href: &'static str,
) -> impl IntoView {
    let label = format!("NHS {service_name} homepage");
    view! {
        <header class="nhsuk-header" data-module="nhsuk-header" role="banner">
            <div class="nhsuk-header__container nhsuk-width-container">
                <div class="nhsuk-header__service">
                    <a class="nhsuk-header__service-logo" href=service_href aria-label=label>
                        <NhsLogo />
                        <span class="nhsuk-header__service-name">{service_name}</span>
                    </a>
                </div>
                <Account />
            </div>
        </header>
    }
}

/// The header's account area: the person logged in and "Log out" (a form,
/// so it works without JavaScript and carries the form token), or "Log in".
#[component]
fn Account() -> impl IntoView {
    let me = Resource::new(|| (), |_| crate::api::auth::who_am_i());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(Some(me)) => {
                        let home = if matches!(me.kind, crate::api::auth::MeKind::Staff { .. }) { "/staff" } else { "/home" };
                        view! {
                            <nav class="nhsuk-header__account" aria-label="Account">
                                <ul class="nhsuk-header__account-list">
                                    <li class="nhsuk-header__account-item">
                                        <a class="nhsuk-header__account-link" href=home>{me.display_name}</a>
                                    </li>
                                    <li class="nhsuk-header__account-item">
                                        <form class="nhsuk-header__account-form" action="/logout" method="post" novalidate>
                                            <input type="hidden" name="csrf_token" value=me.csrf_token />
                                            <button class="nhsuk-header__account-button">"Log out"</button>
                                        </form>
                                    </li>
                                </ul>
                            </nav>
                        }
                        .into_any()
                    }
                    _ => view! {
                        <nav class="nhsuk-header__account" aria-label="Account">
                            <ul class="nhsuk-header__account-list">
                                <li class="nhsuk-header__account-item">
                                    <a class="nhsuk-header__account-link" href="/login">"Log in"</a>
                                </li>
                            </ul>
                        </nav>
                    }
                    .into_any(),
                }
            })}
        </Suspense>
    }
}

/// The NHS logo, inline so that it needs no request and no image in the
/// Content-Security-Policy.
#[component]
fn NhsLogo() -> impl IntoView {
    view! {
        <svg
            class="nhsuk-header__logo"
            xmlns="http://www.w3.org/2000/svg"
            viewBox="0 0 200 80"
            height="40"
            width="100"
            focusable="false"
            role="img"
            aria-label="NHS"
        >
            <title>"NHS"</title>
            <path
                fill="currentcolor"
                d="M200 0v80H0V0h200Zm-27.5 5.5c-14.5 0-29 5-29 22 0 10.2 7.7 13.5 14.7 16.3l.7.3c5.4 2 10.1 3.9 10.1 8.4 0 6.5-8.5 7.5-14 7.5s-12.5-1.5-16-3.5L135 70c5.5 2 13.5 3.5 20 3.5 15.5 0 32-4.5 32-22.5 0-19.5-25.5-16.5-25.5-25.5 0-5.5 5.5-6.5 12.5-6.5a35 35 0 0 1 14.5 3l4-13.5c-4.5-2-12-3-20-3Zm-131 2h-22l-14 65H22l9-45h.5l13.5 45h21.5l14-65H64l-9 45h-.5l-13-45Zm63 0h-18l-13 65h17l6-28H117l-5.5 28H129l13.5-65H125L119.5 32h-20l5-24.5Z"
            ></path>
        </svg>
    }
}

/// The strip on every page of `carebook demo`: everyone in it is invented
/// and nothing leaves the machine. Black on yellow, a named region so that
/// screen reader users can find it from the landmarks list.
#[component]
pub fn DemoBanner() -> impl IntoView {
    view! {
        <div class="carebook-demo-banner" role="region" aria-label="Demonstration">
            <div class="nhsuk-width-container">
                <p class="carebook-demo-banner__text">
                    <strong class="carebook-demo-banner__tag">"Demonstration"</strong>
                    "This is a demonstration. Everyone in it is invented, and nothing you do here "
                    "leaves this computer: no message is sent and no real practice is contacted. "
                    <a class="carebook-demo-banner__link" href="/demonstration">
                        "About the demonstration"
                    </a>
                </p>
            </div>
        </div>
    }
}

/// The NHS footer, with no links: what carebook is, and where to get help now.
#[component]
pub fn Footer() -> impl IntoView {
    view! {
        <footer class="nhsuk-footer" role="contentinfo">
            <div class="nhsuk-width-container">
                <div class="nhsuk-footer__meta">
                    <p class="nhsuk-body-s">
                        "If you need medical help now, call 111 or go to 111.nhs.uk. "
                        "In an emergency, call 999."
                    </p>
                    <p class="nhsuk-body-s">
                        "carebook: a patient portal for GP practices in Hertfordshire and West Essex."
                    </p>
                </div>
            </div>
        </footer>
    }
}

/// A link back to the page a person came from, or the page above.
#[component]
pub fn BackLink(
    /// Where the link leads.
    href: &'static str,
    /// What it says, for example "Back" or "Find a GP practice or hub".
    #[prop(into)]
    text: String,
) -> impl IntoView {
    view! { <a class="nhsuk-back-link" href=href>{text}</a> }
}

/// "There is a problem": one link per field in error, each to its input
/// (`#field-id`), in the order of the form. Renders nothing when there are
/// no errors. Put it at the top of `<main>`, above the `<h1>`.
///
/// An island: on a page with JavaScript, the summary takes focus when it
/// appears (as nhsuk-frontend's own script would do), so that screen reader
/// users hear it; the inner `role="alert"` announces it as well. It is the
/// reason a page with a problem loads the (small) islands bundle; a page
/// without one loads no WebAssembly.
#[island]
pub fn ErrorSummary(
    /// `(field id, message)`: the id of the input to fix, without `#`, and
    /// what to do about it ("Enter your date of birth").
    errors: Vec<(String, String)>,
) -> impl IntoView {
    if errors.is_empty() {
        return None;
    }
    let summary = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(element) = summary.get() {
            let _ = element.focus();
        }
    });
    let items = errors
        .into_iter()
        .map(|(field, message)| {
            let href = format!("#{field}");
            view! {
                <li>
                    <a href=href>{message}</a>
                </li>
            }
        })
        .collect_view();
    Some(view! {
        <div
            class="nhsuk-error-summary"
            data-module="nhsuk-error-summary"
            tabindex="-1"
            node_ref=summary
        >
            <div role="alert">
                <h2 class="nhsuk-error-summary__heading">"There is a problem"</h2>
                <div class="nhsuk-error-summary__body">
                    <ul class="nhsuk-list nhsuk-error-summary__list">{items}</ul>
                </div>
            </div>
        </div>
    })
}
