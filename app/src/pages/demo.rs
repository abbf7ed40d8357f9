//! The demonstration page: what the synthetic world holds, who the personas
//! are, and a reset for the next audience.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::demo::{demonstration_overview, ResetDemonstration};
use crate::components::layout::ErrorSummary;
use crate::pages::error::ServiceErrorPage;
use crate::pages::not_found::NotFoundPage;

#[component]
pub fn DemonstrationPage() -> impl IntoView {
    let reset = ServerAction::<ResetDemonstration>::new();
    let overview = Resource::new(move || reset.version().get(), |_| demonstration_overview());
    let query = use_query_map();
    let was_reset = move || query.with(|q| q.get("reset").as_deref() == Some("done")) || reset.version().get() > 0;

    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(Some(o)) => view! {
                        <Title text="About this demonstration" />
                        <div class="nhsuk-grid-row">
                            <div class="nhsuk-grid-column-two-thirds">
                                {move || was_reset().then(|| view! {
                                    <div class="nhsuk-inset-text" role="status">
                                        <p>"The demonstration has been reset. Everything is back as it was at the start."</p>
                                    </div>
                                })}
                                <h1>"About this demonstration"</h1>
                                <p>"Everyone in this demonstration is invented. Their NHS numbers come from the range the NHS keeps for testing, and nothing you do here sends a message or reaches a real practice."</p>
                                <h2>"What it holds"</h2>
                                <ul class="nhsuk-list nhsuk-list--bullet">
                                    <li>{o.patients}" patients"</li>
                                    <li>{o.organisations}" practices, hubs, pharmacies and other services"</li>
                                    <li>{o.staff}" members of staff"</li>
                                    <li>{o.conditions}" recorded long-term conditions"</li>
                                    <li>{o.proxies}" people who act for someone else"</li>
                                </ul>
                                <h2>"People you can be"</h2>
                                <div class="carebook-table-scroll" tabindex="0" role="region" aria-label="Patients you can be">
                                <table class="nhsuk-table">
                                    <caption class="nhsuk-table__caption">"Patients"</caption>
                                    <thead class="nhsuk-table__head">
                                        <tr><th scope="col">"Who"</th><th scope="col">"NHS number"</th><th scope="col">"Shows"</th></tr>
                                    </thead>
                                    <tbody class="nhsuk-table__body">
                                        {o.personas.into_iter().map(|p| view! {
                                            <tr><td>{p.label}</td><td class="carebook-nowrap">{p.nhs_number}</td><td>{p.description}</td></tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                </div>
                                <table class="nhsuk-table">
                                    <caption class="nhsuk-table__caption">"Staff"</caption>
                                    <thead class="nhsuk-table__head">
                                        <tr><th scope="col">"Who"</th><th scope="col">"Shows"</th></tr>
                                    </thead>
                                    <tbody class="nhsuk-table__body">
                                        {o.staff_personas.into_iter().map(|p| view! {
                                            <tr><td>{p.label}</td><td>{p.description}</td></tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                <h2>"Messages"</h2>
                                <p>"Booking, moving and cancelling send e-mails and text messages, with calendar invitations. Here they are kept instead: "<a href="/demonstration/outbox">"see the messages the demonstration would have sent"</a>"."</p>
                                <h2>"Reset for the next audience"</h2>
                                <p>"This puts every person, appointment and message back as it was when the demonstration started."</p>
                                {move || reset.value().get().and_then(|r| r.err()).map(|e| {
                                    let message = match e {
                                        ServerFnError::ServerError(m) => m,
                                        _ => "The demonstration could not be reset. Try again.".to_string(),
                                    };
                                    view! { <ErrorSummary errors=vec![("reset-demonstration".to_string(), message)] /> }
                                })}
                                <ActionForm action=reset attr:id="reset-demonstration">
                                    <input type="hidden" name="csrf_token" value=o.csrf_token />
                                    <button class="nhsuk-button nhsuk-button--secondary" type="submit">"Reset the demonstration"</button>
                                </ActionForm>
                            </div>
                        </div>
                    }.into_any(),
                    Ok(None) => view! { <NotFoundPage /> }.into_any(),
                    Err(_) => view! { <ServiceErrorPage /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
