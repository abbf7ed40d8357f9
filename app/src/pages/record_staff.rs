//! A clinician's view of a patient's record, with emergency access by a
//! written reason; the patient's access log and sharing choices. Plain
//! forms first: everything works with JavaScript off.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::record::Line;
use crate::api::record_staff::{
    my_access_log, my_sharing_choices, staff_patient_record, OpenEmergencyAccess, SaveSharingChoices, StaffRecordAnswer,
};
use crate::components::layout::{BackLink, ErrorSummary};

fn error_text(e: &ServerFnError) -> String {
    match e {
        ServerFnError::ServerError(m) => m.clone(),
        _ => "Something went wrong. Try again.".to_string(),
    }
}

#[component]
pub fn StaffRecordPage() -> impl IntoView {
    let params = use_params_map();
    let patient = move || params.with(|p| p.get("id").unwrap_or_default());
    let record = Resource::new(patient, staff_patient_record);
    let emergency = ServerAction::<OpenEmergencyAccess>::new();
    view! {
        <Title text="Patient record" />
        <BackLink href="/staff" text="Back to the staff home page" />
        <div class="carebook-record">
            <h1>"Patient record"</h1>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match record.await {
                        Ok(StaffRecordAnswer::Shown { relationship, sections, some_labels_not_shared }) => view! {
                            <div class="nhsuk-inset-text"><p>{relationship}</p></div>
                            {some_labels_not_shared.then(|| view! {
                                <p>"Some items are not shown: the patient has not chosen to share them outside their practice."</p>
                            })}
                            <p>"Your view of this record is logged, and the patient can see who looked."</p>
                            {sections.is_empty().then(|| view! { <p>"There is nothing in this record that you can see."</p> })}
                            {sections.into_iter().map(|s| {
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
                        }.into_any(),
                        Ok(StaffRecordAnswer::NeedsEmergencyAccess { csrf_token, reason_problem }) => {
                            let errors = reason_problem.clone().map(|p| vec![("reason".to_string(), p)]).unwrap_or_default();
                            let group = if reason_problem.is_some() { "nhsuk-form-group nhsuk-form-group--error" } else { "nhsuk-form-group" };
                            view! {
                                <ErrorSummary errors=errors />
                                <p>"This patient is not registered at your organisation and has no appointment with it around today."</p>
                                <p>"In an emergency you may open their record. Say why: your reason is recorded, the access is flagged, and the patient can see it."</p>
                                <ActionForm action=emergency>
                                    <input type="hidden" name="csrf_token" value=csrf_token />
                                    <input type="hidden" name="patient_id" value=patient() />
                                    <div class=group>
                                        <label class="nhsuk-label" for="reason">"Why do you need emergency access?"</label>
                                        {reason_problem.map(|p| view! { <span class="nhsuk-error-message" id="reason-error"><span class="nhsuk-u-visually-hidden">"Error: "</span>{p}</span> })}
                                        <textarea class="nhsuk-textarea" id="reason" name="reason" rows="3" maxlength="500"></textarea>
                                    </div>
                                    <button class="nhsuk-button nhsuk-button--warning" type="submit">"Open the record in an emergency"</button>
                                </ActionForm>
                            }.into_any()
                        }
                        Err(e) => view! { <div class="nhsuk-inset-text"><p>{error_text(&e)}</p></div> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

#[component]
pub fn AccessLogPage() -> impl IntoView {
    let log = Resource::new(|| (), |_| my_access_log());
    view! {
        <Title text="Who has looked at your record" />
        <BackLink href="/record" text="Back to your health record" />
        <h1>"Who has looked at your record"</h1>
        <p>"Every time a member of staff outside carebook's automatic checks opens your record, it is listed here, newest first."</p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match log.await {
                    Ok(lines) if lines.is_empty() => view! { <p>"Nobody has looked at your record through carebook."</p> }.into_any(),
                    Ok(lines) => view! {
                        <table class="nhsuk-table">
                            <caption class="nhsuk-table__caption">"Staff who looked at your record"</caption>
                            <thead class="nhsuk-table__head">
                                <tr><th scope="col">"When"</th><th scope="col">"Who"</th><th scope="col">"Where"</th><th scope="col">"What"</th></tr>
                            </thead>
                            <tbody class="nhsuk-table__body">
                                {lines.into_iter().map(|l| view! {
                                    <tr>
                                        <td>{l.when}</td>
                                        <td>{l.who}<br /><span class="nhsuk-body-s">{l.role}</span></td>
                                        <td>{l.organisation}</td>
                                        <td>
                                            {l.section}
                                            {l.emergency.then(|| view! { <br /><strong class="nhsuk-tag nhsuk-tag--red">"Emergency access"</strong> })}
                                            {l.reason.map(|r| view! { <br /><span class="nhsuk-body-s">"Reason given: " {r}</span> })}
                                        </td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(e) => view! { <p>{error_text(&e)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn SharingPage() -> impl IntoView {
    let choices = Resource::new(|| (), |_| my_sharing_choices());
    let save = ServerAction::<SaveSharingChoices>::new();
    let query = use_query_map();
    let saved = move || query.with(|q| q.get("saved").is_some());
    view! {
        <Title text="Choose who else can see your record" />
        <BackLink href="/record" text="Back to your health record" />
        {move || saved().then(|| view! { <div class="nhsuk-inset-text" role="status"><p>"Your choices have been saved."</p></div> })}
        <h1>"Choose who else can see your record"</h1>
        <p>"Your own GP practice can always see your whole record. Doctors, nurses and other clinicians at a hospital, hub or other service caring for you can see the parts you choose here. In an emergency a clinician can open your whole record, giving a reason; you will see it on the list of who has looked."</p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match choices.await {
                    Ok(page) => view! {
                        <ActionForm action=save>
                            <input type="hidden" name="csrf_token" value=page.csrf_token />
                            {page.choices.into_iter().map(|c| {
                                let yes_id = format!("{}-yes", c.label);
                                let no_id = format!("{}-no", c.label);
                                view! {
                                    <div class="nhsuk-form-group">
                                        <fieldset class="nhsuk-fieldset">
                                            <legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">
                                                {format!("{}: may clinicians outside your GP practice see it?", c.question)}
                                            </legend>
                                            <div class="nhsuk-radios nhsuk-radios--inline">
                                                <div class="nhsuk-radios__item">
                                                    <input class="nhsuk-radios__input" id=yes_id.clone() name=c.label.clone() type="radio" value="yes" checked=c.shared />
                                                    <label class="nhsuk-label nhsuk-radios__label" for=yes_id>"Yes"</label>
                                                </div>
                                                <div class="nhsuk-radios__item">
                                                    <input class="nhsuk-radios__input" id=no_id.clone() name=c.label type="radio" value="no" checked=!c.shared />
                                                    <label class="nhsuk-label nhsuk-radios__label" for=no_id>"No"</label>
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
