//! "Choose how we contact you" and the administrators' parked messages.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::settings::{contact_settings, parked_messages, ReplayMessage, SaveContactSettings};
use crate::components::layout::{BackLink, ErrorSummary};

fn error_text(e: &ServerFnError) -> String {
    match e {
        ServerFnError::ServerError(m) => m.clone(),
        _ => "Something went wrong. Try again.".to_string(),
    }
}

#[component]
pub fn ContactSettingsPage() -> impl IntoView {
    let settings = Resource::new(|| (), |_| contact_settings());
    let save = ServerAction::<SaveContactSettings>::new();
    let query = use_query_map();
    let saved = move || query.with(|q| q.get("saved").is_some());
    view! {
        <Title text="Choose how we contact you" />
        <BackLink href="/home" text="Back to your home page" />
        {move || saved().then(|| view! { <div class="nhsuk-inset-text" role="status"><p>"Your choices have been saved."</p></div> })}
        {move || save.value().get().and_then(|r| r.err()).map(|e| view! {
            <ErrorSummary errors=vec![("appointments-email".to_string(), error_text(&e))] />
        })}
        <h1>"Choose how we contact you"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match settings.await {
                    Ok(s) => view! {
                        <p>"If your practice cancels an appointment, we always tell you by e-mail or text message, whatever you choose here."</p>
                        {(!s.has_email).then(|| view! { <p>"Your practice has no e-mail address for you, so e-mails cannot be sent."</p> })}
                        {(!s.has_mobile).then(|| view! { <p>"Your practice has no mobile number for you, so text messages cannot be sent."</p> })}
                        <ActionForm action=save>
                            <input type="hidden" name="csrf_token" value=s.csrf_token />
                            {s.groups.into_iter().map(|g| {
                                let email_id = format!("{}-email", g.group);
                                let sms_id = format!("{}-sms", g.group);
                                view! {
                                    <div class="nhsuk-form-group">
                                        <fieldset class="nhsuk-fieldset">
                                            <legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">{g.label}</legend>
                                            <div class="nhsuk-checkboxes">
                                                <div class="nhsuk-checkboxes__item">
                                                    <input class="nhsuk-checkboxes__input" id=email_id.clone() name=format!("{}_email", g.group) type="checkbox" value="on" checked=g.by_email />
                                                    <label class="nhsuk-label nhsuk-checkboxes__label" for=email_id>"By e-mail"</label>
                                                </div>
                                                <div class="nhsuk-checkboxes__item">
                                                    <input class="nhsuk-checkboxes__input" id=sms_id.clone() name=format!("{}_sms", g.group) type="checkbox" value="on" checked=g.by_sms />
                                                    <label class="nhsuk-label nhsuk-checkboxes__label" for=sms_id>"By text message"</label>
                                                </div>
                                            </div>
                                        </fieldset>
                                    </div>
                                }
                            }).collect_view()}
                            <button class="nhsuk-button" type="submit">"Save my choices"</button>
                        </ActionForm>
                    }.into_any(),
                    Err(e) => view! { <p>{error_text(&e)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn ParkedMessagesPage() -> impl IntoView {
    let parked = Resource::new(|| (), |_| parked_messages());
    let replay = ServerAction::<ReplayMessage>::new();
    let query = use_query_map();
    let replayed = move || query.with(|q| q.get("replayed").is_some());
    view! {
        <Title text="Messages that could not be sent" />
        <BackLink href="/staff" text="Back to the staff home page" />
        {move || replayed().then(|| view! { <div class="nhsuk-inset-text" role="status"><p>"The message will be sent again."</p></div> })}
        {move || replay.value().get().and_then(|r| r.err()).map(|e| view! {
            <ErrorSummary errors=vec![("parked".to_string(), error_text(&e))] />
        })}
        <h1 id="parked">"Messages that could not be sent"</h1>
        <p>"These messages to your patients failed every attempt. Fix the cause (for example the mail server), then send them again."</p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match parked.await {
                    Ok(p) if p.items.is_empty() => view! { <p>"There are no messages waiting."</p> }.into_any(),
                    Ok(p) => {
                        let token = p.csrf_token.clone();
                        view! {
                            <table class="nhsuk-table">
                                <caption class="nhsuk-table__caption">"Waiting messages"</caption>
                                <thead class="nhsuk-table__head">
                                    <tr><th scope="col">"Message"</th><th scope="col">"Created"</th><th scope="col">"Attempts"</th><th scope="col">"Last error"</th><th scope="col">"Action"</th></tr>
                                </thead>
                                <tbody class="nhsuk-table__body">
                                    {p.items.into_iter().map(|n| {
                                        let label = format!("Send the {} message again", n.kind);
                                        let token = token.clone();
                                        view! {
                                            <tr>
                                                <td>{n.kind}</td><td>{n.created}</td><td>{n.attempts}</td><td>{n.last_error}</td>
                                                <td>
                                                    <ActionForm action=replay>
                                                        <input type="hidden" name="csrf_token" value=token />
                                                        <input type="hidden" name="notification_id" value=n.notification_id />
                                                        <button class="nhsuk-button nhsuk-button--secondary nhsuk-button--small" type="submit" aria-label=label>"Send again"</button>
                                                    </ActionForm>
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any()
                    }
                    Err(e) => view! { <p>{error_text(&e)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
