//! The receptionist's day list.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::staff::{day_list, BlockSlot, MarkAttendance};
use crate::components::layout::{BackLink, ErrorSummary};

fn error_text(e: &ServerFnError) -> String {
    match e {
        ServerFnError::ServerError(m) => m.clone(),
        _ => "Something went wrong. Try again.".to_string(),
    }
}

#[component]
pub fn DayListPage() -> impl IntoView {
    let query = use_query_map();
    let day = move || query.with(|q| q.get("day"));
    let list = Resource::new(day, day_list);
    let mark = ServerAction::<MarkAttendance>::new();
    let block = ServerAction::<BlockSlot>::new();
    view! {
        <Title text="Day list" />
        <BackLink href="/staff" text="Back to the staff home page" />
        {move || mark.value().get().and_then(|r| r.err()).or_else(|| block.value().get().and_then(|r| r.err())).map(|e| view! {
            <ErrorSummary errors=vec![("day-list".to_string(), error_text(&e))] />
        })}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(d) => {
                        let token = d.csrf_token.clone();
                        let day_value = d.day.clone();
                        view! {
                            <h1 id="day-list">"Day list: "{d.day_label.clone()}</h1>
                            <p>
                                <a class="nhsuk-link" href=format!("/staff/day?day={}", d.previous)>"Previous day"</a>
                                " · "
                                <a class="nhsuk-link" href=format!("/staff/day?day={}", d.next)>"Next day"</a>
                            </p>
                            {d.organisations.is_empty().then(|| view! { <p>"You do not run appointments at any practice or hub."</p> })}
                            {d.organisations.into_iter().map(|o| {
                                let token = token.clone();
                                let day_value = day_value.clone();
                                view! {
                                    <h2>{o.name}</h2>
                                    {o.clinicians.into_iter().map(|c| {
                                        let token = token.clone();
                                        let day_value = day_value.clone();
                                        view! {
                                            <table class="nhsuk-table">
                                                <caption class="nhsuk-table__caption nhsuk-table__caption--m">{c.clinician}</caption>
                                                <thead class="nhsuk-table__head">
                                                    <tr><th scope="col">"Time"</th><th scope="col">"Appointment"</th><th scope="col">"Patient"</th><th scope="col">"Status"</th><th scope="col">"Action"</th></tr>
                                                </thead>
                                                <tbody class="nhsuk-table__body">
                                                    {c.rows.into_iter().map(|r| {
                                                        let token = token.clone();
                                                        let day_value = day_value.clone();
                                                        let who = r.patient.clone().unwrap_or_default();
                                                        let arrived_label = format!("{} arrived at {}", who, r.time);
                                                        let dna_label = format!("{} did not attend at {}", who, r.time);
                                                        let block_label = format!("Reason for blocking {}", r.time);
                                                        let reason_id = format!("reason-{}", r.slot_id);
                                                        let (t1, t2, t3) = (token.clone(), token.clone(), token.clone());
                                                        let (d1, d2, d3) = (day_value.clone(), day_value.clone(), day_value.clone());
                                                        let (s2, s3) = (r.slot_id.clone(), r.slot_id.clone());
                                                        let id = r.appointment_id.clone().unwrap_or_default();
                                                        view! {
                                                            <tr>
                                                                <td>{r.time.clone()}</td>
                                                                <td>{r.service}" · "{r.location}</td>
                                                                <td>{r.patient.clone().unwrap_or_default()}</td>
                                                                <td>{r.status}</td>
                                                                <td>
                                                                    {r.can_mark.then(move || {
                                                                        view! {
                                                                            <ActionForm action=mark>
                                                                                <input type="hidden" name="csrf_token" value=t1 />
                                                                                <input type="hidden" name="appointment_id" value=id />
                                                                                <input type="hidden" name="day" value=d1 />
                                                                                <button class="nhsuk-button nhsuk-button--small" type="submit" name="outcome" value="arrived" aria-label=arrived_label>"Arrived"</button>
                                                                                " "
                                                                                <button class="nhsuk-button nhsuk-button--small nhsuk-button--secondary" type="submit" name="outcome" value="did_not_attend" aria-label=dna_label>"Did not attend"</button>
                                                                            </ActionForm>
                                                                        }
                                                                    })}
                                                                    {r.can_block.then(move || view! {
                                                                        <ActionForm action=block>
                                                                            <input type="hidden" name="csrf_token" value=t2 />
                                                                            <input type="hidden" name="slot_id" value=s2 />
                                                                            <input type="hidden" name="day" value=d2 />
                                                                            <label class="nhsuk-label nhsuk-u-visually-hidden" for=reason_id.clone()>{block_label}</label>
                                                                            <input class="nhsuk-input nhsuk-input--width-10" id=reason_id name="reason" type="text" placeholder="Reason" />
                                                                            " "
                                                                            <button class="nhsuk-button nhsuk-button--small nhsuk-button--secondary" type="submit">"Block"</button>
                                                                        </ActionForm>
                                                                    })}
                                                                    {r.can_unblock.then(move || view! {
                                                                        <ActionForm action=block>
                                                                            <input type="hidden" name="csrf_token" value=t3 />
                                                                            <input type="hidden" name="slot_id" value=s3 />
                                                                            <input type="hidden" name="day" value=d3 />
                                                                            <input type="hidden" name="unblock" value="yes" />
                                                                            <button class="nhsuk-button nhsuk-button--small nhsuk-button--secondary" type="submit">"Unblock"</button>
                                                                        </ActionForm>
                                                                    })}
                                                                </td>
                                                            </tr>
                                                        }
                                                    }).collect_view()}
                                                </tbody>
                                            </table>
                                        }
                                    }).collect_view()}
                                }
                            }).collect_view()}
                        }.into_any()
                    }
                    Err(e) => view! { <h1 id="day-list">"Day list"</h1><p>{error_text(&e)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Book for a patient: find them by NHS number, choose a service and a
/// time, see each booking rule's outcome (the explainer), and book, with a
/// reason when a rule is overridden.
#[component]
pub fn StaffBookPage() -> impl IntoView {
    use crate::api::staff::{staff_booking, StaffBook};
    let query = use_query_map();
    let params = move || query.with(|q| (q.get("nhs_number").unwrap_or_default(), q.get("service"), q.get("slot_id")));
    let found = Resource::new(params, |(n, s, t)| staff_booking(n, s, t));
    let book = ServerAction::<StaffBook>::new();
    view! {
        <Title text="Book for a patient" />
        <BackLink href="/staff" text="Back to the staff home page" />
        {move || book.value().get().and_then(|r| r.err()).map(|e| view! {
            <ErrorSummary errors=vec![("override-reason".to_string(), error_text(&e))] />
        })}
        <h1>"Book for a patient"</h1>
        <form method="get" action="/staff/book" novalidate>
            <div class="nhsuk-form-group">
                <label class="nhsuk-label" for="nhs-number">"NHS number"</label>
                <div class="nhsuk-hint" id="nhs-number-hint">"10 digits, for example 999 000 0018"</div>
                <input class="nhsuk-input nhsuk-input--width-10" id="nhs-number" name="nhs_number" type="text" inputmode="numeric" aria-describedby="nhs-number-hint"
                    value=move || query.with(|q| q.get("nhs_number").unwrap_or_default()) />
            </div>
            <button class="nhsuk-button nhsuk-button--secondary" type="submit">"Find patient"</button>
        </form>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let (nhs, service, _) = params();
                match found.await {
                    Ok(b) => {
                        let Some(p) = b.patient.clone() else { return view! { <p></p> }.into_any() };
                        let nhs2 = nhs.clone();
                        view! {
                            <h2>{p.name.clone()}</h2>
                            <p>"Born "{p.date_of_birth.clone()}" · registered at "{p.practice.clone()}</p>
                            <form method="get" action="/staff/book" novalidate>
                                <input type="hidden" name="nhs_number" value=nhs.clone() />
                                <div class="nhsuk-form-group">
                                    <label class="nhsuk-label" for="service">"Kind of appointment"</label>
                                    <select class="nhsuk-select" id="service" name="service">
                                        {crate::api::booking::services().into_iter().map(|(code, label)| {
                                            let selected = service.as_deref() == Some(code);
                                            view! { <option value=code selected=selected>{label}</option> }
                                        }).collect_view()}
                                    </select>
                                </div>
                                <button class="nhsuk-button nhsuk-button--secondary" type="submit">"Show times"</button>
                            </form>
                            {(!b.times.is_empty()).then(|| {
                                let service = service.clone().unwrap_or_default();
                                view! {
                                    <form method="get" action="/staff/book" novalidate>
                                        <input type="hidden" name="nhs_number" value=nhs2.clone() />
                                        <input type="hidden" name="service" value=service />
                                        <div class="nhsuk-form-group">
                                            <fieldset class="nhsuk-fieldset">
                                                <legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--m">"Times this patient can have"</legend>
                                                {b.times.clone().into_iter().enumerate().map(|(d, day)| view! {
                                                    <h3 class="nhsuk-heading-s">{day.day}</h3>
                                                    <div class="nhsuk-radios nhsuk-radios--small">
                                                        {day.times.into_iter().enumerate().map(|(i, t)| {
                                                            let id = format!("time-{d}-{i}");
                                                            view! {
                                                                <div class="nhsuk-radios__item">
                                                                    <input class="nhsuk-radios__input" id=id.clone() name="slot_id" type="radio" value=t.slot_id checked=d == 0 && i == 0 />
                                                                    <label class="nhsuk-label nhsuk-radios__label" for=id>{format!("{} · {}, {}", t.time, t.place, t.location)}</label>
                                                                </div>
                                                            }
                                                        }).collect_view()}
                                                    </div>
                                                }).collect_view()}
                                            </fieldset>
                                        </div>
                                        <button class="nhsuk-button nhsuk-button--secondary" type="submit">"Check this time"</button>
                                    </form>
                                }
                            })}
                            {b.chosen.clone().map(|t| {
                                let patient_id = p.patient_id.clone();
                                let token = b.csrf_token.clone();
                                let allowed = b.allowed;
                                view! {
                                    <h2>"Can "{p.name.clone()}" have "{t.when.clone()}"?"</h2>
                                    <table class="nhsuk-table">
                                        <caption class="nhsuk-table__caption">"Booking rules"</caption>
                                        <thead class="nhsuk-table__head"><tr><th scope="col">"Rule"</th><th scope="col">"Outcome"</th><th scope="col">"Why"</th></tr></thead>
                                        <tbody class="nhsuk-table__body">
                                            {b.checks.clone().into_iter().map(|c| view! {
                                                <tr><td>{c.rule}</td><td>{c.outcome}</td><td>{c.explanation}</td></tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                    <ActionForm action=book>
                                        <input type="hidden" name="csrf_token" value=token />
                                        <input type="hidden" name="patient_id" value=patient_id />
                                        <input type="hidden" name="slot_id" value=t.slot_id.clone() />
                                        <input type="hidden" name="form_key" value=form_key() />
                                        {(!allowed).then(|| view! {
                                            <div class="nhsuk-form-group">
                                                <label class="nhsuk-label" for="override-reason">"Reason for overriding the rules"</label>
                                                <div class="nhsuk-hint" id="override-reason-hint">"Recorded with the booking. Some rules cannot be overridden."</div>
                                                <input class="nhsuk-input" id="override-reason" name="override_reason" type="text" aria-describedby="override-reason-hint" />
                                            </div>
                                        })}
                                        <button class="nhsuk-button" type="submit">"Book this time"</button>
                                    </ActionForm>
                                }
                            })}
                        }.into_any()
                    }
                    Err(e) => view! {
                        <ErrorSummary errors=vec![("nhs-number".to_string(), error_text(&e))] />
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn form_key() -> String {
    #[cfg(feature = "ssr")]
    {
        uuid::Uuid::new_v4().to_string()
    }
    #[cfg(not(feature = "ssr"))]
    {
        String::new()
    }
}

/// Placeholder until the desk's search results page is written.
#[component]
pub fn FindPatientPage() -> impl IntoView {
    view! { <h1>"Find a patient"</h1> }
}

/// Placeholder until the staff waitlist page is written.
#[component]
pub fn WaitlistPage() -> impl IntoView {
    view! { <h1>"Waiting list"</h1> }
}
