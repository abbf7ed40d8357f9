use leptos::prelude::*;
use leptos_meta::Title;

/// The logged-out home page: what carebook is and what you can do with it.
#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text="" />
        <div class="nhsuk-grid-row">
            <div class="nhsuk-grid-column-two-thirds">
                <h1>"Your health and care in Hertfordshire and West Essex"</h1>
                <p class="nhsuk-lede-text">
                    "Use carebook to book appointments at your GP practice and your local extended-hours hub, \
                     order repeat prescriptions and see your health record in one place."
                </p>
                <h2>"What you can do"</h2>
                <ul class="nhsuk-list nhsuk-list--bullet">
                    <li>"book, change or cancel GP, nurse and review appointments, including evenings and weekends at your federation's hub"</li>
                    <li>"order repeat prescriptions and have them sent to the pharmacy you choose"</li>
                    <li>"see your record from your GP, hospital, community, mental health and social care services"</li>
                    <li>"send home readings such as blood sugar, blood pressure or peak flow if you have diabetes or COPD"</li>
                    <li>"choose how we contact you"</li>
                </ul>
                <h2>"Before you start"</h2>
                <p>
                    "You need to be registered with a GP practice in Hertfordshire or West Essex. \
                     You log in with your NHS login, the same one you use for the NHS App."
                </p>
                <p>
                    <a class="nhsuk-link" href="/practices">"Find a GP practice or hub"</a>
                </p>
                <div class="nhsuk-inset-text">
                    <span class="nhsuk-u-visually-hidden">"Information: "</span>
                    <p>"Do not use carebook if you need medical help now. Call 111 or go to 111.nhs.uk. In an emergency, call 999."</p>
                </div>
            </div>
        </div>
    }
}
