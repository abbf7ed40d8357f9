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
