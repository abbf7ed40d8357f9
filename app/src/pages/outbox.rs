//! `/demonstration/outbox`: what the demonstration would have sent, newest
//! first, each message as it would have arrived, with its calendar
//! invitation's fields. Server-rendered; works with JavaScript off.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::outbox::{demonstration_outbox, OutboxMessageView};
use crate::pages::error::ServiceErrorPage;
use crate::pages::not_found::NotFoundPage;

#[component]
pub fn DemonstrationOutboxPage() -> impl IntoView {
    let messages = Resource::new(|| (), |_| demonstration_outbox());
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match messages.await {
                    Ok(Some(list)) => view! {
                        <Title text="Messages the demonstration would have sent" />
                        <div class="nhsuk-grid-row">
                            <div class="nhsuk-grid-column-two-thirds">
                                <a class="nhsuk-back-link" href="/demonstration">"About this demonstration"</a>
                                <h1>"Messages the demonstration would have sent"</h1>
                                <p>"In this demonstration nothing leaves the machine. Each e-mail and text message is written exactly as it would be sent, and shown here instead, newest first."</p>
                                {if list.is_empty() {
                                    view! { <p class="nhsuk-body" id="no-messages">"Nothing yet. Book, move or cancel an appointment and its messages appear here within a few seconds."</p> }.into_any()
                                } else {
                                    view! {
                                        <ol class="nhsuk-list" id="messages">
                                            {list.into_iter().map(|m| view! { <li><Message message=m /></li> }).collect_view()}
                                        </ol>
                                    }.into_any()
                                }}
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

#[component]
fn Message(message: OutboxMessageView) -> impl IntoView {
    let OutboxMessageView { channel, about, recipient, subject, lines, sent, segments, invitation } = message;
    let heading = match &subject {
        Some(s) => format!("{channel}: {s}"),
        None => format!("{channel}: {about}"),
    };
    view! {
        <div class="nhsuk-card carebook-sent-message">
            <div class="nhsuk-card__content">
                <h2 class="nhsuk-card__heading nhsuk-heading-m">{heading}</h2>
                <dl class="nhsuk-summary-list">
                    <div class="nhsuk-summary-list__row">
                        <dt class="nhsuk-summary-list__key">"About"</dt>
                        <dd class="nhsuk-summary-list__value">{about}</dd>
                    </div>
                    <div class="nhsuk-summary-list__row">
                        <dt class="nhsuk-summary-list__key">"To"</dt>
                        <dd class="nhsuk-summary-list__value">{recipient}</dd>
                    </div>
                    <div class="nhsuk-summary-list__row">
                        <dt class="nhsuk-summary-list__key">"Would have been sent"</dt>
                        <dd class="nhsuk-summary-list__value">{sent}</dd>
                    </div>
                    {segments.map(|s| view! {
                        <div class="nhsuk-summary-list__row">
                            <dt class="nhsuk-summary-list__key">"Length"</dt>
                            <dd class="nhsuk-summary-list__value">{s}</dd>
                        </div>
                    })}
                </dl>
                <div class="nhsuk-inset-text carebook-message-body">
                    <span class="nhsuk-u-visually-hidden">"Message: "</span>
                    {lines.into_iter().filter(|l| !l.is_empty()).map(|l| view! { <p>{l}</p> }).collect_view()}
                </div>
                {(!invitation.is_empty()).then(|| view! {
                    <h3 class="nhsuk-heading-s">"Calendar invitation"</h3>
                    <dl class="nhsuk-summary-list carebook-invitation">
                        {invitation.into_iter().map(|f| view! {
                            <div class="nhsuk-summary-list__row">
                                <dt class="nhsuk-summary-list__key">{f.name}</dt>
                                <dd class="nhsuk-summary-list__value">{f.value}</dd>
                            </div>
                        }).collect_view()}
                    </dl>
                })}
            </div>
        </div>
    }
}
