//! "Your health record" (`/record`): sections newest first, each item with
//! where it came from and when, a filter by source that is a plain GET form
//! (works with JavaScript off), and a print stylesheet
//! (style/carebook.scss, `.carebook-record`).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::record::{my_record, RecordLine, RecordPage};
use crate::components::layout::BackLink;

fn error_text(e: &ServerFnError) -> String {
    match e {
        ServerFnError::ServerError(m) => m.clone(),
        _ => "Something went wrong. Try again.".to_string(),
    }
}

#[component]
pub(crate) fn Line(line: RecordLine) -> impl IntoView {
    view! {
        <li class="carebook-record__item">
            <h3 class="nhsuk-heading-s carebook-record__title">
                {line.title}
                {line.withheld.then(|| view! { " " <strong class="nhsuk-tag nhsuk-tag--red">"Withheld from the patient"</strong> })}
                {line.added_by_you.then(|| view! { " " <strong class="nhsuk-tag nhsuk-tag--grey">"Added by you"</strong> })}
            </h3>
            <dl class="nhsuk-summary-list carebook-record__facts">
                {line.date.map(|d| view! {
                    <div class="nhsuk-summary-list__row"><dt class="nhsuk-summary-list__key">"Date"</dt><dd class="nhsuk-summary-list__value">{d}</dd></div>
                })}
                {line.value.map(|v| view! {
                    <div class="nhsuk-summary-list__row"><dt class="nhsuk-summary-list__key">"Result"</dt><dd class="nhsuk-summary-list__value">{v}</dd></div>
                })}
                {line.range.map(|r| view! {
                    <div class="nhsuk-summary-list__row"><dt class="nhsuk-summary-list__key">"Usual range"</dt><dd class="nhsuk-summary-list__value">{r}</dd></div>
                })}
                {line.status.map(|s| view! {
                    <div class="nhsuk-summary-list__row"><dt class="nhsuk-summary-list__key">"Status"</dt><dd class="nhsuk-summary-list__value">{s}</dd></div>
                })}
                <div class="nhsuk-summary-list__row">
                    <dt class="nhsuk-summary-list__key">"From"</dt>
                    <dd class="nhsuk-summary-list__value">
                        <ul class="nhsuk-list">
                            {line.sources.into_iter().map(|s| view! { <li>{s.text} <br /> <span class="nhsuk-body-s">{s.recorded}</span></li> }).collect_view()}
                        </ul>
                    </dd>
                </div>
            </dl>
            {line.outside_range.map(|o| view! {
                <p class="carebook-record__flag"><strong class="nhsuk-tag nhsuk-tag--orange">{o}</strong></p>
            })}
        </li>
    }
}

#[component]
fn Record(page: RecordPage) -> impl IntoView {
    let selected = page.selected_source.clone().unwrap_or_default();
    let empty = page.sections.is_empty();
    view! {
        {page.access_note.map(|n| view! { <div class="nhsuk-inset-text"><p>{n}</p></div> })}
        {page.some_items_not_shown.then(|| view! {
            <div class="nhsuk-warning-callout">
                <h2 class="nhsuk-warning-callout__label"><span role="text"><span class="nhsuk-u-visually-hidden">"Important: "</span>"Some items are not shown here"</span></h2>
                <p>"Some items in your record are not shown online. Your GP practice can tell you more."</p>
            </div>
        })}
        {(!page.sources.is_empty()).then(|| view! {
            <form method="get" action="/record" class="carebook-record__filter">
                <div class="nhsuk-form-group">
                    <label class="nhsuk-label" for="source">"Show entries from"</label>
                    <select class="nhsuk-select" id="source" name="source">
                        <option value="" selected=selected.is_empty()>"All sources"</option>
                        {page.sources.into_iter().map(|s| {
                            let chosen = s.id == selected;
                            view! { <option value=s.id selected=chosen>{s.label}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <button class="nhsuk-button nhsuk-button--secondary" type="submit">"Show"</button>
            </form>
        })}
        {empty.then(|| view! { <p>"There is nothing in your record to show here yet."</p> })}
        {(!empty).then(|| view! {
            <nav class="nhsuk-contents-list" role="navigation" aria-label="Sections of your record">
                <h2 class="nhsuk-u-visually-hidden">"Sections"</h2>
                <ol class="nhsuk-contents-list__list">
                    {page.sections.iter().map(|s| view! {
                        <li class="nhsuk-contents-list__item"><a class="nhsuk-contents-list__link" href=format!("#{}", s.id)>{s.heading.clone()}</a></li>
                    }).collect_view()}
                </ol>
            </nav>
        })}
        {page.sections.into_iter().map(|s| {
            let labelled_by = s.id.clone();
            view! {
            <section class="carebook-record__section" aria-labelledby=labelled_by>
                <h2 id=s.id>{s.heading}</h2>
                <ul class="carebook-record__list">
                    {s.lines.into_iter().map(|line| view! { <Line line=line /> }).collect_view()}
                </ul>
            </section>
            }
        }).collect_view()}
    }
}

#[component]
pub fn RecordPage() -> impl IntoView {
    let query = use_query_map();
    let source = move || query.with(|q| q.get("source").filter(|s| !s.is_empty()));
    let record = Resource::new(source, my_record);
    view! {
        <Title text="Your health record" />
        <BackLink href="/home" text="Back to your home page" />
        <div class="carebook-record">
            <h1>"Your health record"</h1>
            <p>"Newest first. Each entry says where it came from and when it was recorded."</p>
            <p>
                <a href="/record/access-log">"See who has looked at your record"</a>
                " · "
                <a href="/record/sharing">"Choose who else can see your record"</a>
            </p>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match record.await {
                        Ok(page) => view! { <Record page=page /> }.into_any(),
                        Err(e) => view! { <div class="nhsuk-inset-text"><p>{error_text(&e)}</p></div> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}
