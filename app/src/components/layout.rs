//! The page frame in NHS design system markup (nhsuk-frontend 10): skip
//! link, header, demonstration banner, footer, back link, error summary.
//! Everything renders on the server and needs no JavaScript.

use leptos::prelude::*;

/// The first focusable element: jumps past the header to the content.
#[component]
pub fn SkipLink() -> impl IntoView {
    view! {
        <a class="nhsuk-skip-link" href="#maincontent" data-module="nhsuk-skip-link">"Skip to main content"</a>
    }
}

/// The NHS logo and the service name, one link home.
#[component]
pub fn Header(service_name: &'static str, service_href: &'static str) -> impl IntoView {
    let label = format!("NHS {service_name} homepage");
    view! {
        <header class="nhsuk-header" role="banner" data-module="nhsuk-header">
            <div class="nhsuk-header__container nhsuk-width-container">
                <div class="nhsuk-header__service">
                    <a class="nhsuk-header__service-logo" href=service_href aria-label=label>
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
                        <span class="nhsuk-header__service-name">{service_name}</span>
                    </a>
                </div>
            </div>
        </header>
    }
}

/// Shown on every page of `carebook demo`.
#[component]
pub fn DemoBanner() -> impl IntoView {
    view! {
        <div class="carebook-demo-banner" role="region" aria-label="Demonstration">
            <div class="nhsuk-width-container">
                <p class="carebook-demo-banner__text">
                    <strong class="carebook-demo-banner__tag">"Demonstration"</strong>
                    " Everyone here is invented. Nothing you do sends a message or reaches a real practice. "
                    <a class="carebook-demo-banner__link" href="/demonstration">"About this demonstration"</a>
                </p>
            </div>
        </div>
    }
}

#[component]
pub fn Footer() -> impl IntoView {
    view! {
        <footer class="nhsuk-footer" role="contentinfo">
            <div class="nhsuk-width-container">
                <div class="nhsuk-footer__meta">
                    <p class="nhsuk-body-s">
                        "carebook: appointments, prescriptions and records for Hertfordshire and West Essex. \
                         If you need medical help now, call 111. In an emergency, call 999."
                    </p>
                </div>
            </div>
        </footer>
    }
}

#[component]
pub fn BackLink(href: &'static str, #[prop(into)] text: String) -> impl IntoView {
    view! { <a class="nhsuk-back-link" href=href>{text}</a> }
}

/// "There is a problem": one link per field in error, to its input.
#[component]
pub fn ErrorSummary(errors: Vec<(String, String)>) -> impl IntoView {
    (!errors.is_empty()).then(|| {
        view! {
            <div class="nhsuk-error-summary" data-module="nhsuk-error-summary" tabindex="-1">
                <div role="alert">
                    <h2 class="nhsuk-error-summary__title">"There is a problem"</h2>
                    <div class="nhsuk-error-summary__body">
                        <ul class="nhsuk-list nhsuk-error-summary__list">
                            {errors
                                .into_iter()
                                .map(|(field, message)| {
                                    let href = format!("#{field}");
                                    view! { <li><a href=href>{message}</a></li> }
                                })
                                .collect_view()}
                        </ul>
                    </div>
                </div>
            </div>
        }
    })
}
