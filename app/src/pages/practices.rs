//! Find a GP practice or hub. Without JavaScript the search is an ordinary
//! GET form answered by the server; once hydrated, the list narrows as you
//! type, through the same server function.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::directory::{find_practices, practice_profile, PracticeSummary};
use crate::components::layout::BackLink;
use crate::pages::error::ServiceErrorPage;
use crate::pages::not_found::NotFoundPage;

fn count_text(n: usize, q: &str) -> String {
    match n {
        0 if q.trim().is_empty() => "No practices or hubs found".to_string(),
        0 => format!("No practices or hubs match \u{201c}{}\u{201d}", q.trim()),
        1 => "1 practice or hub".to_string(),
        n => format!("{n} practices and hubs"),
    }
}

#[component]
pub fn PracticesPage() -> impl IntoView {
    let query = use_query_map();
    let initial = query.with_untracked(|q| q.get("q").unwrap_or_default());
    let asked = initial.clone();
    let results = Resource::new(move || asked.clone(), find_practices);

    view! {
        <Title text="Find a GP practice or hub" />
        <div class="nhsuk-grid-row">
            <div class="nhsuk-grid-column-two-thirds">
                <h1>"Find a GP practice or hub"</h1>
                <p>"Every practice below belongs to the Hertfordshire and West Essex footprint. Hubs offer evening and weekend appointments to patients of their federation's practices."</p>
                <Suspense fallback=|| view! { <p>"Loading practices…"</p> }>
                    {move || {
                        let initial = initial.clone();
                        Suspend::new(async move {
                            match results.await {
                                Ok(list) => view! { <PracticeSearch initial list /> }.into_any(),
                                Err(_) => view! { <ServiceErrorPage /> }.into_any(),
                            }
                        })
                    }}
                </Suspense>
            </div>
        </div>
    }
}

/// An island: the search form and its results. Without JavaScript the form
/// is an ordinary GET answered by the server; with it, the list narrows as
/// you type, through the same server function, the newest answer winning.
#[island]
fn PracticeSearch(initial: String, list: Vec<PracticeSummary>) -> impl IntoView {
    let text = RwSignal::new(initial.clone());
    let shown = RwSignal::new((initial.clone(), list));
    let on_input = move |ev| {
        let value = event_target_value(&ev);
        text.set(value.clone());
        leptos::task::spawn_local(async move {
            if let Ok(found) = find_practices(value.clone()).await {
                if text.get_untracked() == value {
                    shown.set((value, found));
                }
            }
        });
    };
    view! {
        <form method="get" action="/practices" role="search" novalidate>
            <div class="nhsuk-form-group">
                <label class="nhsuk-label" for="practice-search">"Practice name, town or postcode"</label>
                <input
                    class="nhsuk-input nhsuk-u-width-two-thirds"
                    id="practice-search"
                    name="q"
                    type="search"
                    autocomplete="off"
                    spellcheck="false"
                    value=initial
                    on:input=on_input
                />
            </div>
            <button class="nhsuk-button" type="submit" data-module="nhsuk-button">"Search"</button>
        </form>
        {move || {
            let (q, list) = shown.get();
            view! { <PracticeList list q /> }
        }}
    }
}

#[component]
fn PracticeList(list: Vec<PracticeSummary>, q: String) -> impl IntoView {
    view! {
        <p id="practice-count" class="nhsuk-body" aria-live="polite">{count_text(list.len(), &q)}</p>
        <ul id="practice-results" class="nhsuk-list carebook-results">
            {list
                .into_iter()
                .map(|p| {
                    let href = format!("/practices/{}", p.ods_code);
                    view! {
                        <li class="carebook-results__item">
                            <h2 class="nhsuk-heading-s nhsuk-u-margin-bottom-1">
                                <a href=href>{p.name}</a>
                            </h2>
                            <p class="nhsuk-body-s nhsuk-u-margin-bottom-0">
                                {p.kind}" · "{p.town}", "{p.postcode}" · "{p.area}
                            </p>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

#[component]
pub fn PracticePage() -> impl IntoView {
    let params = use_params_map();
    let profile = Resource::new(move || params.with(|p| p.get("ods").unwrap_or_default()), practice_profile);
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match profile.await {
                    Ok(Some(p)) => {
                        let members = p.federation_members.clone();
                        view! {
                            <Title text=p.summary.name.clone() />
                            <BackLink href="/practices" text="Find a GP practice or hub" />
                            <div class="nhsuk-grid-row">
                                <div class="nhsuk-grid-column-two-thirds">
                                    <span class="nhsuk-caption-l">{p.summary.kind.clone()}</span>
                                    <h1>{p.summary.name.clone()}</h1>
                                    <dl class="nhsuk-summary-list">
                                        <div class="nhsuk-summary-list__row">
                                            <dt class="nhsuk-summary-list__key">"Address"</dt>
                                            <dd class="nhsuk-summary-list__value">
                                                {p.address_lines.iter().map(|l| view! { {l.clone()}<br /> }).collect_view()}
                                            </dd>
                                        </div>
                                        {p.phone.clone().map(|phone| view! {
                                            <div class="nhsuk-summary-list__row">
                                                <dt class="nhsuk-summary-list__key">"Telephone"</dt>
                                                <dd class="nhsuk-summary-list__value">{phone}</dd>
                                            </div>
                                        })}
                                        {p.email.clone().map(|email| view! {
                                            <div class="nhsuk-summary-list__row">
                                                <dt class="nhsuk-summary-list__key">"Email"</dt>
                                                <dd class="nhsuk-summary-list__value">{email}</dd>
                                            </div>
                                        })}
                                        <div class="nhsuk-summary-list__row">
                                            <dt class="nhsuk-summary-list__key">"Area"</dt>
                                            <dd class="nhsuk-summary-list__value">{p.summary.area.clone()}</dd>
                                        </div>
                                        <div class="nhsuk-summary-list__row">
                                            <dt class="nhsuk-summary-list__key">"Code"</dt>
                                            <dd class="nhsuk-summary-list__value">{p.summary.ods_code.clone()}</dd>
                                        </div>
                                    </dl>
                                    {match p.federation.clone() {
                                        Some(name) => view! {
                                            <h2>{name}</h2>
                                            <p>"These practices and their hub share evening and weekend appointments:"</p>
                                            <ul class="nhsuk-list nhsuk-list--bullet">
                                                {members.into_iter().map(|m| {
                                                    let href = format!("/practices/{}", m.ods_code);
                                                    view! { <li><a href=href>{m.name}</a>" ("{m.kind}", "{m.town}")"</li> }
                                                }).collect_view()}
                                            </ul>
                                        }.into_any(),
                                        None => view! {
                                            <p>"This practice is not part of a federation that shares hub appointments."</p>
                                        }.into_any(),
                                    }}
                                </div>
                            </div>
                        }
                        .into_any()
                    }
                    Ok(None) => view! { <NotFoundPage /> }.into_any(),
                    Err(_) => view! { <ServiceErrorPage /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
